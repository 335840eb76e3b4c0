"""Speed and memory of multi-step LIF layers: spikeflow against a plain torch loop,
snnTorch, Norse and SpikingJelly, side by side in one invocation (one process per library).

    pip install -e '.[bench,fast,data]'
    python benchmarks/training.py [--quick | --points 25x2048,100x512] [--libs spikeflow,plain,...]
        [--skip grid,memory,digits] [--json-out FILE]

Cases (batch 64; LIF with decay 0.9, threshold 1, reset by subtraction, fast-sigmoid
surrogate with slope 25 where the library lets one choose):

* grid: T in (25, 100, 500) x n in (128, 512, 2048), forward and forward + backward,
  "neuron" (input currents given, they require grad) and "linear" (Linear(n, n) then the
  neuron; the input does not require grad; spikeflow runs its fused
  ``spikeflow.nn.LinearLIF``). Each number is the lowest of three passes' medians (ms per
  batch), since the machine drifts. The libraries take turns point by point (a fresh
  process per library and grid point), so that the numbers compared at one point are
  measured within a minute of each other rather than a library's whole grid apart.
* memory: peak resident memory (MiB) of a fresh process running Linear + neuron,
  forward + backward, at T = 500, n = 2048; spikeflow twice, as ``LinearLIF`` and as
  ``LinearLIF(recompute=True)`` (currents recomputed in the backward pass).
* digits: 64-256-10 network (Linear, LIF, Linear, LIF; cross-entropy on spike counts),
  T = 25, batch 64, 20 epochs on scikit-learn's digits (80/20 split, random_state=0),
  seeds 0, 1, 2: median training samples per second and mean test accuracy.

The script also measures the machine's copy bandwidth and prints the memory-bandwidth
bound of the neuron-only forward pass (input read plus spikes written). It prints tables
and, last, one JSON object. A library that is not installed is skipped with a note.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import torch
from torch import nn

LIBS = ("spikeflow", "plain", "snntorch", "norse", "spikingjelly")
GRID_T = (25, 100, 500)
GRID_N = (128, 512, 2048)
BATCH = 64
DECAY = 0.9


# ------------------------------------------------------------------- neuron builders
class _FastSigmoid(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):  # noqa: ANN001, ANN205
        ctx.save_for_backward(x)
        return (x >= 0).to(x.dtype)

    @staticmethod
    def backward(ctx, g):  # noqa: ANN001, ANN205
        (x,) = ctx.saved_tensors
        return g / (1 + 25 * x.abs()) ** 2


def plain_lif(x: torch.Tensor) -> torch.Tensor:
    """The plain 20-line torch loop every library is measured against."""
    v = torch.zeros_like(x[0])
    out = []
    for xt in x.unbind(0):
        v = DECAY * v + xt
        z = _FastSigmoid.apply(v - 1.0)
        v = v - z
        out.append(z)
    return torch.stack(out)


def make_neuron(lib: str):  # noqa: ANN201
    """A callable ``[T, batch, n] -> spikes [T, batch, n]`` starting from rest, plus the
    module (or None) that holds it."""
    if lib == "plain":
        return plain_lif, None
    if lib == "spikeflow":
        import math

        import spikeflow as sf

        layer = sf.nn.LIF(tau_mem_ms=-1.0 / math.log(DECAY), v_th=1.0, check_inputs=False)
        return layer, layer
    if lib == "snntorch":
        import snntorch as snn
        from snntorch import surrogate

        cell = snn.Leaky(
            beta=DECAY, threshold=1.0, reset_mechanism="subtract",
            spike_grad=surrogate.fast_sigmoid(slope=25),
        )  # fmt: skip

        def run(x: torch.Tensor) -> torch.Tensor:
            mem = cell.init_leaky()
            out = []
            for xt in x.unbind(0):
                spk, mem = cell(xt, mem)
                out.append(spk)
            return torch.stack(out)

        return run, cell
    if lib == "norse":
        import norse.torch as nt

        try:
            from norse.torch.functional.reset import reset_subtract

            params = nt.LIFBoxParameters(reset_method=reset_subtract)
        except ImportError:  # pragma: no cover - older Norse: reset to zero
            params = nt.LIFBoxParameters()
        cell = nt.LIFBoxCell(params)  # tau_mem_inv 100 /s at dt 1 ms: decay 0.9

        def run(x: torch.Tensor) -> torch.Tensor:
            state, out = None, []
            for xt in x.unbind(0):
                z, state = cell(xt / (1 - DECAY), state)  # Norse scales input by dt/tau
                out.append(z)
            return torch.stack(out)

        return run, cell
    if lib == "spikingjelly":
        from spikingjelly.activation_based import functional, neuron, surrogate

        node = neuron.LIFNode(
            tau=1.0 / (1 - DECAY), decay_input=False, v_threshold=1.0, v_reset=None,
            surrogate_function=surrogate.Sigmoid(), step_mode="m",
        )  # fmt: skip

        def run(x: torch.Tensor) -> torch.Tensor:
            functional.reset_net(node)
            return node(x)

        return run, node
    raise ValueError(f"unknown library {lib!r}")


def make_linear(lib: str, neuron, fc: nn.Linear, recompute: bool = False):  # noqa: ANN001, ANN201
    """A callable ``x [T, batch, n_in] -> spikes`` for Linear + neuron with ``fc``'s weights.

    spikeflow uses its fused layer (:class:`spikeflow.nn.LinearLIF`, sharing ``fc``); the
    others apply ``fc`` and then the neuron."""
    if lib != "spikeflow":
        return lambda x: neuron(fc(x))
    import spikeflow as sf

    layer = sf.nn.LinearLIF(
        fc.in_features, fc.out_features, bias=fc.bias is not None, recompute=recompute,
        tau_mem_ms=neuron.params.tau_mem_ms, v_th=1.0, check_inputs=False,
    )  # fmt: skip
    layer.input = fc
    return layer


# ---------------------------------------------------------------------------- timing
def time_case(fn, passes: int = 3, reps: int = 5) -> float:  # noqa: ANN001
    """Lowest of ``passes`` medians of ``reps`` timed calls, in ms (after one warm-up)."""
    fn()
    medians = []
    for _ in range(passes):
        ts = []
        for _ in range(reps):
            start = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - start)
        medians.append(statistics.median(ts))
    return min(medians) * 1e3


def _cases(neuron, x: torch.Tensor, fc: nn.Linear, linear) -> dict:  # noqa: ANN001
    """The four timed calls of one grid point (``linear`` is ``make_linear``'s callable)."""

    def neuron_fwd() -> None:
        with torch.no_grad():
            neuron(x)

    def neuron_fwd_bwd() -> None:
        xi = x.detach().requires_grad_(True)
        neuron(xi).sum().backward()

    def linear_fwd() -> None:
        with torch.no_grad():
            linear(x)

    def linear_fwd_bwd() -> None:
        fc.zero_grad(set_to_none=True)
        linear(x).sum().backward()

    return {
        "neuron_fwd": neuron_fwd,
        "neuron_fwd_bwd": neuron_fwd_bwd,
        "linear_fwd": linear_fwd,
        "linear_fwd_bwd": linear_fwd_bwd,
    }


def grid_points(quick: bool, points: str | None) -> list[tuple[int, int]]:
    """The (T, n) grid points to time: all, the small ones (``quick``), or ``points``
    given as ``"TxN,TxN"``."""
    if points:
        try:
            return [(int(p.split("x")[0]), int(p.split("x")[1])) for p in points.split(",") if p]
        except (IndexError, ValueError) as err:
            raise SystemExit(f"--points must look like 25x2048,100x512, got {points!r}") from err
    return [(T, n) for T in GRID_T for n in GRID_N if not (quick and T * n > 100 * 512)]


def grid_worker(lib: str, points: list[tuple[int, int]]) -> dict:
    torch.manual_seed(0)
    neuron, _ = make_neuron(lib)
    results = {}
    for T, n in points:
        x = torch.rand(T, BATCH, n) * 0.6
        fc = nn.Linear(n, n)
        nn.init.uniform_(fc.weight, -1 / n**0.5, 1 / n**0.5)
        reps = 3 if T * n >= 500 * 512 else 5

        key = f"T={T},n={n}"
        cases = _cases(neuron, x, fc, make_linear(lib, neuron, fc))
        results[key] = {name: time_case(fn, reps=reps) for name, fn in cases.items()}
        print(f"  {lib} {key}: {results[key]}", file=sys.stderr, flush=True)
    return results


def memory_worker(lib: str, recompute: bool = False) -> dict:
    torch.manual_seed(0)
    neuron, _ = make_neuron(lib)
    T, n = 500, 2048
    fc = nn.Linear(n, n)
    linear = make_linear(lib, neuron, fc, recompute)
    x = torch.rand(T, BATCH, n) * 0.6
    # warm any compile cache on a tiny input first, so it does not count
    linear(x[:2, :2]).sum().backward()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    linear(x).sum().backward()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"peak_rss_mib": peak, "rss_before_mib": base}


def digits_worker(lib: str, epochs: int = 20, seeds: tuple[int, ...] = (0, 1, 2)) -> dict:
    """Train from each seed; report the median throughput and the mean test accuracy (one
    seed's accuracy on 360 test digits moves by about 0.01 from seed to seed)."""
    runs = [_digits_run(lib, epochs, seed) for seed in seeds]
    return {
        "samples_per_s": statistics.median(r["samples_per_s"] for r in runs),
        "test_accuracy": statistics.mean(r["test_accuracy"] for r in runs),
        "test_accuracy_per_seed": [r["test_accuracy"] for r in runs],
        "seeds": list(seeds),
    }


def _digits_run(lib: str, epochs: int, seed: int) -> dict:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    torch.manual_seed(seed)
    xs, ys = load_digits(return_X_y=True)
    x_tr, x_te, y_tr, y_te = train_test_split(xs, ys, test_size=0.2, random_state=0)
    x_tr, x_te = (torch.tensor(a / 16.0, dtype=torch.float32) for a in (x_tr, x_te))
    y_tr, y_te = torch.tensor(y_tr), torch.tensor(y_te)
    n1, _ = make_neuron(lib)
    n2, _ = make_neuron(lib)
    fc1, fc2 = nn.Linear(64, 256), nn.Linear(256, 10)
    layer1, layer2 = make_linear(lib, n1, fc1), make_linear(lib, n2, fc2)
    params = list(fc1.parameters()) + list(fc2.parameters())
    opt = torch.optim.Adam(params, lr=2e-3)
    g = torch.Generator().manual_seed(seed)
    T = 25

    def net(xb: torch.Tensor) -> torch.Tensor:
        spikes = (torch.rand((T, *xb.shape), generator=g) < xb).float()
        return layer2(layer1(spikes)).sum(0)

    start = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(len(x_tr), generator=g)
        for i in range(0, len(x_tr), BATCH):
            idx = perm[i : i + BATCH]
            loss = nn.functional.cross_entropy(net(x_tr[idx]), y_tr[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    train_s = time.perf_counter() - start
    with torch.no_grad():
        acc = float((net(x_te).argmax(1) == y_te).float().mean())
    return {"samples_per_s": epochs * len(x_tr) / train_s, "test_accuracy": acc, "train_s": train_s}


def copy_bandwidth_gbs() -> float:
    """Copy bandwidth (GB/s, read + write) of a 256 MiB float32 copy into existing memory."""
    a = torch.rand(64 * 1024 * 1024)
    b = torch.empty_like(a)
    best = min(_timed(lambda: b.copy_(a)) for _ in range(5))
    return 2 * a.numel() * 4 / best / 1e9


def _timed(fn) -> float:  # noqa: ANN001
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# --------------------------------------------------------------------------- driver
def run_worker(lib: str, what: str, quick: bool, points: str | None = None) -> dict | str:
    cmd = [sys.executable, __file__, "--worker", lib, "--what", what] + (["--quick"] if quick else [])
    cmd += ["--points", points] if points else []
    proc = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy())
    sys.stderr.write(proc.stderr[-4000:] if proc.returncode else "")
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["failed"])[-1]
        return f"skipped: {last}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def grid_by_point(libs: list[str], points: list[tuple[int, int]]) -> dict:
    """Each library's grid results, measured point by point with the libraries taking
    turns; a library that fails is reported by its reason."""
    report: dict = {lib: {} for lib in libs}
    for T, n in points:
        for lib in libs:
            if not isinstance(report[lib], dict):
                continue  # skipped at an earlier point (not installed)
            print(f"[grid] T={T}, n={n}: {lib} ...", file=sys.stderr, flush=True)
            result = run_worker(lib, "grid", False, f"{T}x{n}")
            if isinstance(result, dict):
                report[lib].update(result)
            else:
                report[lib] = result
    return report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--libs", default=",".join(LIBS))
    ap.add_argument("--quick", action="store_true", help="small grid points only")
    ap.add_argument("--points", default=None, help="grid points to time instead, e.g. 25x2048,100x512")
    ap.add_argument("--skip", default="", help="comma list of parts to skip: grid,memory,digits")
    ap.add_argument("--json-out", default=None)
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--what", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    torch.set_num_threads(2)
    if args.worker:
        try:
            make_neuron(args.worker)
        except ImportError as err:
            print(f"{args.worker} is not installed: {err}", file=sys.stderr)
            sys.exit(3)
        fn = {"grid": lambda: grid_worker(args.worker, grid_points(args.quick, args.points)),
              "memory": lambda: memory_worker(args.worker),
              "memory_recompute": lambda: memory_worker(args.worker, recompute=True),
              "digits": lambda: digits_worker(args.worker)}[args.what]  # fmt: skip
        print(json.dumps(fn()))
        return

    libs = [lib for lib in args.libs.split(",") if lib]
    skip = set(args.skip.split(","))
    report: dict = {"torch": torch.__version__, "threads": 2, "batch": BATCH, "libs": libs}
    bw = copy_bandwidth_gbs()
    report["copy_bandwidth_gbs"] = bw
    for part in ("grid", "memory", "digits"):
        if part in skip:
            continue
        report[part] = {}
        if part == "grid":
            report[part] = grid_by_point(libs, grid_points(args.quick, args.points))
            continue
        for lib in libs:
            print(f"[{part}] {lib} ...", file=sys.stderr, flush=True)
            report[part][lib] = run_worker(lib, part, args.quick, args.points)
            if part == "memory" and lib == "spikeflow":
                report[part]["spikeflow (recompute)"] = run_worker(lib, "memory_recompute", args.quick)
    print_tables(report)
    text = json.dumps(report)
    if args.json_out:
        with open(args.json_out, "w") as fh:
            fh.write(text)
    print(text)


def _fastest_other(row: dict, key: str) -> tuple[str, float]:
    others = {lib: r[key] for lib, r in row.items() if lib != "spikeflow"}
    lib = min(others, key=others.get)
    return lib, others[lib]


def print_tables(report: dict) -> None:
    libs = [lib for lib in report["libs"]]
    if "grid" in report:
        grid = {lib: r for lib, r in report["grid"].items() if isinstance(r, dict)}
        for lib, r in report["grid"].items():
            if not isinstance(r, dict):
                print(f"{lib}: {r}")
        ok = [lib for lib in libs if lib in grid]
        keys = list(next(iter(grid.values())).keys()) if grid else []
        for case in ("neuron_fwd", "neuron_fwd_bwd", "linear_fwd", "linear_fwd_bwd"):
            print(f"\n{case} (ms per batch of {BATCH}; ratio = fastest other / spikeflow)")
            print(f"{'T, n':14}" + "".join(f"{lib:>13}" for lib in ok) + f"{'ratio':>9}")
            for key in keys:
                row = {lib: grid[lib][key] for lib in ok}
                line = f"{key:14}" + "".join(f"{row[lib][case]:>13.2f}" for lib in ok)
                if "spikeflow" in row and len(row) > 1:
                    _, best = _fastest_other(row, case)
                    line += f"{best / row['spikeflow'][case]:>9.2f}"
                print(line)
        if "spikeflow" in grid:
            bw = report["copy_bandwidth_gbs"]
            print(f"\nneuron forward against the bandwidth bound (copy bandwidth {bw:.1f} GB/s):")
            for key in keys:
                T, n = (int(p.split("=")[1]) for p in key.split(","))
                bound_ms = 2 * T * BATCH * n * 4 / (bw * 1e9) * 1e3
                got = grid["spikeflow"][key]["neuron_fwd"]
                print(
                    f"  {key:14} bound {bound_ms:8.2f} ms   spikeflow {got:8.2f} ms   x{got / bound_ms:.2f}"
                )
    if "memory" in report:
        print("\npeak RSS, Linear + neuron, T=500, n=2048, forward + backward (MiB):")
        for lib, r in report["memory"].items():
            print(f"  {lib:14} " + (f"{r['peak_rss_mib']:.0f}" if isinstance(r, dict) else r))
    if "digits" in report:
        print("\ndigits 64-256-10, T=25, batch 64, 20 epochs, seeds 0-2:")
        for lib, r in report["digits"].items():
            if isinstance(r, dict):
                accs = ", ".join(f"{a:.4f}" for a in r["test_accuracy_per_seed"])
                print(
                    f"  {lib:14} {r['samples_per_s']:8.0f} samples/s   mean test accuracy "
                    f"{r['test_accuracy']:.4f} ({accs})"
                )
            else:
                print(f"  {lib:14} {r}")


if __name__ == "__main__":
    main()

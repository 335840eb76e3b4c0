"""Recurrent spiking layers, forward + backward: spikeflow's fused recurrent layer against
its own reference loop, a plain torch loop, snnTorch, Norse and SpikingJelly, in one
process, the libraries taking turns call by call.

    python benchmarks/recurrent.py [--points 100x128,100x512,500x256] [--repeats 7]
        [--libs spikeflow,spikeflow_reference,plain,snntorch,norse,spikingjelly] [--json FILE]

The layer: ``x [T, 64, H]`` -> ``Linear(H, H)`` -> LIF with recurrent weights
``W_rec [H, H]`` (decay 0.9 per step, threshold 1, reset by subtraction, fast-sigmoid
surrogate of slope 25 where the library lets one choose), the loss ``sum(out * w)``;
one timed call is the forward and backward pass. What differs between libraries:
snnTorch's ``RLeaky`` resets with the previous step's spike; Norse's ``LIFRecurrent`` is
its current-based LIF (a synaptic current, Euler steps) with its own input weights;
SpikingJelly has no recurrent LIF layer, so its ``LinearRecurrentContainer`` wraps a
single-step ``LIFNode`` (its element-wise recurrence over the concatenated input and
output). spikeflow runs ``spikeflow.nn.RecurrentLIF``: as ``spikeflow`` with its default
backend (fused, ``spikeflow.kernels.fused_recurrent``, where the recurrent product is
small enough for that to pay, the reference loop above), as ``spikeflow_fused`` fused at
every size and as ``spikeflow_reference`` its reference loop.

Prints a table of medians (ms), the machine's load and torch's threads, then one JSON object.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import time

import torch
from torch import nn
from training import _FastSigmoid  # the plain loop's spike function (benchmarks/training.py)

DECAY = 0.9
BATCH = 64
LIBS = ("spikeflow", "spikeflow_fused", "spikeflow_reference", "plain", "snntorch", "norse", "spikingjelly")


def make(lib: str, hidden: int):  # noqa: C901, ANN201 - one builder per library
    """A callable ``x [T, batch, hidden] -> out [T, batch, hidden]`` of the recurrent
    layer of ``lib`` (fresh state each call), or ``None`` when the library is missing."""
    torch.manual_seed(0)
    if lib.startswith("spikeflow"):
        import spikeflow as sf

        backend = {"spikeflow": "auto", "spikeflow_fused": "fused", "spikeflow_reference": "reference"}[lib]
        layer = sf.nn.RecurrentLIF(hidden, hidden, tau_mem_ms=-1.0 / math.log(DECAY), v_th=1.0,
                                   surrogate_slope=25.0, check_inputs=False, backend=backend)  # fmt: skip
        return layer
    fc = nn.Linear(hidden, hidden)
    rec = nn.Linear(hidden, hidden, bias=False)
    if lib == "plain":

        def plain(x: torch.Tensor) -> torch.Tensor:
            drive = fc(x)
            v = torch.zeros_like(drive[0])
            z = torch.zeros_like(v)
            out = []
            for dt in drive.unbind(0):
                v = DECAY * v + dt + rec(z)
                z = _FastSigmoid.apply(v - 1.0)
                v = v - z
                out.append(z)
            return torch.stack(out)

        return plain
    try:
        if lib == "snntorch":
            import snntorch as snn
            from snntorch import surrogate

            cell = snn.RLeaky(beta=DECAY, linear_features=hidden, threshold=1.0, reset_mechanism="subtract",
                              spike_grad=surrogate.fast_sigmoid(slope=25), all_to_all=True)  # fmt: skip

            def run_snntorch(x: torch.Tensor) -> torch.Tensor:
                spk, mem = cell.init_rleaky()
                out = []
                for xt in fc(x).unbind(0):
                    spk, mem = cell(xt, spk, mem)
                    out.append(spk)
                return torch.stack(out)

            run_snntorch.modules = (fc, cell)
            return run_snntorch
        if lib == "norse":
            import norse.torch as nt

            layer = nt.LIFRecurrent(hidden, hidden)
            return lambda x: layer(x)[0]
        if lib == "spikingjelly":
            from spikingjelly.activation_based import functional, layer, neuron, surrogate

            node = neuron.LIFNode(tau=1.0 / (1 - DECAY), decay_input=False, v_threshold=1.0, v_reset=None,
                                  surrogate_function=surrogate.Sigmoid(), step_mode="s")  # fmt: skip
            cont = layer.LinearRecurrentContainer(node, in_features=hidden, out_features=hidden,
                                                  step_mode="s")  # fmt: skip

            def run_sj(x: torch.Tensor) -> torch.Tensor:
                functional.reset_net(cont)
                return torch.stack([cont(xt) for xt in fc(x).unbind(0)])

            return run_sj
    except ImportError:
        return None
    raise ValueError(f"unknown library {lib!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", default="100x128,100x512,500x256", help="TxH,TxH,...")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--libs", default=",".join(LIBS))
    parser.add_argument("--json", default=None, help="also write the JSON object to this file")
    args = parser.parse_args()
    libs = [lib.strip() for lib in args.libs.split(",") if lib.strip()]
    for lib in libs:
        if lib not in LIBS:
            parser.error(f"--libs: unknown library {lib!r} (known: {', '.join(LIBS)})")
    points = []
    for item in args.points.split(","):
        t, h = item.lower().split("x")
        points.append((int(t), int(h)))
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f}; torch threads {torch.get_num_threads()}; batch {BATCH}")
    rows = []
    for steps, hidden in points:
        g = torch.Generator().manual_seed(1)
        x = torch.rand((steps, BATCH, hidden), generator=g) * 0.3
        w = torch.rand((steps, BATCH, hidden), generator=g) - 0.5
        runners, rates = {}, {}
        for lib in libs:
            fn = make(lib, hidden)
            if fn is None:
                print(f"  {lib}: not installed, skipped")
                continue

            def call(fn=fn, x=x, w=w) -> float:  # noqa: ANN001
                out = fn(x)
                (out * w).sum().backward()
                return float(out.detach().mean())

            rates[lib] = call()  # warm (compiles the kernels)
            runners[lib] = call
        times: dict[str, list[float]] = {lib: [] for lib in runners}
        for _ in range(args.repeats):
            for lib, call in runners.items():
                t0 = time.perf_counter()
                call()
                times[lib].append(time.perf_counter() - t0)
        row = {"T": steps, "H": hidden, "batch": BATCH,
               "ms": {lib: statistics.median(ts) * 1e3 for lib, ts in times.items()},
               "output_mean": rates}  # fmt: skip
        rows.append(row)
        ref = row["ms"].get("spikeflow")
        print(f"T={steps} H={hidden}: " + ", ".join(
            f"{lib} {ms:.1f} ms" + (f" ({ms / ref:.2f}x)" if ref and lib != "spikeflow" else "")
            for lib, ms in row["ms"].items()))  # fmt: skip
    result = {"load_average": load, "torch_threads": torch.get_num_threads(), "repeats": args.repeats,
              "rows": rows}  # fmt: skip
    text = json.dumps(result)
    print(text)
    if args.json:
        from spikeflow._atomic import write_atomically

        write_atomically(args.json, lambda tmp: open(tmp, "w").write(text + "\n"))


if __name__ == "__main__":
    main()

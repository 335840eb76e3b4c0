"""GPU: spikeflow's Triton LIF kernel against a plain torch loop and SpikingJelly's GPU
backends, forward + backward, in one process on one CUDA device.

    pip install -e '.[gpu,bench]'          # triton; spikingjelly (cupy optional)
    python -m pytest tests/test_kernels_triton.py   # the kernels against the reference
    python benchmarks/gpu_kernels.py [--json-out FILE]
    python benchmarks/gpu_kernels.py --smoke    # tiny sizes; on CPU through Triton's interpreter

``--smoke`` checks the script's plumbing (T = 6, batch 2, 64 neurons, 2 timed calls) and,
without a GPU, runs the Triton kernel through its interpreter on CPU tensors, so the
script can be tried before a GPU session (whose time is short) rather than during it.

The case is the open-neuromorphic setting named in the issue: 16 384 neurons, T = 500,
batch 16, float32, LIF with decay 0.9, threshold 1, reset by subtraction, input currents
that require grad; ``.sum().backward()``. Each number is the median of 20 timed calls
after 3 warm-up calls, with ``torch.cuda.synchronize()`` around each. Prints a table and
one JSON object. Written without a GPU at hand: not yet run (see docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import statistics
import sys
import time

import torch

T, BATCH, N, DECAY = 500, 16, 16384, 0.9
SMOKE = 6, 2, 64  # T, batch, neurons for --smoke


def _sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def _time(fn, reps: int = 20) -> float:  # noqa: ANN001
    for _ in range(3):
        fn()
    times = []
    for _ in range(reps):
        _sync()
        start = time.perf_counter()
        fn()
        _sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def runners(device: str) -> dict:
    import spikeflow as sf

    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    from training import plain_lif

    layer = sf.nn.LIF(tau_mem_ms=-1.0 / math.log(DECAY), v_th=1.0, check_inputs=False, backend="fused")
    if device == "cpu":  # --smoke without a GPU: the Triton kernel through its interpreter
        from spikeflow.codegen import fused, triton_backend  # the LIF's kernels, generated

        def layer(x: torch.Tensor) -> torch.Tensor:
            lif = sf.nn.LIF(tau_mem_ms=-1.0 / math.log(DECAY), v_th=1.0, check_inputs=False)
            state, c = lif.initial_state(x.shape[1:], x.dtype, x.device), lif.coeffs()
            consts, per_neuron = fused._constants(c, tuple(state.v.shape), x.dtype, x.device)
            return triton_backend.triton_sequence(c.params.spec, x, [state.v], consts, per_neuron, c)[0]

    out = {"spikeflow (triton)": layer, "plain torch loop": plain_lif}
    try:
        from spikingjelly.activation_based import functional, neuron, surrogate

        for backend in ("torch", "cupy"):
            node = neuron.LIFNode(
                tau=1.0 / (1 - DECAY), decay_input=False, v_threshold=1.0, v_reset=None,
                surrogate_function=surrogate.Sigmoid(), step_mode="m", backend=backend,
            ).to(device)  # fmt: skip

            def run(x: torch.Tensor, node=node) -> torch.Tensor:  # noqa: ANN001
                functional.reset_net(node)
                return node(x)

            out[f"spikingjelly ({backend})"] = run
    except Exception as err:  # noqa: BLE001 - a missing peer or backend is reported, not fatal
        print(f"spikingjelly skipped: {err}", file=sys.stderr)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json-out", default=None)
    ap.add_argument("--smoke", action="store_true", help="tiny sizes; runs without a GPU too")
    args = ap.parse_args()
    if importlib.util.find_spec("triton") is None:
        sys.exit("triton is not installed: pip install triton (CUDA builds of torch include it)")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cpu":
        if not args.smoke:
            sys.exit("no CUDA device: this benchmark needs a GPU (--smoke tries the script on CPU)")
        os.environ.setdefault("TRITON_INTERPRET", "1")  # read when the kernels are defined
    t, batch, n = SMOKE if args.smoke else (T, BATCH, N)
    reps = 2 if args.smoke else 20
    x = torch.rand(t, batch, n, device=device) * 0.6
    name = torch.cuda.get_device_name() if device == "cuda" else "cpu (Triton interpreter)"
    report = {"device": name, "T": t, "batch": batch, "neurons": n, "smoke": args.smoke, "runs": {}}
    ref = None
    for name, fn in runners(device).items():

        def fwd_bwd(fn=fn) -> None:  # noqa: ANN001
            xi = x.detach().requires_grad_(True)
            fn(xi).sum().backward()

        def fwd(fn=fn) -> None:  # noqa: ANN001
            with torch.no_grad():
                fn(x)

        try:
            report["runs"][name] = {"forward_s": _time(fwd, reps), "forward_backward_s": _time(fwd_bwd, reps)}
            with torch.no_grad():
                spikes = fn(x)
            ref = spikes if ref is None else ref  # every runner must give the first one's spikes
            report["runs"][name]["same_spikes_as_first"] = bool(torch.equal(spikes, ref))
            report["runs"][name]["spike_count"] = int(spikes.sum())
        except Exception as err:  # noqa: BLE001
            report["runs"][name] = f"failed: {type(err).__name__}: {err}"
        print(f"{name:24} {report['runs'][name]}", flush=True)
    text = json.dumps(report)
    if args.json_out:
        with open(args.json_out, "w") as fh:
            fh.write(text)
    print(text)


if __name__ == "__main__":
    main()

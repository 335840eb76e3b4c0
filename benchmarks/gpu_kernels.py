"""GPU: spikeflow's Triton LIF kernel against a plain torch loop and SpikingJelly's GPU
backends, forward + backward, in one process on one CUDA device.

    pip install -e '.[gpu,bench]'          # triton; spikingjelly (cupy optional)
    python -m pytest tests/test_kernels_triton.py   # the kernels against the reference
    python benchmarks/gpu_kernels.py [--json-out FILE]

The case is the open-neuromorphic setting named in the issue: 16 384 neurons, T = 500,
batch 16, float32, LIF with decay 0.9, threshold 1, reset by subtraction, input currents
that require grad; ``.sum().backward()``. Each number is the median of 20 timed calls
after 3 warm-up calls, with ``torch.cuda.synchronize()`` around each. Prints a table and
one JSON object. Written without a GPU at hand: not yet run (see docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time

import torch

T, BATCH, N, DECAY = 500, 16, 16384, 0.9


def _time(fn, reps: int = 20) -> float:  # noqa: ANN001
    for _ in range(3):
        fn()
    times = []
    for _ in range(reps):
        torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def runners() -> dict:
    import spikeflow as sf

    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    from training import plain_lif

    layer = sf.nn.LIF(tau_mem_ms=-1.0 / math.log(DECAY), v_th=1.0, check_inputs=False, backend="fused")
    out = {"spikeflow (triton)": layer, "plain torch loop": plain_lif}
    try:
        from spikingjelly.activation_based import functional, neuron, surrogate

        for backend in ("torch", "cupy"):
            node = neuron.LIFNode(
                tau=1.0 / (1 - DECAY), decay_input=False, v_threshold=1.0, v_reset=None,
                surrogate_function=surrogate.Sigmoid(), step_mode="m", backend=backend,
            ).cuda()  # fmt: skip

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
    args = ap.parse_args()
    if not torch.cuda.is_available():
        sys.exit("no CUDA device: this benchmark needs a GPU")
    x = torch.rand(T, BATCH, N, device="cuda") * 0.6
    report = {"device": torch.cuda.get_device_name(), "T": T, "batch": BATCH, "neurons": N, "runs": {}}
    for name, fn in runners().items():

        def fwd_bwd(fn=fn) -> None:  # noqa: ANN001
            xi = x.detach().requires_grad_(True)
            fn(xi).sum().backward()

        def fwd(fn=fn) -> None:  # noqa: ANN001
            with torch.no_grad():
                fn(x)

        try:
            report["runs"][name] = {"forward_s": _time(fwd), "forward_backward_s": _time(fwd_bwd)}
        except Exception as err:  # noqa: BLE001
            report["runs"][name] = f"failed: {err}"
        print(f"{name:24} {report['runs'][name]}", flush=True)
    text = json.dumps(report)
    if args.json_out:
        with open(args.json_out, "w") as fh:
            fh.write(text)
    print(text)


if __name__ == "__main__":
    main()

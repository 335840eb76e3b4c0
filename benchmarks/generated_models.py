"""The built-in LIF on the loop compiled at install, on Numba's JIT, and a user's
specification of the same model, in one process.

    python benchmarks/generated_models.py [--repeats 7] [--json out.json]

4000 LIF neurons (current input, reset to a value, 2 ms refractory, 2 % recurrent
connectivity, Poisson drive) for 1 s: the built-in LIF (generated from its specification,
its update compiled ahead of time with the loop at install) on that loop and on Numba's
JIT loop, and the same model written as a user's specification (its generated update in
the JIT loop).

(Until 2026-12-06 this script also timed the synaptic LIF's hand-written fused kernels
against its generated ones; the built-in synaptic LIF runs the generated ones now, and
the table of that comparison in ``docs/benchmarks.md`` is the record.)

Prints a table of medians (the machine's load) and one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import numpy as np
import torch

import spikeflow as sf

LIF = dict(
    parameters={"tau_mem_ms": (10.0, "ms"), "tau_syn_ms": (5.0, "ms"), "v_th": (1.0, None)},
    state={"v": None, "i": None},
    equations="dv/dt = (-v + i) / tau_mem_ms\ndi/dt = -i / tau_syn_ms",
    threshold="v >= v_th",
    reset="v -= v_th",
    input=("i", None),
    integrator="exact",
    threshold_parameter="v_th",
)
LIF = dict(
    parameters={"tau_m_ms": (20.0, "ms"), "E_L": (-60.0, "mV"), "V_th": (-50.0, "mV"),
                "V_reset": (-60.0, "mV"), "R": (0.1, "GOhm"), "t_ref_ms": (2.0, "ms", "", "non_negative")},
    state={"v": "mV"},
    equations="dv/dt = (-(v - E_L) + R * I) / tau_m_ms",
    threshold="v >= V_th",
    reset="v = V_reset",
    refractory="t_ref_ms",
    input=("I", "pA"),
    initial={"v": "E_L"},
    integrator="exact",
)  # fmt: skip


def _lif_network(params, backend: str) -> tuple[float, int]:
    net = sf.sim.Network(dt_ms=0.1, seed=1, backend=backend)
    pop = net.population(4000, params)
    net.poisson_input(pop, 100, 10.0, 1200.0)
    net.connect(pop, pop, p=0.02, weight=40.0, delay_ms=1.0)
    net.connect(pop, pop[:1000], p=0.02, weight=200.0, delay_ms=1.0, receptor="inh")
    spikes = net.record_spikes(pop)
    net.build()
    t = time.perf_counter()
    net.run(1000.0, progress=False)
    elapsed = time.perf_counter() - t
    return elapsed, int(spikes.senders.size)


def simulation(repeats: int) -> list[dict]:
    from spikeflow.sim import fast_compiled

    spec = sf.neurons.define_model("bench_lif", **LIF)
    builtin = sf.neurons.LIFParams(tau_mem_ms=20.0, dt_ms=0.1, v_th=-50.0, v_reset=-60.0, v_rest=-60.0,
                                reset="value", refractory_ms=2.0, input_mode="current",
                                r_mem=0.1)  # fmt: skip
    rows = []
    cases = [("built-in LIF, loop compiled at install", builtin, None),
             ("built-in LIF, Numba JIT loop", builtin, "jit"),
             ("LIF specification, generated update (JIT loop)", spec.params(dt_ms=0.1), None)]  # fmt: skip
    for label, params, mode in cases:
        old = os.environ.get("SPIKEFLOW_FAST_LOOP")
        if mode:
            os.environ["SPIKEFLOW_FAST_LOOP"] = mode
        fast_compiled.load(refresh=True)
        try:
            _lif_network(params, "fast")  # compile
            runs = [_lif_network(params, "fast") for _ in range(repeats)]
        finally:
            if old is None:
                os.environ.pop("SPIKEFLOW_FAST_LOOP", None)
            else:
                os.environ["SPIKEFLOW_FAST_LOOP"] = old
            fast_compiled.load(refresh=True)
        rows.append({"case": label, "loop_s": statistics.median(r[0] for r in runs), "spikes": runs[0][1]})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--json", default=None, help="also write the JSON object to this file")
    args = ap.parse_args()
    load = os.getloadavg()
    sim = simulation(args.repeats)
    print(f"load average {load[0]:.2f} {load[1]:.2f}; torch threads {torch.get_num_threads()}")
    print(f"{'simulation case (4000 LIF, 1 s)':<52} {'loop':>8} {'spikes':>8}")
    for r in sim:
        print(f"{r['case']:<52} {r['loop_s']:>7.3f}s {r['spikes']:>8}")
    payload = {"load_average": load, "simulation": sim, "repeats": args.repeats}
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(payload, fh, indent=1)
    print(json.dumps(payload))


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()

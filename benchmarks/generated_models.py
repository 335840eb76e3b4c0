"""Generated code against the hand-written code of the same model, in one process.

    python benchmarks/generated_models.py [--repeats 7] [--json out.json]

1. Training: the current-based synaptic LIF (exact propagator, input jumps the synaptic
   current, reset by subtraction) as a specification, run by its generated fused Numba
   kernels, against the hand-written fused kernels of ``spikeflow.nn.SynapticLIF``:
   forward and backward, float32, batch 64, at two sizes. The same maths: the two give the
   same spikes except where the propagator's last bit (computed by ``expm`` here, in closed
   form by hand) moves a potential across the threshold; the table says how many differ.
2. Simulation: 4000 LIF neurons (current input, reset to a value, 2 ms refractory, 2 %
   recurrent connectivity, Poisson drive) for 1 s, the built-in LIF on the loop compiled at
   install and on Numba's JIT, and the same model as a specification on the JIT loop with
   its generated update.

Prints a table of medians (the training cases' hand-written and generated kernels take
turns call by call; the machine's load) and one JSON object.
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

SYN_LIF = dict(
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


def _median_times_in_turns(fns: list, repeats: int) -> list[float]:
    """Medians of ``repeats`` timed calls of each function, the functions taking turns
    call by call (so that a change of the machine's load falls on all of them)."""
    for fn in fns:
        fn()  # compile / warm
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, out in zip(fns, times):
            t = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t)
    return [statistics.median(t) for t in times]


def training(repeats: int) -> list[dict]:
    spec = sf.neurons.define_model("bench_syn_lif", **SYN_LIF)
    rows = []
    for steps, n in ((100, 512), (500, 512)):
        g = torch.Generator().manual_seed(0)
        x = torch.rand((steps, 64, n), generator=g) * 0.6
        hand = sf.nn.SynapticLIF(tau_mem_ms=10.0, tau_syn_ms=5.0, dt_ms=1.0, backend="fused")
        gen = sf.nn.SpecLayer(spec, dt_ms=1.0, backend="fused")

        def run(layer, x=x):  # noqa: ANN001, ANN202
            xi = x.clone().requires_grad_(True)
            layer(xi).sum().backward()

        with torch.no_grad():
            z_hand, z_gen = hand(x), gen(x)
        differ = int((z_hand != z_gen).sum())
        timed = [lambda hand=hand: run(hand), lambda gen=gen: run(gen)]
        t_hand, t_gen = _median_times_in_turns(timed, repeats)
        rows.append({"case": f"synaptic LIF fwd+bwd, T={steps}, batch 64, n={n}", "hand_s": t_hand,
                     "generated_s": t_gen, "ratio": t_gen / t_hand, "spikes": int(z_hand.sum()),
                     "spikes_differing": differ})  # fmt: skip
    return rows


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
    hand = sf.neurons.LIFParams(tau_mem_ms=20.0, dt_ms=0.1, v_th=-50.0, v_reset=-60.0, v_rest=-60.0,
                                reset="value", refractory_ms=2.0, input_mode="current",
                                r_mem=0.1)  # fmt: skip
    rows = []
    cases = [("built-in LIF, loop compiled at install", hand, None),
             ("built-in LIF, Numba JIT loop", hand, "jit"), ("LIF specification, generated update (JIT loop)",
             spec.params(dt_ms=0.1), None)]  # fmt: skip
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
    train, sim = training(args.repeats), simulation(args.repeats)
    print(f"load average {load[0]:.2f} {load[1]:.2f}; torch threads {torch.get_num_threads()}")
    print(f"{'training case':<48} {'hand-written':>12} {'generated':>10} {'ratio':>6} "
          f"{'spikes differing':>18}")
    for r in train:
        print(f"{r['case']:<48} {r['hand_s'] * 1e3:>10.2f}ms {r['generated_s'] * 1e3:>8.2f}ms "
              f"{r['ratio']:>6.2f} "
              f"{r['spikes_differing']:>8} of {r['spikes']}")  # fmt: skip
    print(f"{'simulation case (4000 LIF, 1 s)':<52} {'loop':>8} {'spikes':>8}")
    for r in sim:
        print(f"{r['case']:<52} {r['loop_s']:>7.3f}s {r['spikes']:>8}")
    payload = {"load_average": load, "training": train, "simulation": sim, "repeats": args.repeats}
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(payload, fh, indent=1)
    print(json.dumps(payload))


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()

"""The cortical microcircuit (Potjans & Diesmann 2014) in NEST, from the tables spikeflow's
model computes (population sizes, synapse counts, weights, delays, DC currents, background
in-degrees, initial potentials: one JSON file written by ``benchmarks/microcircuit.py``),
so that both simulators run the same model. Written for this benchmark from the paper's
description, in the way of the reference PyNEST implementation (``fixed_total_number``
connections, redrawn normal weights and delays, one Poisson generator per population).

    python nest_microcircuit.py TABLES.json SEED THREADS WARMUP_MS DURATION_MS SPIKES.npz

Prints one JSON object: create and connect times, the warm-up and recorded loop times (s);
the spikes of the recorded time go to ``SPIKES.npz`` (per population ``<name>_times`` in ms
from the end of the warm-up and ``<name>_senders``, the index in the population).
"""

from __future__ import annotations

import json
import sys
import time

import nest
import numpy as np


def main() -> None:
    tables_path, seed, threads, warmup_ms, duration_ms, out = sys.argv[1:7]
    seed, threads, warmup_ms, duration_ms = int(seed), int(threads), float(warmup_ms), float(duration_ms)
    t = json.loads(open(tables_path).read())
    names, dt = t["populations"], t["dt_ms"]
    nest.ResetKernel()
    nest.set_verbosity("M_ERROR")
    nest.SetKernelStatus({"resolution": dt, "local_num_threads": threads, "rng_seed": seed + 1,
                          "print_time": False})  # fmt: skip
    start = time.perf_counter()
    pops = []
    for i in range(len(names)):
        pop = nest.Create("iaf_psc_exp", int(t["neurons"][i]), params={
            "C_m": t["C_m"], "tau_m": t["tau_m_ms"], "tau_syn_ex": t["tau_syn_ms"],
            "tau_syn_in": t["tau_syn_ms"], "E_L": t["E_L"], "V_th": t["V_th"], "V_reset": t["V_reset"],
            "t_ref": t["t_ref_ms"], "I_e": t["dc_pA"][i],
        })  # fmt: skip
        pop.V_m = nest.random.normal(mean=t["V0_mean"][i], std=t["V0_std"][i])
        pops.append(pop)
    recorders = [nest.Create("spike_recorder", params={"start": warmup_ms}) for _ in names]
    generators = []
    if t["poisson_input"]:
        for i in range(len(names)):
            rate = t["bg_rate_hz"] * t["external_indegree"][i]
            gen = nest.Create("poisson_generator", params={"rate": rate})
            generators.append(gen)
    create_s = time.perf_counter() - start
    start = time.perf_counter()
    for i in range(len(names)):
        for j in range(len(names)):
            k = int(t["synapses"][i][j])
            if k == 0:
                continue
            w, d = t["weights_pA"][i][j], t["delay_means_ms"][j]
            w_lo, w_hi = (0.0, np.inf) if w > 0 else (-np.inf, 0.0)
            syn = {
                "synapse_model": "static_synapse",
                "weight": nest.math.redraw(nest.random.normal(mean=w, std=abs(w) * t["weight_rel_std"]),
                                           min=w_lo, max=w_hi),
                "delay": nest.math.redraw(nest.random.normal(mean=d, std=d * t["delay_rel_std"]),
                                          min=dt, max=np.inf),
            }  # fmt: skip
            nest.Connect(pops[j], pops[i], conn_spec={"rule": "fixed_total_number", "N": k}, syn_spec=syn)
    for i, gen in enumerate(generators):
        nest.Connect(gen, pops[i], "all_to_all", {"weight": t["weight_ext_pA"], "delay": dt})
    for pop, rec in zip(pops, recorders):
        nest.Connect(pop, rec)
    connect_s = time.perf_counter() - start
    start = time.perf_counter()
    nest.Simulate(warmup_ms)
    warmup_s = time.perf_counter() - start
    start = time.perf_counter()
    nest.Simulate(duration_ms)
    run_s = time.perf_counter() - start
    arrays = {}
    for name, pop, rec in zip(names, pops, recorders):
        ev = rec.get("events")
        arrays[f"{name}_times"] = np.asarray(ev["times"], dtype=np.float64) - warmup_ms
        arrays[f"{name}_senders"] = np.asarray(ev["senders"], dtype=np.int64) - pop.tolist()[0]
    np.savez_compressed(out, **arrays)
    print(json.dumps({"simulator": "nest", "version": nest.__version__, "threads": threads,
                      "create_s": create_s, "connect_s": connect_s, "build_s": create_s + connect_s,
                      "warmup_s": warmup_s, "run_s": run_s,
                      "synapses": int(nest.GetKernelStatus("num_connections"))}))  # fmt: skip


if __name__ == "__main__":
    main()

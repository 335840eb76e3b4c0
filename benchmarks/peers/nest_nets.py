"""COBA (iaf_cond_exp) and CUBA (iaf_psc_exp with two time constants) in NEST, for
benchmarks/simulators.py. ``python nest_nets.py coba|cuba SEED DURATION_MS``; prints JSON."""

from __future__ import annotations

import json
import sys
import time

import numpy as np
from peer_stats import mean_cv


def main() -> None:
    net_name, seed, duration_ms = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    start = time.perf_counter()
    import nest

    nest.set_verbosity("M_ERROR")  # deprecated in NEST 3.10, still accepted
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": 0.1, "rng_seed": seed, "local_num_threads": 1})
    if net_name == "coba":
        params = {"C_m": 200.0, "g_L": 10.0, "E_L": -60.0, "V_th": -50.0, "V_reset": -60.0, "t_ref": 5.0,
                  "E_ex": 0.0, "E_in": -80.0, "tau_syn_ex": 5.0, "tau_syn_in": 10.0}  # fmt: skip
        pop = nest.Create("iaf_cond_exp", 4000, params=params)
        rng = np.random.default_rng(seed)
        pop.V_m = list(-60.0 + rng.normal(size=4000) * 5 - 5)
        pop.g_ex = list(np.clip((rng.normal(size=4000) * 1.5 + 4) * 10, 0, None))
        pop.g_in = list(np.clip((rng.normal(size=4000) * 12 + 20) * 10, 0, None))
        w_exc, w_inh = 6.0, -67.0
    else:
        # iaf_psc_exp with C_m = tau_m (so R = 1 and the current is in mV), E_L = -49
        params = {"C_m": 20.0, "tau_m": 20.0, "E_L": -49.0, "V_th": -50.0, "V_reset": -60.0,
                  "t_ref": 5.0, "tau_syn_ex": 5.0, "tau_syn_in": 10.0, "I_e": 0.0}  # fmt: skip
        pop = nest.Create("iaf_psc_exp", 4000, params=params)
        rng = np.random.default_rng(seed)
        pop.V_m = list(-60.0 + rng.random(4000) * 10)
        # with C_m = tau_m numerically, a current of I pA drives v as spikeflow's synaptic
        # current of I mV does: the benchmark's jumps are 1.62 and -9
        w_exc, w_inh = 1.62, -9.0
    conn = {"rule": "pairwise_bernoulli", "p": 0.02}
    nest.Connect(pop[:3200], pop, conn, {"weight": w_exc, "delay": 0.1})
    nest.Connect(pop[3200:], pop, conn, {"weight": w_inh, "delay": 0.1})
    rec = nest.Create("spike_recorder")
    nest.Connect(pop, rec)
    build_s = time.perf_counter() - start
    t0 = time.perf_counter()
    nest.Simulate(duration_ms)
    loop_s = time.perf_counter() - t0
    ev = rec.get("events")
    t, i = np.asarray(ev["times"]), np.asarray(ev["senders"])
    print(json.dumps({
        "simulator": f"nest {nest.__version__}", "network": net_name, "seed": seed,
        "mean_rate_hz": len(t) / 4000 / (duration_ms / 1e3), "cv_isi": mean_cv(t, i),
        "n_spikes": int(len(t)), "loop_s": loop_s, "build_s": build_s,
        "process_s": time.perf_counter() - start,
    }))  # fmt: skip


if __name__ == "__main__":
    main()

"""Brunel's (2000) network in NEST (``iaf_psc_delta``), for benchmarks/brunel_peers.py.

    python nest_brunel.py REGIME SEED DURATION_MS OUT.npz

Same definition as ``spikeflow.models.brunel``: 10 000 + 2 500 neurons, fixed in-degree
C_E = 1000 and C_I = 250, J = 0.1 mV, -g J, delay 1.5 ms, external Poisson input of
C_E nu_ext, tau = 20 ms, theta = 20 mV, V_r = 10 mV, refractory 2 ms, dt = 0.1 ms, initial
potentials uniform in [0, 20] mV. Writes spike times and senders to OUT.npz and prints
one JSON object with the timings.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np

REGIMES = {"SR": (3.0, 2.0), "AI": (5.0, 2.0), "SIfast": (6.0, 4.0), "SIslow": (4.5, 0.9)}


def main() -> None:
    regime, seed, duration_ms, out = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    import nest

    g, eta = REGIMES[regime]
    n_exc, n_inh, c_exc, c_inh = 10000, 2500, 1000, 250
    J, tau, theta, D = 0.1, 20.0, 20.0, 1.5
    nu_thr = theta / (J * c_exc * tau)  # 1/ms
    nest.set_verbosity("M_ERROR")
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": 0.1, "rng_seed": seed, "local_num_threads": 1})
    start = time.perf_counter()
    params = {"C_m": 1.0, "tau_m": tau, "t_ref": 2.0, "E_L": 0.0, "V_th": theta, "V_reset": 10.0}
    nodes = nest.Create("iaf_psc_delta", n_exc + n_inh, params=params)
    nodes.V_m = list(np.random.default_rng(seed).uniform(0.0, theta, n_exc + n_inh))
    exc, inh = nodes[:n_exc], nodes[n_exc:]
    noise = nest.Create("poisson_generator", params={"rate": eta * nu_thr * c_exc * 1000.0})
    spikes = nest.Create("spike_recorder")
    nest.Connect(exc, nodes, {"rule": "fixed_indegree", "indegree": c_exc}, {"weight": J, "delay": D})
    nest.Connect(inh, nodes, {"rule": "fixed_indegree", "indegree": c_inh}, {"weight": -g * J, "delay": D})
    nest.Connect(noise, nodes, syn_spec={"weight": J, "delay": D})
    nest.Connect(nodes, spikes)
    build_s = time.perf_counter() - start
    start = time.perf_counter()
    nest.Simulate(duration_ms)
    loop_s = time.perf_counter() - start
    ev = spikes.get("events")
    np.savez(out, times=np.asarray(ev["times"]), senders=np.asarray(ev["senders"]) - nodes[0].global_id)
    print(
        json.dumps(
            {"simulator": f"nest {nest.__version__}", "regime": regime, "build_s": build_s, "loop_s": loop_s}
        )
    )


if __name__ == "__main__":
    main()

"""Run a COBA or CUBA network exported by brian2_export.py in NEST (the models of
nest_nets.py: ``iaf_cond_exp`` and ``iaf_psc_exp``), for benchmarks/same_network.py.

    python nest_same_network.py coba|cuba NETWORK.npz DURATION_MS OUT.npz

``OUT.npz`` holds ``spike_t`` (ms), ``spike_i`` (0-based) and ``version``. NEST delivers
a spike one step later than Brian2 and spikeflow feel it (its minimum delay is one step
and the input of a step enters after that step's update).
"""

from __future__ import annotations

import sys

import numpy as np


def main() -> None:
    net_name, path, duration_ms, out = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
    import nest

    with np.load(path) as data:
        d = {k: data[k] for k in data.files}
    n = d["v"].size
    n_exc = int(round(0.8 * n))
    nest.set_verbosity("M_ERROR")  # deprecated in NEST 3.10, still accepted
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": 0.1, "local_num_threads": 1})
    if net_name == "coba":
        params = {"C_m": 200.0, "g_L": 10.0, "E_L": -60.0, "V_th": -50.0, "V_reset": -60.0, "t_ref": 5.0,
                  "E_ex": 0.0, "E_in": -80.0, "tau_syn_ex": 5.0, "tau_syn_in": 10.0}  # fmt: skip
        pop = nest.Create("iaf_cond_exp", n, params=params)
        pop.V_m, pop.g_ex, pop.g_in = list(d["v"]), list(d["ge"]), list(d["gi"])
        w_exc, w_inh = 6.0, -67.0
    else:  # as nest_nets.py: C_m = tau_m, so a current of I pA moves v as I mV does
        params = {"C_m": 20.0, "tau_m": 20.0, "E_L": -49.0, "V_th": -50.0, "V_reset": -60.0,
                  "t_ref": 5.0, "tau_syn_ex": 5.0, "tau_syn_in": 10.0, "I_e": 0.0}  # fmt: skip
        pop = nest.Create("iaf_psc_exp", n, params=params)
        pop.V_m = list(d["v"])
        w_exc, w_inh = 1.62, -9.0
    first = pop[0].global_id  # node IDs of the population are first .. first + n - 1
    for src, dst, w in ((d["exc_i"], d["exc_j"], w_exc), (d["inh_i"] + n_exc, d["inh_j"], w_inh)):
        # arrays of node IDs connect pairwise; their weights and delays as arrays too
        nest.Connect(src.astype(np.int64) + first, dst.astype(np.int64) + first, "one_to_one",
                     {"weight": np.full(src.size, w), "delay": np.full(src.size, 0.1)})  # fmt: skip
    rec = nest.Create("spike_recorder")
    nest.Connect(pop, rec)
    nest.Simulate(duration_ms)
    ev = rec.get("events")
    np.savez(out, spike_t=np.asarray(ev["times"]), spike_i=np.asarray(ev["senders"]) - first,
             version=nest.__version__)  # fmt: skip


if __name__ == "__main__":
    main()

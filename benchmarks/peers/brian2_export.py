"""COBA or CUBA (Brette et al. 2007) in Brian2 (runtime mode), with everything another
simulator needs to run the identical network: the connections, the initial state and
the spikes. For benchmarks/same_network.py.

    python brian2_export.py coba|cuba SEED DURATION_MS OUT.npz [NEURONS]

The models are those of brian2_nets.py (NEURONS, default 4000: 80 % excitatory, p = 0.02 *
4000 / NEURONS). ``OUT.npz`` holds ``exc_i,
exc_j, inh_i, inh_j`` (source index within its population, target index in the whole
group), ``v`` (mV), ``ge, gi`` (COBA: nS; CUBA: mV), ``spike_t`` (ms), ``spike_i`` and
``version``.
"""

from __future__ import annotations

import sys

import numpy as np
from brian2_nets import brette_model


def main() -> None:
    net_name, seed, duration_ms, out = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    import brian2 as b2

    b2.prefs.codegen.target = "cython"
    b2.seed(seed)
    b2.defaultclock.dt = 0.1 * b2.ms
    ms, mV = b2.ms, b2.mV
    neurons = int(sys.argv[5]) if len(sys.argv) > 5 else 4000
    p_connect = min(1.0, 0.02 * 4000 / neurons)
    group, ce, ci = brette_model(b2, net_name, neurons)
    unit = b2.nS if net_name == "coba" else b2.mV
    ce.connect(p=p_connect)
    ci.connect(p=p_connect)
    initial = {
        "v": np.asarray(group.v / mV),
        "ge": np.asarray(group.ge / unit),
        "gi": np.asarray(group.gi / unit),
    }
    spikes = b2.SpikeMonitor(group)
    net = b2.Network(group, ce, ci, spikes)
    net.run(duration_ms * ms, report=None)
    np.savez(
        out, exc_i=np.asarray(ce.i), exc_j=np.asarray(ce.j), inh_i=np.asarray(ci.i), inh_j=np.asarray(ci.j),
        spike_t=np.asarray(spikes.t / ms), spike_i=np.asarray(spikes.i), version=b2.__version__, **initial,
    )  # fmt: skip


if __name__ == "__main__":
    main()

"""The feed-forward COBA/CUBA accuracy network of benchmarks/integrators.py in Brian2
(C++ standalone): 400 neurons driven through random connections (p = 0.1, 0.1 ms delays)
by 800 excitatory and 200 inhibitory Poisson spike trains drawn on the 0.1 ms grid (the
same trains at every step size), for 1 s.

    python brian2_feedforward.py cuba|coba METHOD DT_MS SEED

Prints one JSON object with the mean rate (Hz). Run by benchmarks/integrators.py in the
peer environment; Brian2's connections are its own (b2.seed), so its rates are compared
with its own dt = 0.001 ms run, not with spikeflow's.
"""

from __future__ import annotations

import json
import sys
import tempfile

import numpy as np

DRIVE = {"cuba": ((5.0, 5.0), (1.62, 9.0)), "coba": ((10.0, 2.0), (6.0, 67.0))}


def main() -> None:
    network, method, dt_ms, seed = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    import brian2 as b2
    from brian2_nets import brette_model

    b2.set_device("cpp_standalone", directory=tempfile.mkdtemp(prefix="brian2-ff-"))
    b2.seed(seed)
    b2.defaultclock.dt = dt_ms * b2.ms
    ms = b2.ms
    (r_exc, r_inh), (w_exc, w_inh) = DRIVE[network]
    rng = np.random.default_rng(seed)
    duration_ms, bins = 1000.0, 10000

    def trains(n: int, rate_hz: float) -> tuple[np.ndarray, np.ndarray]:
        steps, ids = np.nonzero(rng.random((bins, n)) < rate_hz * 1e-4)
        return ids, steps * 0.1

    import os

    os.environ["BRIAN2_METHOD"] = method  # read by brette_model
    group, unused_ce, unused_ci = brette_model(b2, network, 400)  # (kept alive: Brian2 tracks them)
    group.v = "-60*mV" if network == "coba" else "-49*mV"
    if network == "coba":
        group.ge, group.gi = 0 * b2.nS, 0 * b2.nS
    parts = []
    for n, rate, weight, var in ((800, r_exc, w_exc, "ge"), (200, r_inh, w_inh, "gi")):
        ids, times = trains(n, rate)
        source = b2.SpikeGeneratorGroup(n, ids, times * ms)
        if network == "coba":
            on_pre = f"{var} += {weight}*nS"
        else:
            on_pre = f"{var} {'+' if var == 'ge' else '-'}= {weight}*mV"
        syn = b2.Synapses(source, group, on_pre=on_pre, delay=0.1 * ms)
        syn.connect(p=0.1)
        parts += [source, syn]
    spikes = b2.SpikeMonitor(group)
    net = b2.Network(group, spikes, *parts)
    net.run(duration_ms * ms, report=None)
    print(json.dumps({"network": network, "method": method, "dt_ms": dt_ms, "seed": seed,
                      "mean_rate_hz": spikes.num_spikes / 400 / (duration_ms / 1e3)}))  # fmt: skip


if __name__ == "__main__":
    main()

"""COBA and CUBA (Brette et al. 2007) in Brian2, for benchmarks/simulators.py.

Run by the benchmark in the peer environment (Brian2 needs Python >= 3.12 for 2.10+):
    python brian2_nets.py coba|cuba standalone|runtime SEED DURATION_MS
Prints one JSON object: mean rate (Hz), mean CV of ISI, spike count, build and run times.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time

import numpy as np


def main() -> None:
    net_name, mode, seed, duration_ms = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    start = time.perf_counter()
    import brian2 as b2

    build_dir = tempfile.mkdtemp(prefix="brian2-")  # never the working directory
    if mode == "standalone":
        b2.set_device("cpp_standalone", directory=build_dir, build_on_run=False)
    else:
        b2.prefs.codegen.target = "cython"
    b2.seed(seed)
    b2.defaultclock.dt = 0.1 * b2.ms
    ms, mV, nS, pF = b2.ms, b2.mV, b2.nS, b2.pF
    if net_name == "coba":
        eqs = """
        dv/dt = (gl*(El - v) + ge*(Ee - v) + gi*(Ei - v)) / C : volt (unless refractory)
        dge/dt = -ge / taue : siemens
        dgi/dt = -gi / taui : siemens
        """
        ns = {"gl": 10 * nS, "El": -60 * mV, "Ee": 0 * mV, "Ei": -80 * mV, "C": 200 * pF,
              "taue": 5 * ms, "taui": 10 * ms}  # fmt: skip
        group = b2.NeuronGroup(4000, eqs, threshold="v > -50*mV", reset="v = -60*mV",
                               refractory=5 * ms, method="exponential_euler", namespace=ns)  # fmt: skip
        group.v = "-60*mV + (randn() * 5 - 5) * mV"
        group.ge = "clip((randn() * 1.5 + 4) * 10 * nS, 0*nS, 1000*nS)"
        group.gi = "clip((randn() * 12 + 20) * 10 * nS, 0*nS, 1000*nS)"
        ce = b2.Synapses(group[:3200], group, on_pre="ge += 6*nS")
        ci = b2.Synapses(group[3200:], group, on_pre="gi += 67*nS")
    else:
        eqs = """
        dv/dt = (ge + gi - (v - El)) / taum : volt (unless refractory)
        dge/dt = -ge / taue : volt
        dgi/dt = -gi / taui : volt
        """
        ns = {"El": -49 * mV, "taum": 20 * ms, "taue": 5 * ms, "taui": 10 * ms}
        group = b2.NeuronGroup(4000, eqs, threshold="v > -50*mV", reset="v = -60*mV",
                               refractory=5 * ms, method="exact", namespace=ns)  # fmt: skip
        group.v = "-60*mV + rand() * 10 * mV"
        ce = b2.Synapses(group[:3200], group, on_pre="ge += 1.62*mV")
        ci = b2.Synapses(group[3200:], group, on_pre="gi -= 9*mV")
    ce.connect(p=0.02)
    ci.connect(p=0.02)
    spikes = b2.SpikeMonitor(group)
    net = b2.Network(group, ce, ci, spikes)
    run_start = time.perf_counter()
    net.run(duration_ms * ms, report=None)
    run_call_s = time.perf_counter() - run_start
    if mode == "standalone":
        build_start = time.perf_counter()
        b2.device.build(directory=build_dir, compile=True, run=False)
        compile_s = time.perf_counter() - build_start
        run_start = time.perf_counter()
        b2.device.run()
        binary_s = time.perf_counter() - run_start
        loop_s = float(b2.device._last_run_time)
    else:
        # Network.run with code generation (Cython caches it after the first run)
        compile_s, binary_s, loop_s = 0.0, 0.0, run_call_s
    t, i = np.asarray(spikes.t / ms), np.asarray(spikes.i)
    cvs = []
    for k in range(4000):
        isi = np.diff(np.sort(t[i == k]))
        if isi.size >= 2:
            cvs.append(isi.std() / isi.mean())
    print(json.dumps({
        "simulator": f"brian2 {b2.__version__} {mode}", "network": net_name, "seed": seed,
        "mean_rate_hz": len(t) / 4000 / (duration_ms / 1e3), "cv_isi": float(np.mean(cvs)),
        "n_spikes": int(len(t)), "loop_s": loop_s, "compile_s": compile_s, "binary_s": binary_s,
        "process_s": time.perf_counter() - start,
    }))  # fmt: skip


if __name__ == "__main__":
    main()

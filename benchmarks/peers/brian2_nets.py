"""COBA and CUBA (Brette et al. 2007) and Izhikevich's (2003) network in Brian2, for
benchmarks/simulators.py.

Run by the benchmark in the peer environment (Brian2 needs Python >= 3.12 for 2.10+):
    python brian2_nets.py coba|cuba|izhikevich standalone|runtime SEED DURATION_MS [NEURONS]

COBA and CUBA take NEURONS (default 4000; 80 % excitatory, p = 0.02 * 4000 / NEURONS, so
about 80 synapses per neuron at every size).

Izhikevich (2003): 800 + 200 neurons with the paper's random parameters, all-to-all
weights, thalamic input 5 N(0, 1) / 2 N(0, 1) drawn every ms; dt = 0.5 ms Euler (the
paper's code takes two 0.5 ms steps of v per ms and one of u).
Prints one JSON object: mean rate (Hz), mean CV of ISI, spike count, build and run times.
Standalone builds in a fresh temporary directory unless ``BRIAN2_BUILD_DIR`` names one to
reuse (then a second run finds its compiled objects: a warm process).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time

import numpy as np
from peer_stats import mean_cv

RUSAGES = (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)  # standalone runs a child binary


def main() -> None:
    net_name, mode, seed, duration_ms = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    neurons = int(sys.argv[5]) if len(sys.argv) > 5 else 4000
    p_connect = min(1.0, 0.02 * 4000 / neurons)
    start = time.perf_counter()
    import brian2 as b2

    # a fresh build directory (a cold run: the C++ is compiled), or BRIAN2_BUILD_DIR to
    # reuse one (a warm run: make finds the objects up to date)
    build_dir = os.environ.get("BRIAN2_BUILD_DIR") or tempfile.mkdtemp(prefix="brian2-")
    if mode == "standalone":
        b2.set_device("cpp_standalone", directory=build_dir, build_on_run=False)
    else:
        b2.prefs.codegen.target = "cython"
    b2.seed(seed)
    b2.defaultclock.dt = (0.5 if net_name == "izhikevich" else 0.1) * b2.ms
    ms = b2.ms
    n_total = 1000 if net_name == "izhikevich" else neurons
    if net_name == "izhikevich":
        eqs = """
        dv/dt = (0.04*v**2 + 5*v + 140 - u + I) / ms : 1
        du/dt = a * (b*v - u) / ms : 1
        a : 1
        b : 1
        c : 1
        d : 1
        I : 1
        noise_std : 1
        """
        group = b2.NeuronGroup(1000, eqs, threshold="v >= 30", reset="v = c; u = u + d", method="euler")
        rng = np.random.default_rng(seed)  # spikeflow's draws of r: the same neurons
        re, ri = rng.random(800), rng.random(200)
        group.a = np.concatenate([np.full(800, 0.02), 0.02 + 0.08 * ri])
        group.b = np.concatenate([np.full(800, 0.2), 0.25 - 0.05 * ri])
        group.c = np.concatenate([-65 + 15 * re**2, np.full(200, -65.0)])
        group.d = np.concatenate([8 - 6 * re**2, np.full(200, 2.0)])
        group.v = -65.0
        group.u = "b * v"
        group.noise_std = np.concatenate([np.full(800, 5.0), np.full(200, 2.0)])
        group.run_regularly("I = noise_std * randn()", dt=1 * ms)
        ce = b2.Synapses(group[:800], group, "w : 1", on_pre="v += w")
        ci = b2.Synapses(group[800:], group, "w : 1", on_pre="v += w")
        ce.connect()
        ci.connect()
        ce.w = "0.5 * rand()"
        ci.w = "-rand()"
    else:
        group, ce, ci = brette_model(b2, net_name, neurons)
    if net_name != "izhikevich":
        ce.connect(p=p_connect)
        ci.connect(p=p_connect)
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
    print(json.dumps({
        "simulator": f"brian2 {b2.__version__} {mode}", "network": net_name, "seed": seed,
        "mean_rate_hz": len(t) / n_total / (duration_ms / 1e3), "cv_isi": mean_cv(t, i),
        "n_spikes": int(len(t)), "loop_s": loop_s, "compile_s": compile_s, "binary_s": binary_s,
        "process_s": time.perf_counter() - start, "neurons": n_total,
        "peak_rss_mib": max(resource.getrusage(r).ru_maxrss for r in RUSAGES) / 1024,
    }))  # fmt: skip


def brette_model(b2, net_name: str, neurons: int) -> tuple:  # noqa: ANN001
    """COBA or CUBA (Brette et al. 2007) in Brian2 module ``b2``: ``(group, ce, ci)``, the
    ``neurons`` with their random initial state and the excitatory (first 80 %) and
    inhibitory synapses, not yet connected."""
    ms, mV, nS, pF = b2.ms, b2.mV, b2.nS, b2.pF
    n_exc = int(round(0.8 * neurons))
    if net_name == "coba":
        eqs = """
        dv/dt = (gl*(El - v) + ge*(Ee - v) + gi*(Ei - v)) / C : volt (unless refractory)
        dge/dt = -ge / taue : siemens
        dgi/dt = -gi / taui : siemens
        """
        ns = {"gl": 10 * nS, "El": -60 * mV, "Ee": 0 * mV, "Ei": -80 * mV, "C": 200 * pF,
              "taue": 5 * ms, "taui": 10 * ms}  # fmt: skip
        group = b2.NeuronGroup(neurons, eqs, threshold="v > -50*mV", reset="v = -60*mV",
                               refractory=5 * ms, method=os.environ.get("BRIAN2_METHOD", "exponential_euler"),
                               namespace=ns)  # fmt: skip
        group.v = "-60*mV + (randn() * 5 - 5) * mV"
        group.ge = "clip((randn() * 1.5 + 4) * 10 * nS, 0*nS, 1000*nS)"
        group.gi = "clip((randn() * 12 + 20) * 10 * nS, 0*nS, 1000*nS)"
        ce = b2.Synapses(group[:n_exc], group, on_pre="ge += 6*nS")
        ci = b2.Synapses(group[n_exc:], group, on_pre="gi += 67*nS")
    else:
        eqs = """
        dv/dt = (ge + gi - (v - El)) / taum : volt (unless refractory)
        dge/dt = -ge / taue : volt
        dgi/dt = -gi / taui : volt
        """
        ns = {"El": -49 * mV, "taum": 20 * ms, "taue": 5 * ms, "taui": 10 * ms}
        group = b2.NeuronGroup(neurons, eqs, threshold="v > -50*mV", reset="v = -60*mV",
                               refractory=5 * ms, method=os.environ.get("BRIAN2_METHOD", "exact"),
                               namespace=ns)  # fmt: skip
        group.v = "-60*mV + rand() * 10 * mV"
        ce = b2.Synapses(group[:n_exc], group, on_pre="ge += 1.62*mV")
        ci = b2.Synapses(group[n_exc:], group, on_pre="gi -= 9*mV")
    return group, ce, ci


if __name__ == "__main__":
    main()

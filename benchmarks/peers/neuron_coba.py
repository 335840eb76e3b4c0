"""COBA (Brette et al. 2007, benchmark 1) in NEURON, for benchmarks/simulators.py.

    python neuron_coba.py SEED DURATION_MS     # prints one JSON object

Each neuron is a single compartment of 20 000 um^2 (C = 200 pF at 1 uF/cm^2) with ``pas``
(g_L = 10 nS, E_L = -60 mV), one ``ExpSyn`` per receptor (E = 0 mV, tau 5 ms, 6 nS jumps;
E = -80 mV, tau 10 ms, 67 nS jumps) and ``mod/ifreset.mod`` (threshold -50 mV, reset
-60 mV, 5 ms refractory clamp), compiled with ``nrnivmodl`` into a temporary directory.
Connections p = 0.02 (numpy, seeded), delay 0.1 ms, fixed step 0.1 ms (implicit Euler,
NEURON's default). Initial state as in the other peers: V = -65 + N(0, 5) mV,
g_ex = 10 N(4, 1.5) nS, g_in = 10 N(20, 12) nS, clipped at 0.
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from peer_stats import mean_cv

HERE = Path(__file__).resolve().parent


def compile_mechanism() -> str:
    build = Path(tempfile.mkdtemp(prefix="nrn-ifreset-"))
    shutil.copy(HERE / "mod" / "ifreset.mod", build)
    nrnivmodl = shutil.which("nrnivmodl") or str(Path(sys.executable).parent / "nrnivmodl")
    subprocess.run([nrnivmodl], cwd=build, check=True, capture_output=True)
    return str(build)


def main() -> None:
    seed, duration_ms = int(sys.argv[1]), float(sys.argv[2])
    n, n_exc, p = 4000, 3200, 0.02
    start = time.perf_counter()
    build = compile_mechanism()
    compile_s = time.perf_counter() - start
    import neuron
    from neuron import h

    neuron.load_mechanisms(build)
    h.load_file("stdrun.hoc")
    rng = np.random.default_rng(seed)
    side = float(np.sqrt(20000.0 / np.pi))  # cylinder of 20 000 um^2 lateral area
    cells, resets, syn_e, syn_i = [], [], [], []
    for _ in range(n):
        sec = h.Section()
        sec.L = sec.diam = side
        sec.cm = 1.0
        sec.insert("pas")
        sec.g_pas, sec.e_pas = 10e-9 / 20000e-8, -60.0  # S/cm^2 for 10 nS
        reset = h.IFReset(sec(0.5))
        se, si = h.ExpSyn(sec(0.5)), h.ExpSyn(sec(0.5))
        se.e, se.tau, si.e, si.tau = 0.0, 5.0, -80.0, 10.0
        cells.append(sec), resets.append(reset), syn_e.append(se), syn_i.append(si)
    netcons = []
    for post in range(n):
        pres = np.flatnonzero(rng.random(n) < p)
        for pre in pres:
            target, w = (syn_e[post], 0.006) if pre < n_exc else (syn_i[post], 0.067)
            nc = h.NetCon(resets[pre], target)
            nc.weight[0], nc.delay = w, 0.1
            netcons.append(nc)
    times, ids = h.Vector(), h.Vector()
    recorders = []
    for k, reset in enumerate(resets):
        nc = h.NetCon(reset, None)
        nc.record(times, ids, k)
        recorders.append(nc)
    h.dt = 0.1
    h.steps_per_ms = 10
    h.finitialize(-60.0)
    v0 = -60.0 + rng.normal(size=n) * 5 - 5
    ge0 = np.clip((rng.normal(size=n) * 1.5 + 4) * 10, 0, None) * 1e-3  # uS
    gi0 = np.clip((rng.normal(size=n) * 12 + 20) * 10, 0, None) * 1e-3
    for k in range(n):
        cells[k].v = v0[k]
        syn_e[k].g, syn_i[k].g = ge0[k], gi0[k]
    h.fcurrent()
    build_s = time.perf_counter() - start - compile_s
    t0 = time.perf_counter()
    h.continuerun(duration_ms)
    loop_s = time.perf_counter() - t0
    t, i = np.asarray(times), np.asarray(ids).astype(int)
    print(json.dumps({
        "simulator": f"neuron {neuron.__version__}", "network": "coba", "seed": seed,
        "mean_rate_hz": len(t) / n / (duration_ms / 1e3), "cv_isi": mean_cv(t, i),
        "n_spikes": int(len(t)), "loop_s": loop_s, "build_s": build_s, "compile_s": compile_s,
        "process_s": time.perf_counter() - start, "neurons": n,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))  # fmt: skip


if __name__ == "__main__":
    main()

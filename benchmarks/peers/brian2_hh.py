"""The Hodgkin-Huxley f-I curve (NEURON ``hh`` conventions) in Brian2, for
benchmarks/hh_fi.py: 21 neurons with currents 0..20 uA/cm^2, 1 s at dt = 0.01 ms,
exponential Euler, spikes as upward crossings of 0 mV.

    python brian2_hh.py standalone|runtime
Prints one JSON object: spike counts and the loop time (standalone: Brian2's own run
timer, without the compile).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time

import numpy as np


def main() -> None:
    mode = sys.argv[1]
    import brian2 as b2

    build_dir = tempfile.mkdtemp(prefix="brian2-")  # never the working directory
    if mode == "standalone":
        b2.set_device("cpp_standalone", directory=build_dir, build_on_run=False)
    else:
        b2.prefs.codegen.target = "cython"
    b2.defaultclock.dt = 0.01 * b2.ms
    # potentials in mV, time in ms, currents in uA/cm^2: unitless equations with a 1/ms clock
    eqs = """
    dv/dt = (-gna*m**3*h*(v - ena) - gk*n**4*(v - ek) - gl*(v - el) + I) / c_m / tau : 1
    dm/dt = (am*(1 - m) - bm*m) / tau : 1
    dh/dt = (ah*(1 - h) - bh*h) / tau : 1
    dn/dt = (an*(1 - n) - bn*n) / tau : 1
    am = 0.1 * xm / (exp(xm / 10) - 1) : 1
    xm = -(v + 40) : 1
    bm = 4 * exp(-(v + 65) / 18) : 1
    ah = 0.07 * exp(-(v + 65) / 20) : 1
    bh = 1 / (exp(-(v + 35) / 10) + 1) : 1
    an = 0.01 * xn / (exp(xn / 10) - 1) : 1
    xn = -(v + 55) : 1
    bn = 0.125 * exp(-(v + 65) / 80) : 1
    I : 1
    """
    ns = {
        "gna": 120.0,
        "gk": 36.0,
        "gl": 0.3,
        "ena": 50.0,
        "ek": -77.0,
        "el": -54.3,
        "c_m": 1.0,
        "tau": b2.ms,
    }
    group = b2.NeuronGroup(21, eqs, threshold="v > 0", refractory="v > 0", method="exponential_euler",
                           namespace=ns)  # fmt: skip
    group.v = -65.0
    v0 = -65.0
    rate = lambda a, b: a / (a + b)  # noqa: E731
    am = 0.1 * 25 / (np.exp(2.5) - 1)
    bm = 4 * np.exp(0.0)
    ah, bh = 0.07, 1 / (np.exp(-(v0 + 35) / 10) + 1)
    an, bn = 0.01 * 10 / (np.exp(1.0) - 1), 0.125
    group.m, group.h, group.n = rate(am, bm), rate(ah, bh), rate(an, bn)
    group.I = np.linspace(0.0, 20.0, 21)
    spikes = b2.SpikeMonitor(group)
    net = b2.Network(group, spikes)
    start = time.perf_counter()
    net.run(1000 * b2.ms, report=None)
    loop_s = time.perf_counter() - start
    if mode == "standalone":
        b2.device.build(directory=build_dir, compile=True, run=False)
        b2.device.run()
        loop_s = float(b2.device._last_run_time)
    counts = np.bincount(np.asarray(spikes.i), minlength=21).tolist()
    print(json.dumps({"simulator": f"brian2 {mode}", "counts": counts, "loop_s": loop_s}))


if __name__ == "__main__":
    main()

"""Hodgkin-Huxley f-I curve: spikeflow against NEURON's built-in ``hh`` mechanism.

    python benchmarks/hh_fi.py [--peer-python /path/to/brian2-env/bin/python]
    # NEURON from this environment (pip install neuron), Brian2 from --peer-python

0 to 20 uA/cm^2 in 21 steps, 1 s each, 6.3 degC, dt = 0.01 ms, spikes counted as upward
crossings of 0 mV; then the rheobase (the smallest current giving a spike) and the onset
of repetitive firing, each bracketed to 0.05 uA/cm^2. spikeflow runs all currents as one
population of the simulator on its fast backend (``Network.step_current``, one current
per neuron) and, as a cross-check, as one batch through the reference torch ``step``
(both exponential Euler); NEURON uses its default fixed-step implicit Euler with
``cnexp`` gates on a 100 um^2 single compartment. "loop" is the simulation alone (for
spikeflow fast: ``Network.run`` of the whole second after ``Network.build``; where the
loop was not compiled at install, a separate one-step network first has Numba compile
it). Prints a table and one JSON object.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from pathlib import Path

import numpy as np
import torch

from spikeflow.neurons import hodgkin_huxley as hh

DT = 0.01
DURATION = 1000.0


def spikeflow_counts(currents: np.ndarray) -> tuple[list[int], float]:
    torch.set_num_threads(1)
    p = hh.HHParams(dt_ms=DT, integrator="exp_euler")
    x = torch.tensor(currents, dtype=torch.float64)
    state = hh.init_state(x.shape, p, torch.float64)
    counts = torch.zeros_like(x)
    start = time.perf_counter()
    for _ in range(int(round(DURATION / DT))):
        z, state = hh.step(x, state, p)
        counts += z
    return [int(c) for c in counts], time.perf_counter() - start


def simulator_counts(currents: np.ndarray) -> tuple[list[int], float]:
    from spikeflow.sim import Network, fast_compiled

    if fast_compiled.load() is None:  # the JIT path: compile (or load the cache) outside the timing
        warm = Network(dt_ms=DT, backend="fast")
        warm.population(1, hh.HHParams(dt_ms=DT, integrator="exp_euler"))
        warm.run(DT, progress=False)
    net = Network(dt_ms=DT, backend="fast")
    pop = net.population(len(currents), hh.HHParams(dt_ms=DT, integrator="exp_euler"))
    net.step_current(pop, currents)
    spikes = net.record_spikes(pop)
    net.build()
    start = time.perf_counter()
    net.run(DURATION, progress=False)
    seconds = time.perf_counter() - start
    return np.bincount(spikes.senders, minlength=len(currents)).astype(int).tolist(), seconds


def neuron_counts(currents: np.ndarray) -> tuple[list[int] | None, float]:
    try:
        from neuron import h
    except ImportError:
        return None, 0.0
    h.load_file("stdrun.hoc")
    h.celsius = 6.3
    soma = h.Section(name="soma")
    soma.L = soma.diam = (100 / np.pi) ** 0.5  # um: area 100 um^2
    soma.insert("hh")
    stim = h.IClamp(soma(0.5))
    stim.delay, stim.dur = 0.0, 1e9
    nc = h.NetCon(soma(0.5)._ref_v, None, sec=soma)
    nc.threshold = 0.0
    times = h.Vector()
    nc.record(times)
    h.dt, h.steps_per_ms = DT, 1.0 / DT
    area_cm2 = soma(0.5).area() * 1e-8
    counts, start = [], time.perf_counter()
    for current in currents:
        stim.amp = current * area_cm2 * 1e3  # uA/cm^2 -> nA
        h.finitialize(-65.0)
        h.continuerun(DURATION)
        counts.append(len(times))
    return counts, time.perf_counter() - start


def first_above(currents: np.ndarray, counts: list[int], level: int) -> float | None:
    idx = [i for i, c in enumerate(counts) if c >= level]
    return float(currents[idx[0]]) if idx else None


def brian2_counts(python: str, mode: str) -> tuple[list[int] | None, float]:
    script = Path(__file__).resolve().parent / "peers" / "brian2_hh.py"
    proc = subprocess.run([python, str(script), mode], capture_output=True, text=True)
    if proc.returncode != 0:
        return None, 0.0
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    return out["counts"], out["loop_s"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--peer-python", default=None, help="interpreter with brian2 (Python 3.12+)")
    args = ap.parse_args()
    grid = np.linspace(0.0, 20.0, 21)
    fine_rheo = np.round(np.arange(2.0, 3.0001, 0.05), 2)
    fine_rep = np.round(np.arange(6.0, 7.0001, 0.05), 2)
    result: dict = {"currents": grid.tolist()}
    names = ("spikeflow", "reference", "neuron")
    for name, fn in (
        ("spikeflow", simulator_counts),
        ("reference", spikeflow_counts),
        ("neuron", neuron_counts),
    ):
        counts, seconds = fn(grid)
        if counts is None:
            print("NEURON is not installed (pip install neuron): spikeflow only")
            continue
        rheo_counts, _ = fn(fine_rheo)
        rep_counts, _ = fn(fine_rep)
        result[name] = {
            "counts": counts,
            "loop_s": seconds,
            "rheobase": first_above(fine_rheo, rheo_counts, 1),
            "repetitive_onset": first_above(fine_rep, rep_counts, 10),
        }
    if args.peer_python:
        for mode in ("standalone", "runtime"):
            counts, seconds = brian2_counts(args.peer_python, mode)
            if counts is not None:
                result[f"brian2 {mode}"] = {"counts": counts, "loop_s": seconds, "rheobase": float("nan"),
                                            "repetitive_onset": float("nan")}  # fmt: skip
        names = (*names, "brian2 standalone", "brian2 runtime")
    print(f"{'I (uA/cm^2)':>12}" + "".join(f"{k:>19}" for k in names if k in result))
    for i, current in enumerate(grid):
        row = "".join(f"{result[k]['counts'][i]:>19}" for k in names if k in result)
        print(f"{current:>12.1f}{row}")
    for key in ("rheobase", "repetitive_onset", "loop_s"):
        row = "".join(f"{result[k][key]:>19.3g}" for k in names if k in result)
        print(f"{key:>12}{row}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()

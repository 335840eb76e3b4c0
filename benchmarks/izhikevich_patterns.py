"""The seven firing patterns of Izhikevich (2003), Fig. 2, with spikeflow's model:
membrane potential traces in one figure, and each pattern's spike times printed.

    python benchmarks/izhikevich_patterns.py [--out DIR]

The protocols: a step of 10 (model units) from 10 ms for the cortical cells; for the
thalamo-cortical cell a hyperpolarising step (-10 from 50 to 150 ms) whose release
triggers a rebound burst; for the resonator a brief pulse of 2 at 400 ms on rest, which
makes it ring. dt = 0.25 ms, one Euler step per time step.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from spikeflow import plot
from spikeflow.neurons import izhikevich

DT = 0.25
PROTOCOLS = {
    "regular_spiking": (lambda t: 10.0 if t >= 10 else 0.0, 300.0),
    "intrinsically_bursting": (lambda t: 10.0 if t >= 10 else 0.0, 300.0),
    "chattering": (lambda t: 10.0 if t >= 10 else 0.0, 300.0),
    "fast_spiking": (lambda t: 10.0 if t >= 10 else 0.0, 300.0),
    "low_threshold_spiking": (lambda t: 10.0 if t >= 10 else 0.0, 300.0),
    "thalamo_cortical": (lambda t: -10.0 if 50 <= t < 150 else 0.0, 300.0),
    "resonator": (lambda t: 2.0 if 400 <= t < 401 else 0.0, 600.0),
}


def run(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    current, duration = PROTOCOLS[name]
    p = izhikevich.IzhikevichParams.pattern(name, dt_ms=DT, substeps=1)
    state = izhikevich.init_state((1,), p, torch.float64)
    vs, spikes = [], []
    for k in range(int(duration / DT)):
        z, state = izhikevich.step(torch.tensor([current(k * DT)], dtype=torch.float64), state, p)
        vs.append(30.0 if float(z) else float(state.v))  # draw spikes at their peak
        if float(z):
            spikes.append(k * DT)
    t = np.arange(len(vs)) * DT
    return t, np.array(vs), np.array(spikes)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="benchmark-results/izhikevich")
    args = ap.parse_args()
    plt = plot._pyplot()
    fig, axes = plt.subplots(len(PROTOCOLS), 1, figsize=(7, 1.6 * len(PROTOCOLS)))
    summary = {}
    for ax, name in zip(axes, PROTOCOLS):
        t, v, spikes = run(name)
        ax.plot(t, v, lw=0.8)
        ax.set_ylabel("v (mV)", fontsize=7)
        ax.set_title(name.replace("_", " "), fontsize=8, loc="left")
        isi = np.diff(spikes)
        summary[name] = {"spikes": len(spikes), "first_isis_ms": isi[:5].round(2).tolist()}
        print(f"{name:24} {len(spikes):3d} spikes; first ISIs (ms): {isi[:5].round(1).tolist()}")
    axes[-1].set_xlabel("time (ms)")
    fig.tight_layout()
    path = plot.save(fig, Path(args.out) / "izhikevich_patterns.png")
    print(json.dumps({"patterns": summary, "figure": str(path)}))


if __name__ == "__main__":
    main()

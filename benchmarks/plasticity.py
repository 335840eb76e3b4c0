"""Reproduce the plasticity validations and their figures.

1. Pfister & Gerstner (2006), Fig. 4: weight change after 60 pre/post pairings at +10 ms
   and -10 ms against pairing frequency, for the visual-cortex parameter sets (exact
   continuous-time evaluation of the rule).
2. Song, Miller & Abbott (2000): final weight distribution and output rate against input
   rate for one conductance-based neuron with 1000 plastic Poisson inputs.

Prints a table and writes ``docs/figures/pfister2006.png``, ``docs/figures/song2000.png``
and ``docs/plasticity.json``.

    python benchmarks/plasticity.py               # full: 1000 inputs, 1000 s per rate
    python benchmarks/plasticity.py --quick       # 300 s per rate, two rates
"""

from __future__ import annotations

import argparse
import json
import pathlib
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from spikeflow.learning.plasticity import pairing_protocol, pfister2006
from spikeflow.models.song2000 import run_song2000

ROOT = pathlib.Path(__file__).resolve().parents[1]
FREQS = [0.1, 1.0, 5.0, 10.0, 20.0, 30.0, 40.0, 50.0]
SETS = [("visual_cortex", "all_to_all", "full"), ("visual_cortex", "all_to_all", "minimal"),
        ("visual_cortex", "nearest", "full")]  # fmt: skip


def pfister() -> dict:
    out = {}
    for key in SETS:
        rule = pfister2006(*key)
        out["/".join(key)] = {
            "+10ms": [pairing_protocol(rule, f, 10.0) for f in FREQS],
            "-10ms": [pairing_protocol(rule, f, -10.0) for f in FREQS],
        }
    return out


def _song(args: tuple[float, float]) -> dict:
    rate, duration = args
    r = run_song2000(rate, duration_s=duration)
    return {
        "input_rate_hz": rate,
        "initial_output_hz": float(r.output_rate_hz[0]),
        "final_output_hz": float(r.output_rate_hz[-10:].mean()),
        "histogram": r.histogram().tolist(),
        "bimodal": r.bimodal(),
        "fraction_below_0.1": float(np.mean(r.weights < 0.1)),
        "fraction_above_0.9": float(np.mean(r.weights > 0.9)),
        "wall_s": r.wall_s,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="300 s per rate, rates 10 and 40 Hz")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    rates, duration = ([10.0, 40.0], 300.0) if args.quick else ([10.0, 20.0, 30.0, 40.0], 1000.0)

    curves = pfister()
    print("Pfister & Gerstner (2006) pairing protocol, 60 pairs, weight change (baseline 1)")
    print(f"{'set':36s} {'dt':>6s} " + " ".join(f"{f:>6g}Hz" for f in FREQS))
    for key, c in curves.items():
        for sign in ("+10ms", "-10ms"):
            print(f"{key:36s} {sign:>6s} " + " ".join(f"{x:+8.3f}" for x in c[sign]))

    with ProcessPoolExecutor(args.workers) as pool:
        song = list(pool.map(_song, [(r, duration) for r in rates]))
    print(f"\nSong, Miller & Abbott (2000): 1000 inputs, {duration:g} s per input rate")
    print(f"{'input Hz':>9s} {'out start':>10s} {'out end':>8s} {'<0.1':>6s} {'>0.9':>6s} bimodal  histogram")
    for s in song:
        low, high = s["fraction_below_0.1"], s["fraction_above_0.9"]
        print(f"{s['input_rate_hz']:9g} {s['initial_output_hz']:10.1f} {s['final_output_hz']:8.1f} "
              f"{low:6.2f} {high:6.2f} {s['bimodal']!s:7s}  {s['histogram']}")  # fmt: skip

    result = {
        "pfister2006": {"frequencies_hz": FREQS, "curves": curves},
        "song2000": song,
        "duration_s": duration,
    }
    (ROOT / "docs").mkdir(exist_ok=True)
    if not args.quick:
        (ROOT / "docs" / "plasticity.json").write_text(json.dumps(result, indent=1) + "\n")
    _figures(result, ROOT / "docs" / "figures")
    print(json.dumps(result))


def _figures(result: dict, folder: pathlib.Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from spikeflow.plot import save

    folder.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(5, 3.5))
    freqs = result["pfister2006"]["frequencies_hz"]
    for (key, c), colour in zip(result["pfister2006"]["curves"].items(), ("C0", "C1", "C2")):
        ax.plot(freqs, c["+10ms"], "-o", color=colour, ms=3, label=f"{key} +10 ms")
        ax.plot(freqs, c["-10ms"], "--s", color=colour, ms=3, label=f"{key} -10 ms")
    ax.axhline(0, color="k", lw=0.5)
    ax.set(xlabel="pairing frequency (Hz)", ylabel="weight change (60 pairs)", title="Triplet STDP")
    ax.legend(fontsize=6)
    fig.tight_layout()
    save(fig, folder / "pfister2006.png")

    song = result["song2000"]
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.2))
    edges = np.linspace(0, 1, 11)
    for s in song:
        axes[0].stairs(s["histogram"], edges, label=f"{s['input_rate_hz']:g} Hz")
    axes[0].set(xlabel="weight / g_max", ylabel="synapses", title="Final weights")
    axes[0].legend(fontsize=7)
    rates = [s["input_rate_hz"] for s in song]
    axes[1].plot(rates, [s["initial_output_hz"] for s in song], "o--", label="first 10 s")
    axes[1].plot(rates, [s["final_output_hz"] for s in song], "o-", label="after learning")
    axes[1].set(xlabel="input rate (Hz)", ylabel="output rate (Hz)", yscale="log", title="Output rate")
    axes[1].legend(fontsize=7)
    fig.tight_layout()
    save(fig, folder / "song2000.png")


if __name__ == "__main__":
    main()

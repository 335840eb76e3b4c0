"""Izhikevich (2007), "Solving the distal reward problem", Fig. 1: the full one-hour run.

Prints the chosen synapse's weight every 5 simulated minutes beside the other synapses'
mean and 99th percentile, and writes ``docs/figures/distal_reward.png`` and
``docs/distal_reward.json``.

    python benchmarks/distal_reward.py                 # 3600 s simulated, about 90 s
    python benchmarks/distal_reward.py --seconds 600
"""

from __future__ import annotations

import argparse
import json
import pathlib

import numpy as np

from spikeflow.models.distal_reward import mean_rate_hz, run_distal_reward

ROOT = pathlib.Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=3600.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rate = mean_rate_hz(5.0, args.seed)
    r = run_distal_reward(args.seconds, seed=args.seed, sample_s=10.0)
    print(
        f"untrained network: {rate:.2f} Hz mean rate; {len(r.reward_times_s)} rewards; wall {r.wall_s:.1f} s"
    )
    print(f"{'time s':>7s} {'chosen':>7s} {'others mean':>12s} {'others 99%':>11s}")
    for t, c, m, p in zip(r.times_s, r.chosen, r.others_mean, r.others_p99):
        if int(round(t)) % 300 == 0:
            print(f"{t:7.0f} {c:7.2f} {m:12.3f} {p:11.2f}")
    reached = r.times_s[np.argmax(r.chosen >= 3.9)] if (r.chosen >= 3.9).any() else None
    summary = {
        "seconds": args.seconds, "seed": args.seed, "rate_hz": rate, "rewards": len(r.reward_times_s),
        "chosen_final": float(r.chosen[-1]), "others_mean_final": float(r.others_mean[-1]),
        "others_p99_final": float(r.others_p99[-1]), "chosen_rank": r.rank_of_chosen(),
        "first_time_chosen_at_3.9_s": None if reached is None else float(reached), "wall_s": r.wall_s,
    }  # fmt: skip
    rank = 100 * summary["chosen_rank"]
    print(f"chosen synapse {summary['chosen_final']:.2f} (max 4), stronger than {rank:.2f} % "
          f"of the other {r.final_weights.size - 1} synapses; first at >= 3.9 after {reached} s")  # fmt: skip
    if args.seconds == 3600.0:
        series = {
            "times_s": r.times_s.tolist(),
            "chosen": r.chosen.tolist(),
            "others_mean": r.others_mean.tolist(),
        }
        (ROOT / "docs" / "distal_reward.json").write_text(json.dumps({**summary, **series}) + "\n")
    _figure(r, ROOT / "docs" / "figures" / "distal_reward.png")
    print(json.dumps(summary))


def _figure(r, path: pathlib.Path) -> None:  # noqa: ANN001
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from spikeflow.plot import save

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), gridspec_kw={"width_ratios": [2, 1]})
    minutes = r.times_s / 60
    axes[0].plot(minutes, r.chosen, label="chosen synapse n1 -> n2")
    axes[0].plot(minutes, r.others_mean, label="other synapses, mean")
    axes[0].plot(minutes, r.others_p99, ":", label="other synapses, 99th percentile")
    axes[0].plot(np.asarray(r.reward_times_s) / 60, np.full(len(r.reward_times_s), -0.2), "|", color="k",
                 label="rewards")  # fmt: skip
    axes[0].set(xlabel="time (min)", ylabel="weight (mV)", title="Distal reward: one synapse is learned")
    axes[0].legend(fontsize=7)
    others = np.delete(r.final_weights, r.chosen_index)
    axes[1].hist(others, bins=40, range=(0, 4), log=True, color="C1")
    axes[1].axvline(r.final_weights[r.chosen_index], color="C0", label="chosen")
    axes[1].set(xlabel="weight (mV)", ylabel="synapses", title="final weights")
    axes[1].legend(fontsize=7)
    fig.tight_layout()
    save(fig, path)


if __name__ == "__main__":
    main()

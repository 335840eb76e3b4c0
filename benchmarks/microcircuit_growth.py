"""The microcircuit's cost against its size, spikeflow and NEST: a table and a figure from
the JSON reports of ``benchmarks/microcircuit.py`` (the medians over each scale's seeds).

    python benchmarks/microcircuit_growth.py docs/microcircuit-growth.json \
        docs/microcircuit-scale-1.json [--figure docs/figures/microcircuit-growth.png]

Prints, per scale, the synapse count and each simulator's build, loop and peak memory,
with the ratios; the figure has loop time and peak memory against the synapse count on
log-log axes (a line of slope 1 is growth in proportion to the synapses). Prints one
JSON object last.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

SIMULATORS = ("spikeflow", "nest")


def rows(reports: list[dict]) -> list[dict]:
    """One row per scale (ascending): synapses and the medians of build_s, run_s and
    peak_rss_gb per simulator."""
    out = []
    for report in reports:
        for scale, entry in report["scales"].items():
            row = {"scale": float(scale)}
            for sim in SIMULATORS:
                runs = entry["timings"][sim]
                row["synapses" if sim == "spikeflow" else "synapses_nest"] = runs[0]["synapses"]
                for key in ("build_s", "run_s", "peak_rss_gb"):
                    row[f"{sim}_{key}"] = statistics.median(r[key] for r in runs)
            row["threads_nest"] = report["nest_threads"]
            out.append(row)
    return sorted(out, key=lambda r: r["scale"])


def print_table(table: list[dict]) -> None:
    print(f"{'scale':>6}{'synapses':>13}{'build sf':>10}{'build NEST':>12}{'loop sf':>10}{'loop NEST':>11}"
          f"{'GB sf':>8}{'GB NEST':>9}{'build x':>9}{'loop x':>8}{'memory':>8}")  # fmt: skip
    for r in table:
        print(f"{r['scale']:>6g}{r['synapses']:>13d}{r['spikeflow_build_s']:>10.2f}{r['nest_build_s']:>12.2f}"
              f"{r['spikeflow_run_s']:>10.2f}{r['nest_run_s']:>11.2f}{r['spikeflow_peak_rss_gb']:>8.2f}"
              f"{r['nest_peak_rss_gb']:>9.2f}{r['nest_build_s'] / r['spikeflow_build_s']:>8.2f}x"
              f"{r['nest_run_s'] / r['spikeflow_run_s']:>7.2f}x"
              f"{r['spikeflow_peak_rss_gb'] / r['nest_peak_rss_gb']:>8.2f}")  # fmt: skip


def figure(table: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    x = [r["synapses"] for r in table]
    for ax, key, label in ((axes[0], "run_s", "loop time for 1 s simulated (s)"),
                           (axes[1], "peak_rss_gb", "peak resident memory (GiB)")):  # fmt: skip
        for sim, style in (("spikeflow", "o-"), ("nest", "s--")):
            ax.plot(x, [r[f"{sim}_{key}"] for r in table], style, label="NEST 3.10" if sim == "nest" else sim)
        ref = table[-1][f"spikeflow_{key}"]  # slope 1 through spikeflow's largest point
        ax.plot(x, [ref * xi / x[-1] for xi in x], ":", color="grey", label="in proportion to synapses")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("synapses")
        ax.set_ylabel(label)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle("Cortical microcircuit at scales 0.1-1 (medians of 3 seeds, 2 cores)", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("reports", nargs="+", help="JSON reports of benchmarks/microcircuit.py")
    ap.add_argument("--figure", default=None, help="where to write the figure (PNG)")
    args = ap.parse_args()
    table = rows([json.loads(Path(p).read_text()) for p in args.reports])
    print_table(table)
    if args.figure:
        figure(table, Path(args.figure))
    print(json.dumps({"rows": table}))


if __name__ == "__main__":
    main()

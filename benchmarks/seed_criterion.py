"""How often does a simulator pass "its mean over k seeds lies inside another simulator's
spread over the same k seeds"? The criterion of issue #3 for COBA and CUBA (k = 5), asked
of every simulator about every other, from runs already made with many seeds by
``benchmarks/simulators.py`` (its JSON: a list of runs with ``simulator``, ``network``,
``seed``, ``mean_rate_hz``, ``cv_isi``).

    python benchmarks/simulators.py --peer-python ENV/bin/python --seeds $(seq 1 40) \
        --networks coba cuba --brian2-modes runtime > runs.log   # JSON is the last line
    python benchmarks/seed_criterion.py runs.json [more.json ...] [--k 5] [--draws 20000]

For each network, only seeds that every simulator ran are used. A draw picks k of them
at random (the same k for every simulator, as one benchmark run with k seeds does);
runs that fell silent (mean rate below 1 Hz, as in simulators.py) are left out of the
means and spreads, as the docs' tables do; a simulator with no run left in a draw fails
it. Reported per simulator X and statistic (mean rate; mean rate and mean CV of ISI):
the fraction of draws in which X's mean lies inside Y's min-max, for each other
simulator Y and for all of them at once, and the verdict for consecutive blocks of k
seeds (1-5, 6-10, ...), the way a benchmark run with seeds 1 to 5 would decide it.
Prints a table and one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

SILENT_HZ = 1.0  # as benchmarks/simulators.py
STATISTICS = {"rate": ("mean_rate_hz",), "rate+cv": ("mean_rate_hz", "cv_isi")}


def load_runs(paths: list[Path]) -> list[dict]:
    """Runs from JSON files holding ``{"runs": [...]}`` or a bare list; a log whose last
    line is that object (simulators.py's stdout) is read too."""
    runs = []
    for path in paths:
        text = path.read_text().strip()
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            data = json.loads(text.splitlines()[-1])
        runs.extend(data["runs"] if isinstance(data, dict) else data)
    return runs


def tables(runs: list[dict], network: str) -> tuple[list[str], list[int], dict]:
    """Simulators, the seeds all of them ran, and ``{simulator: array (seeds, 2)}`` of
    (mean rate Hz, mean CV of ISI), for one network. A seed run twice by one simulator
    raises (the files overlap)."""
    values: dict[str, dict[int, tuple[float, float]]] = {}
    for r in runs:
        if r["network"] != network:
            continue
        per_seed = values.setdefault(r["simulator"], {})
        if r["seed"] in per_seed:
            raise ValueError(f"{r['simulator']} ran {network} seed {r['seed']} twice: overlapping files")
        per_seed[r["seed"]] = (r["mean_rate_hz"], r["cv_isi"])
    sims = sorted(values)
    seeds = sorted(set.intersection(*(set(v) for v in values.values()))) if sims else []
    return sims, seeds, {s: np.array([values[s][k] for k in seeds], dtype=float) for s in sims}


def inside(x: np.ndarray, y: np.ndarray, columns: tuple[int, ...]) -> bool:
    """Whether the mean of ``x``'s lasting runs lies inside the min-max of ``y``'s, in
    every column of ``columns`` (rows: runs; columns: rate, CV)."""
    x, y = x[x[:, 0] >= SILENT_HZ], y[y[:, 0] >= SILENT_HZ]
    if not len(x) or not len(y):
        return False
    mean = x[:, list(columns)].mean(axis=0)
    return bool(np.all((y[:, list(columns)].min(axis=0) <= mean) & (mean <= y[:, list(columns)].max(axis=0))))


def pass_rates(values: dict, k: int, draws: int, seed: int) -> dict:
    """For each statistic and simulator X: the fraction of ``draws`` random k-seed subsets
    in which X's mean lies inside each other simulator's spread (``"in": {Y: f}``) and
    inside all of them (``"all"``), and the verdicts of the consecutive k-seed blocks."""
    sims = sorted(values)
    n = len(next(iter(values.values())))
    if k > n:
        raise ValueError(f"k must be <= the {n} seeds every simulator ran, got {k}")
    rng = np.random.default_rng(seed)
    subsets = [rng.choice(n, k, replace=False) for _ in range(draws)]
    blocks = [np.arange(b, b + k) for b in range(0, n - k + 1, k)]
    out = {}
    for name, stats in STATISTICS.items():
        columns = tuple(("mean_rate_hz", "cv_isi").index(s) for s in stats)
        out[name] = {}
        for x in sims:
            others = [y for y in sims if y != x]
            hits = np.array([[inside(values[x][s], values[y][s], columns) for y in others] for s in subsets])
            out[name][x] = {
                "in": {y: float(hits[:, i].mean()) for i, y in enumerate(others)},
                "all": float(hits.all(axis=1).mean()),
                "blocks": [all(inside(values[x][b], values[y][b], columns) for y in others) for b in blocks],
            }
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+", type=Path, help="simulators.py JSON (or its stdout)")
    ap.add_argument("--k", type=int, default=5, help="seeds per benchmark run (issue #3: 5)")
    ap.add_argument("--draws", type=int, default=20000, help="random k-seed subsets")
    ap.add_argument("--seed", type=int, default=0, help="seed of the subset draws")
    ap.add_argument("--networks", nargs="+", default=["coba", "cuba"])
    args = ap.parse_args(argv)
    if args.k < 1 or args.draws < 1:
        ap.error(f"--k and --draws must be >= 1, got {args.k} and {args.draws}")
    runs = load_runs(args.files)
    report = {"k": args.k, "draws": args.draws, "files": [str(p) for p in args.files], "networks": {}}
    for network in args.networks:
        sims, seeds, values = tables(runs, network)
        if len(sims) < 2:
            print(f"{network}: fewer than two simulators in the files, skipped", file=sys.stderr)
            continue
        rates = pass_rates(values, args.k, args.draws, args.seed)
        report["networks"][network] = {"seeds": seeds, "pass": rates}
        print(f"\n{network}: {len(seeds)} seeds ({seeds[0]}-{seeds[-1]}), {args.draws} draws of {args.k}")
        print(f"{'statistic':9} {'simulator X':26} {'X inside each other Y':52} {'all':>5}  blocks")
        for stat, per_sim in rates.items():
            for x, r in per_sim.items():
                each = ", ".join(f"{y.split()[0]} {f:.2f}" for y, f in r["in"].items())
                blocks = " ".join("pass" if ok else "FAIL" for ok in r["blocks"])
                print(f"{stat:9} {x:26} {each:52} {r['all']:>5.2f}  {blocks}")
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()

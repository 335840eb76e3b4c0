"""The cortical microcircuit (Potjans & Diesmann 2014) in spikeflow and NEST, side by side:
build and loop times, peak memory, and the validation of Dasbach et al. (2021): per
population the distributions of time-averaged rates, ISI CVs and spike-count correlation
coefficients, compared by Kolmogorov-Smirnov distance between the simulators and between
NEST's own seeds.

    python benchmarks/microcircuit.py --peer-python /path/to/nest-env/bin/python
        [--scales 0.1] [--seeds 1 2 3] [--warmup-ms 500] [--duration-ms 1000]
        [--nest-threads 4] [--out microcircuit-runs]

Every run is its own process under ``/usr/bin/time`` (its peak resident memory is its
own); spikeflow runs first, then NEST, seed by seed. NEST builds the model from the tables
spikeflow's model computes (``MicrocircuitParams.tables``), with its own random draws.
Statistics (both simulators alike, from the recorded spikes): the rate of every neuron;
the CV of the ISIs of neurons with at least 3 spikes; the correlation coefficients of the
spike counts in 1 ms bins between the first 200 neurons of each population that fired.
Prints a table and one JSON object.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
from itertools import combinations
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
CORRELATION_NEURONS = 200
BIN_MS = 1.0


def _timed(cmd: list[str]) -> tuple[dict, float]:
    """Run ``cmd`` under ``/usr/bin/time``: ``(its last stdout line as JSON, peak RSS in GB)``."""
    proc = subprocess.run(["/usr/bin/time", "-f", "MAXRSS_KB %M", *cmd], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} ... failed:\n{proc.stderr[-2000:]}")
    rss = [line for line in proc.stderr.splitlines() if line.startswith("MAXRSS_KB")]
    return json.loads(proc.stdout.strip().splitlines()[-1]), int(rss[-1].split()[1]) / 2**20


def spikeflow_worker(scale: float, seed: int, warmup_ms: float, duration_ms: float, out: str) -> None:
    """One spikeflow run (in this process): its spikes to ``out`` (npz), its timings printed."""
    from spikeflow.models.microcircuit import run_microcircuit

    r = run_microcircuit(scale, duration_ms, warmup_ms, seed, progress=False)
    arrays = {f"{k}_times": v for k, v in r.times_ms.items()}
    arrays.update({f"{k}_senders": v for k, v in r.senders.items()})
    np.savez_compressed(out, **arrays)
    st = r.statistics()
    print(json.dumps({"simulator": "spikeflow", "build_s": st["build_s"], "warmup_s": st["warmup_s"],
                      "run_s": st["run_s"], "synapses": st["synapses"]}))  # fmt: skip


def population_statistics(spikes: dict, sizes: dict, duration_ms: float) -> dict:
    """Per population: ``rates`` (Hz, every neuron), ``cvs`` (neurons with >= 3 spikes) and
    ``correlations`` (pairs among the first 200 neurons that fired, 1 ms bins)."""
    out = {}
    for name, n in sizes.items():
        t, s = spikes[f"{name}_times"], spikes[f"{name}_senders"]
        rates = np.bincount(s, minlength=n) / (duration_ms * 1e-3)
        order = np.lexsort((t, s))
        t, s = t[order], s[order]
        same = s[1:] == s[:-1]
        isi, owner = np.diff(t)[same], s[1:][same]
        count = np.bincount(owner, minlength=n)
        mean = np.bincount(owner, isi, n) / np.maximum(count, 1)
        var = np.bincount(owner, (isi - mean[owner]) ** 2, n) / np.maximum(count, 1)
        cvs = np.sqrt(var[count >= 2]) / mean[count >= 2]
        fired = np.flatnonzero(np.bincount(s, minlength=n) > 0)[:CORRELATION_NEURONS]
        bins = int(duration_ms / BIN_MS)
        keep = np.isin(s, fired) & (t >= 0) & (t < bins * BIN_MS)
        rows = np.searchsorted(fired, s[keep])
        counts = np.zeros((fired.size, bins))
        np.add.at(counts, (rows, (t[keep] / BIN_MS).astype(np.int64)), 1.0)
        if fired.size >= 2:
            c = np.corrcoef(counts)
            corr = c[np.triu_indices(fired.size, 1)]
        else:
            corr = np.zeros(0)
        out[name] = {"rates": rates, "cvs": cvs, "correlations": corr[np.isfinite(corr)]}
    return out


def ks_distance(a: np.ndarray, b: np.ndarray) -> float:
    """The Kolmogorov-Smirnov distance of two samples (the largest gap of their empirical
    distribution functions); NaN where one is empty."""
    if not a.size or not b.size:
        return float("nan")
    values = np.concatenate([a, b])
    fa = np.searchsorted(np.sort(a), values, side="right") / a.size
    fb = np.searchsorted(np.sort(b), values, side="right") / b.size
    return float(np.max(np.abs(fa - fb)))


STATISTICS = ("rates", "cvs", "correlations")


def validate(runs: dict, populations: list) -> dict:
    """KS distances per population and statistic: spikeflow against NEST (every pair of a
    spikeflow and a NEST seed) and NEST against NEST (pairs of different seeds). ``within``:
    the median spikeflow-NEST distance is at most the largest NEST-NEST one (the issue's
    criterion: spikeflow inside NEST's own seed-to-seed variability); ``fraction_within``:
    the share of spikeflow-NEST distances at most that large."""
    out = {}
    sf, ne = runs["spikeflow"], runs["nest"]
    for name in populations:
        for stat in STATISTICS:
            cross = [ks_distance(a[name][stat], b[name][stat]) for a in sf for b in ne]
            own = [ks_distance(a[name][stat], b[name][stat]) for a, b in combinations(ne, 2)]
            cross = [d for d in cross if d == d]  # NaN: a sample was empty (no CVs in a silent population)
            own = [d for d in own if d == d]
            top = max(own) if own else float("nan")
            out[f"{name}/{stat}"] = {
                "spikeflow_nest": cross, "nest_nest": own,
                "spikeflow_nest_median": statistics.median(cross) if cross else float("nan"),
                "nest_nest_max": top,
                "within": bool(cross and own) and statistics.median(cross) <= top,
                "fraction_within": (sum(d <= top for d in cross) / len(cross)) if cross and own else math.nan,
            }  # fmt: skip
        sf_rate = statistics.mean(float(r[name]["rates"].mean()) for r in sf)
        ne_rates = [float(r[name]["rates"].mean()) for r in ne]
        lo, hi = min(ne_rates), max(ne_rates)
        out[f"{name}/mean_rate"] = {"spikeflow": sf_rate, "nest_min": lo, "nest_max": hi,
                                    "within": lo <= sf_rate <= hi}  # fmt: skip
    return out


def main() -> None:  # noqa: C901 - the steps of the benchmark, in order
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--peer-python", default=None, help="Python of an environment with nest-simulator")
    ap.add_argument("--scales", type=float, nargs="+", default=[0.1])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--warmup-ms", type=float, default=500.0)
    ap.add_argument("--duration-ms", type=float, default=1000.0)
    ap.add_argument(
        "--nest-threads", type=int, default=4, help="NEST's local_num_threads (>= 4 at full scale)"
    )
    ap.add_argument("--out", default="microcircuit-runs", help="folder for tables and spikes")
    ap.add_argument("--worker", nargs=5, metavar=("SCALE", "SEED", "WARMUP", "DURATION", "OUT"),
                    help=argparse.SUPPRESS)  # fmt: skip
    args = ap.parse_args()
    if args.worker:
        scale, seed, warmup, duration, out = args.worker
        spikeflow_worker(float(scale), int(seed), float(warmup), float(duration), out)
        return
    from spikeflow.models.microcircuit import POPULATIONS, MicrocircuitParams

    folder = Path(args.out)
    folder.mkdir(parents=True, exist_ok=True)
    with open("/proc/loadavg") as fh:
        load = fh.read().split()[:3]
    report = {"load_before": load, "nest_threads": args.nest_threads, "warmup_ms": args.warmup_ms,
              "duration_ms": args.duration_ms, "scales": {}}  # fmt: skip
    for scale in args.scales:
        params = MicrocircuitParams(N_scaling=scale, K_scaling=scale)
        tables = folder / f"tables_{scale:g}.json"
        tables.write_text(json.dumps(params.tables()))
        sizes = dict(zip(POPULATIONS, params.neurons().tolist()))
        runs: dict = {"spikeflow": [], "nest": []}
        timings: dict = {"spikeflow": [], "nest": []}
        for seed in args.seeds:
            common = [str(args.warmup_ms), str(args.duration_ms)]
            jobs = [
                (
                    "spikeflow",
                    [sys.executable, str(Path(__file__)), "--worker", str(scale), str(seed), *common],
                )
            ]
            if args.peer_python:
                script = str(HERE / "peers" / "nest_microcircuit.py")
                nest_cmd = [args.peer_python, script, str(tables), str(seed), str(args.nest_threads), *common]
                jobs.append(("nest", nest_cmd))
            for sim, cmd in jobs:
                npz = folder / f"{sim}_{scale:g}_{seed}.npz"
                info, rss = _timed([*cmd, str(npz)])
                info.update(seed=seed, peak_rss_gb=rss)
                timings[sim].append(info)
                runs[sim].append(population_statistics(dict(np.load(npz)), sizes, args.duration_ms))
                print(f"scale {scale:g} seed {seed} {sim}: build {info['build_s']:.2f} s, loop "
                      f"{info['run_s']:.2f} s, peak {rss:.2f} GB", file=sys.stderr)  # fmt: skip
        entry: dict = {"timings": timings, "rates": {}}
        for sim in runs:
            entry["rates"][sim] = {
                name: [float(r[name]["rates"].mean()) for r in runs[sim]] for name in POPULATIONS
            }
        if runs["nest"]:
            entry["validation"] = validate(runs, list(POPULATIONS))
        report["scales"][f"{scale:g}"] = entry
        # ---- table
        print(f"\nscale {scale:g}: {sum(sizes.values())} neurons, seeds {args.seeds}")
        keys = ("build_s", "run_s", "peak_rss_gb")
        med = {sim: {k: statistics.median(t[k] for t in timings[sim]) for k in keys}
               for sim in timings if timings[sim]}  # fmt: skip
        for sim, m in med.items():
            rtf = m["run_s"] / (args.duration_ms * 1e-3)
            print(
                f"  {sim:<10} build {m['build_s']:8.2f} s   loop RTF {rtf:7.2f}   "
                f"peak {m['peak_rss_gb']:6.2f} GB"
            )
        if "nest" in med and "spikeflow" in med:
            ratio = {k: med["nest"][k] / med["spikeflow"][k] for k in ("build_s", "run_s")}
            ratio["memory"] = med["spikeflow"]["peak_rss_gb"] / med["nest"]["peak_rss_gb"]
            entry["ratios"] = ratio
            print(f"  NEST/spikeflow: build {ratio['build_s']:.2f}x, loop {ratio['run_s']:.2f}x; spikeflow's "
                  f"memory {ratio['memory']:.2f} of NEST's")  # fmt: skip
        print(f"  {'population':<10} {'spikeflow Hz':>24} {'NEST Hz':>24}")
        for name in POPULATIONS:
            cells = [
                ", ".join(f"{v:.2f}" for v in entry["rates"][sim][name]) for sim in ("spikeflow", "nest")
            ]
            print(f"  {name:<10} {cells[0]:>24} {cells[1]:>24}")
        if "validation" in entry:
            head = f"  {'KS distance':<22} {'spikeflow-NEST median':>22} {'NEST-NEST max':>14}  within  share"
            print(head)
            for key, v in entry["validation"].items():
                if key.endswith("mean_rate"):
                    continue
                print(f"  {key:<22} {v['spikeflow_nest_median']:>22.3f} {v['nest_nest_max']:>14.3f}  "
                      f"{str(v['within']):<6}  {v['fraction_within']:.2f}")  # fmt: skip
            for name in POPULATIONS:
                v = entry["validation"][f"{name}/mean_rate"]
                print(f"  {name} mean rate: spikeflow {v['spikeflow']:.3f} Hz, NEST seeds "
                      f"{v['nest_min']:.3f}-{v['nest_max']:.3f} Hz, within: {v['within']}")  # fmt: skip
    with open("/proc/loadavg") as fh:
        report["load_after"] = fh.read().split()[:3]
    print(json.dumps(report, default=float))


if __name__ == "__main__":
    main()

"""COBA (Brette et al. 2007) at 4000, 16 000 and 64 000 neurons (about 80 synapses per
neuron at every size), one process per size: mean rate, CV of ISI, build and loop time,
and peak RSS of the process at the end of the run (before the statistics are computed).

    python benchmarks/coba_scaling.py [--sizes 4000 16000 64000] [--seed 1]

Brian2 at the same sizes: ``python benchmarks/peers/brian2_nets.py coba standalone 1 1000 N``
in the peer environment (its JSON has ``loop_s`` and ``peak_rss_mib``).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time


def one(n: int, seed: int) -> dict:
    from spikeflow.models.coba import run_coba

    start = time.perf_counter()
    result = run_coba(n, 1000.0, seed=seed, progress=False)
    # the simulation's peak, before the analysis below (which builds per-neuron trains)
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    stats = result.statistics()
    return {
        "neurons": n, "mean_rate_hz": stats["mean_rate_hz"], "cv_isi": stats["cv_isi"],
        "build_s": stats["build_s"], "loop_s": stats["run_s"], "process_s": time.perf_counter() - start,
        "peak_rss_mib": peak_rss,
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[4000, 16000, 64000])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.seed)))
        return
    rows = []
    for n in args.sizes:  # a fresh process per size, so that peak RSS is that size's
        cmd = [sys.executable, __file__, "--one", str(n), "--seed", str(args.seed)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
    print(f"{'neurons':>8} {'rate Hz':>8} {'CV':>6} {'build s':>8} {'loop s':>7} {'RSS MiB':>8}")
    for r in rows:
        print(f"{r['neurons']:8d} {r['mean_rate_hz']:8.2f} {r['cv_isi']:6.3f} {r['build_s']:8.2f} "
              f"{r['loop_s']:7.2f} {r['peak_rss_mib']:8.0f}")  # fmt: skip
    print(json.dumps({"runs": rows}))


if __name__ == "__main__":
    main()

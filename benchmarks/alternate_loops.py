"""Simulation-loop times of spikeflow and Brian2 C++ standalone taken in turns: one fresh
process each per round, spikeflow's fast backend then Brian2's compiled binary (with a
build directory made once before the first round, so every round's binary is warm).

    python benchmarks/alternate_loops.py --peer-python /path/to/brian2-env/bin/python
        [--network cuba|coba|izhikevich] [--seed 1] [--rounds 8]

For loops of tens of milliseconds (CUBA: 50 to 90 ms on 2 cores, the Izhikevich network
20 to 40 ms) single runs swing by
about 30 % on a shared machine; taking turns exposes both simulators to the same drift.
Prints each round, the medians and their ratio, and one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPIKEFLOW = (
    "import json, sys\n"
    "from spikeflow.models.{module} import run_{module}\n"
    "print(json.dumps({{'loop_s': run_{module}(seed={seed}, progress=False).run_s}}))\n"
)
MODULES = {"coba": "coba", "cuba": "cuba", "izhikevich": "izhikevich_network"}


def last_json(cmd: list[str], env: dict | None = None) -> dict:
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--peer-python", required=True, help="interpreter with brian2")
    ap.add_argument("--network", choices=sorted(MODULES), default="cuba")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=8)
    args = ap.parse_args()
    env = {**os.environ, "BRIAN2_BUILD_DIR": tempfile.mkdtemp(prefix="brian2-warm-")}
    brian2 = [args.peer_python, str(HERE / "peers" / "brian2_nets.py"), args.network, "standalone",
              str(args.seed), "1000", "4000"]  # fmt: skip
    last_json(brian2, env)  # builds the binary once
    mine = [sys.executable, "-c", SPIKEFLOW.format(module=MODULES[args.network], seed=args.seed)]
    rounds = []
    for k in range(args.rounds):
        sf = last_json(mine)["loop_s"]
        b2 = last_json(brian2, env)["loop_s"]
        rounds.append({"spikeflow_loop_s": sf, "brian2_standalone_loop_s": b2})
        print(f"round {k + 1}: spikeflow {sf:.4f} s, Brian2 standalone {b2:.4f} s", flush=True)
    med_sf = statistics.median(r["spikeflow_loop_s"] for r in rounds)
    med_b2 = statistics.median(r["brian2_standalone_loop_s"] for r in rounds)
    print(f"medians: spikeflow {med_sf:.4f} s, Brian2 standalone {med_b2:.4f} s, ratio {med_b2 / med_sf:.2f}")
    summary = {"network": args.network, "seed": args.seed, "rounds": rounds, "median_spikeflow_s": med_sf,
               "median_brian2_standalone_s": med_b2}  # fmt: skip
    print(json.dumps(summary))


if __name__ == "__main__":
    main()

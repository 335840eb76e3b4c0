"""COBA and CUBA (Brette et al. 2007) and Izhikevich's (2003) network in spikeflow,
Brian2 (C++ standalone and runtime) and NEST (COBA, CUBA), side by side: statistics over
seeds and the simulation-loop times.

    python benchmarks/simulators.py --peer-python /path/to/env/bin/python [--seeds 1 2 3 4 5]
        [--networks coba cuba izhikevich] [--neuron-python /path/to/neuron-env/bin/python]

spikeflow runs in this interpreter (fast backend); the peers run in the interpreter given
by ``--peer-python`` (an environment with ``brian2`` and ``nest-simulator``; Brian2 2.10+
needs Python 3.12+), one process per run, through the scripts in ``benchmarks/peers/``;
NEURON (COBA only: single compartments with ``pas``, ``ExpSyn`` and a compiled reset
mechanism, ``peers/neuron_coba.py``) in the interpreter given by ``--neuron-python``.
"Loop" is the simulation loop alone: spikeflow's ``run``, Brian2 standalone's own run
timer (``device._last_run_time``, without the C++ compile), Brian2 runtime's
``Network.run``, NEST's ``Simulate``, NEURON's ``continuerun``. Prints a table and one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SILENT_HZ = 1.0  # a run whose mean rate is below this fell silent


def spikeflow_run(net: str, seed: int, duration_ms: float) -> dict:
    from spikeflow.models.coba import run_coba
    from spikeflow.models.cuba import run_cuba
    from spikeflow.models.izhikevich_network import run_izhikevich_network

    start = time.perf_counter()
    runner = {"coba": run_coba, "cuba": run_cuba, "izhikevich": run_izhikevich_network}[net]
    result = runner(1000 if net == "izhikevich" else 4000, duration_ms, seed=seed, progress=False)
    stats = result.statistics()
    keys = ("mean_rate_hz", "cv_isi", "n_spikes", "build_s")
    return {"simulator": "spikeflow fast", "network": net, "seed": seed, **{k: stats[k] for k in keys},
            "loop_s": stats["run_s"], "process_s": time.perf_counter() - start}  # fmt: skip


def peer_run(python: str, script: str, args: list[str]) -> dict | None:
    proc = subprocess.run([python, str(HERE / "peers" / script), *args], capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"  {script} {' '.join(args)} failed: {proc.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    # a child's ru_maxrss starts from this (large) process's, which Linux keeps across
    # exec: not the peer's own peak. Peak memory is measured by benchmarks/coba_scaling.py.
    result.pop("peak_rss_mib", None)
    return result


def print_table(runs: list[dict]) -> None:
    """Rates and CVs over the seeds whose activity lasted (COBA can fall silent after the
    initial transient, in every simulator: those runs are counted, not averaged), and
    the median loop time over all runs."""
    table = {}
    for r in runs:
        table.setdefault((r["network"], r["simulator"]), []).append(r)
    print(
        f"{'network':11}{'simulator':30}{'runs':>5}{'silent':>7}{'rate (Hz) min-max':>19}{'mean':>7}"
        f"{'CV ISI min-max':>16}{'mean':>7}{'loop median (s)':>17}"
    )
    for (net, sim), rs in sorted(table.items()):
        alive = [r for r in rs if r["mean_rate_hz"] >= SILENT_HZ]
        loop = statistics.median(r["loop_s"] for r in rs)
        rates, cvs = [r["mean_rate_hz"] for r in alive], [r["cv_isi"] for r in alive]
        spread = (
            f"{min(rates):>9.2f}-{max(rates):<7.2f}{statistics.mean(rates):>7.2f}"
            f"{min(cvs):>8.3f}-{max(cvs):<7.3f}{statistics.mean(cvs):>7.3f}"
            if alive
            else f"{'':>40}"
        )
        print(f"{net:11}{sim:30}{len(rs):>5}{len(rs) - len(alive):>7}{spread}{loop:>17.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--peer-python", default=None, help="interpreter with brian2 and nest")
    ap.add_argument("--neuron-python", default=None, help="interpreter with neuron (COBA)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    ap.add_argument("--duration-ms", type=float, default=1000.0)
    ap.add_argument("--brian2-modes", nargs="+", default=["standalone", "runtime"],
                    choices=["standalone", "runtime"])  # fmt: skip
    ap.add_argument("--networks", nargs="+", default=["coba", "cuba", "izhikevich"],
                    choices=["coba", "cuba", "izhikevich"])  # fmt: skip
    args = ap.parse_args()
    runs = []
    for net in args.networks:
        for seed in args.seeds:
            runs.append(spikeflow_run(net, seed, args.duration_ms))
            if args.peer_python:
                d = str(args.duration_ms)
                brian2 = [
                    peer_run(args.peer_python, "brian2_nets.py", [net, m, str(seed), d])
                    for m in args.brian2_modes
                ]
                nest = (
                    [peer_run(args.peer_python, "nest_nets.py", [net, str(seed), d])]
                    if net != "izhikevich"
                    else []
                )
                for r in brian2 + nest:
                    if r is not None:
                        runs.append(r)
            if args.neuron_python and net == "coba":
                r = peer_run(args.neuron_python, "neuron_coba.py", [str(seed), str(args.duration_ms)])
                if r is not None:
                    runs.append(r)
            print(f"  {net} seed {seed} done", file=sys.stderr, flush=True)
    print_table(runs)
    print(json.dumps({"runs": runs}))


if __name__ == "__main__":
    main()

"""The fused LIF layer on a shared machine: its time alone and while another process keeps
one core busy, beside the peers under the same load, in one invocation.

    python benchmarks/shared_machine.py [--libs spikeflow,snntorch,spikingjelly,plain]
        [--rounds 3] [--json-out FILE]

Case: ``training.py``'s neuron case at T = 100, batch 64, n = 512 (LIF, decay 0.9,
threshold 1, reset by subtraction), forward and backward, each library in a fresh process
with torch's default threads (the machine's cores). The load is a second process running
a pure-Python busy loop (one core). Each library's worker alternates ``--rounds`` times
between "alone" and "loaded" (the competitor started and stopped around the timing), and
each number is the median of its rounds' values (each the lowest of three medians of five
calls, as in ``training.py``). Prints a table, then one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from training import BATCH, make_neuron, time_case  # noqa: E402

T, N = 100, 512
LIBS = ("spikeflow", "snntorch", "spikingjelly", "plain")
BUSY = "while True:\n    pass\n"


def _competitor() -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", BUSY])
    time.sleep(0.5)  # let it take its core
    return proc


def worker(lib: str, rounds: int) -> dict:
    """``{"alone": [ms...], "loaded": [ms...]}`` of ``lib``'s forward + backward."""
    neuron, _ = make_neuron(lib)
    x = torch.rand(T, BATCH, N, generator=torch.Generator().manual_seed(0)) * 0.4

    def fwd_bwd() -> None:
        xi = x.detach().requires_grad_(True)
        neuron(xi).sum().backward()

    out: dict[str, list[float]] = {"alone": [], "loaded": []}
    for _ in range(rounds):
        out["alone"].append(time_case(fwd_bwd))
        load = _competitor()
        try:
            out["loaded"].append(time_case(fwd_bwd))
        finally:
            load.kill()
            load.wait()
    return out


def main() -> None:
    """Run every library's worker in its own process and print the table and JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--libs", default=",".join(LIBS))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json-out", default=None)
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.rounds)))
        return
    report = {
        "case": f"LIF forward + backward, T={T}, batch {BATCH}, n={N}",
        "cores": os.cpu_count(),
        "load_before": os.getloadavg()[0],
        "torch_threads": torch.get_num_threads(),
        "libs": {},
    }
    for lib in args.libs.split(","):
        done = subprocess.run(
            [sys.executable, __file__, "--worker", lib, "--rounds", str(args.rounds)],
            capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode != 0:
            report["libs"][lib] = {"skipped": done.stderr.strip().splitlines()[-1][:200]}
            continue
        runs = json.loads(done.stdout.strip().splitlines()[-1])
        alone, loaded = statistics.median(runs["alone"]), statistics.median(runs["loaded"])
        report["libs"][lib] = {**runs, "alone_ms": alone, "loaded_ms": loaded, "slowdown": loaded / alone}
    report["load_after"] = os.getloadavg()[0]
    print(f"{report['case']}; {report['cores']} cores, load average {report['load_before']:.2f} before")
    print(f"{'library':<14} {'alone (ms)':>11} {'loaded (ms)':>12} {'loaded/alone':>13}")
    for lib, row in report["libs"].items():
        if "skipped" in row:
            print(f"{lib:<14} skipped: {row['skipped']}")
        else:
            print(f"{lib:<14} {row['alone_ms']:>11.2f} {row['loaded_ms']:>12.2f} {row['slowdown']:>13.2f}")
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(report, f, indent=1, sort_keys=True)
    print(json.dumps(report, sort_keys=True))


if __name__ == "__main__":
    main()

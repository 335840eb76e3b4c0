"""Small and large calls of one multi-step layer of the LIF family, timed in several
installs of spikeflow taking turns process by process (to compare two versions side by
side).

    python benchmarks/lif_calls.py --pythons /path/a/bin/python /path/b/bin/python \\
        [--layer LIF|SynapticLIF|ALIF] [--rounds 8] [--points 25x128,25x512] [--json-out FILE]

Each process times ``spikeflow.nn.LIF`` (or ``--layer``; decay 0.9, threshold 1, reset
by subtraction, fast-sigmoid slope 25; batch 64) at each point ``TxN``: the median of 100 calls (20 at
the large points) of a ``torch.no_grad()`` forward pass and of a forward pass plus
``.sum().backward()``. The interpreters take turns ``--rounds`` times; the table gives,
per interpreter, the median over its processes (a process can land in a slow mode, where
torch's and Numba's thread pools share the cores badly: the median over processes is
what compares). Prints the table and, last, one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

WORKER = r"""
import json, math, statistics, sys, time
import torch
import spikeflow as sf
torch.manual_seed(0)
layer = getattr(sf.nn, sys.argv[2])(tau_mem_ms=-1.0 / math.log(0.9), v_th=1.0, check_inputs=False,
                                    surrogate_slope=25.0)
out = {}
def median_ms(fn, reps):
    fn(); fn()
    times = []
    for _ in range(reps):
        t = time.perf_counter(); fn(); times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3
for point in sys.argv[1].split(","):
    steps, n = (int(v) for v in point.split("x"))
    x = torch.rand(steps, 64, n) * 0.3
    def forward():
        with torch.no_grad():
            layer(x)
    def forward_backward():
        xi = x.detach().requires_grad_(True)
        layer(xi).sum().backward()
    reps = 100 if steps * n < 100_000 else 20
    out[point] = {"fwd": median_ms(forward, reps), "fwd_bwd": median_ms(forward_backward, reps)}
print(json.dumps(out))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pythons", nargs="+", default=[sys.executable], help="interpreters with spikeflow")
    ap.add_argument("--layer", default="LIF", choices=["LIF", "SynapticLIF", "ALIF"])
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--points", default="25x128,25x512,25x2048,100x512,500x128,500x2048")
    ap.add_argument("--json-out", default=None)
    args = ap.parse_args()
    runs: dict[str, list[dict]] = {p: [] for p in args.pythons}
    for _ in range(args.rounds):
        for python in args.pythons:
            command = [python, "-c", WORKER, args.points, args.layer]
            done = subprocess.run(command, capture_output=True, text=True, check=True,
                                  cwd=os.path.dirname(os.path.abspath(python)))  # fmt: skip
            runs[python].append(json.loads(done.stdout.strip().splitlines()[-1]))
    load = os.getloadavg()
    print(f"{args.layer}; load average {load[0]:.2f} {load[1]:.2f}; {args.rounds} processes per interpreter, "
          "in turns")
    table: dict = {}
    for point in args.points.split(","):
        for case in ("fwd", "fwd_bwd"):
            row = {p: statistics.median(r[point][case] for r in runs[p]) for p in args.pythons}
            table[f"{point} {case}"] = row
            first = row[args.pythons[0]]
            cells = "  ".join(f"{v:9.3f} ms ({v / first:4.2f})" for v in row.values())
            print(f"{point:>9} {case:<8} {cells}")
    print(json.dumps({"load_average": load, "pythons": args.pythons, "medians_ms": table, "runs": runs}))
    if args.json_out:
        with open(args.json_out, "w") as fh:
            json.dump({"load_average": load, "pythons": args.pythons, "medians_ms": table, "runs": runs}, fh)


if __name__ == "__main__":
    main()

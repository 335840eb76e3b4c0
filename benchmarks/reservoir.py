"""Liquid state machine against an echo state network of the same size.

For reservoirs of 135, 270, 540 and 1080 neurons: memory capacity (recall of a random
input of 10 ms bins, delays 0-99 bins) and classification of jittered spike-pattern
templates (8 classes of 4 Poisson trains at 20 Hz over 200 ms, 8 ms jitter, 400 training
and 200 test trials), each averaged over seeds. Prints a table and JSON and writes
``docs/figures/lsm.png`` and ``docs/reservoir.json``.

    python benchmarks/reservoir.py              # seeds 0-2, about 6 minutes on 2 cores
    python benchmarks/reservoir.py --seeds 1 --sizes 135 270
"""

from __future__ import annotations

import argparse
import json
import pathlib
import time

import numpy as np
import torch

from spikeflow.models.lsm import (
    EchoStateNetwork,
    LiquidStateMachine,
    LSMConfig,
    memory_capacity,
    template_classification,
)

ROOT = pathlib.Path(__file__).resolve().parents[1]
DELAYS = 100  # bins of 10 ms: long enough for the echo state network's memory to fade


def measure(n: int, seed: int) -> dict:
    start = time.perf_counter()
    lsm = LiquidStateMachine(LSMConfig(n=n), seed=seed)
    mc_lsm, per_lsm = memory_capacity(lsm, max_delay=DELAYS, seed=seed)
    acc_lsm = template_classification(lsm, seed=seed)
    u = torch.rand(1000, 1, generator=torch.Generator().manual_seed(seed)) * 2 - 1
    _, rate = lsm.run(1000, current=u)
    mc_esn, per_esn = memory_capacity(EchoStateNetwork(n, 1, seed=seed), max_delay=DELAYS, seed=seed)
    esn_templates = EchoStateNetwork(n, 4, input_scaling=1.0, leak=1 / 30, seed=seed)
    acc_esn = template_classification(esn_templates, seed=seed)
    return {
        "n": n, "seed": seed, "lsm_capacity": mc_lsm, "esn_capacity": mc_esn, "lsm_accuracy": acc_lsm,
        "esn_accuracy": acc_esn, "lsm_rate_hz": rate, "lsm_capacity_per_delay": per_lsm.tolist(),
        "esn_capacity_per_delay": per_esn.tolist(), "wall_s": time.perf_counter() - start,
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[135, 270, 540, 1080])
    ap.add_argument("--seeds", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(2)
    rows = [measure(n, s) for n in args.sizes for s in range(args.seeds)]
    heads = ("LSM capacity", "ESN capacity", "LSM accuracy", "ESN accuracy", "LSM rate")
    print(f"{'n':>5s} " + " ".join(f"{h:>13s}" for h in heads))
    table = []
    for n in args.sizes:
        sel = [r for r in rows if r["n"] == n]

        def mean(key: str, sel: list = sel) -> float:
            return float(np.mean([r[key] for r in sel]))

        keys = ("lsm_capacity", "esn_capacity", "lsm_accuracy", "esn_accuracy", "lsm_rate_hz")
        row = {"n": n, **{k: mean(k) for k in keys}}
        table.append(row)
        print(f"{n:5d} {row['lsm_capacity']:13.2f} {row['esn_capacity']:13.2f} {row['lsm_accuracy']:13.3f} "
              f"{row['esn_accuracy']:13.3f} {row['lsm_rate_hz']:7.1f}Hz")  # fmt: skip
    result = {"table": table, "runs": rows, "seeds": args.seeds}
    if args.sizes == [135, 270, 540, 1080]:
        (ROOT / "docs" / "reservoir.json").write_text(json.dumps(result, indent=1) + "\n")
    _figure(table, rows, ROOT / "docs" / "figures" / "lsm.png")
    print(json.dumps({"table": table, "seeds": args.seeds}))


def _figure(table: list, rows: list, path: pathlib.Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from spikeflow.plot import save

    n = [r["n"] for r in table]
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.2))
    axes[0].plot(n, [r["lsm_capacity"] for r in table], "o-", label="LSM")
    axes[0].plot(n, [r["esn_capacity"] for r in table], "s--", label="ESN")
    axes[0].set(xlabel="reservoir size", ylabel="memory capacity", xscale="log", yscale="log", title="Memory")
    axes[1].plot(n, [r["lsm_accuracy"] for r in table], "o-", label="LSM")
    axes[1].plot(n, [r["esn_accuracy"] for r in table], "s--", label="ESN")
    axes[1].axhline(1 / 8, color="k", lw=0.5)
    axes[1].set(xlabel="reservoir size", ylabel="test accuracy", xscale="log", title="Jittered templates (8)")
    largest = [r for r in rows if r["n"] == max(n)][0]
    axes[2].plot(largest["lsm_capacity_per_delay"], "o-", ms=3, label="LSM")
    axes[2].plot(largest["esn_capacity_per_delay"], "s--", ms=3, label="ESN")
    axes[2].set(xlabel="delay (10 ms bins)", ylabel="r^2", title=f"capacity per delay, n = {max(n)}")
    for ax in axes:
        ax.legend(fontsize=7)
    for ax in axes[:2]:
        ax.set_xticks(n, [str(v) for v in n])
        ax.minorticks_off()
    fig.tight_layout()
    save(fig, path)


if __name__ == "__main__":
    main()

"""Command-line interface: ``spikeflow demo`` (more commands arrive with their features).

Argument parsing and printing only; the work lives in :mod:`spikeflow.models`.
Human-readable output goes to stdout, progress bars to stderr; with ``--json`` the last
line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from ._version import __version__

_IMPORTED_AT = time.time()


def process_wall_s() -> float:
    """Seconds since this process started (Linux ``/proc``; else since CLI import)."""
    try:
        with open("/proc/self/stat") as fh:
            start_ticks = int(fh.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as fh:
            uptime = float(fh.read().split()[0])
        return max(uptime - start_ticks / os.sysconf("SC_CLK_TCK"), 0.0)
    except (OSError, ValueError, IndexError):
        return time.time() - _IMPORTED_AT


def _emit(args: argparse.Namespace, lines: list[str], payload: dict) -> None:
    if not args.quiet:
        for line in lines:
            print(line)
    if args.json:
        print(json.dumps(payload, sort_keys=True))


def _cmd_demo(args: argparse.Namespace) -> int:
    import torch

    from . import plot
    from ._progress import ProgressBar
    from .models.digits import DigitsConfig, readout_scores, train_digits

    if args.threads:
        torch.set_num_threads(args.threads)
    config = DigitsConfig(epochs=args.epochs, seed=args.seed)
    if not args.quiet:
        print(
            f"spikeflow {__version__} demo: 64-{config.hidden}-10 LIF network, scikit-learn "
            f"digits (80/20 split), rate-coded over T={config.num_steps} steps, "
            f"{config.epochs} epochs"
        )
    bar = ProgressBar(config.epochs, "training", enabled=not args.quiet)
    result = train_digits(
        config,
        on_epoch=lambda e: bar.update(1, loss=e.loss, train_acc=e.train_accuracy),
    )
    bar.close()

    out = Path(args.out)
    model = result.model
    sample = result.x_test[:1]
    with torch.no_grad():
        spikes_in = torch.rand((config.num_steps, 1, 64), generator=torch.Generator().manual_seed(7))
        spikes_in = (spikes_in < sample).float()
        model.lif.record = True
        v_out, hidden = model.forward_with_hidden(spikes_in)
        v_hidden = model.lif.recorded.v[:, 0]
        model.lif.record = False
    label = int(result.y_test[0])
    predicted = int(readout_scores(v_out).argmax(-1)[0])
    busiest = hidden[:, 0].sum(0).argsort(descending=True)[:4]
    figures = {
        "raster": plot.save(
            plot.raster(
                {"input": spikes_in[:, 0], "hidden": hidden[:, 0]},
                title=f"test digit {label} (predicted {predicted})",
            ),
            out / "raster.png",
        ),
        "membrane": plot.save(
            plot.traces(
                v_hidden[:, busiest],
                threshold=model.lif.params.v_th,
                labels=[f"hidden {int(i)}" for i in busiest],
                spikes=hidden[:, 0, busiest],
                title="hidden LIF potentials (after reset; ticks mark spikes)",
            ),
            out / "membrane.png",
        ),
        "training_curve": plot.save(
            plot.training_curve(result.history, title="digits SNN training"),
            out / "training_curve.png",
        ),
    }
    wall = process_wall_s()
    payload = {
        **result.summary(),
        "wall_s": wall,
        "figures": {k: str(v) for k, v in figures.items()},
        "torch_threads": torch.get_num_threads(),
    }
    lines = [
        f"test accuracy            {result.test_accuracy:.4f} ({len(result.y_test)} test digits)",
        f"spikes per neuron/sample {result.spikes_per_neuron:.2f} (hidden layer)",
        f"wall time                {wall:.1f} s (training {result.train_s:.1f} s)",
        "figures                  " + ", ".join(str(p) for p in figures.values()),
    ]
    _emit(args, lines, payload)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``spikeflow`` command."""
    parser = argparse.ArgumentParser(
        prog="spikeflow",
        description="Spiking neural networks: simulate and train them.",
    )
    parser.add_argument("--version", action="version", version=f"spikeflow {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser(
        "demo",
        help="train a 64-256-10 LIF network on scikit-learn digits and plot it",
        description="Train a 64-256-10 LIF network on scikit-learn's digits with surrogate "
        "gradients, print test accuracy, spikes per neuron and wall time, and write a raster "
        "plot, membrane traces and the training curve as PNG files.",
    )
    demo.add_argument("--out", default="spikeflow-demo", help="folder for the figures")
    demo.add_argument("--epochs", type=int, default=30, help="training epochs (default 30)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    demo.add_argument("--threads", type=int, default=0, help="torch threads (default: all)")
    demo.add_argument("--json", action="store_true", help="print one JSON object last")
    demo.add_argument("--quiet", action="store_true", help="no progress or text (JSON only)")
    demo.set_defaults(func=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``spikeflow`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return args.func(args)
    except (ValueError, TypeError, ImportError) as err:
        print(f"spikeflow {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

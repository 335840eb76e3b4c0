"""Command-line interface: ``spikeflow demo | compare | fit | simulate | forage | models | show-code``.

Argument parsing and printing only; the work lives in :mod:`spikeflow.models`.
Human-readable output goes to stdout, progress bars to stderr; with ``--json`` the last
line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from ._version import __version__

_IMPORTED_AT = time.time()


def process_wall_s() -> float:
    """Seconds since this process started (psutil; since the CLI's import where the
    process cannot be asked)."""
    import psutil

    try:
        return max(time.time() - psutil.Process().create_time(), 0.0)
    except psutil.Error:
        return time.time() - _IMPORTED_AT


def _emit(args: argparse.Namespace, lines: list[str], payload: dict) -> None:
    if not args.quiet:
        for line in lines:
            print(line)
    if args.json:  # strict JSON: a statistic that is not defined (NaN) is null
        print(json.dumps(_strict(payload), sort_keys=True, allow_nan=False))


def _strict(value):  # noqa: ANN001, ANN202
    """``value`` with every non-finite float (NaN, inf) in it replaced by ``None``."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _strict(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict(v) for v in value]
    return value


def _cmd_demo(args: argparse.Namespace) -> int:
    import torch

    from . import plot
    from ._progress import ProgressBar
    from .models.digits import DigitsConfig, readout_scores, train_digits

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


def _cmd_compare(args: argparse.Namespace) -> int:

    from ._progress import ProgressBar
    from .models.selu_digits import compare_on_digits

    if not args.quiet:
        print(
            "spikeflow compare: SELU MLP 64-256-10 vs spiking 64-256-10 LIF network on "
            f"scikit-learn digits, same 80/20 split, {args.epochs} epochs each"
        )
    bar = ProgressBar(args.epochs, "training SNN", enabled=not args.quiet)
    r = compare_on_digits(args.epochs, args.seed, on_epoch=lambda e: bar.update(1, loss=e.loss))
    bar.close()
    ratio = r["snn_synaptic_events_per_sample"] / r["ann_macs_per_sample"]
    lines = [
        f"{'':34}{'SELU ANN':>12}{'spiking LIF':>14}",
        f"{'test accuracy':34}{r['ann_accuracy']:>12.4f}{r['snn_accuracy']:>14.4f}",
        f"{'parameters':34}{r['ann_parameters']:>12d}{r['snn_parameters']:>14d}",
        f"{'MACs / synaptic events per sample':34}{r['ann_macs_per_sample']:>12d}"
        f"{r['snn_synaptic_events_per_sample']:>14.0f}",
        f"{'training time (s)':34}{r['ann_train_s']:>12.1f}{r['snn_train_s']:>14.1f}",
        f"SNN: {r['snn_spikes_per_neuron']:.2f} spikes per hidden neuron per sample over "
        f"T={r['snn_time_steps']} steps; synaptic events / ANN MACs = {ratio:.2f} "
        "(an event is an accumulate, a MAC a multiply-accumulate)",
    ]
    _emit(args, lines, {**r, "wall_s": process_wall_s()})
    return 0


def _cmd_fit(args: argparse.Namespace) -> int:

    from . import plot
    from ._progress import ProgressBar
    from .models.grasshopper import FitConfig, config_dict, fit_cell

    overrides = {"steps": args.steps, "delta_ms": args.delta_ms}
    config = FitConfig(seed=args.seed, **{k: v for k, v in overrides.items() if v is not None})
    if not args.quiet:
        print(
            "spikeflow fit: ALIF neuron with a learned stimulus filter, fitted to grasshopper "
            f"auditory receptors (Rokem et al. 2006) on the first {config.train_ms / 1e3:g} s, "
            f"scored on the last {10 - config.train_ms / 1e3:g} s with Gamma (delta "
            f"{config.delta_ms:g} ms)"
        )
    results, lines, figures = {}, [], {}
    for cell in args.cells:
        bar = ProgressBar(config.steps, f"cell {cell}", enabled=not args.quiet)
        fit = fit_cell(cell, config, on_step=lambda _s, loss, bar=bar: bar.update(1, loss=loss))
        bar.close()
        results[f"cell{cell}"] = fit.summary()
        lines.append(
            f"cell {cell}: Gamma model {fit.gamma_model:.3f}   Poisson {fit.gamma_poisson:.3f}   "
            f"LNP {fit.gamma_lnp:.3f}   (rates: data {fit.rate_data_hz:.1f} Hz, model "
            f"{fit.rate_model_hz:.1f} Hz; fit {fit.fit_s:.1f} s)"
        )
        figures[f"cell{cell}"] = str(plot.save(plot.fit_summary(fit), Path(args.out) / f"fit_cell{cell}.png"))
    _emit(
        args,
        lines,
        {**results, "figures": figures, "config": config_dict(config), "wall_s": process_wall_s()},
    )
    return 0


def _simulate_microcircuit(args: argparse.Namespace) -> int:
    from ._atomic import write_atomically
    from .models.microcircuit import POPULATIONS, run_microcircuit
    from .sim import fast_compiled

    if not args.quiet:
        print(f"spikeflow simulate microcircuit: scale {args.scale:g}, {args.warmup_ms:g} ms warm-up, "
              f"{args.duration_ms:g} ms recorded, seed {args.seed}")  # fmt: skip
    result = run_microcircuit(args.scale, args.duration_ms, args.warmup_ms, args.seed, backend=args.backend,
                              progress=not args.quiet, thalamic_input=args.thalamic)  # fmt: skip
    stats = result.statistics()
    lines = [f"{'population':<10} {'neurons':>8} {'rate (Hz)':>10} {'CV ISI':>8} {'synchrony':>10}"]
    for name in POPULATIONS:
        p = stats["populations"][name]
        lines.append(
            f"{name:<10} {p['neurons']:>8} {p['rate_hz']:>10.3f} {p['cv_isi']:>8.3f} {p['synchrony']:>10.3f}"
        )
    lines.append(
        f"{stats['neurons']} neurons, {stats['synapses']} synapses, {stats['spikes']} spikes; build "
        f"{stats['build_s']:.2f} s, loop {stats['run_s']:.2f} s (real-time factor "
        f"{stats['real_time_factor']:.2f})"
    )
    payload = {**stats, "network": "microcircuit", "backend": args.backend, "thalamic_input": args.thalamic}
    payload["fast_loop"] = fast_compiled.status()
    out = Path(args.out)
    data = out / "microcircuit.json"  # the results first: a figure that fails loses nothing
    write_atomically(data, lambda tmp: Path(tmp).write_text(json.dumps(_strict(payload), sort_keys=True)))
    payload["data"] = str(data)
    if not args.no_plot:
        from . import plot

        rates = {name: result.rates_hz(name) for name in POPULATIONS}
        fig = plot.microcircuit(result.times_ms, result.senders, rates, result.neurons,
                                title=f"microcircuit, scale {args.scale:g}, seed {args.seed}")  # fmt: skip
        payload["figure"] = str(plot.save(fig, out / "microcircuit.png"))
        lines.append(f"figure {payload['figure']}")
    lines.append(f"data {data}")
    _emit(args, lines, payload)
    return 0


def _cmd_simulate(args: argparse.Namespace) -> int:
    import numpy as np

    if args.network == "microcircuit":
        return _simulate_microcircuit(args)

    from . import plot
    from .models.brunel import run_brunel
    from .models.coba import run_coba
    from .models.cuba import run_cuba
    from .models.izhikevich_network import run_izhikevich_network
    from .sim import fast_compiled

    default = {"coba": 4000, "cuba": 4000, "brunel": 12500, "izhikevich": 1000}[args.network]
    neurons = args.neurons if args.neurons is not None else default
    args.neurons = neurons
    label = f"brunel ({args.regime})" if args.network == "brunel" else args.network
    if not args.quiet:
        print(f"spikeflow simulate {label}: {neurons} neurons, {args.duration_ms:g} ms, seed {args.seed}")
    progress = not args.quiet
    run = {"seed": args.seed, "progress": progress, "backend": args.backend}
    if args.network == "coba":
        result = run_coba(neurons, args.duration_ms, **run)
    elif args.network == "cuba":
        result = run_cuba(neurons, args.duration_ms, **run)
    elif args.network == "izhikevich":
        result = run_izhikevich_network(neurons, args.duration_ms, **run)
    else:
        result = run_brunel(args.regime, neurons, args.duration_ms, **run)
    stats = result.statistics()
    t, s = result.spikes.times_ms, result.spikes.senders
    shown = s < min(args.neurons, 500)
    bins, rate = np.arange(0, args.duration_ms, 1.0), None
    counts = np.histogram(t, bins=np.append(bins, args.duration_ms))[0]
    rate = counts / (args.neurons * 1e-3)
    fig = plot.raster_and_rate(t[shown], s[shown], bins, rate, title=f"{label}, {neurons} neurons")
    name = f"brunel_{args.regime}" if args.network == "brunel" else args.network
    figure = plot.save(fig, Path(args.out) / f"{name}.png")
    lines = [
        f"mean rate {stats['mean_rate_hz']:.2f} Hz   mean CV of ISI {stats['cv_isi']:.3f}   Fano factor "
        f"(10 ms population counts) {stats['fano_factor']:.2f}   synchrony chi {stats['synchrony_chi']:.3f}",
        f"{stats['n_spikes']} spikes; build {stats['build_s']:.2f} s, run {stats['run_s']:.2f} s; "
        f"figure {figure}",
    ]
    if args.network == "coba" and stats["mean_rate_hz"] < 1.0:
        lines.append(
            "note: the activity died out after the initial transient (mean rate below 1 Hz); the "
            "self-sustained COBA network does so for some seeds in every simulator (of seeds 1-20: "
            "spikeflow 3, Brian2 4, NEST 1; docs/validation.md): try another --seed"
        )
    run_info = {
        "network": label,
        "neurons": neurons,
        "duration_ms": args.duration_ms,
        "backend": args.backend,
        "fast_loop": fast_compiled.status(),  # the fast backend's loop: compiled at install, or Numba JIT
    }
    _emit(args, lines, {**stats, **run_info, "seed": args.seed, "figure": str(figure)})
    return 0


def _cmd_forage(args: argparse.Namespace) -> int:
    from .envs.forage import ForageConfig
    from .models.forager import ForagerConfig, save_forager, train_and_compare
    from .plot import forage_figures

    if not args.threads:  # tensors of a few dozen neurons: one thread is fastest
        import torch

        torch.set_num_threads(1)
    env = ForageConfig(max_steps=args.steps)
    if not args.quiet:
        print(
            f"spikeflow forage: {args.seeds} insects learn from scratch for {args.episodes} episodes of "
            f"{args.steps} steps (reward-modulated STDP), then {args.eval_episodes} evaluation episodes"
        )
    result = train_and_compare(args.seeds, args.episodes, args.eval_episodes, env, ForagerConfig(), args.seed)
    summary = result.summary()
    out = Path(args.out)
    files = forage_figures(result, out)
    files["weights"] = str(save_forager(result.agent, out / "forager.safetensors"))
    curve = " ".join(f"{v:g}" for v in summary["learning_curve_median"])
    lines = [
        f"food per episode while learning (median of {args.seeds} insects): {curve}",
        f"after learning, frozen weights (median over insects of the mean of {args.eval_episodes} episodes):",
        f"  spiking R-STDP insect {summary['food_learned_median']:.2f}   random walk "
        f"{summary['food_random_median']:.2f}   Braitenberg vehicle {summary['food_braitenberg_median']:.2f}",
        "files: " + ", ".join(files.values()),
    ]
    _emit(args, lines, {**summary, **files, "episodes": args.episodes, "seed": args.seed})
    return 0


def _count(low: int):  # noqa: ANN202
    """An argparse type: an int >= ``low`` (argparse names the option in its error)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"expected an integer >= {low}, got {value}")
        return value

    parse.__name__ = "int"
    return parse


def _number(text: str, ok, expected: str) -> float:  # noqa: ANN001
    """``text`` as a float for which ``ok(value)`` holds, else argparse's error."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not ok(value):
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text}")
    return value


def _positive(text: str) -> float:
    """An argparse type: a finite number > 0."""
    return _number(text, lambda v: 0 < v < math.inf, "a finite number > 0")


def _fraction(text: str) -> float:
    """An argparse type: a number in (0, 1]."""
    return _number(text, lambda v: 0 < v <= 1, "a number in (0, 1]")


def _non_negative(text: str) -> float:
    """An argparse type: a finite number >= 0."""
    return _number(text, lambda v: 0 <= v < math.inf, "a finite number >= 0")


def _writable_folder(path: str) -> None:
    """Make the output folder ``path`` and check that a file can be written in it, before any
    work is done (raises ValueError naming the folder)."""
    import tempfile

    try:
        Path(path).mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".spikeflow-write-test-"):
            pass
    except OSError as err:
        reason = err.strerror or err
        raise ValueError(f"--out {path!r} is not a folder spikeflow can write to ({reason})") from None


def _add_output_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--threads", type=_count(0), default=0, help="torch threads (default: all)")
    p.add_argument("--json", action="store_true", help="print one JSON object last")
    p.add_argument("--quiet", action="store_true", help="no progress or text (JSON only)")


def _add_common(p: argparse.ArgumentParser, epochs: int) -> None:
    p.add_argument("--epochs", type=_count(1), default=epochs, help=f"training epochs (default {epochs})")
    p.add_argument("--seed", type=_count(0), default=0, help="random seed (default 0)")
    _add_output_options(p)


def _cmd_models(args: argparse.Namespace) -> int:
    from .codegen.catalog import models

    table = models()
    lines = [f"{'model':<16} {'kind':<14} {'backends':<40} state"]
    for m in table:
        backends, state = ", ".join(m["backends"]), ", ".join(m["state"])
        lines.append(f"{m['name']:<16} {m['kind']:<14} {backends:<40} {state}")
    if not args.quiet:
        for line in lines:
            print(line)
    if args.json:
        print(json.dumps(table, sort_keys=True, default=str))
    return 0


def _cmd_show_code(args: argparse.Namespace) -> int:
    from .codegen.catalog import show_code

    print(show_code(args.model, args.backend), end="")
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
    _add_common(demo, 30)
    demo.set_defaults(func=_cmd_demo)

    compare = sub.add_parser(
        "compare",
        help="SELU (self-normalizing) MLP vs the spiking network on digits",
        description="Train a self-normalizing SELU MLP (64-256-10) and the demo's spiking "
        "network on the same digits split; print accuracy, parameters and operations per "
        "sample (ANN multiply-accumulates vs SNN synaptic events counted from the spikes).",
    )
    _add_common(compare, 30)
    compare.set_defaults(func=_cmd_compare)

    fit = sub.add_parser(
        "fit",
        help="fit a spiking neuron to recorded grasshopper receptor neurons (nitime data)",
        description="Fit an adaptive LIF neuron with a learned stimulus filter to the spike "
        "trains of two grasshopper auditory receptor neurons (shipped with nitime) on the "
        "first 7 s, predict the last 3 s, and report the coincidence factor Gamma against a "
        "Poisson and a linear-nonlinear-Poisson baseline.",
    )
    fit.add_argument("--cells", type=int, nargs="+", default=[1, 2], choices=[1, 2])
    fit.add_argument("--steps", type=_count(1), default=None, help="Adam steps (default 600)")
    fit.add_argument("--delta-ms", type=_positive, default=None, help="Gamma window (default 2 ms)")
    fit.add_argument("--out", default="spikeflow-fit", help="folder for the figures")
    fit.add_argument("--seed", type=_count(0), default=0, help="seed of the baselines (default 0)")
    _add_output_options(fit)
    fit.set_defaults(func=_cmd_fit)

    sim = sub.add_parser(
        "simulate",
        help="run a reference network (COBA, CUBA, Brunel, Izhikevich, the microcircuit) and print its "
        "statistics",
        description="Simulate a reference network: coba and cuba (Brette et al. 2007, benchmarks 1 "
        "and 2), brunel (Brunel 2000, --regime SR|AI|SIfast|SIslow), izhikevich (Izhikevich "
        "2003, 1000 neurons) or microcircuit (Potjans & Diesmann 2014, --scale).",
    )
    sim.add_argument("network", choices=["coba", "cuba", "brunel", "izhikevich", "microcircuit"])
    sim.add_argument("--scale", type=_fraction, default=0.1,
                     help="microcircuit: population sizes and in-degrees relative to the full model "
                     "(default 0.1; 1: 77 169 neurons, 0.3 billion synapses)")  # fmt: skip
    sim.add_argument("--warmup-ms", type=_non_negative, default=500.0,
                     help="microcircuit: unrecorded time before --duration-ms (default 500)")  # fmt: skip
    sim.add_argument("--thalamic", action="store_true",
                     help="microcircuit: the thalamic pulse (902 neurons at 120 Hz for 10 ms from 700 ms, "
                     "onto L4 and L6)")  # fmt: skip
    sim.add_argument("--no-plot", action="store_true", help="no figure (matplotlib not needed)")
    sim.add_argument("--regime", default="AI", choices=["SR", "AI", "SIfast", "SIslow"])
    sim.add_argument(
        "--neurons",
        type=_count(1),
        default=None,
        help="default 4000 (coba, cuba), 12500 (brunel), 1000 (izhikevich)",
    )
    sim.add_argument("--duration-ms", type=_positive, default=1000.0)
    # seed 3: COBA self-sustains (seeds 1 and 2 fall silent after the transient, as 5 of 40
    # seeds do in every simulator: not the first run a newcomer should see)
    sim.add_argument("--seed", type=_count(0), default=3, help="random seed (default 3)")
    sim.add_argument(
        "--backend",
        default="auto",
        choices=["auto", "fast", "reference"],
        help="simulation backend: auto (fast when it can run the network), fast (the loop compiled at "
        "install, else Numba), reference (torch)",
    )
    sim.add_argument("--out", default="spikeflow-simulate", help="folder for the figure")
    _add_output_options(sim)
    sim.set_defaults(func=_cmd_simulate)

    forage = sub.add_parser(
        "forage",
        help="a spiking insect learns to find food by reward-modulated STDP",
        description="Train spiking insects from scratch with reward-modulated STDP in the foraging "
        "arena (spikeflow/Forage-v0), then compare food per episode with a random walk and a "
        "hand-wired Braitenberg vehicle; writes the learning curve, a trajectory plot, an animated "
        "GIF of one episode and the learned weights.",
    )
    forage.add_argument("--seeds", type=_count(1), default=20, help="insects trained (default 20)")
    forage.add_argument("--episodes", type=_count(1), default=10, help="learning episodes (default 10)")
    forage.add_argument("--eval-episodes", type=_count(0), default=5, help="evaluation episodes (default 5)")
    forage.add_argument("--steps", type=_count(1), default=500, help="steps per episode (default 500)")
    forage.add_argument("--seed", type=_count(0), default=0)
    forage.add_argument("--out", default="spikeflow-forage", help="folder for figures and weights")
    _add_output_options(forage)
    forage.set_defaults(func=_cmd_forage)

    models = sub.add_parser(
        "models",
        help="list the neuron models and the backends that run each",
        description="List every neuron model (hand-written, and defined by a specification: built-in and "
        "registered), its state variables and the backends that run it here: reference (torch), fast_sim "
        "(the network simulator's fast loop), fused_cpu and fused_gpu (fused training kernels).",
    )
    models.add_argument("--json", action="store_true", help="print one JSON list of objects, one per model")
    models.add_argument("--quiet", action="store_true", help="no table")
    models.add_argument("--threads", type=_count(0), default=None, help=argparse.SUPPRESS)
    models.set_defaults(func=_cmd_models)

    show = sub.add_parser(
        "show-code",
        help="print the source generated from a model's specification for one backend",
        description="Print the source spikeflow generates from a model's specification: --backend reference "
        "(the torch step and its constants), fast_sim (the simulator's update), fused_cpu (Numba training "
        "kernels, forward and backward) or fused_gpu (Triton kernels).",
    )
    show.add_argument("model", help="a model defined by a specification (see spikeflow models)")
    show.add_argument(
        "--backend", default="reference", choices=["reference", "fast_sim", "fused_cpu", "fused_gpu"]
    )
    show.add_argument("--threads", type=_count(0), default=None, help=argparse.SUPPRESS)
    show.set_defaults(func=_cmd_show_code)
    return parser


# optional packages each command needs (module, pip name), and the extra that installs them:
# checked before any work, so that a run never ends on a missing plotting or file library
NEEDS = {
    "demo": ((("sklearn", "scikit-learn"), ("matplotlib", "matplotlib")), "demo"),
    "compare": ((("sklearn", "scikit-learn"),), "data"),
    "fit": ((("nitime", "nitime"), ("matplotlib", "matplotlib")), "data,plot"),
    "simulate": ((("matplotlib", "matplotlib"),), "plot"),
    "forage": ((("matplotlib", "matplotlib"), ("safetensors", "safetensors")), "plot,io"),
}


def missing_packages(command: str, plots: bool = True) -> str | None:
    """What ``command`` needs that is not installed, with the command that installs it
    (``None``: nothing missing); without ``plots`` (``--no-plot``) matplotlib is not needed."""
    import importlib.util

    packages, extra = NEEDS.get(command, ((), ""))
    if not plots:
        packages = tuple(p for p in packages if p[0] != "matplotlib")
    missing = [pip for module, pip in packages if importlib.util.find_spec(module) is None]
    if not missing:
        return None
    return f"needs {', '.join(missing)}, not installed: pip install 'spikeflow[{extra}]'"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``spikeflow`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    missing = missing_packages(args.command, plots=not getattr(args, "no_plot", False))
    if missing:
        print(f"spikeflow {args.command}: error: {missing}", file=sys.stderr)
        return 2
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    try:
        if getattr(args, "out", None):
            _writable_folder(args.out)
        return args.func(args)
    except (ValueError, TypeError, ImportError) as err:
        print(f"spikeflow {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

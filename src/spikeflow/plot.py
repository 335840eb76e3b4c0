"""Matplotlib figures: spike rasters, membrane traces, training curves.

matplotlib is imported only when a function here is called (``pip install
'spikeflow[plot]'``); the non-interactive Agg backend is used unless another one is
already active. Every function returns the ``Figure``; :func:`save` writes it
atomically (temporary file, then rename).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._atomic import write_atomically
from ._lazy import is_tensor, torch


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError as err:
        raise ImportError("plotting needs matplotlib: pip install 'spikeflow[plot]'") from err
    if "matplotlib.pyplot" not in __import__("sys").modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _numpy(x: torch.Tensor | np.ndarray, name: str, ndim: int) -> np.ndarray:
    a = x.detach().cpu().numpy() if is_tensor(x) else np.asarray(x)
    if a.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {a.shape}")
    return a


def raster(
    panels: dict[str, torch.Tensor | np.ndarray],
    dt_ms: float = 1.0,
    title: str | None = None,
) -> Any:
    """Spike raster, one panel per population.

    Args:
        panels: ``{name: spikes [T, neurons]}`` (0/1), drawn top to bottom.
        dt_ms: step (ms) for the time axis.
        title: figure title.
    """
    plt = _pyplot()
    fig, axes = plt.subplots(len(panels), 1, sharex=True, figsize=(7, 1.2 + 1.8 * len(panels)), squeeze=False)
    for ax, (name, spikes) in zip(axes[:, 0], panels.items()):
        s = _numpy(spikes, f"panels[{name!r}]", 2)
        t, n = np.nonzero(s)
        ax.scatter(t * dt_ms, n, s=2, c="k", marker="|", linewidths=0.8)
        ax.set_ylabel(f"{name}\nneuron")
        ax.set_ylim(-0.5, s.shape[1] - 0.5)
        ax.set_xlim(-0.5 * dt_ms, (s.shape[0] - 0.5) * dt_ms)
    axes[-1, 0].set_xlabel("time (ms)")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def traces(
    v: torch.Tensor | np.ndarray,
    dt_ms: float = 1.0,
    threshold: float | None = None,
    labels: Sequence[str] | None = None,
    title: str | None = None,
    ylabel: str = "membrane potential",
    spikes: torch.Tensor | np.ndarray | None = None,
) -> Any:
    """Membrane-potential traces ``v [T, neurons]`` over time, with the threshold dashed.

    ``spikes [T, neurons]`` (optional) marks each spike with a dot above its trace (the
    recorded potential is the one after the reset, so the crossing itself is not drawn).
    """
    plt = _pyplot()
    a = _numpy(v, "v", 2)
    fig, ax = plt.subplots(figsize=(7, 3.2))
    t = np.arange(a.shape[0]) * dt_ms
    marks = None if spikes is None else _numpy(spikes, "spikes", 2)
    top = float(threshold if threshold is not None else a.max())
    for j in range(a.shape[1]):
        (line,) = ax.plot(t, a[:, j], lw=1.2, label=None if labels is None else labels[j])
        if marks is not None:
            ts = t[marks[:, j] > 0]
            ax.plot(ts, np.full_like(ts, top * 1.05 + 0.02 * j), "|", color=line.get_color())
    if threshold is not None:
        ax.axhline(threshold, color="k", ls="--", lw=0.8, label="threshold")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel(ylabel)
    if labels is not None or threshold is not None:
        ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def training_curve(history: Any, title: str | None = None) -> Any:
    """Loss and training accuracy per epoch from a
    :class:`~spikeflow.learning.supervised.History`."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.2))
    epochs = history.column("epoch")
    ax.plot(epochs, history.column("loss"), "o-", ms=3, color="C0")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss", color="C0")
    ax.set_yscale("log")
    ax2 = ax.twinx()
    ax2.plot(epochs, history.column("train_accuracy"), "s-", ms=3, color="C1")
    ax2.set_ylabel("training accuracy", color="C1")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def save(fig: Any, path: str | os.PathLike, dpi: int = 120) -> Path:
    """Write ``fig`` to ``path`` atomically (format from the suffix) and close it."""
    plt = _pyplot()
    path = Path(path)
    try:
        write_atomically(path, lambda tmp: fig.savefig(tmp, dpi=dpi, format=path.suffix.lstrip(".") or "png"))
    finally:
        plt.close(fig)
    return path


def fit_summary(fit: Any) -> Any:
    """Recorded against predicted spikes on the first second of the held-out part, and the
    learned stimulus filter beside the spike-triggered average, for a
    :class:`~spikeflow.models.grasshopper.CellFit`."""
    plt = _pyplot()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.2), gridspec_kw={"width_ratios": [2.2, 1]})
    t0 = fit.config.train_ms
    for row, (_name, times) in enumerate(
        [("recorded", fit.test_times_data), ("model", fit.test_times_model)]
    ):
        sel = times[times < t0 + 1000.0] - t0
        ax1.vlines(sel, row + 0.6, row + 1.4, color="k" if row == 0 else "C3", lw=0.8)
    ax1.set_yticks([1, 2], ["recorded", "model"])
    ax1.set_xlabel(f"time after {t0 / 1e3:g} s (ms), held out")
    ax1.set_title(
        f"cell {fit.cell}: Gamma model {fit.gamma_model:.2f}, LNP {fit.gamma_lnp:.2f}, "
        f"Poisson {fit.gamma_poisson:.2f}"
    )
    lags = np.arange(len(fit.filter)) * fit.config.dt_ms
    ax2.plot(lags, fit.filter / np.abs(fit.filter).max(), label="learned filter")
    ax2.plot(lags, fit.sta / np.abs(fit.sta).max(), "--", label="spike-triggered average")
    ax2.set_xlabel("lag (ms)")
    ax2.set_ylabel("normalised weight")
    ax2.legend(fontsize=7)
    fig.tight_layout()
    return fig


def raster_and_rate(
    times_ms: np.ndarray,
    senders: np.ndarray,
    bins_ms: np.ndarray,
    rate_hz: np.ndarray,
    title: str | None = None,
) -> Any:
    """Spike raster (``times_ms`` against ``senders``) above the population rate (Hz) in bins."""
    plt = _pyplot()
    fig, (ax1, ax2) = plt.subplots(2, 1, sharex=True, figsize=(7, 4.2), gridspec_kw={"height_ratios": [3, 1]})
    ax1.scatter(times_ms, senders, s=0.5, c="k", marker=".", linewidths=0)
    ax1.set_ylabel("neuron")
    ax2.plot(bins_ms, rate_hz, lw=0.8)
    ax2.set_ylabel("rate (Hz)")
    ax2.set_xlabel("time (ms)")
    if title:
        ax1.set_title(title)
    fig.tight_layout()
    return fig


def microcircuit(
    times_ms: dict, senders: dict, rates_hz: dict, sizes: dict, shown: int = 100, title: str | None = None
) -> Any:
    """The microcircuit's figure as in Potjans & Diesmann (2014): a raster of the first
    ``shown`` neurons of every population (top to bottom in the order of ``times_ms``, a
    dict population name -> spike times in ms; ``senders`` the indices in the population)
    beside a box plot of the neurons' rates (Hz) per population (``rates_hz``: name ->
    ``[neurons]``); ``sizes``: name -> population size."""
    plt = _pyplot()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 4.5), gridspec_kw={"width_ratios": [3, 2]})
    names = list(times_ms)
    base, ticks = 0, []
    for name in names:
        n = min(shown, int(sizes[name]))
        keep = senders[name] < n
        color = "tab:blue" if name.endswith("E") else "tab:red"
        ax1.scatter(times_ms[name][keep], -(base + senders[name][keep]), s=3, c=color, marker=".",
                    linewidths=0)  # fmt: skip
        ticks.append(-(base + n / 2))
        base += n + 10
    ax1.set_yticks(ticks, names)
    ax1.set_xlabel("time (ms)")
    ax2.boxplot([rates_hz[name] for name in names], orientation="horizontal", showfliers=False)
    ax2.set_yticks(range(1, len(names) + 1), names)
    ax2.invert_yaxis()
    ax2.set_xlabel("rate (Hz)")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def forage_figures(result: Any, folder: str | os.PathLike, gif_every: int = 2) -> dict[str, str]:
    """Figures of a :class:`spikeflow.models.forager.ForageResult`: the learning curve
    (``forage_learning.png``), the trajectory of the recorded episode
    of a typical insect (median food; ``forage_trajectory.png``, drawn over the arena at
    the start of the episode: food that was eaten reappears elsewhere) and an animated GIF
    of it (``forage_episode.gif``, every ``gif_every``-th step). Returns the paths written."""
    plt = _pyplot()
    folder = Path(folder)
    learning = result.learning
    fig, ax = plt.subplots(figsize=(5, 3.2))
    episodes = np.arange(1, learning.shape[0] + 1)
    ax.fill_between(episodes, np.percentile(learning, 25, 1), np.percentile(learning, 75, 1), alpha=0.3)
    ax.plot(episodes, np.median(learning, 1), "o-", label="spiking insect, learning (median, IQR)")
    for data, name, style in ((result.random, "random walk", "--"), (result.braitenberg, "Braitenberg", ":")):
        ax.axhline(float(np.median(data.mean(0))), ls=style, color="k", label=f"{name} (median)")
    ax.set(xlabel="episode", ylabel="food per episode", title="Learning to forage by R-STDP")
    ax.legend(fontsize=7)
    fig.tight_layout()
    paths = {"learning_curve": str(save(fig, folder / "forage_learning.png"))}

    from .models.forager import render_episode

    k = result.typical_insect()
    frames = render_episode(result.env, result.states, k, every=gif_every)
    pos = result.states[0][:, k]
    size = result.env.size
    fig, ax = plt.subplots(figsize=(4, 4))
    ax.imshow(frames[0], extent=(0, size, 0, size))
    ax.plot(pos[:, 0], pos[:, 1], color="w", lw=0.8)
    ax.plot(*pos[0], "o", color="w", ms=4)
    eaten = int(result.learned[-1, k])
    ax.set(title=f"evaluation episode, insect {k}: {eaten} food", xticks=[], yticks=[])
    fig.tight_layout()
    paths["trajectory"] = str(save(fig, folder / "forage_trajectory.png"))

    from PIL import Image

    images = [Image.fromarray(f) for f in frames]
    gif = folder / "forage_episode.gif"
    write_atomically(
        gif,
        lambda tmp: images[0].save(
            tmp, format="GIF", save_all=True, append_images=images[1:], duration=50, loop=0, optimize=True
        ),
    )
    paths["animation"] = str(gif)
    return paths

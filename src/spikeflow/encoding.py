"""Spike encodings (numbers to spikes) and decodings (spikes to numbers).

Conventions: encoders return time-major spike tensors ``[T, *x.shape]`` (population
coding appends a neuron dimension) as 0/1 floats in ``x``'s dtype; decoders reduce
over dim 0 (time). Times are in steps unless a ``dt_ms`` is given. Every stochastic
encoder takes a ``torch.Generator`` so that the same seed gives the same spikes.
"""

from __future__ import annotations

import math

import torch

from . import _checks

__all__ = [
    "delta",
    "delta_decode",
    "first_spike_time",
    "isi_rate",
    "latency",
    "latency_decode",
    "max_membrane",
    "poisson",
    "population",
    "population_decode",
    "population_rates",
    "rate",
    "spike_count",
    "spike_rate",
]


def _uniform(shape: tuple[int, ...], like: torch.Tensor, generator: torch.Generator | None):
    return torch.rand(shape, dtype=like.dtype, device=like.device, generator=generator)


def _in_unit_interval(name: str, x: torch.Tensor) -> None:
    if x.numel() and (bool((x < 0).any()) or bool((x > 1).any())):
        raise ValueError(f"{name} must lie in [0, 1], got values in [{float(x.min()):g}, {float(x.max()):g}]")


# ----------------------------------------------------------------------------- rate
def rate(
    x: torch.Tensor,
    num_steps: int,
    *,
    gain: float = 1.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Bernoulli rate code: each step spikes with probability ``gain * x``.

    Args:
        x: values in [0, 1], any shape.
        num_steps: T, number of steps (>= 1).
        gain: scale of the probability, in (0, 1].
        generator: random generator for reproducible spikes.

    Returns:
        spikes ``[T, *x.shape]``.
    """
    _checks.tensor("x", x)
    _checks.positive_int("num_steps", num_steps)
    gain = _checks.probability("gain", gain)
    if gain == 0:
        raise ValueError("gain must lie in (0, 1], got 0.0")
    _in_unit_interval("x", x)
    p = x * gain
    return (_uniform((num_steps, *x.shape), x, generator) < p).to(x.dtype)


def poisson(
    rates_hz: torch.Tensor,
    num_steps: int,
    dt_ms: float,
    *,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Poisson process sampled on a grid: a step spikes if at least one event falls in it.

    The probability per step is ``1 - exp(-rate * dt)``, exact for a Poisson process.

    Args:
        rates_hz: firing rates (Hz), >= 0, any shape.
        num_steps: T.
        dt_ms: step (ms).
        generator: random generator.

    Returns:
        spikes ``[T, *rates_hz.shape]``.
    """
    _checks.tensor("rates_hz", rates_hz)
    _checks.positive_int("num_steps", num_steps)
    dt_ms = _checks.positive("dt_ms", dt_ms)
    if rates_hz.numel() and bool((rates_hz < 0).any()):
        raise ValueError(f"rates_hz must be >= 0 Hz, got minimum {float(rates_hz.min()):g}")
    p = -torch.expm1(-rates_hz * (dt_ms * 1e-3))
    return (_uniform((num_steps, *rates_hz.shape), rates_hz, generator) < p).to(rates_hz.dtype)


def spike_count(spikes: torch.Tensor) -> torch.Tensor:
    """Number of spikes per neuron: sum over time, ``[T, *shape] -> [*shape]``."""
    _checks.tensor("spikes", spikes, min_dim=1)
    return spikes.sum(0)


def spike_rate(spikes: torch.Tensor, dt_ms: float | None = None) -> torch.Tensor:
    """Mean firing rate over time: spikes per step, or Hz when ``dt_ms`` is given."""
    _checks.time_major("spikes", spikes, min_dim=1)
    r = spikes.mean(0)
    return r if dt_ms is None else r / (_checks.positive("dt_ms", dt_ms) * 1e-3)


def isi_rate(spikes: torch.Tensor, dt_ms: float = 1.0) -> torch.Tensor:
    """Rate from the mean inter-spike interval, ``1 / mean(ISI)`` in Hz.

    Neurons with fewer than two spikes get 0. Uses ``mean ISI = (t_last - t_first)/(n - 1)``.

    Args:
        spikes: ``[T, *shape]`` 0/1.
        dt_ms: step (ms).
    """
    _checks.time_major("spikes", spikes, min_dim=1)
    dt_ms = _checks.positive("dt_ms", dt_ms)
    T = spikes.shape[0]
    t = torch.arange(T, dtype=spikes.dtype, device=spikes.device).view(-1, *[1] * (spikes.dim() - 1))
    n = spikes.sum(0)
    has = spikes > 0
    t_first = torch.where(has, t, torch.full_like(t, float(T))).amin(0)
    t_last = torch.where(has, t, torch.full_like(t, -1.0)).amax(0)
    mean_isi_ms = (t_last - t_first) * dt_ms / (n - 1).clamp_min(1)
    return torch.where(n >= 2, 1e3 / mean_isi_ms.clamp_min(1e-12), torch.zeros_like(n))


def max_membrane(v: torch.Tensor) -> torch.Tensor:
    """Maximum membrane potential over time, ``[T, *shape] -> [*shape]`` (a common readout)."""
    _checks.time_major("v", v, min_dim=1)
    return v.amax(0)


def first_spike_time(spikes: torch.Tensor, *, no_spike: float | None = None) -> torch.Tensor:
    """Index of each neuron's first spike (steps); ``no_spike`` (default T) if silent."""
    _checks.time_major("spikes", spikes, min_dim=1)
    T = spikes.shape[0]
    t = torch.arange(T, dtype=spikes.dtype, device=spikes.device).view(-1, *[1] * (spikes.dim() - 1))
    fill = float(T if no_spike is None else no_spike)
    first = torch.where(spikes > 0, t, torch.full_like(t, math.inf)).amin(0)
    return torch.where(torch.isinf(first), torch.full_like(first, fill), first)


# -------------------------------------------------------------------------- latency
def latency(
    x: torch.Tensor,
    num_steps: int,
    *,
    method: str = "linear",
    tau: float = 5.0,
    threshold: float = 0.01,
) -> torch.Tensor:
    """Time-to-first-spike code: larger values spike earlier, each neuron at most once.

    ``method="linear"``: spike at step ``round((1 - x) (T - 1))`` for x in [0, 1].
    ``method="log"``: the RC-charging time ``tau * ln(x / (x - threshold))`` (steps) of a
    membrane driven by ``x`` toward ``threshold``; values ``<= threshold`` never reach it
    and stay silent; times beyond ``T - 1`` are silent too.

    Returns:
        spikes ``[T, *x.shape]``.
    """
    _checks.tensor("x", x)
    _checks.positive_int("num_steps", num_steps)
    _checks.choice("method", method, ("linear", "log"))
    if method == "linear":
        _in_unit_interval("x", x)
        t = torch.round((1.0 - x) * (num_steps - 1))
    else:
        tau = _checks.positive("tau", tau)
        threshold = _checks.positive("threshold", threshold)
        if x.numel() and bool((x < 0).any()):
            raise ValueError(f"x must be >= 0 for method='log', got minimum {float(x.min()):g}")
        safe = torch.clamp(x, min=threshold * (1 + 1e-7))
        t = torch.round(tau * torch.log(safe / (safe - threshold)))
        t = torch.where(x > threshold, t, torch.full_like(t, math.inf))
    steps = torch.arange(num_steps, dtype=x.dtype, device=x.device).view(-1, *[1] * x.dim())
    return (steps == t.unsqueeze(0)).to(x.dtype)


def latency_decode(
    spikes: torch.Tensor,
    *,
    method: str = "linear",
    tau: float = 5.0,
    threshold: float = 0.01,
) -> torch.Tensor:
    """Invert :func:`latency` from the first spike time; silent neurons decode to 0."""
    _checks.choice("method", method, ("linear", "log"))
    _checks.time_major("spikes", spikes, min_dim=1)
    T = spikes.shape[0]
    t = first_spike_time(spikes)
    silent = t >= T
    if method == "linear":
        value = 1.0 - t / max(T - 1, 1)
    else:
        value = threshold / (-torch.expm1(-t.clamp_min(1e-6) / tau))
    return torch.where(silent, torch.zeros_like(value), value)


# ---------------------------------------------------------------------------- delta
def delta(signal: torch.Tensor, threshold: float, *, off_spikes: bool = True) -> torch.Tensor:
    """Delta modulation: emit +1 when the signal rose ``threshold`` above the tracked
    reference, -1 when it fell ``threshold`` below (if ``off_spikes``); the reference
    moves by ``threshold`` with each spike (at most one spike per step).

    Args:
        signal: ``[T, *shape]`` samples over time; the reference starts at ``signal[0]``.
        threshold: step of the reference (> 0, signal units).

    Returns:
        ``[T, *shape]`` with values in {-1, 0, 1} (0/1 when ``off_spikes`` is False).
    """
    _checks.time_major("signal", signal, min_dim=1)
    threshold = _checks.positive("threshold", threshold)
    ref = signal[0].clone()
    out = []
    for xt in signal.unbind(0):
        up = (xt - ref >= threshold).to(signal.dtype)
        down = (ref - xt >= threshold).to(signal.dtype) if off_spikes else torch.zeros_like(up)
        s = up - down
        ref = ref + s * threshold
        out.append(s)
    return torch.stack(out)


def delta_decode(spikes: torch.Tensor, threshold: float, initial: float | torch.Tensor = 0.0):
    """Reconstruct a delta-modulated signal: ``initial + threshold * cumsum(spikes)``."""
    threshold = _checks.positive("threshold", threshold)
    _checks.time_major("spikes", spikes, min_dim=1)
    return initial + threshold * spikes.cumsum(0)


# ----------------------------------------------------------------------- population
def _centers(num_neurons: int, low: float, high: float, like: torch.Tensor) -> torch.Tensor:
    return torch.linspace(low, high, num_neurons, dtype=like.dtype, device=like.device)


def population_rates(
    x: torch.Tensor,
    num_neurons: int,
    *,
    low: float = 0.0,
    high: float = 1.0,
    sigma: float | None = None,
    max_prob: float = 1.0,
) -> torch.Tensor:
    """Gaussian receptive fields: spike probability per step of each of ``num_neurons``
    neurons with centres evenly spaced on ``[low, high]`` and width ``sigma`` (default:
    the centre spacing). Returns ``[*x.shape, num_neurons]``.
    """
    _checks.tensor("x", x)
    _checks.positive_int("num_neurons", num_neurons)
    low, high = _checks.real("low", low), _checks.real("high", high)
    if not high > low:
        raise ValueError(f"high must be above low, got low={low!r}, high={high!r}")
    if num_neurons < 2:
        raise ValueError(f"num_neurons must be >= 2 for population coding, got {num_neurons}")
    sigma = (high - low) / (num_neurons - 1) if sigma is None else _checks.positive("sigma", sigma)
    max_prob = _checks.probability("max_prob", max_prob)
    c = _centers(num_neurons, low, high, x)
    return max_prob * torch.exp(-((x.unsqueeze(-1) - c) ** 2) / (2 * sigma**2))


def population(
    x: torch.Tensor,
    num_neurons: int,
    num_steps: int,
    *,
    low: float = 0.0,
    high: float = 1.0,
    sigma: float | None = None,
    max_prob: float = 1.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Population code: Bernoulli spikes at :func:`population_rates`.

    Returns spikes ``[T, *x.shape, num_neurons]``.
    """
    _checks.positive_int("num_steps", num_steps)
    p = population_rates(x, num_neurons, low=low, high=high, sigma=sigma, max_prob=max_prob)
    return (_uniform((num_steps, *p.shape), p, generator) < p).to(x.dtype)


def population_decode(spikes: torch.Tensor, *, low: float = 0.0, high: float = 1.0) -> torch.Tensor:
    """Centre of mass of the spike counts over the receptive-field centres.

    Unbiased for values at least about two ``sigma`` from ``low`` and ``high``; closer to
    an edge the truncated fields pull the estimate toward the centre.

    ``[T, *shape, num_neurons] -> [*shape]`` (also accepts rates ``[*shape, N]`` with
    ``T`` summed out beforehand: pass them with a leading dimension of 1).
    """
    _checks.time_major("spikes", spikes)
    counts = spikes.sum(0)
    c = _centers(counts.shape[-1], low, high, counts)
    total = counts.sum(-1)
    return (counts * c).sum(-1) / total.clamp_min(1e-12)

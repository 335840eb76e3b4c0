"""Losses and metrics for spiking outputs.

Inputs are time-major: spikes or potentials ``[T, batch, classes]``; targets are
class indices ``[batch]`` (int64). All losses return a scalar averaged over the batch.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .. import _checks

__all__ = [
    "accuracy",
    "activity_regularizer",
    "ce_count_loss",
    "ce_membrane_loss",
    "differentiable_first_spike_time",
    "first_spike_time_loss",
    "mse_count_loss",
]

MEMBRANE_REDUCTIONS = ("max", "mean", "last", "per_step")


def _check_output_target(name: str, out: torch.Tensor, target: torch.Tensor) -> None:
    _checks.tensor(name, out, ndim=3)
    if not isinstance(target, torch.Tensor):
        raise TypeError(f"target must be a torch.Tensor of class indices, got {type(target).__name__}")
    if target.dtype not in (torch.int64, torch.int32, torch.int16, torch.uint8):
        raise TypeError(f"target must hold integer class indices, got dtype {target.dtype}")
    if target.shape != out.shape[1:2]:
        raise ValueError(
            f"target must have shape [batch] = ({out.shape[1]},) to match {name} "
            f"[T, batch, classes] = {tuple(out.shape)}, got {tuple(target.shape)}"
        )
    if target.numel() and (int(target.min()) < 0 or int(target.max()) >= out.shape[2]):
        raise ValueError(
            f"target class indices must lie in [0, {out.shape[2] - 1}], "
            f"got [{int(target.min())}, {int(target.max())}]"
        )


def ce_count_loss(spikes: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Cross-entropy with the spike counts ``[batch, classes]`` as logits."""
    _check_output_target("spikes", spikes, target)
    return F.cross_entropy(spikes.sum(0), target.long())


def ce_membrane_loss(v: torch.Tensor, target: torch.Tensor, reduce: str = "max") -> torch.Tensor:
    """Cross-entropy on readout potentials ``v [T, batch, classes]``.

    ``reduce``: ``"max"`` (max over time as logits), ``"mean"`` (time average),
    ``"last"`` (final step) or ``"per_step"`` (cross-entropy at every step, averaged).
    """
    _check_output_target("v", v, target)
    _checks.choice("reduce", reduce, MEMBRANE_REDUCTIONS)
    target = target.long()
    if reduce == "per_step":
        T, B, C = v.shape
        return F.cross_entropy(v.reshape(T * B, C), target.repeat(T))
    logits = {"max": lambda: v.amax(0), "mean": lambda: v.mean(0), "last": lambda: v[-1]}[reduce]()
    return F.cross_entropy(logits, target)


def mse_count_loss(
    spikes: torch.Tensor,
    target: torch.Tensor,
    correct_rate: float = 0.8,
    incorrect_rate: float = 0.2,
) -> torch.Tensor:
    """MSE between spike counts and target counts: ``correct_rate * T`` for the target
    class, ``incorrect_rate * T`` for the others (rates are spikes per step in [0, 1])."""
    _check_output_target("spikes", spikes, target)
    correct_rate = _checks.probability("correct_rate", correct_rate)
    incorrect_rate = _checks.probability("incorrect_rate", incorrect_rate)
    T, _, C = spikes.shape
    goal = torch.full_like(spikes[0], incorrect_rate * T)
    goal.scatter_(1, target.long().unsqueeze(1), correct_rate * T)
    return F.mse_loss(spikes.sum(0), goal)


def differentiable_first_spike_time(spikes: torch.Tensor) -> torch.Tensor:
    """First-spike time (steps) that carries the spikes' surrogate gradients.

    ``t_first = sum_t t z_t prod_{s<t} (1 - z_s) + T prod_t (1 - z_t)``: equal to the index
    of the first spike for 0/1 spikes (T if silent). ``[T, *shape] -> [*shape]``.
    """
    _checks.tensor("spikes", spikes, min_dim=1)
    T = spikes.shape[0]
    t = torch.arange(T, dtype=spikes.dtype, device=spikes.device).view(-1, *[1] * (spikes.dim() - 1))
    silent_before = torch.cumprod(1.0 - spikes, dim=0)
    not_yet = torch.cat([torch.ones_like(spikes[:1]), silent_before[:-1]], dim=0)
    return (t * spikes * not_yet).sum(0) + T * silent_before[-1]


def first_spike_time_loss(spikes: torch.Tensor, target: torch.Tensor, tau_steps: float = 2.0) -> torch.Tensor:
    """Time-to-first-spike classification: cross-entropy on ``-t_first / tau_steps``, so
    the target class should fire first (a softmin over first-spike times)."""
    _check_output_target("spikes", spikes, target)
    tau_steps = _checks.positive("tau_steps", tau_steps)
    return F.cross_entropy(-differentiable_first_spike_time(spikes) / tau_steps, target.long())


def activity_regularizer(
    spikes: torch.Tensor,
    *,
    max_rate: float | None = None,
    min_rate: float | None = None,
    target_rate: float | None = None,
) -> torch.Tensor:
    """Penalty on firing rates (spikes per step) of ``spikes [T, batch, *features]``.

    Sums the mean squared excess of per-neuron rates above ``max_rate``, their mean
    squared shortfall below ``min_rate``, and the squared deviation of the population
    mean rate from ``target_rate`` (each term only when given). With none given it is
    the mean rate itself (an L1 penalty on spikes).
    """
    _checks.time_major("spikes", spikes)
    rates = spikes.mean(0)
    if max_rate is None and min_rate is None and target_rate is None:
        return rates.mean()
    loss = spikes.new_zeros(())
    if max_rate is not None:
        loss = loss + F.relu(rates - _checks.probability("max_rate", max_rate)).pow(2).mean()
    if min_rate is not None:
        loss = loss + F.relu(_checks.probability("min_rate", min_rate) - rates).pow(2).mean()
    if target_rate is not None:
        loss = loss + (rates.mean() - _checks.probability("target_rate", target_rate)) ** 2
    return loss


def accuracy(scores: torch.Tensor, target: torch.Tensor) -> float:
    """Fraction of samples whose highest score is the target class.

    ``scores``: ``[batch, classes]``, or ``[T, batch, classes]`` (summed over time, e.g.
    spike counts).
    """
    _checks.tensor("scores", scores, min_dim=2, finite=False)
    if scores.dim() == 3:
        scores = scores.sum(0)
    if target.shape != scores.shape[:1]:
        raise ValueError(f"target must have shape ({scores.shape[0]},), got {tuple(target.shape)}")
    return float((scores.argmax(-1) == target).float().mean())

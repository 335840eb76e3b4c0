"""Surrogate-gradient training through time (BPTT) for spiking classifiers."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn

from .. import _checks
from .losses import accuracy

Encoder = Callable[[torch.Tensor, torch.Generator], torch.Tensor]
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
Scores = Callable[[torch.Tensor], torch.Tensor]


@dataclass
class EpochRecord:
    """Statistics of one training epoch.

    Attributes:
        epoch: 1-based epoch number.
        loss: mean training loss over the epoch's batches.
        train_accuracy: accuracy on the training batches as they were seen.
        seconds: wall time of the epoch (s).
    """

    epoch: int
    loss: float
    train_accuracy: float
    seconds: float


@dataclass
class History:
    """Training curve: one :class:`EpochRecord` per epoch."""

    epochs: list[EpochRecord] = field(default_factory=list)

    def column(self, name: str) -> list[float]:
        """Values of one field over the epochs, e.g. ``history.column("loss")``."""
        return [getattr(e, name) for e in self.epochs]


def fit_classifier(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    encode: Encoder,
    loss_fn: LossFn,
    scores: Scores,
    epochs: int,
    batch_size: int,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    generator: torch.Generator | None = None,
    on_epoch: Callable[[EpochRecord], None] | None = None,
) -> History:
    """Train ``model`` by BPTT with fresh spike encodings of each batch every epoch.

    Args:
        model: maps encoded input ``[T, batch, ...]`` to outputs ``[T, batch, classes]``.
        x: samples ``[N, *features]``; y: class indices ``[N]``.
        encode: ``(x_batch, generator) -> [T, batch, *features]`` spikes.
        loss_fn: ``(outputs, y_batch) -> scalar``.
        scores: ``outputs -> [batch, classes]`` used for the accuracy.
        epochs, batch_size: passes over the data and samples per step (>= 1).
        optimizer, scheduler: torch optimiser and optional per-epoch scheduler.
        generator: shuffling and encoding randomness (seeded for reproducibility).
        on_epoch: called with each :class:`EpochRecord` (progress display).
    """
    _checks.positive_int("epochs", epochs)
    _checks.positive_int("batch_size", batch_size)
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}")
    history = History()
    n = len(x)
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        model.train()
        perm = torch.randperm(n, generator=generator)
        total_loss = total_correct = 0.0
        for i in range(0, n, batch_size):
            idx = perm[i : i + batch_size]
            out = model(encode(x[idx], generator))
            loss = loss_fn(out, y[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total_loss += float(loss.detach()) * len(idx)
            total_correct += accuracy(scores(out.detach()), y[idx]) * len(idx)
        if scheduler is not None:
            scheduler.step()
        record = EpochRecord(epoch, total_loss / n, total_correct / n, time.perf_counter() - start)
        history.epochs.append(record)
        if on_epoch is not None:
            on_epoch(record)
    return history


@torch.no_grad()
def predict(
    model: nn.Module,
    x: torch.Tensor,
    *,
    encode: Encoder,
    scores: Scores,
    batch_size: int = 512,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Class scores ``[N, classes]`` of ``model`` on encoded ``x`` (eval mode, no grad)."""
    model.eval()
    parts = [scores(model(encode(x[i : i + batch_size], generator))) for i in range(0, len(x), batch_size)]
    return torch.cat(parts)

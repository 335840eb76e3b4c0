"""Monitors: the spikes and state variables of a selection, filled as a network runs
(memory grows only with what is recorded)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import torch

if TYPE_CHECKING:  # pragma: no cover
    from .network import Selection


@dataclass
class SpikeMonitor:
    """Spikes of a selection. ``times_ms`` and ``senders`` (index within the selection, in
    the order of its parts) are filled as the network runs."""

    selection: Selection
    dt_ms: float
    _steps: list[torch.Tensor] = field(default_factory=list)
    _ids: list[torch.Tensor] = field(default_factory=list)

    @property
    def times_ms(self) -> np.ndarray:
        return (torch.cat(self._steps).double() * self.dt_ms).numpy() if self._steps else np.zeros(0)

    @property
    def senders(self) -> np.ndarray:
        return torch.cat(self._ids).numpy() if self._ids else np.zeros(0, dtype=np.int64)

    def by_neuron(self) -> tuple[np.ndarray, np.ndarray]:
        """``(times_ms, senders)`` of all spikes ordered by neuron, then time."""
        t, s = self.times_ms, self.senders
        order = np.lexsort((t, s))
        return t[order], s[order]

    def trains(self) -> list[np.ndarray]:
        """Spike times (ms) of each neuron of the selection, sorted: one array per neuron
        (views into one array ordered by neuron, then time)."""
        t, s = self.by_neuron()
        bounds = np.searchsorted(s, np.arange(len(self.selection) + 1))
        return [t[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


@dataclass
class StateMonitor:
    """A state variable of a selection, every ``every`` steps: ``values`` is
    ``[samples, neurons]`` and ``times_ms`` the sample times."""

    selection: Selection
    variable: str
    every: int
    dt_ms: float
    _values: list[torch.Tensor] = field(default_factory=list)
    _times: list[int] = field(default_factory=list)

    @property
    def values(self) -> np.ndarray:
        return torch.stack(self._values).numpy() if self._values else np.zeros((0, len(self.selection)))

    @property
    def times_ms(self) -> np.ndarray:
        return np.asarray(self._times, dtype=np.float64) * self.dt_ms

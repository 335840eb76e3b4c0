"""Monitors: the spikes, state variables and population rate of a selection, filled as
a network runs (memory grows only with what is recorded: a spike monitor with the
spikes, a state monitor with samples x neurons, a rate monitor with one count per step)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .. import _checks

if TYPE_CHECKING:  # pragma: no cover
    from .populations import Selection


@dataclass
class SpikeMonitor:
    """Spikes of a selection. ``times_ms`` and ``senders`` (index within the selection, in
    the order of its parts) are filled as the network runs."""

    selection: Selection
    dt_ms: float
    _steps: list[np.ndarray] = field(default_factory=list)  # int64 step numbers
    _ids: list[np.ndarray] = field(default_factory=list)  # int64 indices in the selection

    @property
    def times_ms(self) -> np.ndarray:
        """Spike times (ms), ``[spikes]`` float64, in the order recorded (by step)."""
        return np.concatenate(self._steps) * self.dt_ms if self._steps else np.zeros(0)

    @property
    def senders(self) -> np.ndarray:
        """Index within the selection of each spike's neuron, ``[spikes]`` int64."""
        return np.concatenate(self._ids) if self._ids else np.zeros(0, dtype=np.int64)

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
    _values: list[np.ndarray] = field(default_factory=list)  # one [neurons] row per sample
    _times: list[int] = field(default_factory=list)

    @property
    def values(self) -> np.ndarray:
        """``[samples, neurons]`` recorded values (the variable's unit)."""
        return np.stack(self._values) if self._values else np.zeros((0, len(self.selection)))

    @property
    def times_ms(self) -> np.ndarray:
        """Sample times (ms), ``[samples]``."""
        return np.asarray(self._times, dtype=np.float64) * self.dt_ms


@dataclass
class RateMonitor:
    """Population rate of a selection: how many of its neurons fired in each step, from
    the step it was created on (one integer per step, whatever the number of spikes).

    ``counts`` is ``[steps]`` (int64), ``times_ms`` the steps' start times (ms) and
    ``rate_hz`` the instantaneous population rate ``counts / (neurons * dt)`` in Hz.
    """

    selection: Selection
    dt_ms: float
    first_step: int
    _counts: list[np.ndarray] = field(default_factory=list)

    @property
    def counts(self) -> np.ndarray:
        """Spikes of the selection in each recorded step, ``[steps]`` int64."""
        return np.concatenate(self._counts) if self._counts else np.zeros(0, dtype=np.int64)

    @property
    def times_ms(self) -> np.ndarray:
        """Start time (ms) of each recorded step, ``[steps]``."""
        return (self.first_step + np.arange(self.counts.size)) * self.dt_ms

    @property
    def rate_hz(self) -> np.ndarray:
        """Population rate (Hz) in each step, ``[steps]``: spikes per neuron per second."""
        return self.counts / (len(self.selection) * self.dt_ms * 1e-3)

    def smoothed_hz(self, width_ms: float) -> np.ndarray:
        """``rate_hz`` averaged over a centred window of ``width_ms`` (rounded to an odd
        number of steps; at the edges over the steps that exist), ``[steps]``."""
        width = int(round(_checks.positive("width_ms", width_ms) / self.dt_ms)) // 2 * 2 + 1
        rate = self.rate_hz
        kernel = np.ones(width)
        return np.convolve(rate, kernel, "same") / np.convolve(np.ones_like(rate), kernel, "same")

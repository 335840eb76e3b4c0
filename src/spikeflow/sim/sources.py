"""Spike sources: populations whose spikes are given, not integrated.

``net.population(1000, PoissonSource(rate_hz=15.0))`` makes 1000 independent Poisson
trains; ``net.population(2, SpikeTimes([[10.0, 20.0], [15.0]]))`` replays explicit spike
times (ms). Sources connect like any population (their input, if any, is ignored) and can
also be the *postsynaptic* side of a plastic projection, which is how plasticity
protocols with imposed pre- and postsynaptic spike times are written (NEST uses parrot
neurons for this).

Poisson spikes are drawn in blocks of :data:`BLOCK` steps, each from its own generator
seeded by ``(network seed, population index, block index)``: the same seed gives the same
spikes whatever the backend and however a run is split into calls.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

BLOCK = 1000


class SourceState(NamedTuple):
    """Sources have no state variables."""


@dataclass(frozen=True)
class PoissonSource:
    """Independent Poisson spike trains of ``rate_hz`` (a float, or one rate per neuron).
    A neuron fires in a step with probability ``rate_hz * dt_ms / 1000`` (at most one spike
    per step), so ``rate_hz * dt_ms / 1000`` must be <= 1."""

    rate_hz: float | Sequence[float] = 10.0

    def __post_init__(self) -> None:
        rates = np.asarray(self.rate_hz, dtype=np.float64)
        if rates.ndim > 1 or not np.isfinite(rates).all() or (rates < 0).any():
            raise ValueError(
                f"rate_hz must be finite rates >= 0 (Hz), one value or one per neuron, got {self.rate_hz!r}"
            )

    def check(self, n: int, dt_ms: float) -> None:
        rates = np.asarray(self.rate_hz, dtype=np.float64)
        if rates.ndim and rates.size != n:
            raise ValueError(f"rate_hz has {rates.size} values for {n} neurons")
        if (rates * dt_ms * 1e-3 > 1).any():
            raise ValueError(
                f"rate_hz up to {rates.max():g} Hz exceeds one spike per step at dt_ms={dt_ms}; "
                f"expected rate_hz <= {1000.0 / dt_ms:g}"
            )

    def block(self, n: int, dt_ms: float, seed: int, index: int, b: int) -> np.ndarray:
        """Spikes of block ``b`` (steps ``b*BLOCK ...``): bool ``[BLOCK, n]``."""
        rng = np.random.default_rng([seed, index, b])
        p = np.broadcast_to(np.asarray(self.rate_hz, dtype=np.float64) * dt_ms * 1e-3, (n,))
        return rng.random((BLOCK, n)) < p


@dataclass(frozen=True)
class SpikeTimes:
    """Explicit spike times: ``times_ms[k]`` lists the spike times (ms, >= 0) of neuron
    ``k``. A time is assigned to the nearest step, ``rint(t / dt_ms)``; two spikes of one neuron
    in the same step count once (a warning says so)."""

    times_ms: Sequence[Sequence[float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for k, train in enumerate(self.times_ms):
            arr = np.asarray(train, dtype=np.float64)
            if arr.ndim != 1 or not np.isfinite(arr).all() or (arr < 0).any():
                raise ValueError(
                    f"times_ms[{k}] must be a list of finite spike times >= 0 (ms), got {train!r}"
                )

    def check(self, n: int, dt_ms: float) -> None:
        if len(self.times_ms) != n:
            raise ValueError(f"times_ms has {len(self.times_ms)} trains for {n} neurons")

    def steps(self, dt_ms: float) -> tuple[np.ndarray, np.ndarray]:
        """``(steps, neurons)`` of all spikes, sorted by step, duplicates removed."""
        import warnings

        steps, ids = [], []
        for k, train in enumerate(self.times_ms):
            s = np.rint(np.asarray(train, dtype=np.float64) / dt_ms).astype(np.int64)
            uniq = np.unique(s)
            if uniq.size < s.size:
                warnings.warn(
                    f"neuron {k} has several spikes in one step of {dt_ms} ms; kept one", stacklevel=4
                )
            steps.append(uniq)
            ids.append(np.full(uniq.size, k, dtype=np.int64))
        steps_a = np.concatenate(steps) if steps else np.zeros(0, np.int64)
        ids_a = np.concatenate(ids) if ids else np.zeros(0, np.int64)
        order = np.argsort(steps_a, kind="stable")
        return steps_a[order], ids_a[order]


SOURCES = (PoissonSource, SpikeTimes)


class BlockDraws:
    """Values drawn per block of ``block`` steps (``_block(b)`` -> ``[block, n]``),
    served for any range of steps (``chunk``); subclasses set ``n`` and ``dtype``."""

    n: int
    dtype: type = np.float64
    block: int = BLOCK

    def _block(self, b: int) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def chunk(self, t0: int, k: int) -> np.ndarray:
        """The values of steps ``t0 .. t0 + k - 1``: ``[k, n]``. Within one block this is a
        view of the cached block: read it, do not modify it."""
        b, off = divmod(t0, self.block)
        if off + k <= self.block:
            return self._block(b)[off : off + k]
        out = np.empty((k, self.n), dtype=self.dtype)
        t = t0
        while t < t0 + k:
            b, off = divmod(t, self.block)
            m = min(self.block - off, t0 + k - t)
            out[t - t0 : t - t0 + m] = self._block(b)[off : off + m]
            t += m
        return out


class SourceSpikes(BlockDraws):
    """The spikes of one source population (bool), served step by step or chunk by chunk."""

    dtype = bool

    def __init__(
        self, params: PoissonSource | SpikeTimes, n: int, dt_ms: float, seed: int, index: int
    ) -> None:
        params.check(n, dt_ms)
        self.params, self.n, self.dt_ms, self.seed, self.index = params, n, dt_ms, seed, index
        self._cache: tuple[int, np.ndarray] | None = None
        self._times = params.steps(dt_ms) if isinstance(params, SpikeTimes) else None

    def _block(self, b: int) -> np.ndarray:
        if self._cache is None or self._cache[0] != b:
            if self._times is None:
                spikes = self.params.block(self.n, self.dt_ms, self.seed, self.index, b)
            else:
                spikes = np.zeros((BLOCK, self.n), dtype=bool)
                steps, ids = self._times
                lo, hi = np.searchsorted(steps, [b * BLOCK, (b + 1) * BLOCK])
                spikes[steps[lo:hi] - b * BLOCK, ids[lo:hi]] = True
            self._cache = (b, spikes)
        return self._cache[1]


def drive_layout(parts: list) -> list:
    """``(population, indices or None when the part is the whole population, count)`` for
    the parts of a selection that a drive feeds (computed once, used every chunk)."""
    layout = []
    for pop, idx in parts:
        i = np.asarray(idx)
        whole = i.size == pop.n and bool((i == np.arange(pop.n)).all())
        layout.append((pop, None if whole else i, i.size))
    return layout


class Drive(BlockDraws):
    """An input to neurons (float values per neuron and step), each block computed into
    one ``[block, n]`` array that :meth:`prepare` allocates ahead of a run (fresh arrays
    per block cost page faults in the loop). A chunk within one block is a view of it:
    read it before asking for the next."""

    layout: list
    _buffer: np.ndarray | None = None

    def prepare(self) -> None:
        """Allocate and touch the block array."""
        self._storage()

    def _storage(self) -> np.ndarray:
        if self._buffer is None:
            self._buffer = np.full((self.block, self.n), 0.0)
        return self._buffer


class NoiseInput(Drive):
    """Independent noise currents ``mean + std * xi`` for the neurons of a selection, one
    draw per neuron and step; ``xi`` is standard normal (``"normal"``) or uniform with unit
    variance (``"uniform"``: ``sqrt(12) * (U(0, 1) - 1/2)``). Drawn in blocks of
    :data:`BLOCK` steps seeded by ``(network seed, input index, block)``, like the
    Poisson sources."""

    def __init__(
        self, parts: list, mean: float, std: float, distribution: str, seed: int, index: int
    ) -> None:
        self.layout, self.mean, self.std, self.distribution = drive_layout(parts), mean, std, distribution
        self.n = sum(len(idx) for _, idx in parts)
        self.seed, self.index = seed, index
        self._cache: tuple[int, np.ndarray] | None = None

    def _block(self, b: int) -> np.ndarray:
        if self._cache is None or self._cache[0] != b:
            out = self._storage()  # drawn and scaled in place: no temporaries
            rng = np.random.default_rng([self.seed, 7919, self.index, b])
            if self.distribution == "normal":
                rng.standard_normal(out=out)
            else:
                rng.random(out=out)
                out -= 0.5
                out *= math.sqrt(12.0)
            out *= self.std
            out += self.mean
            self._cache = (b, out)
        return self._cache[1]


POISSON_TABLE_MAX_MEAN = 1000.0  # above this mean count per step, NumPy's sampler


def poisson_cdf(lam: float) -> np.ndarray:
    """The cumulative distribution of a Poisson count of mean ``lam``, up to where the
    remaining tail is below 1e-16 (an inversion table)."""
    if lam <= 0.0:
        return np.ones(1)  # always 0
    k = np.arange(int(lam + 40.0 * math.sqrt(lam) + 40.0))
    log_factorial = np.concatenate([[0.0], np.cumsum(np.log(k[1:]))])
    cdf = np.cumsum(np.exp(k * math.log(lam) - lam - log_factorial))
    return cdf[: int(np.searchsorted(cdf, 1.0 - 1e-16)) + 1]


def _compiled_draws():  # noqa: ANN202
    """The compiled loop's module where it is installed (for its ``inverse_poisson``), else
    ``None`` (NumPy draws the same numbers)."""
    from . import fast_compiled

    return fast_compiled.load()


class PoissonInput(Drive):
    """The summed spikes of ``n_inputs`` independent Poisson trains per neuron of a
    selection, times ``weight``: ``weight * Poisson(lam)`` per neuron and step, with
    ``lam = n_inputs * rate * dt``. Drawn in blocks of 100 steps seeded by ``(network seed,
    input index, block)`` (so a run split in pieces draws the same inputs), by inversion
    of the exact distribution (a table of its cumulative probabilities; NumPy's sampler
    for means above :data:`POISSON_TABLE_MAX_MEAN`)."""

    block = 100  # 12 500 neurons: 10 MB a block

    def __init__(self, parts: list, lam: float, weight: float, seed: int, index: int) -> None:
        self.layout, self.lam, self.weight = drive_layout(parts), lam, weight
        self.n = sum(len(idx) for _, idx in parts)
        self.seed, self.index = seed, index
        self.cdf = poisson_cdf(lam) if lam <= POISSON_TABLE_MAX_MEAN else None
        self._cache: tuple[int, np.ndarray] | None = None

    def _block(self, b: int) -> np.ndarray:
        if self._cache is None or self._cache[0] != b:
            out = self._storage()
            rng = np.random.default_rng([self.seed, 7927, self.index, b])
            if self.cdf is not None:
                rng.random(out=out)
                compiled = _compiled_draws()
                if compiled is not None:  # the same numbers, 5 times faster
                    compiled.inverse_poisson(self.cdf, out.reshape(-1), self.weight)
                else:
                    np.multiply(np.searchsorted(self.cdf, out, side="right"), self.weight, out=out)
            else:
                np.multiply(rng.poisson(self.lam, (self.block, self.n)), self.weight, out=out)
            self._cache = (b, out)
        return self._cache[1]


class WaveformInput(Drive):
    """A given input (current) for the neurons of a selection: ``values [S, n]`` applied
    from step ``start`` (row ``k`` at step ``start + k``), or, with ``S == 1``, held from
    ``start`` up to ``stop`` (exclusive; None: for ever). Zero elsewhere."""

    def __init__(self, parts: list, values: np.ndarray, start: int, stop: int | None) -> None:
        self.layout, self.values, self.start = drive_layout(parts), values, start
        self.n = values.shape[1]
        self.stop = (start + values.shape[0]) if values.shape[0] > 1 else stop

    def _block(self, b: int) -> np.ndarray:
        out = self._storage()
        out.fill(0.0)
        lo, hi = b * self.block, (b + 1) * self.block
        first = max(lo, self.start)
        last = hi if self.stop is None else min(hi, self.stop)
        if first < last:
            if self.values.shape[0] == 1:
                out[first - lo : last - lo] = self.values[0]
            else:
                out[first - lo : last - lo] = self.values[first - self.start : last - self.start]
        return out

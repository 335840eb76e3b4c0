"""Spike-train statistics.

Spike trains are 1-D arrays of spike times in ms (sorted; NumPy arrays or anything
``np.asarray`` accepts); :func:`spike_times` turns a spike tensor ``[T, neurons]`` or a
monitor's recording into that form. Rates are in Hz. Each function agrees with the
same-named Elephant function where Elephant has one (tests compare them); the
docstrings say where a definition differs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import _checks
from .._lazy import is_tensor, torch

Train = np.ndarray


def _train(name: str, times: object) -> np.ndarray:
    a = np.asarray(times, dtype=np.float64)
    if a.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of spike times (ms), got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or infinite spike times")
    if a.size > 1 and np.any(np.diff(a) < 0):
        raise ValueError(f"{name} must be sorted in time")
    return a


def _window(t_start: float, t_stop: float) -> tuple[float, float]:
    t_start, t_stop = _checks.real("t_start", t_start), _checks.real("t_stop", t_stop)
    if not t_stop > t_start:
        raise ValueError(f"t_stop must be after t_start, got t_start={t_start}, t_stop={t_stop}")
    return t_start, t_stop


def spike_times(spikes: torch.Tensor | np.ndarray, dt_ms: float, t_start_ms: float = 0.0) -> list[Train]:
    """Spike times (ms) of each neuron from a 0/1 spike raster ``[T, neurons]``.

    Step ``k`` is reported at ``t_start_ms + k * dt_ms``.
    """
    s = spikes.detach().cpu().numpy() if is_tensor(spikes) else np.asarray(spikes)
    if s.ndim != 2:
        raise ValueError(f"spikes must have shape [T, neurons], got {s.shape}")
    dt_ms = _checks.positive("dt_ms", dt_ms)
    return [t_start_ms + dt_ms * np.nonzero(s[:, j])[0].astype(np.float64) for j in range(s.shape[1])]


def isi(times: Train) -> np.ndarray:
    """Inter-spike intervals (ms)."""
    return np.diff(_train("times", times))


def mean_rate(times: Train, t_start: float, t_stop: float) -> float:
    """Spikes in ``[t_start, t_stop]`` divided by its duration, in Hz."""
    t_start, t_stop = _window(t_start, t_stop)
    a = _train("times", times)
    n = np.count_nonzero((a >= t_start) & (a <= t_stop))
    return n / (t_stop - t_start) * 1e3


def cv(times: Train) -> float:
    """Coefficient of variation of the ISIs: ``std / mean`` (population std, ddof 0, as
    ``elephant.statistics.cv``). NaN with fewer than two intervals."""
    i = isi(times)
    return float(np.std(i) / np.mean(i)) if i.size >= 2 else float("nan")


def cv2(times: Train) -> float:
    """Local CV2 (Holt et al. 1996): ``mean(2 |I[k+1] - I[k]| / (I[k+1] + I[k]))``."""
    i = isi(times)
    if i.size < 2:
        return float("nan")
    return float(2.0 * np.mean(np.abs(np.diff(i)) / (i[:-1] + i[1:])))


def lv(times: Train) -> float:
    """Local variation LV (Shinomoto et al. 2003): ``3 mean(((I[k] - I[k+1]) / (I[k] + I[k+1]))^2)``."""
    i = isi(times)
    if i.size < 2:
        return float("nan")
    return float(3.0 * np.mean((np.diff(i) / (i[:-1] + i[1:])) ** 2))


def fano_factor(trains: Sequence[Train]) -> float:
    """Fano factor of the spike counts across trains (trials): ``var / mean`` (ddof 0)."""
    counts = np.array([len(_train(f"trains[{k}]", t)) for k, t in enumerate(trains)], dtype=float)
    if counts.size == 0 or counts.mean() == 0:
        return float("nan")
    return float(counts.var() / counts.mean())


def _bins(t_start: float, t_stop: float, bin_ms: float) -> np.ndarray:
    bin_ms = _checks.positive("bin_ms", bin_ms)
    n = int(np.floor((t_stop - t_start) / bin_ms + 1e-9))
    if n < 1:
        raise ValueError(f"bin_ms={bin_ms} is longer than the window {t_stop - t_start} ms")
    return t_start + bin_ms * np.arange(n + 1)


def binned_counts(times: Train, bin_ms: float, t_start: float, t_stop: float) -> np.ndarray:
    """Spike counts in consecutive bins of ``bin_ms`` from ``t_start`` (a last partial
    bin is dropped, as Elephant's ``BinnedSpikeTrain`` does)."""
    t_start, t_stop = _window(t_start, t_stop)
    edges = _bins(t_start, t_stop, bin_ms)
    a = _train("times", times)
    idx = np.floor((a - t_start) / bin_ms + 1e-9).astype(np.int64)
    idx = idx[(idx >= 0) & (idx < len(edges) - 1)]
    return np.bincount(idx, minlength=len(edges) - 1)


def binned_rate(
    trains: Sequence[Train], bin_ms: float, t_start: float, t_stop: float
) -> tuple[np.ndarray, np.ndarray]:
    """Population rate in bins, averaged over trains (Hz), like
    ``elephant.statistics.time_histogram(..., output='rate')``.

    Returns ``(bin_starts_ms, rate_hz)``. This is also the peri-stimulus time histogram
    when the trains are trials aligned on the stimulus (see :func:`psth`).
    """
    if len(trains) == 0:
        raise ValueError("trains must hold at least one spike train")
    counts = sum(binned_counts(t, bin_ms, t_start, t_stop) for t in trains)
    edges = _bins(*_window(t_start, t_stop), bin_ms)
    return edges[:-1], counts / (len(trains) * bin_ms * 1e-3)


def psth(trials: Sequence[Train], bin_ms: float, t_start: float, t_stop: float):  # noqa: ANN201
    """Peri-stimulus time histogram: :func:`binned_rate` of trials aligned on the stimulus."""
    return binned_rate(trials, bin_ms, t_start, t_stop)


def instantaneous_rate(
    times: Train, sigma_ms: float, t_start: float, t_stop: float, sampling_ms: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Kernel-smoothed rate: a Gaussian of width ``sigma_ms`` summed over the spikes,
    sampled every ``sampling_ms`` from ``t_start`` (Hz).

    The sum is evaluated exactly at each sample time. Elephant's ``instantaneous_rate``
    first bins the spikes at ``sampling_ms`` and cuts the kernel at 5 sigma; the two agree
    to rounding when the spikes lie on the sampling grid (tested), and otherwise differ by
    the binning error (at most about ``sampling_ms / sigma_ms`` relative).
    """
    t_start, t_stop = _window(t_start, t_stop)
    sigma_ms = _checks.positive("sigma_ms", sigma_ms)
    sampling_ms = _checks.positive("sampling_ms", sampling_ms)
    t = t_start + sampling_ms * np.arange(int(np.floor((t_stop - t_start) / sampling_ms + 1e-9)))
    a = _train("times", times)
    d = (t[:, None] - a[None, :]) / sigma_ms
    kernel = np.exp(-0.5 * d**2) / (np.sqrt(2 * np.pi) * sigma_ms * 1e-3)
    kernel[np.abs(d) > 5.0] = 0.0  # Elephant's default cutoff of 5 sigma
    return t, kernel.sum(axis=1)


def cross_correlogram(
    a: Train, b: Train, bin_ms: float, max_lag_bins: int, t_start: float, t_stop: float
) -> tuple[np.ndarray, np.ndarray]:
    """Cross-correlation histogram of two binned trains (like Elephant's
    ``cross_correlation_histogram`` without border correction).

    ``counts[k] = sum_t A[t] B[t + lag_k]`` for lags ``-max_lag_bins .. max_lag_bins``
    (bins), so a peak at a positive lag means ``b`` fires after ``a``.

    Returns ``(lags_ms, counts)``.
    """
    if isinstance(max_lag_bins, bool) or not isinstance(max_lag_bins, int) or max_lag_bins < 0:
        raise ValueError(f"max_lag_bins must be an int >= 0, got {max_lag_bins!r}")
    ca = binned_counts(a, bin_ms, t_start, t_stop).astype(float)
    cb = binned_counts(b, bin_ms, t_start, t_stop).astype(float)
    full = np.correlate(cb, ca, mode="full")  # index len(ca) - 1 is lag 0
    mid = len(ca) - 1
    lags = np.arange(-max_lag_bins, max_lag_bins + 1)
    counts = np.array([full[mid + k] if 0 <= mid + k < len(full) else 0.0 for k in lags])
    return lags * bin_ms, counts


def _tiled_fraction(times: np.ndarray, dt: float, t_start: float, t_stop: float) -> float:
    """Fraction of ``[t_start, t_stop]`` within ``dt`` of a spike of ``times``."""
    if times.size == 0:
        return 0.0
    lo = np.maximum(times - dt, t_start)
    hi = np.minimum(times + dt, t_stop)
    covered, end = 0.0, -np.inf
    for s, e in zip(lo, hi):
        s = max(s, end)
        if e > s:
            covered += e - s
            end = e
    return covered / (t_stop - t_start)


def _prop_within(a: np.ndarray, b: np.ndarray, dt: float) -> float:
    """Fraction of spikes of ``a`` with a spike of ``b`` within ``dt``."""
    if a.size == 0:
        return 0.0
    if b.size == 0:
        return 0.0
    idx = np.searchsorted(b, a)
    near = np.zeros(a.size, dtype=bool)
    for shift in (-1, 0):
        j = np.clip(idx + shift, 0, b.size - 1)
        near |= np.abs(b[j] - a) <= dt
    return float(near.mean())


def sttc(a: Train, b: Train, dt_ms: float, t_start: float, t_stop: float) -> float:
    """Spike time tiling coefficient (Cutts & Eglen 2014) with window ``dt_ms``:
    ``(P_A - T_B) / (1 - P_A T_B) / 2 + (P_B - T_A) / (1 - P_B T_A) / 2``."""
    t_start, t_stop = _window(t_start, t_stop)
    dt_ms = _checks.positive("dt_ms", dt_ms)
    a, b = _train("a", a), _train("b", b)
    if a.size == 0 or b.size == 0:
        return float("nan")
    ta, tb = _tiled_fraction(a, dt_ms, t_start, t_stop), _tiled_fraction(b, dt_ms, t_start, t_stop)
    pa, pb = _prop_within(a, b, dt_ms), _prop_within(b, a, dt_ms)
    return 0.5 * (pa - tb) / (1 - pa * tb) + 0.5 * (pb - ta) / (1 - pb * ta)


def synchrony_chi(traces: torch.Tensor | np.ndarray) -> float:
    """Population synchrony chi (Golomb 2007): ``sqrt(var(mean_i V_i) / mean_i var(V_i))``.

    ``traces [T, neurons]``: membrane potentials or smoothed rates over time. 1 for
    identical traces, about ``1/sqrt(neurons)`` for independent ones. (Elephant has no
    such function; tested against those two limits.)
    """
    v = traces.detach().cpu().numpy() if is_tensor(traces) else np.asarray(traces)
    if v.ndim != 2 or v.shape[0] < 2:
        raise ValueError(f"traces must have shape [T >= 2, neurons], got {v.shape}")
    each = v.var(axis=0).mean()
    if each == 0:
        return float("nan")
    return float(np.sqrt(v.mean(axis=1).var() / each))

"""Distances and similarities between two spike trains (spike times in ms).

* :func:`van_rossum`: the van Rossum (2001) distance with an exponential kernel.
* :func:`victor_purpura`: the Victor-Purpura (1996) edit distance.
* :func:`coincidence_factor`: Kistler et al.'s (1997) Gamma, the score of spike-time
  prediction used to compare models with recorded neurons (Jolivet et al. 2008).
"""

from __future__ import annotations

import numpy as np

from .. import _checks
from .spiketrains import _train, _window


def _exp_kernel_sum(a: np.ndarray, b: np.ndarray, tau: float) -> float:
    """``sum_ij exp(-|a_i - b_j| / tau)`` (pairwise, in chunks to bound memory)."""
    if a.size == 0 or b.size == 0:
        return 0.0
    d = np.abs(a[:, None] - b[None, :]) if a.size * b.size <= 4_000_000 else None
    if d is not None:
        return float(np.exp(-d / tau).sum())
    total = 0.0  # large trains: chunk to bound memory
    for start in range(0, a.size, 2000):
        chunk = a[start : start + 2000]
        total += float(np.exp(-np.abs(chunk[:, None] - b[None, :]) / tau).sum())
    return total


def van_rossum(a: object, b: object, tau_ms: float) -> float:
    """van Rossum distance with time constant ``tau_ms``.

    Each train is convolved with ``exp(-t / tau)``; the distance is the L2 norm of the
    difference in Elephant's normalisation,
    ``sqrt(sum_aa + sum_bb - 2 sum_ab)`` with ``sum_xy = sum_ij exp(-|x_i - y_j| / tau)``,
    so one unpaired spike is at distance 1. (van Rossum's own normalisation,
    ``(1/tau) integral (f - g)^2 dt``, is half the square of this.)
    """
    tau_ms = _checks.positive("tau_ms", tau_ms)
    a, b = _train("a", a), _train("b", b)
    d2 = _exp_kernel_sum(a, a, tau_ms) + _exp_kernel_sum(b, b, tau_ms)
    d2 -= 2.0 * _exp_kernel_sum(a, b, tau_ms)
    return float(np.sqrt(max(d2, 0.0)))


def victor_purpura(a: object, b: object, cost_per_ms: float) -> float:
    """Victor-Purpura distance: the cheapest way to turn ``a`` into ``b`` by deleting or
    inserting spikes (cost 1 each) and shifting them (cost ``cost_per_ms * |dt|``).

    ``cost_per_ms`` is Elephant's ``cost_factor`` in 1/ms (``q``); ``q = 0`` counts only
    the difference in spike numbers. Dynamic programming in O(len(a) len(b)).
    """
    q = _checks.non_negative("cost_per_ms", cost_per_ms)
    a, b = _train("a", a), _train("b", b)
    n, m = a.size, b.size
    prev = np.arange(m + 1, dtype=np.float64)
    for i in range(1, n + 1):
        cur = np.empty(m + 1)
        cur[0] = i
        shift = prev[:-1] + q * np.abs(a[i - 1] - b)
        for j in range(1, m + 1):
            cur[j] = min(prev[j] + 1.0, cur[j - 1] + 1.0, shift[j - 1])
        prev = cur
    return float(prev[m])


def coincidence_factor(data: object, model: object, delta_ms: float, t_start: float, t_stop: float) -> float:
    """Coincidence factor Gamma (Kistler, Gerstner & van Hemmen 1997) of ``model``
    against the recorded ``data``, with coincidence window ``delta_ms``.

    ``Gamma = (N_coinc - <N_coinc>) / (0.5 (N_data + N_model)) / (1 - 2 nu delta)``, where
    ``N_coinc`` counts data spikes with a model spike within ``delta_ms`` (each model
    spike used at most once), ``nu`` is the model's rate and ``<N_coinc> = 2 nu delta
    N_data`` is what a Poisson train of the model's rate scores by chance. 1 is a perfect
    prediction, 0 chance level. (Elephant has no such function.)

    The chance correction is a first-order approximation in ``2 nu delta``; it is biased
    low as that grows (about -0.05 at 0.3), and meaningless from 1 on, where NaN is
    returned: choose ``delta_ms`` well below half the model's mean inter-spike interval.
    """
    t_start, t_stop = _window(t_start, t_stop)
    delta = _checks.positive("delta_ms", delta_ms)
    d, m = _train("data", data), _train("model", model)
    d = d[(d >= t_start) & (d <= t_stop)]
    m = m[(m >= t_start) & (m <= t_stop)]
    if d.size + m.size == 0:
        return float("nan")
    # greedy matching in time order is optimal for intervals of equal width
    used = np.zeros(m.size, dtype=bool)
    coincidences, j = 0, 0
    for t in d:
        while j < m.size and m[j] < t - delta:
            j += 1
        k = j
        while k < m.size and m[k] <= t + delta:
            if not used[k]:
                used[k] = True
                coincidences += 1
                break
            k += 1
    nu = m.size / (t_stop - t_start)  # per ms
    expected = 2.0 * nu * delta * d.size
    norm = 1.0 - 2.0 * nu * delta
    if norm <= 0:
        return float("nan")
    return float((coincidences - expected) / (0.5 * (d.size + m.size)) / norm)

"""Spike-train statistics and distances, checked against Elephant and by hand."""

import numpy as np
import pytest
import torch

from spikeflow.analysis import distances as D
from spikeflow.analysis import spiketrains as S

T0, T1 = 0.0, 2000.0  # ms


def poisson(rate_hz, seed, t_stop=T1, refractory=0.0):
    rng = np.random.default_rng(seed)
    n = rng.poisson(rate_hz * t_stop / 1e3)
    t = np.sort(rng.uniform(0, t_stop, n))
    if refractory:
        t = t[np.concatenate([[True], np.diff(t) > refractory])]
    return t


TRAINS = [poisson(r, s, refractory=2.0) for s, r in enumerate([5, 12, 20, 35, 8])]


# ---------------------------------------------------------------- by-hand checks
def test_spike_times_from_raster():
    s = torch.zeros(6, 2)
    s[1, 0] = s[4, 0] = s[3, 1] = 1
    out = S.spike_times(s, dt_ms=0.5, t_start_ms=10.0)
    assert out[0].tolist() == [10.5, 12.0] and out[1].tolist() == [11.5]


def test_regular_train_statistics():
    t = np.arange(0, 1000, 10.0)  # 100 Hz, perfectly regular
    assert S.mean_rate(t, 0, 1000) == pytest.approx(100.0)
    assert S.cv(t) == pytest.approx(0.0) and S.cv2(t) == pytest.approx(0.0)
    assert S.lv(t) == pytest.approx(0.0)
    assert np.isnan(S.cv([1.0, 2.0]))


def test_poisson_statistics_have_their_textbook_values():
    t = poisson(50, 7, t_stop=200_000)
    assert S.cv(t) == pytest.approx(1.0, abs=0.03)
    assert S.lv(t) == pytest.approx(1.0, abs=0.03)
    assert S.cv2(t) == pytest.approx(1.0, abs=0.03)


def test_synchrony_chi_limits():
    rng = np.random.default_rng(0)
    common = rng.normal(size=(5000, 1))
    assert S.synchrony_chi(np.repeat(common, 50, axis=1)) == pytest.approx(1.0)
    independent = rng.normal(size=(5000, 100))
    assert S.synchrony_chi(independent) == pytest.approx(0.1, abs=0.02)


def test_cross_correlogram_finds_the_delay():
    a = poisson(20, 1)
    b = a + 6.0  # b follows a by 6 ms
    lags, counts = S.cross_correlogram(a, b, bin_ms=2.0, max_lag_bins=10, t_start=T0, t_stop=T1 + 10)
    assert lags[np.argmax(counts)] == pytest.approx(6.0)


def test_coincidence_factor_limits():
    a = poisson(20, 2)
    assert D.coincidence_factor(a, a, 2.0, T0, T1) == pytest.approx(1.0)
    far = poisson(20, 3)
    assert abs(D.coincidence_factor(a, far, 2.0, T0, T1)) < 0.2  # chance level is 0
    # by hand: data 10, 50, 90; model 11, 70 (one coincidence within 2 ms), T = 100 ms
    nu, delta = 2 / 100, 2.0
    expected = (1 - 2 * nu * delta * 3) / (0.5 * 5) / (1 - 2 * nu * delta)
    got = D.coincidence_factor([10, 50, 90], [11, 70], delta, 0, 100)
    assert got == pytest.approx(expected)


def test_victor_purpura_by_hand():
    assert D.victor_purpura([10.0], [12.0], 0.1) == pytest.approx(0.2)  # shift
    assert D.victor_purpura([10.0], [40.0], 0.1) == pytest.approx(2.0)  # delete + insert
    assert D.victor_purpura([1.0, 5.0], [], 0.3) == pytest.approx(2.0)
    assert D.victor_purpura([1.0, 5.0], [2.0, 30.0], 0.0) == pytest.approx(0.0)


def test_van_rossum_single_spike_is_one():
    assert D.van_rossum([10.0], [], 5.0) == pytest.approx(1.0)
    assert D.van_rossum([10.0], [10.0], 5.0) == pytest.approx(0.0)


def test_bad_input():
    with pytest.raises(ValueError, match="times must be sorted in time"):
        S.cv([3.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="t_stop must be after t_start"):
        S.mean_rate([1.0], 5.0, 5.0)
    with pytest.raises(ValueError, match="tau_ms must be > 0, got -1.0"):
        D.van_rossum([1.0], [2.0], -1.0)
    with pytest.raises(ValueError, match=r"a must be a 1-D array of spike times \(ms\)"):
        D.victor_purpura([[1.0]], [2.0], 0.1)

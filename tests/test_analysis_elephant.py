"""spikeflow.analysis against Elephant on generated spike trains (relative 1e-9)."""

import numpy as np
import pytest

from spikeflow.analysis import distances as D
from spikeflow.analysis import spiketrains as S

from .test_analysis import T0, T1, TRAINS

elephant = pytest.importorskip("elephant", reason="Elephant is not installed (pip install elephant)")
pq = pytest.importorskip("quantities")
neo = pytest.importorskip("neo")
from elephant import spike_train_correlation as esc  # noqa: E402
from elephant import spike_train_dissimilarity as esd  # noqa: E402
from elephant import statistics as es  # noqa: E402
from elephant.conversion import BinnedSpikeTrain  # noqa: E402
from elephant.kernels import GaussianKernel  # noqa: E402


def neo_train(t):
    return neo.SpikeTrain(t * pq.ms, t_start=T0 * pq.ms, t_stop=T1 * pq.ms)


def close(a, b):
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("k", range(len(TRAINS)))
def test_isi_statistics_match_elephant(k):
    t = TRAINS[k]
    isis = es.isi(neo_train(t)).rescale(pq.ms).magnitude
    close(S.isi(t), isis)
    close(S.cv(t), es.cv(isis))
    close(S.cv2(t), es.cv2(isis * pq.ms))
    close(S.lv(t), es.lv(isis * pq.ms))
    close(S.mean_rate(t, T0, T1), es.mean_firing_rate(neo_train(t)).rescale(pq.Hz).magnitude)


def test_fano_factor_matches_elephant():
    close(S.fano_factor(TRAINS), es.fanofactor([neo_train(t) for t in TRAINS]))


def test_binned_rate_matches_elephant():
    _, rate = S.binned_rate(TRAINS, 25.0, T0, T1)
    ref = es.time_histogram([neo_train(t) for t in TRAINS], 25.0 * pq.ms, output="rate")
    close(rate, ref.rescale(pq.Hz).magnitude.ravel())


def test_instantaneous_rate_matches_elephant_on_the_sampling_grid():
    t = np.unique(np.round(TRAINS[2]))  # spikes on the 1 ms sampling grid
    _, rate = S.instantaneous_rate(t, sigma_ms=20.0, t_start=T0, t_stop=T1, sampling_ms=1.0)
    ref = es.instantaneous_rate(
        neo_train(t), sampling_period=1 * pq.ms, kernel=GaussianKernel(20 * pq.ms),
        border_correction=False,
    )  # fmt: skip
    ref = ref.rescale(pq.Hz).magnitude.ravel()
    # Elephant samples its kernel on the grid and renormalises the truncated kernel to
    # unit area, which scales the rate by 1/erf(5/sqrt(2)) - 1 ~ 6e-7: compare with that
    np.testing.assert_allclose(rate, ref, rtol=2e-6, atol=1e-9)


def test_cross_correlogram_matches_elephant():
    a, b = TRAINS[1], TRAINS[3]
    lags, counts = S.cross_correlogram(a, b, bin_ms=5.0, max_lag_bins=20, t_start=T0, t_stop=T1)
    ba = BinnedSpikeTrain(neo_train(a), bin_size=5 * pq.ms)
    bb = BinnedSpikeTrain(neo_train(b), bin_size=5 * pq.ms)
    cch, ref_lags = esc.cross_correlation_histogram(ba, bb, window=[-20, 20], method="memory")
    close(lags, ref_lags * 5.0)
    close(counts, cch.magnitude.ravel())


def test_sttc_matches_elephant():
    for a, b in [(TRAINS[0], TRAINS[1]), (TRAINS[2], TRAINS[2] + 1.5), (TRAINS[3], TRAINS[4])]:
        b = b[b < T1]
        ref = esc.spike_time_tiling_coefficient(neo_train(a), neo_train(b), dt=10 * pq.ms)
        close(S.sttc(a, b, 10.0, T0, T1), ref)


def test_distances_match_elephant():
    a, b = TRAINS[0], TRAINS[4]
    vr = esd.van_rossum_distance([neo_train(a), neo_train(b)], time_constant=15 * pq.ms)
    close(D.van_rossum(a, b, 15.0), vr[0, 1])
    vp = esd.victor_purpura_distance([neo_train(a), neo_train(b)], cost_factor=0.1 / pq.ms)
    close(D.victor_purpura(a, b, 0.1), vp[0, 1])

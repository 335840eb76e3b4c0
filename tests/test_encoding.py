"""Round trips: each encoder followed by its decoder recovers the value."""

import math

import pytest
import torch

from spikeflow import encoding


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_rate_bernoulli_round_trip():
    x = torch.linspace(0, 1, 11)
    s = encoding.rate(x, 4000, generator=gen())
    assert s.shape == (4000, 11) and set(s.unique().tolist()) <= {0.0, 1.0}
    r = encoding.spike_rate(s)
    tol = 4 * torch.sqrt(x * (1 - x) / 4000) + 1e-9  # 4 standard errors
    assert bool(((r - x).abs() <= tol).all())


def test_rate_is_reproducible_with_generator():
    x = torch.rand(5, 8)
    assert torch.equal(encoding.rate(x, 10, generator=gen(5)), encoding.rate(x, 10, generator=gen(5)))
    assert not torch.equal(encoding.rate(x, 10, generator=gen(5)), encoding.rate(x, 10, generator=gen(6)))


def test_poisson_round_trip_in_hz():
    rates = torch.tensor([0.0, 5.0, 20.0, 80.0])
    s = encoding.poisson(rates, 100_000, dt_ms=1.0, generator=gen(1))
    # the probability per step is 1 - exp(-r dt): invert it
    p = encoding.spike_rate(s)
    est = -torch.log1p(-p) / 1e-3
    assert est[0] == 0
    torch.testing.assert_close(est[1:], rates[1:], rtol=0.05, atol=0.0)
    assert encoding.spike_rate(s, dt_ms=1.0)[2] == pytest.approx(float(p[2]) * 1000)


@pytest.mark.parametrize("T", [10, 25, 101])
def test_latency_linear_round_trip_within_one_step(T):
    x = torch.rand(200, generator=gen(2))
    s = encoding.latency(x, T)
    assert torch.equal(s.sum(0), torch.ones(200))  # exactly one spike each
    back = encoding.latency_decode(s)
    assert float((back - x).abs().max()) <= 0.5 / (T - 1) + 1e-6  # half a step of value


def test_latency_log_round_trip_within_one_step():
    tau, th, T = 5.0, 0.1, 60
    x = torch.rand(300, generator=gen(3)) * 0.9 + 0.105
    s = encoding.latency(x, T, method="log", tau=tau, threshold=th)
    back = encoding.latency_decode(s, method="log", tau=tau, threshold=th)
    t_true = tau * torch.log(x / (x - th))
    t_back = tau * torch.log(back / (back - th))
    inside = t_true < T - 1
    assert float((t_back - t_true)[inside].abs().max()) <= 1.0
    silent = encoding.latency(torch.tensor([0.05]), T, method="log", tau=tau, threshold=th)
    assert silent.sum() == 0 and encoding.latency_decode(silent, method="log")[0] == 0


def test_first_spike_time_and_count():
    s = torch.zeros(6, 3)
    s[2, 0] = s[4, 0] = s[5, 1] = 1
    assert encoding.first_spike_time(s).tolist() == [2.0, 5.0, 6.0]
    assert encoding.spike_count(s).tolist() == [2.0, 1.0, 0.0]


def test_delta_round_trip_within_threshold():
    t = torch.linspace(0, 2 * math.pi, 400)
    signal = torch.stack([torch.sin(t), 0.5 * torch.cos(2 * t)], dim=1)
    th = 0.05  # the signal changes by less than th per step, so tracking never lags
    s = encoding.delta(signal, th)
    assert set(s.unique().tolist()) <= {-1.0, 0.0, 1.0}
    back = encoding.delta_decode(s, th, initial=signal[0])
    assert float((back - signal).abs().max()) < th + 1e-6
    on_only = encoding.delta(signal, th, off_spikes=False)
    assert float(on_only.min()) == 0.0


def test_population_round_trip():
    x = torch.linspace(0.2, 0.8, 17)  # centroid decoding is biased within ~2 sigma of an edge
    p = encoding.population_rates(x, 21)
    assert p.shape == (17, 21)
    exact = encoding.population_decode(p.unsqueeze(0))
    torch.testing.assert_close(exact, x, atol=1e-4, rtol=0)
    s = encoding.population(x, 21, 2000, generator=gen(4))
    assert s.shape == (2000, 17, 21)
    assert float((encoding.population_decode(s) - x).abs().max()) < 0.01


def test_isi_rate_of_regular_train():
    s = torch.zeros(1000, 2)
    s[::10, 0] = 1  # every 10 ms -> 100 Hz
    s[5, 1] = 1  # a single spike -> no interval
    r = encoding.isi_rate(s, dt_ms=1.0)
    assert r[0] == pytest.approx(100.0) and r[1] == 0


def test_max_membrane():
    v = torch.tensor([[0.1, -1.0], [0.7, -0.5], [0.3, -2.0]])
    assert encoding.max_membrane(v).tolist() == pytest.approx([0.7, -0.5])

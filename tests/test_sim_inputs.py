"""Injected currents (step and arbitrary waveforms) in the simulator, on both backends."""

import math

import numpy as np
import pytest
import torch

from spikeflow.neurons import CondLIFParams, HHParams, LIFParams, hodgkin_huxley, lif
from spikeflow.sim import Network

needs_numba = pytest.mark.skipif(
    Network().fast_unsupported_reason() is not None, reason="Numba not installed"
)
SUB = LIFParams(tau_mem_ms=10.0, dt_ms=0.1, v_th=100.0, input_mode="current", r_mem=1.0)


def test_step_current_charges_the_membrane_exactly():
    net = Network(dt_ms=0.1, backend="reference")
    pop = net.population(2, SUB)
    net.step_current(pop, 5.0, start_ms=1.0, stop_ms=21.0)
    v = net.record_state(pop, "v")
    net.run(40.0, progress=False)
    t = v.times_ms
    # exact solution of tau dv/dt = -v + R I for a current switched on at 1 ms and off at 21 ms
    on = np.clip(t + 0.1 - 1.0, 0, 20.0)  # the step at time t integrates over [t, t + dt)
    expected = 5.0 * (1 - np.exp(-on / 10.0)) * np.exp(-np.clip(t + 0.1 - 21.0, 0, None) / 10.0)
    np.testing.assert_allclose(v.values[:, 0], expected, atol=1e-9)
    assert v.values[:, 1].tolist() == v.values[:, 0].tolist()


def test_waveform_input_equals_stepping_the_model_by_hand():
    g = np.random.default_rng(0)
    wave = g.normal(0, 3.0, (50, 3))
    net = Network(dt_ms=0.1, backend="reference")
    params = LIFParams(tau_mem_ms=5.0, dt_ms=0.1, v_th=1.0, input_mode="current", r_mem=1.0)
    pop = net.population(3, params)
    net.current_input(pop, wave, start_ms=0.5)
    v = net.record_state(pop, "v")
    net.run(10.0, progress=False)
    state = lif.init_state((3,), params.coeffs(), torch.float64)
    rows = []
    for k in range(100):
        x = torch.from_numpy(wave[k - 5]) if 5 <= k < 55 else torch.zeros(3, dtype=torch.float64)
        _, state = lif.step(x, state, params.coeffs())
        rows.append(state.v.numpy().copy())
    np.testing.assert_array_equal(v.values, np.array(rows))


@needs_numba
def test_both_backends_agree_with_injected_currents():
    out = {}
    for backend in ("reference", "fast"):
        net = Network(dt_ms=0.1, seed=2, backend=backend)
        params = LIFParams(
            tau_mem_ms=10.0, dt_ms=0.1, v_th=10.0, v_reset=0.0, reset="value", input_mode="current"
        )
        pop = net.population(20, params)
        net.step_current(pop[:10], 12.0, start_ms=5.0)
        net.current_input(pop, 8.0 + 6.0 * np.sin(np.arange(2000) * 0.01), start_ms=0.0)
        net.connect(pop, pop, p=0.3, weight=0.5, delay_ms=1.0)
        m = net.record_spikes(pop)
        net.run(150.0, progress=False)
        net.run(100.0, progress=False)
        order = np.lexsort((m.senders, m.times_ms))
        out[backend] = (m.times_ms[order], m.senders[order])
    assert len(out["fast"][0]) > 50
    for a, b in zip(out["fast"], out["reference"]):
        np.testing.assert_array_equal(a, b)


def test_hodgkin_huxley_step_current_matches_the_model_driven_alone():
    net = Network(dt_ms=0.01, backend="reference")
    params = HHParams(dt_ms=0.01)
    pop = net.population(1, params)
    net.step_current(pop, 10.0, start_ms=10.0)
    m = net.record_spikes(pop)
    net.run(100.0, progress=False)
    state = hodgkin_huxley.init_state((1,), params.coeffs(), torch.float64)
    count = 0
    for k in range(10000):
        x = torch.full((1,), 10.0 if k >= 1000 else 0.0, dtype=torch.float64)
        z, state = hodgkin_huxley.step(x, state, params.coeffs())
        count += int(z.sum())
    assert len(m.times_ms) == count and count > 3


def test_bad_current_inputs():
    net = Network(dt_ms=0.1)
    cond = net.population(2, CondLIFParams())
    cur = net.population(2, SUB)
    with pytest.raises(ValueError, match="does not take a current"):
        net.step_current(cond, 10.0)
    with pytest.raises(ValueError, match="values must be"):
        net.current_input(cur, np.zeros((10, 3)))
    with pytest.raises(ValueError, match="stop_ms"):
        net.step_current(cur, 1.0, start_ms=5.0, stop_ms=2.0)
    with pytest.raises(ValueError, match="NaN"):
        net.current_input(cur, np.array([1.0, math.nan]))
    with pytest.raises(ValueError, match="amplitude must be one finite value or 2"):
        net.step_current(cur, [1.0, 2.0, 3.0])
    net.run(10.0, progress=False)
    with pytest.raises(ValueError, match="in the past"):
        net.step_current(cur, 1.0, start_ms=5.0)
    with pytest.raises(ValueError, match="time_ms=2.0 is in the past"):
        net.schedule_reward(2.0, 1.0)


@needs_numba
def test_hodgkin_huxley_fast_backend_matches_the_reference():
    out = {}
    currents = np.array([0.0, 2.3, 6.5, 10.0, 20.0])
    for backend in ("reference", "fast"):
        net = Network(dt_ms=0.01, backend=backend)
        pop = net.population(5, HHParams(dt_ms=0.01))
        net.step_current(pop, currents, start_ms=5.0)
        m = net.record_spikes(pop)
        v = net.record_state(pop, "v", every=10)
        net.run(150.0, progress=False)
        out[backend] = (np.bincount(m.senders, minlength=5), m.trains(), v.values)
    np.testing.assert_array_equal(out["fast"][0], out["reference"][0])
    assert out["fast"][0][-1] > 5
    for a, b in zip(out["fast"][1], out["reference"][1]):
        np.testing.assert_allclose(a, b, atol=0.011)  # the same step, or the next one
    np.testing.assert_allclose(out["fast"][2], out["reference"][2], rtol=1e-6, atol=1e-6)


@needs_numba
def test_adex_fast_backend_matches_the_reference():
    from spikeflow.neurons import AdExParams

    out = {}
    for backend in ("reference", "fast"):
        net = Network(dt_ms=0.1, backend=backend)
        pop = net.population(4, AdExParams(dt_ms=0.1, substeps=2))
        net.step_current(pop, [0.0, 500.0, 800.0, 1500.0], start_ms=10.0)
        m = net.record_spikes(pop)
        w = net.record_state(pop, "v", every=5)
        net.run(400.0, progress=False)
        out[backend] = (np.bincount(m.senders, minlength=4), m.trains(), w.values)
    np.testing.assert_array_equal(out["fast"][0], out["reference"][0])
    assert out["fast"][0][3] > 10 and out["fast"][0][0] == 0
    for a, b in zip(out["fast"][1], out["reference"][1]):
        np.testing.assert_allclose(a, b, atol=0.101)
    np.testing.assert_allclose(out["fast"][2], out["reference"][2], rtol=1e-6, atol=1e-6)


def test_poisson_input_counts_have_the_poisson_distribution():
    from spikeflow.sim.sources import PoissonInput, poisson_cdf

    for lam in (0.05, 2.0, 37.5):
        cdf = poisson_cdf(lam)
        k = np.arange(cdf.size)
        exact = np.cumsum([math.exp(-lam + i * math.log(lam) - math.lgamma(i + 1)) for i in k])
        np.testing.assert_allclose(cdf, exact, rtol=1e-12)
        assert 1.0 - cdf[-1] < 1e-13 and cdf.size < lam + 40 * math.sqrt(lam) + 40
    assert poisson_cdf(0.0).tolist() == [1.0]
    pop = Network().population(500, SUB)
    for lam in (0.3, 2.0, 1500.0):  # the last above the table's limit: NumPy's sampler
        drive = PoissonInput(pop.parts, lam, 0.5, seed=4, index=0)
        counts = drive.chunk(0, 2000) / 0.5  # 10^6 draws
        assert np.array_equal(counts, np.round(counts)) and counts.min() >= 0
        assert counts.mean() == pytest.approx(lam, rel=4 * math.sqrt(1 / lam / counts.size))
        assert counts.var() == pytest.approx(lam, rel=0.01)
    small = PoissonInput(pop.parts, 2.0, 1.0, seed=4, index=0).chunk(0, 2000).ravel()
    freq = np.bincount(small.astype(np.int64), minlength=8)[:8] / small.size
    pmf = np.diff(np.concatenate([[0.0], poisson_cdf(2.0)]))[:8]
    assert np.all(np.abs(freq - pmf) <= 5 * np.sqrt(pmf / small.size)), (freq, pmf)  # 5 standard errors
    # blocks are seeded by (seed, input, block): any split of the steps gives the same draws
    drive = PoissonInput(pop.parts, 2.0, 1.0, seed=4, index=0)
    whole = drive.chunk(0, 450).copy()
    np.testing.assert_array_equal(np.concatenate([drive.chunk(0, 130), drive.chunk(130, 320)]), whole)
    other = PoissonInput(pop.parts, 2.0, 1.0, seed=4, index=1).chunk(0, 450)
    assert not np.array_equal(other, whole)


@pytest.mark.parametrize("backend", ["reference", pytest.param("fast", marks=needs_numba)])
def test_poisson_input_continues_exactly_across_runs(backend):
    def run(pieces):
        net = Network(dt_ms=0.1, seed=5, backend=backend)
        pop = net.population(50, LIFParams(tau_mem_ms=20.0, dt_ms=0.1, v_th=1e9))
        net.poisson_input(pop, n_inputs=40, rate_hz=30.0, weight=0.1)
        for ms in pieces:
            net.run(ms, progress=False)
        return pop.state.v.copy()

    np.testing.assert_array_equal(run([7.3, 12.7, 5.0]), run([25.0]))

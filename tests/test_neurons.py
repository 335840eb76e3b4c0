"""Golden traces of the neuron models against independent closed-form solutions."""

import math

import numpy as np
import pytest
import torch

from spikeflow.neurons import (
    ALIFParams,
    LIFParams,
    LIParams,
    SynapticLIFParams,
    alif,
    leaky_integrator,
    lif,
    synaptic_lif,
)


def run(module, params, x):
    """Drive a neuron module's step over x [T, ...]; return outputs and states."""
    state = module.init_state(x.shape[1:], params, dtype=x.dtype)
    outs, states = [], []
    for xt in x:
        out, state = module.step(xt, state, params)
        outs.append(out)
        states.append(state)
    return torch.stack(outs), states


def test_lif_current_mode_matches_analytic_subthreshold_solution():
    tau, dt, R, I = 20.0, 0.1, 2.0, 0.4  # R I = 0.8 < v_th: never fires
    p = LIFParams(tau_mem_ms=tau, dt_ms=dt, r_mem=R, input_mode="current", v_th=1.0)
    x = torch.full((500, 1), I, dtype=torch.float64)
    z, states = run(lif, p, x)
    v = torch.stack([s.v for s in states])[:, 0].numpy()
    t = dt * np.arange(1, 501)
    np.testing.assert_allclose(v, R * I * (1 - np.exp(-t / tau)), rtol=1e-12, atol=1e-14)
    assert z.sum() == 0


def test_lif_relaxes_to_rest_from_initial_potential():
    p = LIFParams(tau_mem_ms=8.0, dt_ms=0.5, v_rest=-0.2, v_th=1.0, v_reset=-0.5)
    state = lif.LIFState(torch.tensor([0.6], dtype=torch.float64), torch.zeros(1, dtype=torch.float64))
    vs = []
    for _ in range(40):
        _, state = lif.step(torch.zeros(1, dtype=torch.float64), state, p)
        vs.append(float(state.v))
    t = 0.5 * np.arange(1, 41)
    np.testing.assert_allclose(vs, -0.2 + 0.8 * np.exp(-t / 8.0), rtol=1e-12)


@pytest.mark.parametrize("refractory_ms", [0.0, 2.0])
def test_lif_spike_times_for_constant_current_match_closed_form(refractory_ms):
    tau, dt, RI, th = 10.0, 0.1, 1.5, 1.0
    p = LIFParams(
        tau_mem_ms=tau,
        dt_ms=dt,
        input_mode="current",
        v_th=th,
        v_reset=0.0,
        reset="value",
        refractory_ms=refractory_ms,
    )
    x = torch.full((2000, 1), RI, dtype=torch.float64)
    z, _ = run(lif, p, x)
    # first crossing of RI (1 - exp(-t/tau)) = th; the step ending at or after it spikes
    t_star = -tau * math.log(1 - th / RI)
    k = math.ceil(t_star / dt)
    n_ref = round(refractory_ms / dt)
    period = k + n_ref
    idx = torch.nonzero(z[:, 0]).flatten().tolist()
    expected = [k - 1 + j * period for j in range(len(idx))]
    assert idx == expected
    assert len(idx) == (2000 - k) // period + 1


def test_lif_delta_mode_spike_step_matches_geometric_series():
    beta = math.exp(-1.0 / 10.0)
    x_in, th = 0.15, 1.0
    p = LIFParams(tau_mem_ms=10.0, dt_ms=1.0, v_th=th, reset="subtract")
    z, states = run(lif, p, torch.full((60, 1), x_in, dtype=torch.float64))
    k = math.ceil(math.log(1 - th * (1 - beta) / x_in) / math.log(beta))
    first = int(torch.nonzero(z[:, 0])[0])
    assert first == k - 1
    # reset by subtraction removes exactly v_th - v_reset at the spike
    v_before = x_in * (1 - beta**k) / (1 - beta)
    assert float(states[first].v) == pytest.approx(v_before - th, rel=1e-12)


def test_reset_modes():
    x = torch.tensor([[1.7]], dtype=torch.float64)
    for reset, expected in [("subtract", 1.7 - 1.3), ("value", -0.3), ("none", 1.7)]:
        p = LIFParams(v_th=1.0, v_reset=-0.3, reset=reset)
        z, s = lif.step(x[0], lif.init_state((1,), p, torch.float64), p)
        assert float(z) == 1.0
        assert float(s.v) == pytest.approx(expected)


def test_synaptic_lif_matches_analytic_psp():
    tau_m, tau_s, dt, i0 = 10.0, 3.0, 0.1, 0.9
    p = SynapticLIFParams(tau_mem_ms=tau_m, tau_syn_ms=tau_s, dt_ms=dt, v_th=100.0)
    x = torch.zeros(800, 1, dtype=torch.float64)
    x[0] = i0  # a current jump at t = 0 (start of the first step)
    _, states = run(synaptic_lif, p, x)
    v = torch.stack([s.v for s in states])[:, 0].numpy()
    i = torch.stack([s.i for s in states])[:, 0].numpy()
    t = dt * np.arange(1, 801)
    v_exact = i0 * tau_s / (tau_s - tau_m) * (np.exp(-t / tau_s) - np.exp(-t / tau_m))
    np.testing.assert_allclose(v, v_exact, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(i, i0 * np.exp(-t / tau_s), rtol=1e-12)


def test_synaptic_lif_equal_time_constants_use_the_limit():
    tau, dt, i0 = 5.0, 0.2, 1.0
    p = SynapticLIFParams(tau_mem_ms=tau, tau_syn_ms=tau, dt_ms=dt, v_th=100.0)
    x = torch.zeros(200, 1, dtype=torch.float64)
    x[0] = i0
    _, states = run(synaptic_lif, p, x)
    v = torch.stack([s.v for s in states])[:, 0].numpy()
    t = dt * np.arange(1, 201)
    np.testing.assert_allclose(v, i0 * t / tau * np.exp(-t / tau), rtol=1e-10, atol=1e-14)


def test_synaptic_lif_agrees_with_fine_euler_integration():
    # independent check: forward Euler with a 1000x finer step on a random input train
    tau_m, tau_s, dt = 12.0, 4.0, 1.0
    p = SynapticLIFParams(tau_mem_ms=tau_m, tau_syn_ms=tau_s, dt_ms=dt, v_th=100.0)
    g = torch.Generator().manual_seed(3)
    x = (torch.rand(60, 1, generator=g, dtype=torch.float64) < 0.3).double() * 0.5
    _, states = run(synaptic_lif, p, x)
    v_ref, i_ref, h, out = 0.0, 0.0, dt / 1000, []
    for xt in x[:, 0].tolist():
        i_ref += xt
        for _ in range(1000):
            v_ref, i_ref = v_ref + h * (-v_ref + i_ref) / tau_m, i_ref - h * i_ref / tau_s
        out.append(v_ref)
    v = torch.stack([s.v for s in states])[:, 0].numpy()
    np.testing.assert_allclose(v, out, rtol=2e-3, atol=1e-5)


def test_alif_threshold_adapts_and_slows_firing():
    p = ALIFParams(tau_mem_ms=20.0, tau_adapt_ms=200.0, beta_adapt=5.0, dt_ms=1.0)
    z, states = run(alif, p, torch.full((400, 1), 0.1, dtype=torch.float64))
    spikes = z[:, 0].numpy()
    # independent recomputation of the adaptation variable from the spike train
    decay = math.exp(-1 / 200.0)
    a, a_ref = 0.0, []
    for s in spikes:
        a = decay * a + (1 - decay) * s
        a_ref.append(a)
    np.testing.assert_allclose([float(s.a) for s in states], a_ref, rtol=1e-12)
    isi = np.diff(np.nonzero(spikes)[0])
    assert isi[-1] >= isi[0] + 2  # adaptation lengthens the interval (14 -> 16 steps)
    # without adaptation the same neuron is a plain LIF with a constant interval
    p0 = ALIFParams(tau_mem_ms=20.0, tau_adapt_ms=200.0, beta_adapt=0.0, dt_ms=1.0)
    z0, _ = run(alif, p0, torch.full((400, 1), 0.3, dtype=torch.float64))
    zl, _ = run(lif, LIFParams(tau_mem_ms=20.0), torch.full((400, 1), 0.3, dtype=torch.float64))
    assert torch.equal(z0, zl)


def test_leaky_integrator_impulse_response():
    p = LIParams(tau_mem_ms=5.0, dt_ms=1.0)
    x = torch.zeros(30, 2, dtype=torch.float64)
    x[0] = torch.tensor([1.0, -2.0])
    v, _ = run(leaky_integrator, p, x)
    decay = np.exp(-np.arange(30) / 5.0)
    np.testing.assert_allclose(v[:, 0].numpy(), decay, rtol=1e-12)
    np.testing.assert_allclose(v[:, 1].numpy(), -2 * decay, rtol=1e-12)


def test_decay_factors_are_derived_not_typed():
    p = LIFParams(tau_mem_ms=7.0, dt_ms=0.25, v_th=5.0)
    one = lif.init_state((1,), p, torch.float64)._replace(v=torch.ones(1, dtype=torch.float64))
    _, state = lif.step(torch.zeros(1, dtype=torch.float64), one, p)  # one step's decay: exp(-dt / tau)
    assert float(state.v) == pytest.approx(math.exp(-0.25 / 7.0), rel=1e-15, abs=0.0)
    q = SynapticLIFParams(tau_mem_ms=7.0, tau_syn_ms=2.0, dt_ms=0.25, v_th=5.0)
    one = synaptic_lif.init_state((1,), q, torch.float64)._replace(i=torch.ones(1, dtype=torch.float64))
    _, state = synaptic_lif.step(torch.zeros(1, dtype=torch.float64), one, q)
    assert float(state.i) == pytest.approx(math.exp(-0.25 / 2.0), rel=1e-15, abs=0.0)


def _lif_by_hand(x, p):
    """The LIF's discrete update written out in plain torch (the recurrence the hand-written
    LIF ran before it was generated from its specification): an independent check."""
    decay = math.exp(-p.dt_ms / p.tau_mem_ms)
    gain = 1.0 if p.input_mode == "delta" else p.r_mem * (1.0 - decay)
    n_ref = int(round(p.refractory_ms / p.dt_ms))
    v = torch.full(x.shape[1:], p.v_rest, dtype=x.dtype)
    left = torch.zeros_like(v)
    zs, vs = [], []
    for xt in x:
        u = p.v_rest + decay * (v - p.v_rest) + gain * xt
        held = left > 0
        u = torch.where(held, torch.full_like(u, p.v_reset), u)
        z = ((u >= p.v_th) & ~held).to(x.dtype)
        if p.reset == "value":
            u = u - z * (u - p.v_reset)
        elif p.reset == "subtract":
            u = u - z * (p.v_th - p.v_reset)
        left = torch.where(z > 0, torch.full_like(left, n_ref), (left - 1).clamp_min(0))
        v = u
        zs.append(z)
        vs.append(v)
    return torch.stack(zs), torch.stack(vs)


@pytest.mark.parametrize("reset", ["subtract", "value", "none"])
@pytest.mark.parametrize("input_mode", ["delta", "current"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_the_generated_lif_is_the_lif_recurrence(reset, input_mode, dtype):
    """Every reset and input mode, with and without a rest potential and a refractory
    period: the spikes of the recurrence written out by hand, and its potential to
    rounding (the propagator's operations are in another order where v_rest != 0)."""
    g = torch.Generator().manual_seed(0)
    for v_rest, refractory_ms, dt in ((0.0, 0.0, 1.0), (0.3, 0.0, 0.1), (0.0, 2.0, 0.1), (0.2, 2.0, 1.0)):
        p = LIFParams(tau_mem_ms=20.0, dt_ms=dt, v_rest=v_rest, v_reset=-0.2 if reset != "subtract" else 0.0,
                      reset=reset, refractory_ms=refractory_ms, input_mode=input_mode)  # fmt: skip
        scale = 0.4 if input_mode == "delta" else 3.0
        x = torch.rand((300, 64), generator=g, dtype=torch.float64) * scale
        z, states = run(lif, p, x.to(dtype))
        z_hand, v_hand = _lif_by_hand(x.to(dtype), p)
        assert torch.equal(z, z_hand) and float(z.mean()) > 0.003
        v = torch.stack([s.v for s in states])
        if refractory_ms > 0 and reset != "value":  # the potential at the spike's own step is v_reset now
            v, v_hand = v[z == 0], v_hand[z == 0]
        tol = 1e-12 if dtype == torch.float64 else 2e-5
        torch.testing.assert_close(v, v_hand, rtol=tol, atol=tol)


@pytest.mark.parametrize("reset", ["subtract", "value"])
def test_the_generated_alif_is_the_alif_recurrence(reset):
    """The ALIF's recurrence written out by hand (threshold on the adaptation before the
    step, a jump of 1 - decay per spike): the same spikes and adaptation."""
    g = torch.Generator().manual_seed(2)
    p = ALIFParams(tau_mem_ms=20.0, tau_adapt_ms=40.0, beta_adapt=0.7, dt_ms=1.0, reset=reset,
                   v_reset=-0.2 if reset == "value" else 0.0)  # fmt: skip
    x = torch.rand((400, 32), generator=g, dtype=torch.float64) * 0.4
    z, states = run(alif, p, x)
    d_mem, d_a = math.exp(-1.0 / 20.0), math.exp(-1.0 / 40.0)
    v, a = torch.zeros(32, dtype=torch.float64), torch.zeros(32, dtype=torch.float64)
    for t in range(400):
        v = d_mem * v + x[t]
        spike = (v >= 1.0 + 0.7 * a).to(torch.float64)
        v = v - spike * (1.0 if reset == "subtract" else v + 0.2)
        a = d_a * a + (1.0 - d_a) * spike
        assert torch.equal(z[t], spike)
        torch.testing.assert_close(states[t].a, a, rtol=1e-12, atol=1e-15)
        torch.testing.assert_close(states[t].v, v, rtol=1e-12, atol=1e-14)
    assert float(z.mean()) > 0.02

"""Conductance-based LIF, AdEx, Izhikevich and Hodgkin-Huxley: golden traces against
independent references, the published firing patterns, and bad parameters."""

import math

import numpy as np
import pytest
import torch

import spikeflow as sf
from spikeflow.neurons import adex, cond_lif, hodgkin_huxley, izhikevich


def drive(module, params, current, steps, n=1):
    """Run ``steps`` steps with input ``current(k)`` (float or tensor); return spikes, states."""
    state = module.init_state((n,), params, torch.float64)
    zs, states = [], []
    for k in range(steps):
        x = current(k) if callable(current) else current
        z, state = module.step(torch.as_tensor(x, dtype=torch.float64).expand(n), state, params)
        zs.append(z)
        states.append(state)
    return torch.stack(zs), states


# ------------------------------------------------------------------- conductance LIF
def test_cond_lif_conductances_exp_and_alpha():
    w = 6.0
    p = cond_lif.CondLIFParams(dt_ms=0.1, synapse="exp", V_th=100.0)
    _, states = drive(cond_lif, p, lambda k: w if k == 0 else 0.0, 200)
    t = 0.1 * np.arange(1, 201)
    np.testing.assert_allclose([float(s.g_ex) for s in states], w * np.exp(-t / 5.0), rtol=1e-12)
    pa = cond_lif.CondLIFParams(dt_ms=0.1, synapse="alpha", V_th=100.0)
    _, states = drive(cond_lif, pa, lambda k: -w if k == 0 else 0.0, 400)
    g = np.array([float(s.g_in) for s in states])
    t = 0.1 * np.arange(1, 401)
    np.testing.assert_allclose(g, w * t / 10.0 * np.exp(1 - t / 10.0), rtol=1e-10, atol=1e-12)
    assert g.max() == pytest.approx(w, rel=1e-6) and t[g.argmax()] == pytest.approx(10.0)


def test_cond_lif_membrane_against_fine_reference():
    p = cond_lif.CondLIFParams(dt_ms=0.1, V_th=100.0, I_e=150.0)
    g = torch.Generator().manual_seed(1)
    inputs = (
        (torch.rand(500, generator=g) < 0.1).double() * 4
        - (torch.rand(500, generator=g) < 0.05).double() * 20
    ).tolist()
    _, states = drive(cond_lif, p, lambda k: inputs[k], 500)
    v_ref, ge, gi, out, h = -60.0, 0.0, 0.0, [], 0.1 / 200
    for x in inputs:
        ge += max(x, 0.0)
        gi += max(-x, 0.0)
        for _ in range(200):
            dv = (-10.0 * (v_ref + 60) - ge * (v_ref - 0.0) - gi * (v_ref + 80) + 150.0) / 200.0
            v_ref, ge, gi = v_ref + h * dv, ge * math.exp(-h / 5.0), gi * math.exp(-h / 10.0)
        out.append(v_ref)
    v = np.array([float(s.v) for s in states])
    assert np.abs(v - out).max() < 0.01  # mV


def test_cond_lif_fires_resets_and_is_refractory():
    p = cond_lif.CondLIFParams(dt_ms=0.1, I_e=500.0, t_ref_ms=2.0)
    z, states = drive(cond_lif, p, 0.0, 600)
    idx = torch.nonzero(z[:, 0]).flatten().tolist()
    assert len(idx) >= 2
    first = idx[0]
    held = [float(s.v) for s in states[first : first + 21]]
    assert held == [-60.0] * 21  # reset, then 20 steps (2 ms) held at V_reset
    assert float(states[first + 21].v) > -60.0


# ----------------------------------------------------------------------------- AdEx
def test_adex_spike_times_converge_with_substeps():
    def times(substeps):
        z, _ = drive(adex, adex.AdExParams(dt_ms=0.1, substeps=substeps), 800.0, 1500)
        return torch.nonzero(z[:, 0]).flatten()

    ref, mid, coarse = times(20), times(5), times(1)
    assert len(ref) == len(mid) == len(coarse) == 4
    assert int((mid - ref).abs().max()) <= 1  # within one 0.1 ms step over 150 ms
    # one RK4 step per 0.1 ms: the reset waits for the step's end, so spike times lag by
    # at most a step each and the lag accumulates slowly
    assert 0 <= int((coarse - ref).max()) <= 4


def test_adex_adapts():
    z, states = drive(adex, adex.AdExParams(dt_ms=0.1), 800.0, 5000)
    t = torch.nonzero(z[:, 0]).flatten().double() * 0.1
    isi = torch.diff(t)
    assert isi[-1] > 2 * isi[0]  # spike-frequency adaptation
    assert float(states[-1].w) > 0


# ------------------------------------------------------------------------ Izhikevich
def _izh(name, current, T=500.0, dt=0.25):
    p = izhikevich.IzhikevichParams.pattern(name, dt_ms=dt, substeps=1)
    z, states = drive(izhikevich, p, lambda k: current(k * dt), int(T / dt))
    t = torch.nonzero(z[:, 0]).flatten().double().numpy() * dt
    return t, np.array([float(s.v) for s in states])


def step10(t):
    return 10.0 if t >= 10 else 0.0


def test_regular_spiking_adapts():
    t, _ = _izh("regular_spiking", step10)
    isi = np.diff(t)
    assert 10 <= len(t) <= 14 and isi[-1] > 1.5 * isi[0] and np.std(isi[2:]) < 1.0


def test_intrinsically_bursting_starts_with_a_burst():
    isi = np.diff(_izh("intrinsically_bursting", step10)[0])
    assert np.all(isi[:2] < 6.0) and np.all(isi[2:] > 25.0)


def test_chattering_fires_repeated_bursts():
    isi = np.diff(_izh("chattering", step10)[0])
    long = isi > 20.0
    assert long.sum() >= 6  # several bursts
    assert np.all(isi[~long] < 5.0)  # spikes within a burst are close
    gaps = np.flatnonzero(long)
    assert set(np.diff(gaps)) == {4}  # four spikes per burst, regularly


def test_fast_spiking_is_fast_without_adaptation():
    t_fs, _ = _izh("fast_spiking", step10)
    t_rs, _ = _izh("regular_spiking", step10)
    isi = np.diff(t_fs)
    assert len(t_fs) > 3 * len(t_rs) and isi[-1] < 1.8 * isi[0]


def test_low_threshold_spiking_adapts_from_a_high_rate():
    isi = np.diff(_izh("low_threshold_spiking", step10)[0])
    assert isi[0] < 5.0 and isi[-1] > 2.5 * isi[0]


def test_thalamo_cortical_rebound_burst():
    t, _ = _izh("thalamo_cortical", lambda t: -10.0 if 50 <= t < 150 else 0.0)
    assert len(t) >= 2 and np.all((t > 150) & (t < 200))  # a burst after the release only
    assert len(_izh("thalamo_cortical", lambda t: 0.0)[0]) == 0


def test_resonator_rings():
    def crossings(name):
        t, v = _izh(name, lambda t: 2.0 if 400 <= t < 401 else 0.0, T=600)
        dev = v[int(401 / 0.25) :] - v[int(399 / 0.25)]
        return np.sum(np.diff(np.sign(dev)) != 0)

    assert crossings("resonator") >= 6  # damped subthreshold oscillation
    assert crossings("regular_spiking") <= 2  # an integrator relaxes monotonically


# ------------------------------------------------------------------- Hodgkin-Huxley
def test_hh_integrators_agree_and_fi_curve_shape():
    currents = torch.tensor([0.0, 2.0, 3.0, 6.0, 7.0, 10.0, 20.0], dtype=torch.float64)
    counts = {}
    for integ in ("exp_euler", "rk4"):
        p = hodgkin_huxley.HHParams(dt_ms=0.05, integrator=integ)
        z, _ = drive(hodgkin_huxley, p, currents, 6_000, n=len(currents))  # 300 ms
        counts[integ] = z.sum(0).tolist()
    assert counts["exp_euler"] == counts["rk4"]
    c = counts["rk4"]
    assert c[0] == 0 and c[1] == 0  # below rheobase
    assert c[2] == 1 and c[3] <= 2  # one onset spike, no repetitive firing yet
    assert c[4] >= 15 and c[5] > c[4] and c[6] > c[5]  # repetitive firing, rising with I


def test_hh_rest_is_stable():
    p = hodgkin_huxley.HHParams(dt_ms=0.05)
    _, states = drive(hodgkin_huxley, p, 0.0, 2000)
    assert abs(float(states[-1].v) + 65.0) < 0.1


# ----------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: hodgkin_huxley.HHParams(dt_ms=0.2), r"dt_ms=0.2 is too large for .* limit is 0.1 ms"),
        (lambda: hodgkin_huxley.HHParams(dt_ms=0.1, integrator="rk4"), r"limit is 0.05 ms"),
        (lambda: hodgkin_huxley.HHParams(integrator="euler"), r"integrator must be one of"),
        (lambda: cond_lif.CondLIFParams(V_th=-70.0), r"V_th must be above V_reset"),
        (lambda: cond_lif.CondLIFParams(tau_syn_ex_ms=0.0), r"tau_syn_ex_ms must be > 0, got 0.0"),
        (lambda: cond_lif.CondLIFParams(synapse="beta"), r"synapse must be one of"),
        (lambda: adex.AdExParams(dt_ms=10.0), r"too large for RK4 on this AdEx"),
        (lambda: adex.AdExParams(Delta_T=-1.0), r"Delta_T must be > 0"),
        (lambda: izhikevich.IzhikevichParams(dt_ms=2.0, substeps=1), r"must be at most 1 ms"),
        (lambda: izhikevich.IzhikevichParams.pattern("bursting"), r"pattern must be one of"),
    ],
)  # fmt: skip
def test_bad_parameters(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_layers_run_the_models_and_refuse_learning():
    x = torch.full((50, 2, 3), 10.0)
    layer = sf.nn.Izhikevich(dt_ms=0.5, substeps=1)
    cell = sf.nn.IzhikevichCell(dt_ms=0.5, substeps=1)
    state, ys = None, []
    for xt in x:
        y, state = cell(xt, state)
        ys.append(y)
    assert torch.equal(layer(x), torch.stack(ys))
    with pytest.raises(ValueError, match="fixed physical parameters"):
        sf.nn.HodgkinHuxley(learn_tau=True)

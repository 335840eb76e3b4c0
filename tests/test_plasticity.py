"""STDP rules: exact spike-train form against brute-force sums, the stepped tensor form and
the simulator against the exact form, both simulator backends against each other, the
Pfister & Gerstner pairing-frequency dependence, reward modulation, and bad input."""

import math

import numpy as np
import pytest
import torch

from spikeflow.learning import plasticity as P
from spikeflow.sim import Network
from spikeflow.sim.sources import PoissonSource, SpikeTimes

needs_numba = pytest.mark.skipif(
    Network().fast_unsupported_reason() is not None, reason="Numba not installed"
)


def _trains(seed: int, n_pre: int = 25, n_post: int = 20, span: float = 400.0):
    rng = np.random.default_rng(seed)
    pre = np.unique(rng.integers(0, int(span), n_pre)).astype(float)
    post = np.unique(rng.integers(0, int(span), n_post)).astype(float)
    return pre, post


def _brute_all_to_all(rule: P.STDP, pre, post) -> float:
    """Sum over all pairs and triplets (no bounds): the definition of the all-to-all rule."""
    total = 0.0
    for tp in post:
        r1 = sum(math.exp(-(tp - t) / rule.tau_plus_ms) for t in pre if t < tp)
        o2 = sum(math.exp(-(tp - t) / rule.tau_y_ms) for t in post if t < tp)
        total += r1 * (rule.a_plus + rule.a3_plus * o2)
    for tq in pre:
        o1 = sum(math.exp(-(tq - t) / rule.tau_minus_ms) for t in post if t < tq)
        r2 = sum(math.exp(-(tq - t) / rule.tau_x_ms) for t in pre if t < tq)
        total -= o1 * (rule.a_minus + rule.a3_minus * r2)
    return total


def _brute_nearest(rule: P.STDP, pre, post) -> float:
    def last(ts, t):
        before = [s for s in ts if s < t]
        return max(before) if before else None

    total = 0.0
    for tp in post:
        a, b = last(pre, tp), last(post, tp)
        if a is not None:
            o2 = math.exp(-(tp - b) / rule.tau_y_ms) if b is not None else 0.0
            total += math.exp(-(tp - a) / rule.tau_plus_ms) * (rule.a_plus + rule.a3_plus * o2)
    for tq in pre:
        a, b = last(post, tq), last(pre, tq)
        if a is not None:
            r2 = math.exp(-(tq - b) / rule.tau_x_ms) if b is not None else 0.0
            total -= math.exp(-(tq - a) / rule.tau_minus_ms) * (rule.a_minus + rule.a3_minus * r2)
    return total


UNBOUNDED = {"w_min": -1e9, "w_max": 1e9}


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("pairing", ["all_to_all", "nearest"])
def test_exact_form_equals_the_brute_force_sums(seed, pairing):
    rule = P.STDP(a_plus=0.01, a_minus=0.012, a3_plus=0.006, a3_minus=0.002, tau_plus_ms=16.8,
                  tau_minus_ms=33.7, tau_x_ms=101.0, tau_y_ms=125.0, pairing=pairing,
                  **UNBOUNDED)  # fmt: skip
    pre, post = _trains(seed)
    brute = _brute_all_to_all if pairing == "all_to_all" else _brute_nearest
    assert P.weight_change(rule, pre, post, 0.0) == pytest.approx(
        brute(rule, pre, post), rel=1e-12, abs=1e-15
    )


@pytest.mark.parametrize("pairing", ["all_to_all", "nearest"])
def test_stepped_tensor_form_equals_the_exact_form(pairing):
    rule = P.STDP(a_plus=0.01, a_minus=0.012, a3_plus=0.006, a3_minus=0.002, pairing=pairing, **UNBOUNDED)
    pre, post = _trains(3)
    steps = int(max(pre.max(), post.max())) + 2
    zpre = torch.zeros(steps, 1, dtype=torch.float64)
    zpost = torch.zeros(steps, 1, dtype=torch.float64)
    zpre[pre.astype(int), 0] = 1.0
    zpost[post.astype(int), 0] = 1.0
    w = torch.zeros(1, 1, dtype=torch.float64)
    tr = P.init_traces(1, 1, dtype=torch.float64)
    for t in range(steps):
        dw, tr = P.stdp_update(rule, tr, zpre[t], zpost[t], w, dt_ms=1.0)
        w = P.clip_weights(rule, w + dw)
    assert float(w) == pytest.approx(P.weight_change(rule, pre, post, 0.0), rel=1e-10, abs=1e-14)


def test_batched_update_is_the_sum_of_single_updates():
    rule = P.STDP(a_plus=0.01, a_minus=0.012, a3_plus=0.006, weight_dependence="multiplicative")
    g = torch.Generator().manual_seed(0)
    pre = (torch.rand(4, 30, 5, generator=g) < 0.2).double()
    post = (torch.rand(4, 30, 3, generator=g) < 0.2).double()
    w = torch.rand(3, 5, generator=g, dtype=torch.float64)
    tr = P.init_traces(5, 3, batch=(4,), dtype=torch.float64)
    singles = [P.init_traces(5, 3, dtype=torch.float64) for _ in range(4)]
    for t in range(30):
        dw, tr = P.stdp_update(rule, tr, pre[:, t], post[:, t], w)
        parts = []
        for b in range(4):
            d, singles[b] = P.stdp_update(rule, singles[b], pre[b, t], post[b, t], w)
            parts.append(d)
        torch.testing.assert_close(dw, sum(parts), rtol=1e-12, atol=1e-15)


def test_soft_bounds_keep_weights_inside_and_hard_bounds_clip():
    soft = P.STDP(a_plus=0.5, a_minus=0.5, weight_dependence="multiplicative", w_max=2.0)
    hard = P.STDP(a_plus=0.5, a_minus=0.5, w_max=2.0)
    pre = np.arange(0, 1000, 20.0)
    post = pre + 2.0  # strongly potentiating
    w_soft = P.weight_change(soft, pre, post, 1.0)
    assert 1.5 < w_soft < 2.0  # the soft bound settles where potentiation and depression balance
    assert P.weight_change(hard, pre, post, 1.0) == 2.0
    assert P.weight_change(soft, post, pre, 1.0) > 0.0  # depression approaches w_min = 0


def test_pfister_visual_cortex_frequency_dependence():
    """Sjostrom et al. (2001) as fitted by Pfister & Gerstner (2006, Fig. 4): at low pairing
    frequency pre-post (+10 ms) does nothing and post-pre (-10 ms) depresses; potentiation
    grows with frequency, and at 40-50 Hz both orders potentiate."""
    freqs = [0.1, 10.0, 20.0, 40.0, 50.0]
    for key in [("visual_cortex", "all_to_all", "full"), ("visual_cortex", "all_to_all", "minimal"),
                ("visual_cortex", "nearest", "full")]:  # fmt: skip
        rule = P.pfister2006(*key)
        plus = [P.pairing_protocol(rule, f, 10.0) for f in freqs]
        minus = [P.pairing_protocol(rule, f, -10.0) for f in freqs]
        assert abs(plus[0]) < 0.01 and -0.45 < minus[0] < -0.2, key
        assert all(b > a for a, b in zip(plus, plus[1:])), key
        assert minus[2] < 0 < minus[3] < minus[4], key
        assert plus[4] > 0.5 and minus[4] > 0.5, key
        # the pair rule (triplet terms off) cannot turn post-pre into potentiation
        pair = P.STDP(a_plus=rule.a_plus, a_minus=rule.a_minus, tau_plus_ms=16.8, tau_minus_ms=33.7,
                      pairing=rule.pairing, w_max=math.inf)  # fmt: skip
        assert P.pairing_protocol(pair, 50.0, -10.0) < 0


def test_simulator_follows_the_exact_form_on_both_backends():
    rule = P.pfister2006("visual_cortex", "nearest")
    pre = 20.0 + 25.0 * np.arange(30)  # 40 Hz, post 10 ms before pre
    post = pre - 10.0
    expected = P.weight_change(rule, pre, post, 1.0)
    backends = ["reference"] + (["fast"] if Network().fast_unsupported_reason() is None else [])
    for backend in backends:
        net = Network(dt_ms=0.5, backend=backend)
        a = net.population(1, SpikeTimes([pre]))
        b = net.population(1, SpikeTimes([post]))
        proj = net.connect_plastic(a, b, rule, rule="all_to_all", weight=1.0)
        net.run(400.0, progress=False)
        net.run(500.0, progress=False)  # a second call continues
        assert proj.weights[0] == pytest.approx(expected, rel=1e-12), backend


@needs_numba
def test_fast_and_reference_backends_give_identical_weights_and_spikes():
    from spikeflow.neurons import CondLIFParams

    out = {}
    for backend in ("reference", "fast"):
        net = Network(dt_ms=0.1, seed=4, backend=backend)
        inp = net.population(300, PoissonSource(20.0))
        neu = net.population(2, CondLIFParams(E_L=-70.0, V_th=-54.0, t_ref_ms=0.0))
        rule = P.STDP(a_plus=0.002, a_minus=0.0021, a3_plus=0.001, w_max=1.0)
        proj = net.connect_plastic(inp, neu, rule, p=0.8, weight=0.5)
        rec = net.connect_plastic(neu, neu, P.STDP(weight_dependence="multiplicative"), rule="all_to_all",
                                  weight=0.2, delay_ms=1.0)  # fmt: skip
        m = net.record_spikes(neu | inp[:10])
        net.run(300.0, progress=False)
        order = np.lexsort((m.senders, m.times_ms))  # the backends order a step's spikes differently
        out[backend] = (proj.weights, rec.weights, m.times_ms[order], m.senders[order])
    assert len(out["fast"][2]) > 20
    for a, b in zip(out["fast"], out["reference"]):
        np.testing.assert_array_equal(a, b)


def test_sources_replay_times_and_fire_at_their_rate():
    net = Network(dt_ms=0.1, seed=2, backend="reference")
    times = [[1.0, 5.27, 9.9], [], [3.0]]
    s = net.population(3, SpikeTimes(times))
    p = net.population(200, PoissonSource(50.0))
    ms, mp = net.record_spikes(s), net.record_spikes(p)
    net.run(1000.0, progress=False)
    trains = ms.trains()
    np.testing.assert_allclose(trains[0], [1.0, 5.3, 9.9])
    assert trains[1].size == 0 and trains[2].tolist() == [3.0]
    rate = len(mp.times_ms) / 200 / 1.0
    assert abs(rate - 50.0) < 3 * math.sqrt(50.0 / 200)  # three standard errors


def test_reward_gates_the_weight_change():
    rule = P.RewardSTDP(P.STDP(a_plus=0.1, a_minus=0.1, w_min=-5, w_max=5), tau_eligibility_ms=200.0,
                        tau_reward_ms=0.0)  # fmt: skip
    steps, reward_at = 600, 100

    def run(reward: float, delay: int) -> float:
        state = P.init_reward_state(1, 1, dtype=torch.float64)
        w = torch.zeros(1, 1, dtype=torch.float64)
        for t in range(steps):
            pre = torch.tensor([1.0 if t == 10 else 0.0], dtype=torch.float64)
            post = torch.tensor([1.0 if t == 15 else 0.0], dtype=torch.float64)
            r = reward if t == reward_at + delay else 0.0
            w, state = P.reward_stdp_step(rule, state, pre, post, w, r)
        return float(w)

    assert run(0.0, 0) == 0.0  # no reward, no change: STDP alone only marks the synapse
    assert run(1.0, 0) > 0 > run(-1.0, 0)
    assert 0 < run(1.0, 400) < run(1.0, 0)  # a later reward finds a decayed eligibility
    assert run(1.0, 400) / run(1.0, 0) == pytest.approx(math.exp(-400 / 200.0), rel=1e-9)


def test_bad_input_names_the_parameter():
    with pytest.raises(ValueError, match="a_plus"):
        P.STDP(a_plus=-0.1)
    with pytest.raises(ValueError, match="reversed"):
        P.STDP(w_min=1.0, w_max=0.5)
    with pytest.raises(ValueError, match="finite bounds"):
        P.STDP(weight_dependence="multiplicative", w_max=math.inf)
    with pytest.raises(ValueError, match="tau_plus_ms"):
        P.STDP(tau_plus_ms=-1.0)
    with pytest.raises(ValueError, match="learning_rate"):
        P.RewardSTDP(learning_rate=-1.0)
    with pytest.raises(ValueError, match="no Pfister"):
        P.pfister2006("hippocampal", "nearest", "minimal")
    state = P.init_reward_state(3, 2, batch=(4,))
    with pytest.raises(ValueError, match="reward must be"):
        P.reward_stdp_step(P.RewardSTDP(), state, torch.zeros(4, 3), torch.zeros(4, 2), torch.zeros(2, 3),
                           reward=torch.zeros(3))  # fmt: skip
    with pytest.raises(ValueError, match="weight must be"):
        P.stdp_update(P.STDP(), P.init_traces(3, 2), torch.zeros(3), torch.zeros(2), torch.zeros(3, 2))
    net = Network(dt_ms=0.1)
    a = net.population(5, PoissonSource(10.0))
    with pytest.raises(ValueError, match="outside the rule's bounds"):
        net.connect_plastic(a, a, P.STDP(w_max=1.0), rule="all_to_all", weight=2.0)
    with pytest.raises(TypeError, match="whole population"):
        net.connect_plastic(a[:2], a, P.STDP(), rule="all_to_all")
    with pytest.raises(ValueError, match="exceeds one spike per step"):
        net.population(2, PoissonSource(20000.0))
    with pytest.raises(ValueError, match="times_ms has 1 trains for 2"):
        net.population(2, SpikeTimes([[1.0]]))


@needs_numba
def test_song_miller_abbott_competition():
    """Fast variant of Song, Miller & Abbott (2000): 200 inputs (weights scaled by 5),
    dt 0.25 ms, 1000 s. The weights split into a bimodal distribution and a fourfold rise
    of the input rate leaves the output rate nearly unchanged (it started 2.6x apart)."""
    from spikeflow.models.song2000 import run_song2000

    low, high = (run_song2000(rate, duration_s=1000.0, n_inputs=200, dt_ms=0.25) for rate in (10.0, 40.0))
    assert low.bimodal() and high.bimodal()
    assert np.mean(high.weights < 0.1) > np.mean(low.weights < 0.1)  # more input, more weak synapses
    start = high.output_rate_hz[0] / low.output_rate_hz[0]
    end = high.output_rate_hz[-10:].mean() / low.output_rate_hz[-10:].mean()
    assert start > 2.0 and 0.7 < end < 1.3


def test_reward_modulated_projection_on_both_backends():
    """A pre-post pairing followed 500 ms later by a reward strengthens the synapse; the same
    pairing without reward changes it only by the tonic dopamine; both backends agree."""
    stdp = P.STDP(a_plus=0.1, a_minus=0.15, pairing="nearest", w_max=4.0)
    rule = P.RewardSTDP(stdp, tau_eligibility_ms=1000.0, tau_reward_ms=200.0, learning_rate=0.1, tonic=0.0,
                        update_every_ms=10.0)  # fmt: skip
    pre = [100.0, 1100.0]
    post = [105.0, 1105.0]
    backends = ["reference"] + (["fast"] if Network().fast_unsupported_reason() is None else [])
    out = {}
    for backend in backends:
        for rewarded in (False, True):
            net = Network(dt_ms=1.0, backend=backend)
            a = net.population(1, SpikeTimes([pre]))
            b = net.population(1, SpikeTimes([post]))
            proj = net.connect_plastic(a, b, rule, rule="all_to_all", weight=1.0)
            if rewarded:
                net.schedule_reward(600.0, 0.5)
            net.run(900.0, progress=False)
            net.run(2100.0, progress=False)
            out[backend, rewarded] = (proj.weights[0], proj.eligibility[0], proj.dopamine)
    for backend in backends:
        assert out[backend, False][0] == 1.0  # no reward, no tonic dopamine: the weight stays
        assert out[backend, True][0] > 1.0 + 0.05
        assert out[backend, True][1] > 0  # the second pairing left an eligibility trace
    if len(backends) == 2:
        assert out["fast", True] == out["reference", True]


@needs_numba
def test_izhikevich_networks_run_identically_on_both_backends():
    from spikeflow.neurons import IzhikevichParams

    out = {}
    for backend in ("reference", "fast"):
        net = Network(dt_ms=1.0, seed=3, backend=backend)
        exc = net.population(80, IzhikevichParams.pattern("regular_spiking"))
        inh = net.population(20, IzhikevichParams.pattern("fast_spiking"))
        proj = net.connect_plastic(exc, exc, P.RewardSTDP.izhikevich2007(), outdegree=10,
                                   weight=1.0)  # fmt: skip
        net.connect(inh, exc, outdegree=10, weight=1.0, receptor="inh")
        net.noise_input(exc | inh, std=4.0, distribution="uniform")
        net.schedule_reward(150.0, 0.5)
        m = net.record_spikes(exc | inh)
        net.run(400.0, progress=False)
        order = np.lexsort((m.senders, m.times_ms))
        out[backend] = (m.times_ms[order], m.senders[order], proj.weights, exc.state.u.copy())
    assert len(out["fast"][0]) > 50
    for a, b in zip(out["fast"], out["reference"]):
        np.testing.assert_array_equal(a, b)

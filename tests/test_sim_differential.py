"""The two simulator backends on random small networks (hypothesis): every model the fast
backend runs, several ``connect`` calls between the same pair of populations (one shared
synapse group), mixed receptors, delays, rules and inputs; spikes identical and potentials
bit for bit (the exponentials included: the reference steps take the fast loop's through
``spikeflow.neurons._base.sim_exp``)."""

import os

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from spikeflow.neurons import (  # noqa: E402
    AdExParams,
    CondLIFParams,
    CubaLIFParams,
    HHParams,
    IzhikevichParams,
    LIFParams,
    LIParams,
)
from spikeflow.sim import Network, SpikeTimes  # noqa: E402

DT = 0.1
# model -> (parameters, a Poisson weight that makes it fire, a synaptic weight scale)
MODELS = {
    "lif": (lambda: LIFParams(dt_ms=DT, tau_mem_ms=10.0), 0.3, 0.2),
    "lif_current": (
        lambda: LIFParams(dt_ms=DT, tau_mem_ms=10.0, input_mode="current", refractory_ms=1.0, reset="value"),
        30.0,
        20.0,
    ),
    "lif_no_reset": (lambda: LIFParams(dt_ms=DT, tau_mem_ms=5.0, reset="none", v_rest=-0.1), 0.3, 0.1),
    "cuba_lif": (lambda: CubaLIFParams(dt_ms=DT), 20.0, 15.0),
    "cond_lif": (lambda: CondLIFParams(dt_ms=DT), 3.0, 3.0),
    "izhikevich": (lambda: IzhikevichParams(dt_ms=DT, substeps=1), 60.0, 30.0),
    "adex": (lambda: AdExParams(dt_ms=DT), 20000.0, 10000.0),
    "hodgkin_huxley": (lambda: HHParams(dt_ms=DT), 300.0, 150.0),
    # the leaky integrator (non-spiking; its specification's generated code on both backends)
    "li": (lambda: LIParams(dt_ms=DT, tau_mem_ms=15.0, v_rest=-0.5), 0.3, 0.2),
    "li_current": (lambda: LIParams(dt_ms=DT, tau_mem_ms=8.0, input_mode="current", r_mem=2.0), 3.0, 2.0),
}





@st.composite
def networks(draw):  # noqa: ANN001, ANN201
    """A recipe: populations (model, size), connections (with repeats of one pair) and inputs."""
    pops = [
        (draw(st.sampled_from(sorted(MODELS))), draw(st.integers(1, 12)))
        for _ in range(draw(st.integers(1, 3)))
    ]
    with_source = draw(st.booleans())
    n_pops = len(pops) + with_source
    conns = []
    for _ in range(draw(st.integers(1, 5))):
        pre, post = draw(st.integers(0, n_pops - 1)), draw(st.integers(0, len(pops) - 1))
        rule = draw(st.sampled_from(["p", "indegree", "pairs", "all_to_all"]))
        conns.append((pre, post, rule, draw(st.floats(0.2, 1.5)), draw(st.sampled_from(["exc", "inh"])),
                      draw(st.integers(1, 3)), draw(st.integers(0, 2**16))))  # fmt: skip
        if draw(st.booleans()):  # the same pair again, same delay: one synapse group
            conns.append(conns[-1][:6] + (draw(st.integers(0, 2**16)),))
    return pops, with_source, conns, draw(st.integers(0, 1000))


def _build(recipe, backend):  # noqa: ANN001, ANN202
    pops, with_source, conns, seed = recipe
    net = Network(dt_ms=DT, seed=seed, backend=backend)
    made = [net.population(n, MODELS[m][0](), name=f"p{k}_{m}") for k, (m, n) in enumerate(pops)]
    if with_source:
        times = np.arange(5, 60, 3) * 0.5  # ms
        made.append(net.population(4, SpikeTimes([times, times + 1.0, times[::2], times[1::3]]), name="src"))
    for k, (m, _) in enumerate(pops):
        net.poisson_input(made[k], n_inputs=20, rate_hz=50.0, weight=MODELS[m][1])
    for pre, post, rule, scale, receptor, delay, draw_seed in conns:
        a, b = made[pre], made[post]
        w = scale * MODELS[pops[post][0]][2]
        rng = np.random.default_rng(draw_seed)
        if rule == "p":
            kw = {"p": 0.5}
        elif rule == "indegree":
            kw = {"indegree": int(rng.integers(1, a.n + 1))}
        elif rule == "pairs":
            k = int(rng.integers(1, 20))
            src, dst = rng.integers(0, a.n, k), rng.integers(0, b.n, k)
            kw = {"pairs": (src, dst), "weight": w * rng.uniform(0.5, 1.5, k)}
        else:
            kw = {"rule": "all_to_all"}
        kw.setdefault("weight", w)
        net.connect(a, b, receptor=receptor, delay_ms=delay * DT, **kw)
    neurons = made[: len(pops)]
    sel = neurons[0]
    for p in neurons[1:]:
        sel = sel | p
    return net, net.record_spikes(sel), net.record_state(sel, "v")


def _run(recipe, backend):  # noqa: ANN001, ANN202
    net, spikes, v = _build(recipe, backend)
    try:
        net.run(30.0, progress=False)
        net.run(12.3, progress=False)  # continue: the state passes through the unpacking
    except FloatingPointError as err:  # a diverging neuron: both backends must say so alike
        return ("diverged", str(err))
    return spikes.times_ms, spikes.senders, v.values


EXAMPLES = int(os.environ.get("SPIKEFLOW_DIFFERENTIAL_EXAMPLES", 40))  # 400 pass in 90 s


@pytest.mark.skipif(Network().fast_unsupported_reason() is not None, reason="no fast backend")
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_backends_give_identical_spikes_and_potentials(recipe):
    ref, fast = _run(recipe, "reference"), _run(recipe, "fast")
    if isinstance(ref[0], str) or isinstance(fast[0], str):
        assert ref == fast
        return
    np.testing.assert_array_equal(ref[0], fast[0])
    np.testing.assert_array_equal(ref[1], fast[1])
    # potentials bit for bit, every model (the exponentials too: see the module docstring)
    np.testing.assert_array_equal(ref[2], fast[2])


def test_repeated_connect_calls_and_pairs_sum_their_input_alike_on_both_backends():
    # Several connect calls between one pair of populations (one synapse group when they
    # share a delay and sign), repeated pairs and an inhibitory group into the same ring:
    # sources firing together made the reference sum a target's input in another order
    # (repeated pairs merged first, group by group) than the fast loop (synapse by synapse,
    # source by source), so potentials differed in the last bits and spikes parted later.
    if Network().fast_unsupported_reason() is not None:
        pytest.skip("no fast backend")
    out = {}
    for backend in ("reference", "fast"):
        net = Network(dt_ms=0.1, seed=1, backend=backend)
        s = net.population(30, SpikeTimes([[1.0, 2.0, 3.0, 3.5]] * 30), name="s")
        b = net.population(5, LIFParams(dt_ms=0.1, tau_mem_ms=10.0, v_th=4.0), name="b")
        rng = np.random.default_rng(0)
        net.connect(s, b, rule="all_to_all", weight=0.1)
        net.connect(s, b, p=0.5, weight=0.7)
        net.connect(s, b, p=0.5, weight=0.3, receptor="inh")
        pairs = rng.integers(0, 30, 50), rng.integers(0, 5, 50)
        net.connect(s, b, pairs=pairs, weight=rng.uniform(0.01, 0.5, 50))
        spikes, v = net.record_spikes(b), net.record_state(b, "v")
        net.run(5.0, progress=False)
        out[backend] = spikes.times_ms, spikes.senders, v.values
    assert out["fast"][0].size > 0
    for r, f in zip(out["reference"], out["fast"]):
        np.testing.assert_array_equal(r, f)


def test_the_reference_steps_exponentials_are_the_fast_loops_to_the_bit():
    import math

    import torch

    from spikeflow.neurons._base import sim_exp
    from spikeflow.sim import fast_cpu

    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(-5, 5, 20000), rng.uniform(-760, 760, 2000), [0.0, -0.0, 1e-300, 709.0]])
    q, bits = np.empty_like(x), np.empty(x.shape, np.int64)
    fast_cpu.vexp.py_func(x, q, bits)  # the conductance LIF's vectorised exp, run as Python
    vectorised = sim_exp(torch.from_numpy(x), vectorised=True).numpy()
    np.testing.assert_array_equal(vectorised, q * bits.view(np.float64))
    y = x[np.abs(x) < 700]
    libm = np.array([math.exp(v) for v in y])  # the C library's, as the loop's scalar updates call it
    np.testing.assert_array_equal(sim_exp(torch.from_numpy(y)).numpy(), libm)
    # where a gradient is wanted (training), torch's own exp, differentiable
    t = torch.from_numpy(y[:50]).requires_grad_(True)
    sim_exp(t).sum().backward()
    torch.testing.assert_close(t.grad, torch.exp(t.detach()), rtol=1e-15, atol=0)

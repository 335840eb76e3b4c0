"""Models defined by a specification (spikeflow.neurons.spec) and the backends generated
from it (spikeflow.codegen): errors that name the line and symbol, integrators against
exact solutions, the network simulator's generated fast loop against the generated
torch step, the fused CPU kernels' spikes and gradients against autograd of the
reference, the catalogue and the generated source."""

import json
import math

import numpy as np
import pytest
import torch

import spikeflow as sf
from spikeflow.cli import main as cli_main
from spikeflow.codegen.expressions import SpecError
from spikeflow.neurons import define_model, get

numba = pytest.importorskip("numba")


def _slif(name="t_syn_lif", **overrides):
    """A current-based synaptic LIF, unitless as in training: the input jumps i."""
    fields = dict(
        parameters={"tau_m_ms": (10.0, "ms"), "tau_s_ms": (5.0, "ms"), "v_th": (1.0, None)},
        state={"v": None, "i": None},
        equations="dv/dt = (-v + i) / tau_m_ms\ndi/dt = -i / tau_s_ms",
        threshold="v >= v_th",
        reset="v -= v_th",
        input=("i", None),
        integrator="exact",
        threshold_parameter="v_th",
    )
    fields.update(overrides)
    return define_model(name, **fields)


LIF_FIELDS = dict(
    parameters={"tau_m_ms": (20.0, "ms"), "E_L": (-65.0, "mV"), "V_th": (-50.0, "mV"),
                "V_reset": (-65.0, "mV"), "R": (0.1, "GOhm"), "t_ref_ms": (2.0, "ms", "", "non_negative")},
    state={"v": "mV"},
    equations="dv/dt = (-(v - E_L) + R * I) / tau_m_ms",
    threshold="v >= V_th",
    reset="v = V_reset",
    refractory="t_ref_ms",
    input=("I", "pA"),
    initial={"v": "E_L"},
)  # fmt: skip


# ------------------------------------------------------------------ specification errors
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"equations": "dv/dt = (-(v - E_L) + R * I_syn) / tau_m_ms"}, r"unknown symbol 'I_syn'.*dv/dt"),
        ({"equations": "dv/dt = (-(v - E_L) + R * I / tau_m_ms"}, r"syntax error in 'dv/dt"),
        (
            {"equations": "dv/dt = (-(v - E_L) + I) / tau_m_ms"},
            r"inconsistent units in 'dv/dt.*mV against pA",
        ),
        ({"equations": "dv/dt = -(v - E_L) + R * I"}, r"inconsistent units in 'dv/dt.*mV/ms"),
        ({"equations": "dv/dt = (exp(v) - (v - E_L) + R * I) / tau_m_ms"}, r"argument of exp\(\) is in mV"),
        ({"equations": "dw/dt = -w"}, r"'w' is not a state variable"),
        ({"reset": "u = V_reset"}, r"the reset assigns 'u'"),
        ({"threshold": "v = V_th"}, r"syntax error|one comparison"),
        (
            {"equations": "dv/dt = (-(v - E_L)**2 / E_L + R * I) / tau_m_ms", "integrator": "exact"},
            r"integrator='exact' needs equations linear.*dv/dt",
        ),
        ({"equations": "dv/dt = (-(v - E_L) + R * I) / tau_m_ms + sqrt(v)"}, r"sqrt of a quantity in mV"),
        ({"equations": "dv/dt = (-(v - E_L) + R * I) / tau_m_ms if v else v"}, r"not supported"),
    ],
)
def test_a_wrong_specification_names_the_line_and_the_symbol(change, message):
    with pytest.raises(SpecError, match=message):
        define_model("t_bad", **{**LIF_FIELDS, "integrator": "exact", **change})


def test_parameter_sets_are_validated_with_names():
    lif = define_model("t_lif_exact", **LIF_FIELDS, integrator="exact", checks=("V_th > V_reset",))
    with pytest.raises(TypeError, match="no parameter 'tau_m'; did you mean 'tau_m_ms'"):
        lif.params(tau_m=10.0)
    with pytest.raises(ValueError, match="tau_m_ms must be > 0"):
        lif.params(tau_m_ms=-1.0)
    with pytest.raises(SpecError, match="the condition 'V_th > V_reset' does not hold"):
        lif.params(V_th=-70.0)
    with pytest.raises(ValueError, match="shorter than half a step"):
        lif.params(t_ref_ms=0.01, dt_ms=0.1)
    with pytest.raises(AttributeError, match="immutable"):
        lif.params().E_L = 0.0
    with pytest.raises(ValueError, match="integrator"):
        define_model("t_bad_int", **{**LIF_FIELDS, "integrator": "leapfrog"})


def test_an_unstable_step_is_refused_with_the_limit():
    spec = define_model("t_lif_euler", **{**LIF_FIELDS, "integrator": "euler"})
    spec.params(dt_ms=1.0, t_ref_ms=0.0)
    with pytest.raises(SpecError, match=r"unstable step.*euler.*dv/dt.*<= 40 ms"):
        spec.params(dt_ms=45.0, t_ref_ms=0.0)
    rk4 = define_model("t_lif_rk4", **{**LIF_FIELDS, "integrator": "rk4"})
    with pytest.raises(SpecError, match=r"unstable step.*rk4.*<= 55.7 ms"):
        rk4.params(dt_ms=60.0, t_ref_ms=0.0)
    rk4.params(dt_ms=50.0, t_ref_ms=0.0)


# ----------------------------------------------------------------------------- integrators
def _trajectory(spec, dt, steps, current, **values):
    p = spec.params(dt_ms=dt, **values)
    state = spec.init_state((1,), p, torch.float64)
    vs = []
    for _ in range(steps):
        _, state = spec.step(torch.full((1,), current, dtype=torch.float64), state, p)
        vs.append(float(state.v[0]))
    return np.array(vs)


def test_integrators_against_the_exact_solution():
    """Sub-threshold LIF under a constant current: v(t) = E_L + R I (1 - exp(-t / tau))."""
    times = 0.5 * np.arange(1, 41)
    exact = -65.0 + 0.1 * 100.0 * (1 - np.exp(-times / 20.0))
    errors = {}
    for integrator in ("exact", "exp_euler", "euler", "rk4"):
        spec = define_model(f"t_lif_{integrator}", **{**LIF_FIELDS, "integrator": integrator})
        errors[integrator] = np.abs(_trajectory(spec, 0.5, 40, 100.0) - exact).max()
    assert errors["exact"] < 1e-12 and errors["exp_euler"] < 1e-12  # linear: both exact
    assert errors["rk4"] < 1e-6 < errors["euler"] < 0.05


def test_exact_lif_matches_the_hand_written_lif():
    """The generated step of the LIF specification against spikeflow.neurons.lif (current
    input, reset to a value, refractory): the same spikes, potentials to rounding."""
    spec = define_model("t_lif_exact", **LIF_FIELDS, integrator="exact", checks=("V_th > V_reset",))
    p = spec.params(dt_ms=0.1)
    hand = sf.neurons.LIFParams(tau_mem_ms=20.0, dt_ms=0.1, v_th=-50.0, v_reset=-65.0, v_rest=-65.0,
                                reset="value", refractory_ms=2.0, input_mode="current",
                                r_mem=0.1)  # fmt: skip
    g = torch.Generator().manual_seed(0)
    x = torch.rand((3000, 5), generator=g, dtype=torch.float64) * 400.0
    s1, s2 = spec.init_state((5,), p, torch.float64), sf.neurons.lif.init_state((5,), hand, torch.float64)
    z1s, z2s = [], []
    for xt in x:
        z1, s1 = spec.step(xt, s1, p)
        z2, s2 = sf.neurons.lif.step(xt, s2, hand)
        z1s.append(z1)
        z2s.append(z2)
        assert torch.allclose(s1.v, s2.v, rtol=0, atol=1e-9)
    assert torch.equal(torch.stack(z1s), torch.stack(z2s)) and torch.stack(z1s).sum() >= 40


def test_qif_interspike_interval_against_quadrature():
    """QIF with a constant current: the period is the integral of C dv / f(v) from
    V_reset to V_peak."""
    qif = get("qif")
    p = qif.params(dt_ms=0.01)
    current = 200.0
    v = np.linspace(p.V_reset, p.V_peak, 200001)
    f = (p.k * (v - p.E_L) * (v - p.V_c) + current) / p.C_m
    period = float(np.sum(0.5 * (1 / f[1:] + 1 / f[:-1]) * np.diff(v)))
    net = sf.sim.Network(dt_ms=0.01, backend="fast")
    pop = net.population(1, p)
    pop.set_state("v", p.V_reset)
    net.current_input(pop, np.full((int(10 * period / 0.01), 1), current))
    spikes = net.record_spikes(pop)
    net.run(10 * period, progress=False)
    isi = np.diff(spikes.times_ms)
    assert isi.size >= 8
    assert abs(isi.mean() - period) < 0.01 + 0.002 * period  # within one step of the period


# -------------------------------------------------------------------- the network simulator
def _network(spec, params, backend, n=60, seed=3, weight=600.0, syn=80.0):
    net = sf.sim.Network(dt_ms=params.dt_ms, seed=seed, backend=backend)
    pop = net.population(n, params, "cells")
    net.poisson_input(pop, 50, 40.0, weight)
    net.connect(pop, pop, p=0.1, weight=syn, delay_ms=0.5)
    net.connect(pop, pop[:10], p=0.2, weight=syn, delay_ms=1.5, receptor="inh")
    spikes = net.record_spikes(pop)
    trace = net.record_state(pop[:4], "v")
    net.run(200.0, progress=False)
    return spikes, trace, pop


@pytest.mark.parametrize(
    ("model", "values", "weight", "syn"),
    [("eif", {"t_ref_ms": 2.0, "I_e": 500.0}, 800.0, 300.0), ("qif", {"t_ref_ms": 1.0}, 600.0, 80.0),
     ("t_syn_lif", {}, 0.3, 0.05)],
)  # fmt: skip
def test_fast_backend_runs_the_generated_loop_with_the_reference_spikes(model, values, weight, syn):
    spec = _slif() if model == "t_syn_lif" else get(model)
    params = spec.params(dt_ms=0.1, **values)
    fast = _network(spec, params, "fast", weight=weight, syn=syn)
    ref = _network(spec, params, "reference", weight=weight, syn=syn)
    assert fast[0].senders.size > 100
    np.testing.assert_array_equal(fast[0].times_ms, ref[0].times_ms)
    np.testing.assert_array_equal(fast[0].senders, ref[0].senders)
    np.testing.assert_array_equal(fast[1].values, ref[1].values)  # bit for bit, exp included
    for name in fast[2].state._fields:
        np.testing.assert_array_equal(getattr(fast[2].state, name), getattr(ref[2].state, name))


def test_a_network_runs_on_after_switching_backends():
    spec = get("qif")
    p = spec.params(dt_ms=0.1, t_ref_ms=1.0)
    net = sf.sim.Network(dt_ms=0.1, seed=1, backend="fast")
    pop = net.population(30, p)
    net.poisson_input(pop, 50, 40.0, 600.0)
    spikes = net.record_spikes(pop)
    net.run(50.0, progress=False)
    net.backend = "reference"
    net.run(50.0, progress=False)
    both = spikes.senders.size
    net2 = sf.sim.Network(dt_ms=0.1, seed=1, backend="reference")
    pop2 = net2.population(30, p)
    net2.poisson_input(pop2, 50, 40.0, 600.0)
    spikes2 = net2.record_spikes(pop2)
    net2.run(100.0, progress=False)
    assert both == spikes2.senders.size > 0
    np.testing.assert_array_equal(spikes.times_ms, spikes2.times_ms)


# ----------------------------------------------------------------------- training kernels
def _grads(layer, x, w):
    xi = x.detach().clone().requires_grad_(True)
    y = layer(xi)
    params = [q for q in layer.parameters() if q.requires_grad]
    grads = torch.autograd.grad((y * w).sum(), [xi, *params])
    return y.detach(), grads


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize(
    ("model", "kwargs", "scale"),
    [("t_syn_lif", {"dt_ms": 1.0}, 0.6),
     ("t_syn_lif", {"dt_ms": 1.0, "learn_tau": True, "learn_threshold": True}, 0.6),
     ("qif", {"dt_ms": 0.1, "learn": ("k", "V_reset")}, 4000.0),
     ("t_syn_lif", {"dt_ms": 1.0, "surrogate": "arctan", "detach_reset": True}, 0.6),
     ("t_syn_lif_value", {"dt_ms": 1.0}, 0.6),
     ("eif", {"dt_ms": 0.1}, 3500.0)],
)  # fmt: skip
def test_fused_kernel_equals_the_reference_with_its_gradients(model, kwargs, scale, dtype):
    """The fused kernels against the reference step: a reset by subtraction (the backward
    pass keeps h alone), a reset to a value (h and the potential), a non-linear RK4 model
    (the state too) and learnable parameters (what their gradients read)."""
    specs = {"t_syn_lif": lambda: _slif(), "t_syn_lif_value": lambda: _slif("t_syn_lif_value", reset="v = 0")}
    spec = specs[model]() if model in specs else get(model)
    g = torch.Generator().manual_seed(1)
    x = (torch.rand((60, 3, 16), generator=g, dtype=torch.float64) * scale).to(dtype)
    w = (torch.rand((60, 3, 16), generator=g, dtype=torch.float64) - 0.5).to(dtype)
    layers = [sf.nn.SpecLayer(spec, backend=b, size=16, **kwargs).to(dtype) for b in ("reference", "fused")]
    (y_ref, g_ref), (y_fused, g_fused) = (_grads(layer, x, w) for layer in layers)
    assert torch.equal(y_ref, y_fused) and 0.01 < float(y_ref.mean()) < 0.6
    tol = 1e-10 if dtype == torch.float64 else 1e-5
    for a, b in zip(g_fused, g_ref):
        torch.testing.assert_close(a, b, rtol=tol, atol=tol * float(b.abs().max()))
    assert len(g_ref) == 1 + len(list(layers[0].parameters()))


def test_fused_kernel_of_a_non_spiking_model_and_its_state():
    li = define_model("t_leaky", parameters={"tau_ms": (5.0, "ms")}, state={"v": None},
                      equations="dv/dt = -v / tau_ms", input=("v", None), integrator="exact")  # fmt: skip
    g = torch.Generator().manual_seed(2)
    x = torch.rand((30, 2, 8), generator=g, dtype=torch.float64)
    ref = sf.nn.SpecLayer(li, dt_ms=1.0, backend="reference", learn_tau=True, size=8).double()
    fused = sf.nn.SpecLayer(li, dt_ms=1.0, backend="fused", learn_tau=True, size=8).double()
    (y1, g1), (y2, g2) = _grads(ref, x, x), _grads(fused, x, x)
    torch.testing.assert_close(y1, y2, rtol=0, atol=1e-14)
    fixed = [sf.nn.SpecLayer(li, dt_ms=1.0, backend=b, size=8).double() for b in ("reference", "fused")]
    (y3, g3), (y4, g4) = _grads(fixed[0], x, x), _grads(fixed[1], x, x)  # the backward keeps nothing
    torch.testing.assert_close(y3, y4, rtol=0, atol=1e-14)
    torch.testing.assert_close(g3[0], g4[0], rtol=1e-12, atol=1e-12)
    for a, b in zip(g1, g2):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)
    decay = math.exp(-1 / 5)  # the input jumps v at the start of the step, then it decays
    torch.testing.assert_close(y1[1], decay * (decay * x[0] + x[1]), rtol=0, atol=1e-14)


def _refractory_inputs(dtype, steps=120):
    """Input ``[steps, 3, 9]`` (mV, both signs) and the weights of a loss on the spikes."""
    g = torch.Generator().manual_seed(7)
    x = ((torch.rand((steps, 3, 9), generator=g, dtype=torch.float64) - 0.3) * 12.0).to(dtype)
    w = (torch.rand((steps, 3, 9), generator=g, dtype=torch.float64) - 0.5).to(dtype)
    return x, w


def _gradients(layer, x, w, forward=None):
    x = x.clone().requires_grad_()
    out = (forward or layer)(x)
    params = list(layer.parameters())
    return out, torch.autograd.grad((out * w).sum(), [x, *params])


def _cuba(backend, learn):
    return sf.nn.CubaLIF(dt_ms=0.1, t_ref_ms=2.0, backend=backend, learn_tau=learn, learn_threshold=learn,
                         size=9)  # fmt: skip


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("learn", [False, True])
def test_refractory_periods_run_in_the_generated_fused_kernels(dtype, learn):
    """A model with a refractory period (CubaLIF: 20 steps, its potential held, excitatory
    and inhibitory input) runs the kernels' refractory variant: the reference step's spikes
    and final state (its counter included), gradients for the input, the learnable time
    constants and the threshold to the reference's (1e-10 in float64; in float32 as close
    to the float64 gradients as the float32 reference is)."""
    layers = [_cuba(b, learn).to(dtype) for b in ("fused", "reference")]
    x, w = _refractory_inputs(dtype)
    (out, g_f), (ref, g_r) = (_gradients(layer, x, w) for layer in layers)
    assert "FusedSpecCPU" in type(out.grad_fn).__name__
    assert torch.equal(out, ref) and 0.02 < float(ref.mean()) < 0.2  # spikes with refractory gaps
    trains = ref.detach().reshape(ref.shape[0], -1).numpy().T
    gaps = np.concatenate([np.diff(np.flatnonzero(train)) for train in trains])
    assert gaps.size > 20 and gaps.min() > 20  # nothing fires inside the 2 ms period
    if dtype == torch.float64:
        for a, b in zip(g_f, g_r):
            torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-10 * float(b.abs().max()))
    else:  # float32 BPTT over 120 steps is itself 3e-4 off float64's: the kernel is no further
        _, g64 = _gradients(_cuba("reference", learn).double(), x.double(), w.double())
        for a, b, exact in zip(g_f, g_r, g64):
            scale = float(exact.abs().max())
            err_fused, err_ref = (float((t.double() - exact).abs().max()) / scale for t in (a, b))
            assert err_fused <= 1.5 * err_ref + 1e-6, (err_fused, err_ref)
    from spikeflow.codegen import fused
    from spikeflow.neurons import cuba_lif

    c = layers[0].params.coeffs()
    s = cuba_lif.init_state((3, 9), c, dtype)
    for xt in x.unbind(0):
        _, s = cuba_lif.step(xt, s, c)
    _, final = fused.fused_sequence(cuba_lif.spec(), x, cuba_lif.init_state((3, 9), c, dtype), c)
    for name in s._fields:  # the counter too: a continued sequence starts where this one ended
        assert torch.equal(getattr(final, name), getattr(s, name)), name


def test_recurrent_layers_with_refractory_periods_are_fused():
    """``RecurrentCubaLIF`` on CPU: the fused recurrent driver with the refractory kernels,
    the reference's spikes and gradients (learnable time constants, weights)."""
    torch.manual_seed(1)
    fused_layer = sf.nn.RecurrentCubaLIF(6, 9, dt_ms=0.1, learn_tau=True).double()
    torch.manual_seed(1)
    ref_layer = sf.nn.RecurrentCubaLIF(6, 9, dt_ms=0.1, learn_tau=True, backend="reference").double()
    x = torch.rand((150, 4, 6), generator=torch.Generator().manual_seed(2), dtype=torch.float64) * 3.0
    (out, g_f), (ref, g_r) = (_gradients(layer, x, torch.ones_like(x[..., :1]).expand(150, 4, 9))
                              for layer in (fused_layer, ref_layer))  # fmt: skip
    assert "FusedRecurrent" in type(out.grad_fn).__name__
    assert torch.equal(out, ref) and float(ref.sum()) > 50
    for a, b in zip(g_f, g_r):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-10 * float(b.abs().max()))


# ------------------------------------------------------------------- catalogue, source
def test_models_json_lists_every_model_with_its_backends(capsys):
    assert cli_main(["models", "--json", "--quiet"]) == 0
    table = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    by_name = {m["name"]: m for m in table}
    for name in ("lif", "cond_lif", "hodgkin_huxley", "eif", "qif"):
        assert name in by_name and "reference" in by_name[name]["backends"]
    for name in ("eif", "qif"):
        assert by_name[name]["backends"] == ["reference", "fast_sim", "fused_cpu", "fused_gpu"]
        assert by_name[name]["parameters"]["C_m"]["unit"] == "pF"
    assert "fast_sim" in by_name["cond_lif"]["backends"] and "fused_cpu" in by_name["lif"]["backends"]
    # the leaky integrator is a specification behind LIParams: its layers and populations run
    # generated code, on every backend (fused_gpu listed where Triton is installed)
    assert by_name["li"]["kind"] == "specification"
    assert by_name["li"]["backends"][:3] == ["reference", "fast_sim", "fused_cpu"]
    # CubaLIF too, its refractory period in the kernels
    assert by_name["cuba_lif"]["backends"][:3] == ["reference", "fast_sim", "fused_cpu"]


@pytest.mark.parametrize("backend", ["reference", "fast_sim", "fused_cpu", "fused_gpu"])
def test_show_code_prints_source_that_compiles(backend, capsys):
    assert cli_main(["show-code", "eif", "--backend", backend]) == 0
    text = capsys.readouterr().out
    compile(text, "<generated>", "exec")
    assert "Generated by spikeflow.codegen" in text and "exp" in text
    assert cli_main(["show-code", "cond_lif"]) == 2  # hand-written: no generated code yet
    capsys.readouterr()
    assert cli_main(["show-code", "lif_value_current", "--backend", backend]) == 0  # behind LIFParams
    assert "'lif_value_current'" in capsys.readouterr().out
    assert cli_main(["show-code", "li_current", "--backend", backend]) == 0
    assert "'li_current'" in capsys.readouterr().out


def test_the_leaky_integrator_is_its_specification():
    """``LIParams`` and ``nn.LI`` run the generated code of ``leaky_integrator.spec``: the
    same outputs on the reference step and the fused kernels in both input modes and with a
    resting potential, learnable time constants through the kernel, and the closed form."""
    from spikeflow.neurons import leaky_integrator

    g = torch.Generator().manual_seed(4)
    x = torch.rand((50, 3, 8), generator=g, dtype=torch.float64)
    for kw in ({}, {"v_rest": 0.5, "dt_ms": 0.1}, {"input_mode": "current", "r_mem": 2.0, "tau_mem_ms": 4.0}):
        ref, fused = (sf.nn.LI(backend=b, **kw).double() for b in ("reference", "fused"))
        torch.testing.assert_close(fused(x), ref(x), rtol=0, atol=1e-14)
        p = sf.neurons.LIParams(**kw)
        assert p.coeffs().params.spec is leaky_integrator.spec(p.input_mode)
    c = sf.neurons.LIParams(input_mode="current", r_mem=2.0, tau_mem_ms=4.0).coeffs()
    state = leaky_integrator.init_state((1,), c, torch.float64)
    v, state = leaky_integrator.step(torch.ones(1, dtype=torch.float64), state, c)
    assert isinstance(state, sf.neurons.LIState)
    assert float(v) == pytest.approx(2.0 * (1 - math.exp(-1 / 4.0)), rel=1e-14)  # R (1 - decay) I
    layer = sf.nn.LI(learn_tau=True, size=8).double()
    y = layer(x)
    assert "FusedSpecCPU" in type(y.grad_fn).__name__
    y.sum().backward()
    assert layer.tau_mem_ms.grad.shape == (8,) and float(layer.tau_mem_ms.grad.abs().sum()) > 0


def test_generated_source_is_written_once_to_the_cache(tmp_path, monkeypatch):
    from spikeflow.codegen import runtime, source

    monkeypatch.setenv("SPIKEFLOW_CACHE_DIR", str(tmp_path))
    spec = _slif("t_cached")
    module = runtime.generated(spec, "torch")
    files = list(tmp_path.glob("spikeflow_gen_torch_t_cached_*.py"))
    assert len(files) == 1 and files[0].read_text() == runtime.generated_text(spec, "torch")
    assert source.load("torch_t_cached", files[0].read_text()) is module


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("learn", [False, True])
@pytest.mark.parametrize("reset", ["v -= v_th", "v = 0"])
def test_generated_triton_kernels_equal_the_reference(dtype, learn, reset):
    """The generated Triton kernels, through Triton's interpreter on CPU tensors where no
    GPU is present: the reference's spikes, its gradients for the input and the learnable
    time constants."""
    pytest.importorskip("triton")
    import os

    if not torch.cuda.is_available():
        os.environ.setdefault("TRITON_INTERPRET", "1")  # read when the generated kernels are defined
    from spikeflow.codegen import fused, triton_backend

    device = "cuda" if torch.cuda.is_available() else "cpu"
    spec = _slif("t_syn_lif_triton" if reset == "v -= v_th" else "t_syn_lif_triton_value", reset=reset)
    layer = (
        sf.nn.SpecLayer(spec, dt_ms=1.0, backend="reference", learn_tau=learn, size=7).to(dtype).to(device)
    )
    g = torch.Generator().manual_seed(3)
    x = (torch.rand((40, 3, 7), generator=g, dtype=torch.float64) * 0.6).to(dtype).to(device).requires_grad_()
    w = (torch.rand((40, 3, 7), generator=g, dtype=torch.float64) - 0.5).to(dtype).to(device)
    state = layer.initial_state((3, 7), dtype, device)
    c = layer.coeffs()
    consts, per_neuron = fused._constants(c, (3, 7), dtype, device)
    out, *_ = triton_backend.triton_sequence(spec, x, [state.v, state.i], consts, per_neuron, c)
    ref = layer(x)
    params = list(layer.parameters())
    g_t = torch.autograd.grad((out * w).sum(), [x, *params])
    g_r = torch.autograd.grad((ref * w).sum(), [x, *params])
    assert torch.equal(out, ref) and 0.05 < float(ref.mean()) < 0.9
    tol = 1e-10 if dtype == torch.float64 else 1e-5
    for a, b in zip(g_t, g_r):
        torch.testing.assert_close(a, b, rtol=tol, atol=tol * float(b.abs().max()))




@pytest.mark.parametrize(("dtype", "learn"), [(torch.float64, True), (torch.float32, False)])
def test_generated_triton_kernels_model_refractory_periods(dtype, learn):
    """The Triton kernels' refractory variant (through Triton's interpreter where no GPU is
    present): CubaLIF's spikes, and gradients to the reference's."""
    pytest.importorskip("triton")
    import os

    if not torch.cuda.is_available():
        os.environ.setdefault("TRITON_INTERPRET", "1")
    from spikeflow.codegen import fused, triton_backend
    from spikeflow.neurons import cuba_lif

    device = "cuda" if torch.cuda.is_available() else "cpu"
    layer = _cuba("reference", learn).to(dtype).to(device)
    x, w = (t.to(device) for t in _refractory_inputs(dtype, steps=100))
    c = layer.coeffs()
    state = layer.initial_state((3, 9), dtype, device)
    consts, per_neuron = fused._constants(c, (3, 9), dtype, device)
    tensors = [getattr(state, k) for k in fused.kernel_state(cuba_lif.spec(), c)]
    assert tensors[-1] is state.refractory
    xg = x.clone().requires_grad_()
    out, *_ = triton_backend.triton_sequence(cuba_lif.spec(), xg, tensors, consts, per_neuron, c)
    (ref, g_r) = _gradients(layer, x, w)
    g_t = torch.autograd.grad((out * w).sum(), [xg, *layer.parameters()])
    assert torch.equal(out, ref) and float(ref.sum()) > 20
    tol = 1e-10 if dtype == torch.float64 else 1e-5
    for a, b in zip(g_t, g_r):
        torch.testing.assert_close(a, b, rtol=tol, atol=tol * float(b.abs().max()))


def test_receptors_keep_excitation_and_inhibition_apart_in_cuba():
    """CUBA's neuron, a specification with two receptors, in a recurrent E/I network: the
    built-in CubaLIF (its update compiled ahead of time) and the same specification under
    another name (generated for the JIT path) give the same spikes on both backends (the
    hand-written CubaLIF gave these too, before it was replaced by its specification)."""
    from spikeflow.models.brette_neurons import brette_neuron

    spec = brette_neuron("cuba", "exact")
    out = {}
    for name, params in (("built_in", sf.neurons.CubaLIFParams(dt_ms=0.1)), ("spec", spec.params(dt_ms=0.1))):
        for backend in ("fast", "reference"):
            net = sf.sim.Network(dt_ms=0.1, seed=1, backend=backend)
            pop = net.population(400, params)
            pop.set_state("v", np.random.default_rng(0).uniform(-60, -50, 400))
            net.connect(pop[:320], pop, p=0.05, weight=1.62, delay_ms=0.1)
            net.connect(pop[320:], pop, p=0.05, weight=9.0, delay_ms=0.1, receptor="inh")
            spikes = net.record_spikes(pop)
            net.run(200.0, progress=False)
            out[name, backend] = (spikes.times_ms, spikes.senders)
    assert out["built_in", "fast"][0].size > 500
    for key in out:
        np.testing.assert_array_equal(out[key][0], out["built_in", "fast"][0])
        np.testing.assert_array_equal(out[key][1], out["built_in", "fast"][1])
    with pytest.raises(SpecError, match="receptor's input must be"):
        bad = {"exc": "i_ex += 2 * x", "inh": "i_in += x"}
        brette_neuron("cuba", "exact", receptors=bad)
    with pytest.raises(ValueError, match=r"integrator for coba must be one of \('exp_euler'"):
        brette_neuron("coba", "exact")  # COBA's membrane is not linear
    with pytest.raises(ValueError, match="network must be 'coba' or 'cuba'"):
        brette_neuron("brunel", "exact")
    with pytest.raises(SpecError, match="must name 'exc' and 'inh'"):
        brette_neuron("cuba", "exact", receptors={"exc": "i_ex += x"})


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_a_receptor_model_trains_with_its_input_split_by_sign(dtype):
    from spikeflow.models.brette_neurons import brette_neuron

    spec = brette_neuron("cuba", "exact", refractory=None)
    g = torch.Generator().manual_seed(4)
    x = ((torch.rand((150, 2, 10), generator=g, dtype=torch.float64) - 0.3) * 8.0).to(dtype)
    w = (torch.rand((150, 2, 10), generator=g, dtype=torch.float64) - 0.5).to(dtype)
    layers = [sf.nn.SpecLayer(spec, dt_ms=0.1, backend=b, learn=("tau_ex_ms",), size=10).to(dtype)
              for b in ("reference", "fused")]  # fmt: skip
    (y_ref, g_ref), (y_fused, g_fused) = (_grads(layer, x, w) for layer in layers)
    assert torch.equal(y_ref, y_fused) and float(y_ref.sum()) > 20
    tol = 1e-10 if dtype == torch.float64 else 1e-5
    for a, b in zip(g_fused, g_ref):
        torch.testing.assert_close(a, b, rtol=tol, atol=tol * float(b.abs().max()))


def test_conductance_model_computes_its_exponentials_in_one_vectorised_pass():
    """COBA's neuron by exponential Euler: one exponential of the state per step, which the
    simulator's generated update computes for the population at once (fast_cpu.vexp,
    within an ulp of libm's; the generated torch step takes the same exponentials): the
    reference's spikes."""
    from spikeflow.codegen.printers import step_code
    from spikeflow.codegen.program import program
    from spikeflow.models.brette_neurons import brette_neuron
    from spikeflow.models.coba import run_coba

    coba = brette_neuron("coba", "exp_euler")
    assert step_code(program(coba)).vexp is not None
    runs = [run_coba(neurons=4000, seed=3, duration_ms=60.0, progress=False, backend=b, params=coba.params())
            for b in ("fast", "reference")]  # fmt: skip
    assert runs[0].spikes.senders.size > 500
    np.testing.assert_array_equal(runs[0].spikes.times_ms, runs[1].spikes.times_ms)
    np.testing.assert_array_equal(runs[0].spikes.senders, runs[1].spikes.senders)


def test_a_checkpoint_holds_a_specification_layer_and_checks_its_model(tmp_path):
    from spikeflow.io import CheckpointError, load_checkpoint, save_checkpoint

    spec = _slif("t_ckpt")
    layer = sf.nn.SpecLayer(spec, dt_ms=1.0, learn_tau=True, size=4)
    with torch.no_grad():
        layer.tau_m_ms.fill_(12.5)
    save_checkpoint(layer, tmp_path / "layer.safetensors")
    again = sf.nn.SpecLayer(spec, dt_ms=1.0, learn_tau=True, size=4)
    load_checkpoint(again, tmp_path / "layer.safetensors")
    assert torch.equal(again.tau_m_ms, layer.tau_m_ms)
    other = sf.nn.SpecLayer(spec, dt_ms=0.5, learn_tau=True, size=4)
    with pytest.raises(CheckpointError, match="dt_ms"):
        load_checkpoint(other, tmp_path / "layer.safetensors")


def test_layers_of_specification_models_name_bad_arguments():
    spec = _slif("t_layer_args")
    with pytest.raises(TypeError, match="spec must be a ModelSpec"):
        sf.nn.SpecLayer(42)
    with pytest.raises(KeyError, match="no model 'nope' is registered"):
        sf.nn.SpecLayer("nope")
    with pytest.raises(ValueError, match="learn names 'tau'"):
        sf.nn.SpecLayer(spec, learn=("tau",))
    with pytest.raises(TypeError, match="params must be t_layer_args.params"):
        sf.nn.SpecLayer(spec, params=get("qif").params())
    with pytest.raises(ValueError, match="names no threshold_parameter"):
        sf.nn.SpecLayer(_slif("t_no_thr", threshold_parameter=None), learn_threshold=True)


def _lif_end(name="t_lif_end", **overrides):
    """The built-in LIF's discrete update (delta input after the decay, reset by
    subtraction, rest 0) as a specification: ``input_at="end"``."""
    fields = dict(parameters={"tau_mem_ms": (10.0, "ms"), "v_th": (1.0, None)}, state={"v": None},
                  equations="dv/dt = -v / tau_mem_ms", threshold="v >= v_th", reset="v -= v_th",
                  input=("v", None), input_at="end", integrator="exact",
                  threshold_parameter="v_th")  # fmt: skip
    fields.update(overrides)
    return define_model(name, **fields)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_a_jump_at_the_end_of_the_step_gives_the_built_in_lif_and_li(dtype):
    """``input_at="end"``: the input is added after the step's integration, as the
    hand-written LIF and LI do (``v[t] = decay v[t-1] + x[t]``): their outputs bit for bit
    (dt = 1), on the generated reference step and the fused kernels, and the gradient of
    the jump is that of the state after the integration."""
    g = torch.Generator().manual_seed(0)
    x = (torch.rand((200, 4, 32), generator=g, dtype=torch.float64) * 0.35).to(dtype)
    lif_spec = _lif_end()
    li_spec = _lif_end("t_li_end", threshold=None, reset="", threshold_parameter=None,
                       parameters={"tau_mem_ms": (10.0, "ms")})  # fmt: skip
    hand_lif = sf.nn.LIF(tau_mem_ms=10.0, dt_ms=1.0, backend="reference")(x)
    hand_li = sf.nn.LI(tau_mem_ms=10.0, dt_ms=1.0)(x)
    assert 0.05 < float(hand_lif.mean()) < 0.5
    for backend in ("reference", "fused"):
        assert torch.equal(sf.nn.SpecLayer(lif_spec, dt_ms=1.0, backend=backend)(x), hand_lif)
        assert torch.equal(sf.nn.SpecLayer(li_spec, dt_ms=1.0, backend=backend)(x), hand_li)
    w = torch.rand(x.shape, generator=g, dtype=torch.float64).to(dtype) - 0.5
    grads = []
    for layer in (sf.nn.LIF(tau_mem_ms=10.0, dt_ms=1.0, backend="reference").to(dtype),
                  sf.nn.SpecLayer(lif_spec, dt_ms=1.0, backend="fused")):  # fmt: skip
        xi = x.clone().requires_grad_(True)
        grads.append(torch.autograd.grad((layer(xi) * w).sum(), [xi])[0])
    tol = 1e-10 if dtype == torch.float64 else 1e-5
    torch.testing.assert_close(grads[1], grads[0], rtol=tol, atol=tol * float(grads[0].abs().max()))


def test_a_jump_at_the_end_runs_on_both_simulator_backends_and_is_checked():
    spec = _lif_end("t_lif_end_sim", parameters={"tau_mem_ms": (20.0, "ms"), "v_th": (20.0, "mV")},
                    state={"v": "mV"}, input=("v", "mV"))  # fmt: skip
    """In a recurrent network at dt = 0.1 ms the specification gives the built-in LIF's
    spikes (delta input, reset by subtraction) on both backends."""
    out = []
    hand = sf.neurons.LIFParams(tau_mem_ms=20.0, dt_ms=0.1, v_th=20.0, v_reset=0.0)
    for backend, params in (("fast", spec.params(dt_ms=0.1)), ("reference", spec.params(dt_ms=0.1)),
                            ("fast", hand)):  # fmt: skip
        net = sf.sim.Network(dt_ms=0.1, seed=3, backend=backend)
        pop = net.population(200, params)
        net.poisson_input(pop, 100, 20.0, 0.9)
        net.connect(pop, pop, p=0.1, weight=0.4, delay_ms=1.5)
        spikes = net.record_spikes(pop)
        net.run(300.0, progress=False)
        out.append((spikes.times_ms, spikes.senders))
    assert out[0][0].size > 200
    for other in out[1:]:
        np.testing.assert_array_equal(out[0][0], other[0])
        np.testing.assert_array_equal(out[0][1], other[1])
    with pytest.raises(SpecError, match="input_at='end' needs a jump input"):
        _lif_end("t_bad_end", equations="dv/dt = (-v + I) / tau_mem_ms", input=("I", None))
    with pytest.raises(ValueError, match="input_at"):
        _lif_end("t_bad_end2", input_at="middle")
    assert _lif_end().digest() != _lif_end("t_lif_end", input_at="start").digest()


def test_the_compiled_loops_built_in_updates_are_current():
    # the ahead-of-time build cannot generate code (no SymPy there): the built-in
    # specifications' updates are checked in, and must be what the generator writes now
    from spikeflow.codegen.numba_sim import SIM, builtin_texts

    for name, text in builtin_texts().items():
        assert (SIM / name).read_text() == text, f"{name} is stale: run python -m spikeflow.codegen.numba_sim"


def test_built_in_specifications_run_on_the_compiled_loop_and_users_models_on_the_jit():
    import subprocess
    import sys
    import textwrap

    from spikeflow.sim import fast_compiled, fast_runner

    net = sf.sim.Network(dt_ms=0.1, backend="fast")
    net.population(5, get("eif").params(dt_ms=0.1), "eif")
    net.population(5, sf.neurons.LIParams(dt_ms=0.1, input_mode="current"), "li")
    assert fast_runner.jit_specs(net) == {} and len(fast_runner.spec_codes(net)) == 2
    net.population(5, _slif().params(dt_ms=0.1), "mine")
    assert [s.name for s in fast_runner.jit_specs(net).values()] == [_slif().name]
    if fast_compiled.load() is None:
        pytest.skip(f"no compiled loop here ({fast_compiled.status()})")
    script = textwrap.dedent("""
        import sys
        import spikeflow as sf
        net = sf.sim.Network(dt_ms=0.1, seed=2, backend="fast")
        pop = net.population(50, sf.neurons.spec.get("qif").params(dt_ms=0.1))
        net.poisson_input(pop, 50, 40.0, 600.0)
        spikes = net.record_spikes(pop)
        net.run(100.0, progress=False)
        print(spikes.senders.size, "numba" in sys.modules)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    n_spikes, numba_loaded = done.stdout.split()
    assert int(n_spikes) > 0 and numba_loaded == "False"  # the compiled loop, no JIT


def test_the_synaptic_lif_runs_on_both_simulator_backends():
    """The synaptic LIF, on its specification, runs on the fast backend too (it ran on the
    reference backend only): the same spikes on both, in a recurrent network with a
    refractory period."""
    params = sf.neurons.SynapticLIFParams(tau_mem_ms=10.0, tau_syn_ms=3.0, dt_ms=0.1, v_th=1.0,
                                          reset="value", refractory_ms=2.0)  # fmt: skip
    out = []
    for backend in ("fast", "reference"):
        net = sf.sim.Network(dt_ms=0.1, seed=5, backend=backend)
        pop = net.population(200, params)
        net.poisson_input(pop, 100, 20.0, 0.15)
        net.connect(pop, pop, p=0.1, weight=0.05, delay_ms=1.5)
        spikes = net.record_spikes(pop)
        assert net.fast_unsupported_reason() is None
        net.run(300.0, progress=False)
        out.append((spikes.times_ms, spikes.senders))
    assert out[0][0].size > 300
    np.testing.assert_array_equal(out[0][0], out[1][0])
    np.testing.assert_array_equal(out[0][1], out[1][1])


def test_dt_is_a_symbol_of_thresholds_and_resets_only():
    """The step ``dt`` (ms) may appear in a threshold or a reset (the ALIF's), with its
    unit checked; an equation naming it is refused with the symbol and the line."""
    base = dict(parameters={"tau": (10.0, "ms"), "v_th": (1.0, "mV")}, state={"v": "mV"},
                equations="dv/dt = -v / tau", input=("v", "mV"))  # fmt: skip
    with pytest.raises(SpecError, match=r"unknown symbol 'dt'.*in 'dv/dt = -v / tau \* dt'"):
        define_model("t_dt_eq", **{**base, "equations": "dv/dt = -v / tau * dt"}, threshold="v >= v_th")
    with pytest.raises(SpecError, match="inconsistent units in 'v >= v_th \\+ dt'.*mV against ms"):
        define_model("t_dt_units", **base, threshold="v >= v_th + dt")
    spec = define_model("t_dt_ok", **base, threshold="v >= v_th * exp(dt / tau)",
                        reset="v -= v_th * dt / tau")
    assert spec.params(dt_ms=0.5).coeffs() is not None

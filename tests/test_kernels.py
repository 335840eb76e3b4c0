"""Fused kernels against the reference step: identical spikes, gradients to tolerance."""

import pytest
import torch

import spikeflow as sf
from spikeflow import kernels

pytest.importorskip("numba")

MODELS = {
    "lif": (sf.nn.LIF, {}),
    "synaptic_lif": (sf.nn.SynapticLIF, {"tau_syn_ms": 4.0}),
    "alif": (sf.nn.ALIF, {"beta_adapt": 0.8, "tau_adapt_ms": 30.0}),
}
RESETS = [
    {"reset": "subtract"},
    {"reset": "value", "v_reset": -0.2},
    {"reset": "none"},
]


def _pair(model, dtype, **kw):
    cls, base = MODELS[model]
    params = {**base, **kw}
    fused = cls(backend="fused", **params).to(dtype)
    ref = cls(backend="reference", **params).to(dtype)
    return fused, ref


def _run(layer, x, w):
    xi = x.detach().clone().requires_grad_(True)
    y = layer(xi)
    (y * w).sum().backward()
    return y.detach(), xi.grad


def _input(shape, dtype, seed=0, scale=1.6):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(shape, generator=g, dtype=torch.float64).to(dtype) * scale


def _assert_grad_close(got, ref, dtype):
    rtol = 1e-5 if dtype == torch.float32 else 1e-10
    atol = rtol * float(ref.abs().max()) + 1e-30
    torch.testing.assert_close(got, ref, rtol=rtol, atol=atol)


@pytest.mark.parametrize("model", sorted(MODELS))
@pytest.mark.parametrize("reset", RESETS, ids=lambda r: r["reset"])
@pytest.mark.parametrize("surrogate", list(kernels._SURROGATES))
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_kernel_equals_reference(model, reset, surrogate, dtype):
    fused, ref = _pair(model, dtype, surrogate=surrogate, **reset)
    x = _input((23, 3, 37), dtype)
    w = _input(x.shape, dtype, seed=1) - 0.8
    y_f, g_f = _run(fused, x, w)
    y_r, g_r = _run(ref, x, w)
    assert torch.equal(y_f, y_r)
    assert 0 < float(y_r.mean()) < 1
    _assert_grad_close(g_f, g_r, dtype)


@pytest.mark.parametrize("model", sorted(MODELS))
@pytest.mark.parametrize("detach", [False, True])
@pytest.mark.parametrize(
    "shape", [(1, 1, 1), (7, 2, 5), (40, 3, 517), (5, 2, 3, 4)], ids=lambda s: "x".join(map(str, s))
)
def test_kernel_shapes_and_detach_reset(model, detach, shape):
    fused, ref = _pair(model, torch.float32, detach_reset=detach, v_rest=0.05)
    x = _input(shape, torch.float32, scale=2.0)
    w = _input(shape, torch.float32, seed=2) - 0.5
    y_f, g_f = _run(fused, x, w)
    y_r, g_r = _run(ref, x, w)
    assert torch.equal(y_f, y_r)
    _assert_grad_close(g_f, g_r, torch.float32)


@pytest.mark.parametrize("model", sorted(MODELS))
def test_non_contiguous_input(model):
    fused, ref = _pair(model, torch.float32)
    base = _input((37, 3, 20), torch.float32)
    x = base.permute(2, 1, 0)  # [20, 3, 37], a strided view
    assert not x.is_contiguous()
    w = torch.ones_like(x)
    y_f, g_f = _run(fused, x, w)
    y_r, g_r = _run(ref, x, w)
    assert torch.equal(y_f, y_r)
    _assert_grad_close(g_f, g_r, torch.float32)


@pytest.mark.parametrize("model", sorted(MODELS))
def test_state_carry_over_and_state_gradients(model):
    cls, base = MODELS[model]
    fused = cls(backend="fused", stateful=True, **base)
    ref = cls(backend="reference", stateful=True, **base)
    x = _input((30, 2, 9), torch.float64).float()
    whole = ref(x)
    parts = torch.cat([fused(x[:11]), fused(x[11:])])
    assert torch.equal(parts, whole)
    # gradients with respect to a given initial state
    cell_state = cls(**base).initial_state((2, 9))
    s_f = type(cell_state)(*(torch.rand(2, 9, requires_grad=True) for _ in cell_state))
    s_r = type(cell_state)(*(t.detach().clone().requires_grad_(True) for t in s_f))
    y_f = cls(backend="fused", **base)(x, s_f)
    y_r = cls(backend="reference", **base)(x, s_r)
    assert torch.equal(y_f, y_r)
    (y_f * torch.linspace(-1, 1, y_f.numel()).view_as(y_f)).sum().backward()
    (y_r * torch.linspace(-1, 1, y_r.numel()).view_as(y_r)).sum().backward()
    for name, a, b in zip(cell_state._fields, s_f, s_r):
        if name == "refractory":
            continue
        _assert_grad_close(a.grad, b.grad, torch.float32)


@pytest.mark.parametrize("model", sorted(MODELS))
def test_gradcheck_float64_of_the_state_path(model):
    """torch.autograd.gradcheck in float64 on the final state. With the reset detached
    and no spike output used, the final potential (and synaptic current) is piecewise
    linear in the input and the initial state, so the kernel's backward must equal
    finite differences. (The spike outputs are checked against the reference above.)"""
    _, base = MODELS[model]
    params = {"lif": sf.neurons.LIFParams, "synaptic_lif": sf.neurons.SynapticLIFParams,
              "alif": sf.neurons.ALIFParams}[model](detach_reset=True, **base)  # fmt: skip
    coeffs = params.coeffs()
    x = (_input((12, 2, 3), torch.float64) * 0.9).requires_grad_(True)
    fields = {"lif": ("v",), "synaptic_lif": ("v", "i"), "alif": ("v", "a")}[model]
    states = [(torch.rand(2, 3, dtype=torch.float64) * 0.1).requires_grad_(True) for _ in fields]
    module = {"lif": sf.neurons.lif, "synaptic_lif": sf.neurons.synaptic_lif, "alif": sf.neurons.alif}[model]

    def run(x, *s):
        start = module.init_state((2, 3), params, torch.float64)._replace(**dict(zip(fields, s)))
        return kernels.fused_sequence(model, x, start, coeffs)

    def final_state(x, *s):
        _, final = run(x, *s)
        # the final state only; for ALIF only v: the adaptation a_T is a sum of spikes,
        # piecewise constant in the input, where finite differences see 0 and the
        # surrogate, by design, does not
        return (final.v,) if model != "synaptic_lif" else (final.v, final.i)

    assert run(x, *states)[0].sum() > 0  # spikes (and resets) do happen
    assert torch.autograd.gradcheck(final_state, (x, *states), eps=1e-7, atol=1e-7)


def test_dispatcher_falls_back_and_explains():
    x = torch.rand(5, 2, 3)
    assert kernels.fused_sequence("lif", x.half(), None, sf.neurons.LIFParams().coeffs()) is None
    meta = torch.empty(5, 2, 3, device="meta")
    assert "CPU and CUDA only" in kernels.unsupported_reason("lif", meta, sf.neurons.LIFParams().coeffs())
    for params in (sf.neurons.LIFParams(refractory_ms=2.0), sf.neurons.ALIFParams(refractory_ms=2.0)):
        assert kernels.unsupported_reason("lif", x, params.coeffs()) is None  # generated: refractory too
    cond = sf.neurons.CondLIFParams()
    assert "not generated from a specification" in kernels.unsupported_reason("cond_lif", x, cond.coeffs())
    with pytest.raises(ValueError, match="backend='fused' is not available here: no fused kernel"):
        sf.nn.CondLIF(backend="fused")(x * 10.0)
    # the generated kernels learn time constants and the threshold (gradients in the kernel)
    xs = (x * 1.5).requires_grad_(True)
    learned = {sf.nn.LIF: ("tau_mem_ms", "v_th"), sf.nn.ALIF: ("tau_mem_ms", "tau_adapt_ms", "v_th")}
    for cls, names in learned.items():
        grads = []
        for backend in ("fused", "reference"):
            layer = cls(learn_tau=True, learn_threshold=True, size=3, backend=backend).double()
            out = layer(xs.double())
            grads.append((out.detach(), *torch.autograd.grad((out * torch.linspace(-1, 1, 3)).sum(),
                                                            [getattr(layer, n) for n in names])))  # fmt: skip
        assert torch.equal(grads[0][0], grads[1][0]) and float(grads[1][0].mean()) > 0.05
        for a, b in zip(grads[0][1:], grads[1][1:]):
            torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError, match=r"backend must be one of .*got 'gpu'"):
        sf.nn.LIF(backend="gpu")


def test_auto_backend_uses_the_kernel():
    x = torch.rand(5, 2, 3, requires_grad=True)
    y = sf.nn.LIF()(x)
    assert "Fused" in type(y.grad_fn).__name__


@pytest.mark.parametrize("model", sorted(MODELS))
def test_inference_path_equals_the_autograd_path(model):
    # without a gradient to track, the dispatcher skips autograd.Function: same spikes and
    # final state, the caller's state untouched, no graph
    cls, params = MODELS[model]
    layer = cls(backend="fused", stateful=True, **params)
    x = _input((9, 3, 5), torch.float32, seed=4)
    with torch.no_grad():
        z_inf = layer(x)
    s_inf = layer.held_state()
    layer.reset_state()
    z_grad = layer(x.clone().requires_grad_(True))
    assert z_grad.grad_fn is not None and z_inf.grad_fn is None
    assert torch.equal(z_inf, z_grad.detach())
    for a, b in zip(s_inf, layer.held_state()):
        assert torch.equal(a, b.detach())
    state0 = layer.initial_state((3, 5))
    state0 = type(state0)(*(torch.rand_like(t) for t in state0))
    snapshot = [t.clone() for t in state0]
    with torch.no_grad():
        z, final = kernels.fused_sequence(model, x, state0, layer.coeffs())
    assert all(torch.equal(a, b) for a, b in zip(state0, snapshot))
    z_ref, final_ref = kernels.fused_sequence(model, x.clone().requires_grad_(True), state0, layer.coeffs())
    assert torch.equal(z, z_ref.detach()) and all(
        torch.equal(a, b.detach()) for a, b in zip(final, final_ref)
    )

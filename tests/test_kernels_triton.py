"""The Triton (GPU) kernels of the LIF, synaptic LIF and ALIF (generated from their
specifications) against the reference step: identical spikes, gradients to tolerance.
On a machine without a GPU they run through Triton's interpreter on CPU tensors
(``TRITON_INTERPRET=1``); without Triton the module is skipped."""

import os

import pytest
import torch

import spikeflow as sf

pytest.importorskip("triton")
if not torch.cuda.is_available():
    os.environ.setdefault("TRITON_INTERPRET", "1")  # read when the kernels are defined

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
LAYERS = {
    "lif": (sf.nn.LIF, {}),
    "synaptic_lif": (sf.nn.SynapticLIF, {"tau_syn_ms": 4.0}),
    "alif": (sf.nn.ALIF, {"beta_adapt": 0.8, "tau_adapt_ms": 30.0}),
}


def _run(model, x, w, backend, **kw):
    cls, base = LAYERS[model]
    layer = cls(backend="reference", **{**base, **kw}).to(x.dtype)
    xi = x.detach().clone().requires_grad_(True)
    state = layer.initial_state(x.shape[1:], x.dtype, x.device)
    if backend == "triton":  # generated from the model's specification
        from spikeflow.codegen import fused, triton_backend

        c = layer.coeffs()
        consts, per_neuron = fused._constants(c, tuple(state.v.shape), x.dtype, x.device)
        tensors = [getattr(state, name) for name in fused.kernel_state(c.params.spec, c)]
        y, *_ = triton_backend.triton_sequence(c.params.spec, xi, tensors, consts, per_neuron, c)
    else:
        y = layer(xi, state)
    (y * w).sum().backward() if w is not None else y.sum().backward()
    return y.detach(), xi.grad


@pytest.mark.parametrize("model", sorted(LAYERS))
@pytest.mark.parametrize("surrogate", ["fast_sigmoid", "arctan", "sigmoid", "triangle"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_triton_kernel_equals_reference(model, surrogate, dtype):
    g = torch.Generator().manual_seed(0)
    x = (torch.rand((17, 3, 21), generator=g, dtype=dtype) * 1.6).to(DEVICE)
    w = (torch.rand((17, 3, 21), generator=g, dtype=dtype) - 0.5).to(DEVICE)
    y_t, g_t = _run(model, x, w, "triton", surrogate=surrogate)
    y_r, g_r = _run(model, x, w, "reference", surrogate=surrogate)
    assert torch.equal(y_t, y_r)
    assert 0.05 < float(y_r.mean()) < 0.95
    rtol = 1e-5 if dtype == torch.float32 else 1e-10
    torch.testing.assert_close(g_t, g_r, rtol=rtol, atol=rtol * float(g_r.abs().max()))


@pytest.mark.parametrize(
    "reset", [{"reset": "value", "v_reset": -0.2}, {"reset": "none"}, {"detach_reset": True}]
)
def test_triton_resets_and_the_expanded_gradient(reset):
    x = (torch.rand((30, 4, 9), generator=torch.Generator().manual_seed(1)) * 1.5).to(DEVICE)
    for model in sorted(LAYERS):
        y_t, g_t = _run(model, x, None, "triton", **reset)  # .sum(): a zero-stride gradient
        y_r, g_r = _run(model, x, None, "reference", **reset)
        assert torch.equal(y_t, y_r)
        torch.testing.assert_close(g_t, g_r, rtol=1e-5, atol=1e-5 * float(g_r.abs().max()))


def test_triton_state_gradients_and_final_state():
    coeffs = sf.neurons.ALIFParams(beta_adapt=0.5).coeffs()
    x = (torch.rand((12, 2, 5), dtype=torch.float64) * 1.5).to(DEVICE)
    v0 = (torch.rand((2, 5), dtype=torch.float64) * 0.5).to(DEVICE).requires_grad_(True)
    a0 = (torch.rand((2, 5), dtype=torch.float64) * 0.3).to(DEVICE).requires_grad_(True)
    from spikeflow.codegen import fused, triton_backend

    consts, per_neuron = fused._constants(coeffs, (2, 5), x.dtype, x.device)
    z, v, a = triton_backend.triton_sequence(coeffs.params.spec, x, [v0, a0], consts, per_neuron, coeffs)
    state = sf.neurons.alif.ALIFState(v0, a0, torch.zeros_like(v0))
    zs, vs = [], state
    for xt in x.unbind(0):
        zt, vs = sf.neurons.alif.step(xt, vs, coeffs)
        zs.append(zt)
    assert torch.equal(z, torch.stack(zs))
    torch.testing.assert_close(v, vs.v)
    torch.testing.assert_close(a, vs.a)
    grads = torch.autograd.grad(v.sum() + a.sum() + z.sum(), (v0, a0))
    ref = torch.autograd.grad(vs.v.sum() + vs.a.sum() + torch.stack(zs).sum(), (v0, a0))
    for got, want in zip(grads, ref):
        torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("model", sorted(LAYERS))
def test_triton_gradcheck_float64_of_the_state_path(model):
    """gradcheck in float64 on the final state, with the reset detached (piecewise linear
    in the input and the initial state, as in the CPU kernels' gradcheck)."""
    _, base = LAYERS[model]
    params = {"lif": sf.neurons.LIFParams, "synaptic_lif": sf.neurons.SynapticLIFParams,
              "alif": sf.neurons.ALIFParams}[model](detach_reset=True, **base)  # fmt: skip
    coeffs = params.coeffs()
    g = torch.Generator().manual_seed(2)
    x = (torch.rand((12, 2, 3), generator=g, dtype=torch.float64) * 1.5).to(DEVICE).requires_grad_(True)
    n_states = 1 if model == "lif" else 2
    states = [
        (torch.rand((2, 3), generator=g, dtype=torch.float64) * 0.1).to(DEVICE).requires_grad_(True)
        for _ in range(n_states)
    ]

    def run(x, *s):
        from spikeflow.codegen import fused, triton_backend  # the generated kernels

        consts, per_neuron = fused._constants(coeffs, tuple(s[0].shape), x.dtype, x.device)
        return triton_backend.triton_sequence(params.spec, x, list(s), consts, per_neuron, coeffs)

    def final_state(x, *s):
        out = run(x, *s)
        return tuple(out[1:2]) if model == "alif" else tuple(out[1:])  # ALIF's a_T is piecewise constant

    assert run(x, *states)[0].sum() > 0
    assert torch.autograd.gradcheck(final_state, (x, *states), eps=1e-7, atol=1e-7)

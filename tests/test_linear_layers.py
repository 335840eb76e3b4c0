"""Linear + neuron layers (``spikeflow.nn.LinearLIF``...): the fused, recomputing CPU path
against the unfused reference, and the expanded output gradient of ``.sum()``."""

import pytest
import torch

import spikeflow as sf
from spikeflow.kernels import fused_linear

pytest.importorskip("numba")

LAYERS = {
    "lif": (sf.nn.LinearLIF, {}),
    "synaptic_lif": (sf.nn.LinearSynapticLIF, {"tau_syn_ms": 4.0}),
    "alif": (sf.nn.LinearALIF, {"beta_adapt": 0.5, "tau_adapt_ms": 30.0}),
}


def _pair(model, n_in, n_out, dtype=torch.float32, **kw):
    cls, base = LAYERS[model]
    torch.manual_seed(3)
    fused = cls(n_in, n_out, recompute=True, tau_mem_ms=5.0, **base, **kw).to(dtype)
    ref = cls(n_in, n_out, backend="reference", tau_mem_ms=5.0, **base, **kw).to(dtype)
    ref.load_state_dict(fused.state_dict())
    return fused, ref


def _grads(layer, x, w):
    xi = x.detach().clone().requires_grad_(True)
    y = layer(xi)
    (y * w).sum().backward()
    return y.detach(), [xi.grad, layer.input.weight.grad, layer.input.bias.grad]


def _close(got, ref, dtype):
    rtol = 1e-5 if dtype == torch.float32 else 1e-10
    torch.testing.assert_close(got, ref, rtol=rtol, atol=rtol * float(ref.abs().max()))


@pytest.mark.parametrize("model", sorted(LAYERS))
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("chunk_rows", [7, 64, 100000])
def test_recompute_path_equals_reference(model, dtype, chunk_rows, monkeypatch):
    """Identical spikes and gradients for one chunk, several chunks, and a last chunk
    shorter than the others (T = 31 steps of 2 x 3 rows)."""
    monkeypatch.setattr(fused_linear, "CHUNK_ROWS", chunk_rows)
    fused, ref = _pair(model, 11, 9, dtype)
    g = torch.Generator().manual_seed(1)
    x = torch.rand((31, 2, 3, 11), generator=g, dtype=dtype) * 3.0
    w = torch.rand((31, 2, 3, 9), generator=g, dtype=dtype) - 0.3
    y_f, g_f = _grads(fused, x, w)
    y_r, g_r = _grads(ref, x, w)
    assert "FusedLinear" in type(fused(x.requires_grad_(True)).grad_fn).__name__
    assert torch.equal(y_f, y_r)
    assert 0.05 < float(y_r.mean()) < 0.95
    for a, b in zip(g_f, g_r):
        _close(a, b, dtype)


def test_recompute_path_carries_state_and_detach_reset(monkeypatch):
    """A stateful layer continues across calls, and the gradient reaches the initial
    state passed in, with the reset detached as snnTorch does."""
    monkeypatch.setattr(fused_linear, "CHUNK_ROWS", 10)
    fused, ref = _pair("lif", 6, 5, detach_reset=True, stateful=True)
    x = torch.rand(40, 4, 6) * 1.2
    for layer in (fused, ref):
        layer(x[:17])
    assert torch.equal(fused(x[17:]), ref(x[17:]))
    torch.testing.assert_close(fused.state_v, ref.state_v, rtol=0, atol=0)
    v0 = (torch.rand(4, 5) * 0.5).requires_grad_(True)
    v0r = v0.detach().clone().requires_grad_(True)
    start = sf.neurons.lif.LIFState(v0, torch.zeros(4, 5))
    start_r = sf.neurons.lif.LIFState(v0r, torch.zeros(4, 5))
    fused.stateful = ref.stateful = False
    fused(x, start).sum().backward()
    ref(x, start_r).sum().backward()
    _close(v0.grad, v0r.grad, torch.float32)
    assert float(v0.grad.abs().sum()) > 0


def test_gradcheck_float64_recompute_path(monkeypatch):
    """Finite differences through the fused Function (weights, bias, input, initial v)
    on the final potential, which is piecewise linear in all of them with the reset
    detached; three chunks."""
    monkeypatch.setattr(fused_linear, "CHUNK_ROWS", 8)
    params = sf.neurons.LIFParams(tau_mem_ms=5.0, detach_reset=True)
    spec = fused_linear.SpecNeuron(params.spec, params.coeffs(), torch.float64)
    g = torch.Generator().manual_seed(0)
    x = (torch.rand((10, 2, 4), generator=g, dtype=torch.float64) * 2).requires_grad_(True)
    w = (torch.rand((3, 4), generator=g, dtype=torch.float64)).requires_grad_(True)
    b = (torch.rand(3, generator=g, dtype=torch.float64) * 0.2).requires_grad_(True)
    v0 = (torch.rand((2, 3), generator=g, dtype=torch.float64) * 0.1).requires_grad_(True)
    assert fused_linear.FusedLinearNeuron.apply(x, w, b, spec, v0)[0].sum() > 0

    def final_v(x, w, b, v0):
        return fused_linear.FusedLinearNeuron.apply(x, w, b, spec, v0)[1]

    assert torch.autograd.gradcheck(final_v, (x, w, b, v0), eps=1e-7, atol=1e-7)


def test_default_path_and_fallbacks_match():
    """Without recompute (or with learnable time constants, where no kernel applies) the
    layer is Linear then the neuron layer, with the same results."""
    x = torch.rand(12, 3, 5)
    for kw in ({}, {"learn_tau": True}):
        layer = sf.nn.LinearLIF(5, 4, recompute=bool(kw), **kw)
        manual = sf.nn.LIF(backend="reference", size=4, **kw)
        manual.load_state_dict({k: v for k, v in layer.state_dict().items() if not k.startswith("input.")})
        assert torch.equal(layer(x), manual(layer.input(x)))
    with pytest.raises(
        ValueError, match=r"x must have 5 features in its last dimension, got shape \(12, 3, 6\)"
    ):
        sf.nn.LinearLIF(5, 4)(torch.rand(12, 3, 6))
    with pytest.raises(ValueError, match="in_features"):
        sf.nn.LinearLIF(0, 4)


@pytest.mark.parametrize("reduce", ["sum", "mean"])
def test_expanded_output_gradient_is_read_as_one_row(reduce):
    """``.sum()`` / ``.mean()`` hand the layer a zero-stride gradient; the kernel reads it
    as one row. Gradients equal the reference's."""
    x = torch.rand(30, 4, 7) * 1.4
    grads = []
    for backend in ("fused", "reference"):
        xi = x.clone().requires_grad_(True)
        y = sf.nn.ALIF(backend=backend, beta_adapt=0.3)(xi)
        (y.sum() if reduce == "sum" else y.mean()).backward()
        grads.append(xi.grad)
    _close(grads[0], grads[1], torch.float32)
    from spikeflow.kernels.fused_linear import kernel_gradient

    assert kernel_gradient(torch.ones(()).expand(30, 4, 7), 30, 28).shape == (1, 28)
    assert kernel_gradient(torch.ones(30, 1).expand(30, 28), 30, 28).shape == (30, 28)


def test_buffer_cache_never_hands_out_a_buffer_in_use():
    """Kernel buffers are reused only once no tensor, view or autograd graph refers to
    them; outputs kept by the caller keep their values."""
    layer = sf.nn.LIF(backend="fused")
    x = torch.rand(64, 128, 160) * 1.5  # 5 MiB outputs: above the cache's minimum size
    first = layer(x)
    kept = first.clone()
    second = layer(x * 0.5)
    assert first.data_ptr() != second.data_ptr()
    assert torch.equal(first, kept)
    ptr = second.data_ptr()
    view = second[1:]
    del second
    third = layer(x)
    assert third.data_ptr() not in (ptr, first.data_ptr())  # the view still holds it
    del view
    assert layer(x).data_ptr() == ptr  # now free: reused
    # saved for backward by a second fused layer: not reused until the graph is freed
    xi = x.clone().requires_grad_(True)
    hidden = layer(xi)
    h_ptr = hidden.data_ptr()
    out = sf.nn.LIF(backend="fused")(hidden)
    del hidden
    assert all(layer(x).data_ptr() != h_ptr for _ in range(3))
    out.sum().backward()
    assert torch.equal(first, kept) and xi.grad is not None


def test_buffer_cache_reuses_freed_buffers_and_can_be_turned_off():
    from spikeflow.kernels import buffers

    shape = (1 << 20,)
    a = buffers.empty(shape, torch.float32)
    ptr = a.data_ptr()
    del a
    assert buffers.empty(shape, torch.float32).data_ptr() == ptr
    old = buffers.buffer_cache_limit()
    try:
        buffers.set_buffer_cache_limit(0)
        assert buffers.cached_bytes() == 0
        b = buffers.empty(shape, torch.float32)
        assert buffers.cached_bytes() == 0 and b.shape == shape
        with pytest.raises(ValueError, match="max_bytes must be >= 0, got -1"):
            buffers.set_buffer_cache_limit(-1)
    finally:
        buffers.set_buffer_cache_limit(old)


def test_inference_runs_chunked_with_the_same_spikes(monkeypatch):
    """Under no_grad the layer takes the chunked path (no [T, batch, out] currents)."""
    monkeypatch.setattr(fused_linear, "CHUNK_ROWS", 16)
    layer = sf.nn.LinearLIF(7, 6, tau_mem_ms=5.0)
    x = torch.rand(40, 3, 7) * 2.0
    calls = []
    real = fused_linear.FusedLinearNeuron.apply
    monkeypatch.setattr(fused_linear.FusedLinearNeuron, "apply", lambda *a: calls.append(1) or real(*a))
    with torch.no_grad():
        got = layer(x)
        want = sf.nn.LIF(tau_mem_ms=5.0, backend="reference")(layer.input(x))
    assert calls and torch.equal(got, want) and 0.05 < float(got.mean()) < 0.95

"""The fused recurrent layers (spikeflow.kernels.fused_recurrent) against the reference
loop: the same spikes, gradients for the input, both weight matrices, the initial state
and learnable parameters to float tolerance, and the dispatch by size."""

import copy

import pytest
import torch

import spikeflow as sf

pytest.importorskip("numba")
pytest.importorskip("scipy")
pytest.importorskip("threadpoolctl")


def _spec():
    return sf.neurons.define_model(
        "t_rec_syn", parameters={"tau_m_ms": (10.0, "ms"), "tau_s_ms": (5.0, "ms"), "v_th": (1.0, None)},
        state={"v": None, "i": None}, equations="dv/dt = (-v + i) / tau_m_ms\ndi/dt = -i / tau_s_ms",
        threshold="v >= v_th", reset="v -= v_th", input=("i", None), integrator="exact",
        threshold_parameter="v_th",
    )  # fmt: skip


LAYERS = {
    "lif": lambda b: sf.nn.RecurrentLIF(6, 10, tau_mem_ms=10.0, dt_ms=1.0, backend=b),
    "lif_value": lambda b: sf.nn.RecurrentLIF(6, 10, reset="value", surrogate="arctan", backend=b),
    "synaptic_lif": lambda b: sf.nn.RecurrentSynapticLIF(6, 10, dt_ms=1.0, backend=b),
    "alif": lambda b: sf.nn.RecurrentALIF(6, 10, dt_ms=1.0, backend=b),
    "spec": lambda b: sf.nn.RecurrentSpecLayer(_spec(), 6, 10, dt_ms=1.0, backend=b),
    "spec_learn": lambda b: sf.nn.RecurrentSpecLayer(_spec(), 6, 10, dt_ms=1.0, backend=b, learn_tau=True,
                                                     learn_threshold=True),
}  # fmt: skip


def _run(layer, x, w, state=None):
    xi = x.clone().requires_grad_(True)
    y = layer(xi, state)
    leaves = [xi, *(p for p in layer.parameters() if p.requires_grad)]
    if state is not None:
        leaves += [t for t in layer.state_leaves(state) if t.requires_grad]
    return y.detach(), torch.autograd.grad((y * w).sum(), leaves)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_fused_recurrent_layer_equals_the_reference(name, dtype):
    torch.manual_seed(0)
    ref = LAYERS[name]("reference").to(dtype)
    fused = copy.deepcopy(ref)
    fused.backend = "fused"
    g = torch.Generator().manual_seed(1)
    x = (torch.rand((40, 3, 6), generator=g, dtype=torch.float64) * 1.5).to(dtype)
    w = (torch.rand((40, 3, 10), generator=g, dtype=torch.float64) - 0.4).to(dtype)
    state = ref.initial_state((3, 10), dtype)
    state = type(state)(state[0]._replace(v=torch.rand(3, 10, generator=g, dtype=torch.float64).to(dtype)),
                        (torch.rand(3, 10, generator=g) < 0.3).to(dtype))  # fmt: skip
    leaves = [state[0].v.requires_grad_(), state[1].requires_grad_()]
    (y_ref, g_ref), (y_fused, g_fused) = _run(ref, x, w, state), _run(fused, x, w, state)
    assert torch.equal(y_ref, y_fused) and 0.02 < float(y_ref.mean()) < 0.6
    tol = 1e-10 if dtype == torch.float64 else 1e-5
    n_params = len([p for p in ref.parameters() if p.requires_grad])
    assert len(g_ref) == len(g_fused) == 1 + n_params + len(leaves)
    for a, b in zip(g_fused, g_ref):
        torch.testing.assert_close(a, b, rtol=tol, atol=tol * float(b.abs().max()))


def test_fused_recurrent_layer_runs_where_it_pays_and_carries_its_state():
    x = torch.rand(20, 2, 6)
    small = sf.nn.RecurrentLIF(6, 10)
    assert small._fused_reason(small.drive(x), small.coeffs()) is None
    big = sf.nn.RecurrentLIF(6, 256)
    drive = big.drive(torch.rand(3, 64, 6))
    assert "the reference loop runs" in big._fused_reason(drive, big.coeffs())
    big.backend = "fused"  # asked for: it runs at any size
    assert big._fused_reason(drive, big.coeffs()) is None
    # stateful: the second call starts from the first's final state, gradients flow back through it
    layers = [sf.nn.RecurrentLIF(6, 10, stateful=True, backend=b) for b in ("reference", "auto")]
    layers[1].load_state_dict(layers[0].state_dict())
    grads = []
    for layer in layers:
        x1 = (x * 1.5).requires_grad_(True)
        layer(x1)
        y = layer(x * 1.5)
        assert y.grad_fn is not None
        (g,) = torch.autograd.grad(y.sum(), [x1])
        grads.append((y.detach(), g))
    assert torch.equal(grads[0][0], grads[1][0]) and float(grads[0][1].abs().sum()) > 0
    torch.testing.assert_close(grads[1][1], grads[0][1], rtol=1e-5, atol=1e-6)
    assert "FusedRecurrent" in type(layers[1](x).grad_fn).__name__

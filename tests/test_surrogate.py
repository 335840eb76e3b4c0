import math

import pytest
import torch

from spikeflow import surrogate

SLOPE = 2.0
# an antiderivative S of each pseudo-derivative g (S' = g), written independently
ANTIDERIVATIVE = {
    "fast_sigmoid": lambda u: torch.sign(u) * (1 - 1 / (1 + SLOPE * u.abs())) / SLOPE,
    "arctan": lambda u: torch.atan(math.pi / 2 * SLOPE * u) / math.pi,
    "sigmoid": lambda u: torch.sigmoid(SLOPE * u),
    "triangle": lambda u: torch.where(
        u.abs() < 1 / SLOPE, SLOPE * u - SLOPE**2 * u * u.abs() / 2, torch.sign(u) * 0.5
    ),
    "straight_through": lambda u: u,
}


def _points():
    # away from 0, where the Heaviside forward jumps
    mag = torch.rand(30, dtype=torch.float64) * 0.8 + 0.05
    return mag * torch.sign(torch.randn(30, dtype=torch.float64))


@pytest.mark.parametrize("name", sorted(ANTIDERIVATIVE))
def test_forward_is_heaviside_and_backward_is_the_shape(name):
    x = _points().requires_grad_(True)
    z = surrogate.get(name, slope=SLOPE)(x)
    assert torch.equal(z, (x >= 0).double())
    (g,) = torch.autograd.grad(z.sum(), x)
    expected = torch.autograd.functional.jacobian(lambda u: ANTIDERIVATIVE[name](u).sum(), x.detach())
    torch.testing.assert_close(g, expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", sorted(ANTIDERIVATIVE))
def test_torch_gradcheck_in_double_precision(name):
    """gradcheck on f(u) = spike(u) - spike(u).detach() + S(u).detach(): its value is S(u)
    and its backward is the surrogate's, so numerical and analytic Jacobians must agree."""
    fn = surrogate.get(name, slope=SLOPE)

    def f(u):
        return fn(u) - fn(u).detach() + ANTIDERIVATIVE[name](u).detach() + 0 * u

    x = _points().requires_grad_(True)
    assert torch.autograd.gradcheck(f, (x,), eps=1e-6, atol=1e-6, rtol=1e-4, check_forward_ad=False)


def test_factory_registers_new_shape():
    surrogate.register("gaussian_test", lambda x, k: torch.exp(-((k * x) ** 2)), default_slope=2.0)
    fn = surrogate.get("gaussian_test")
    assert fn.slope == 2.0
    x = torch.tensor([-0.5, 0.0, 0.25], requires_grad=True)
    fn(x).sum().backward()
    torch.testing.assert_close(x.grad, torch.exp(-((2.0 * x.detach()) ** 2)))
    assert "gaussian_test" in surrogate.available()


def test_unknown_surrogate_name_is_a_clear_error():
    with pytest.raises(ValueError, match="surrogate must be one of .*got 'nope'"):
        surrogate.get("nope")


def test_non_positive_slope_is_rejected():
    with pytest.raises(ValueError, match="surrogate slope must be > 0, got -1.0"):
        surrogate.get("arctan", slope=-1.0)


def test_spike_keeps_dtype_and_shape():
    x = torch.randn(3, 4, dtype=torch.float16)
    z = surrogate.get()(x)
    assert z.dtype == torch.float16 and z.shape == (3, 4)

"""Self-normalizing networks: constants, alpha dropout, the fixed-point property."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from spikeflow.nn import selu


def test_constants():
    assert selu.SELU_LAMBDA == 1.0507009873554805
    assert selu.SELU_ALPHA == 1.6732632423543772
    assert selu.ALPHA_PRIME == pytest.approx(-1.7580993408473766, abs=1e-15)
    x = torch.tensor([-2.0, -0.5, 0.0, 0.7], dtype=torch.float64)
    expected = torch.where(x > 0, selu.SELU_LAMBDA * x, selu.SELU_LAMBDA * selu.SELU_ALPHA * torch.expm1(x))
    torch.testing.assert_close(F.selu(x), expected, rtol=1e-15, atol=1e-15)


def test_selu_constants_solve_the_fixed_point():
    lam, alpha = selu.selu_constants(0.0, 1.0)
    assert lam == pytest.approx(selu.SELU_LAMBDA, abs=1e-12)
    assert alpha == pytest.approx(selu.SELU_ALPHA, abs=1e-12)
    # another fixed point, checked by independent numerical quadrature over N(0, var)
    for mean, var in [(0.1, 1.2), (-0.1, 0.8), (0.0, 2.0)]:
        lam, alpha = selu.selu_constants(mean, var)
        z = torch.linspace(-12, 12, 400_001, dtype=torch.float64) * math.sqrt(var)
        pdf = torch.exp(-(z**2) / (2 * var)) / math.sqrt(2 * math.pi * var)
        y = torch.where(z > 0, lam * z, lam * alpha * torch.expm1(z))
        dz = z[1] - z[0]
        m = float((y * pdf).sum() * dz)
        v = float((y**2 * pdf).sum() * dz) - m**2
        assert m == pytest.approx(mean, abs=1e-7) and v == pytest.approx(var, rel=1e-7)


@pytest.mark.parametrize("p", [0.05, 0.1, 0.3])
def test_alpha_dropout_constants_match_the_paper_at_0_1(p):
    q = 1 - p
    ap = -1.7580993408473766
    a_exp = (q + ap**2 * q * (1 - q)) ** -0.5
    b_exp = -a_exp * (1 - q) * ap
    alpha_prime, a, b = selu.alpha_dropout_constants(p)
    assert alpha_prime == pytest.approx(ap, abs=1e-15)
    assert a == pytest.approx(a_exp, rel=1e-14) and b == pytest.approx(b_exp, rel=1e-14)


def test_alpha_dropout_formula_for_a_given_mask():
    x = torch.randn(50, 20, dtype=torch.float64)
    mask = torch.rand(50, 20) > 0.2
    for mean, var in [(0.0, 1.0), (0.1, 1.2)]:
        alpha_prime, a, b = selu.alpha_dropout_constants(0.2, mean, var)
        got = selu.alpha_dropout(x, 0.2, mean=mean, var=var, mask=mask)
        expected = a * torch.where(mask, x, torch.full_like(x, alpha_prime)) + b
        torch.testing.assert_close(got, expected, rtol=0, atol=0)


def test_torch_alpha_dropout_is_the_same_formula():
    """F.alpha_dropout (used by AlphaDropout at (0, 1)) keeps a*x+b or sets a*alpha'+b."""
    p = 0.2
    alpha_prime, a, b = selu.alpha_dropout_constants(p)
    x = torch.randn(200_000, dtype=torch.float64)
    y = selu.AlphaDropout(p).train()(x)
    kept = torch.isclose(y, a * x + b, rtol=0, atol=1e-12)
    dropped = torch.isclose(y, torch.full_like(y, a * alpha_prime + b), rtol=0, atol=1e-12)
    assert bool((kept | dropped).all())
    assert float(dropped.double().mean()) == pytest.approx(p, abs=0.005)


def test_alpha_dropout_keeps_mean_and_variance():
    g = torch.Generator().manual_seed(0)
    for mean, var in [(0.0, 1.0), (0.1, 1.2)]:
        x = torch.randn(400_000, dtype=torch.float64, generator=g) * math.sqrt(var) + mean
        y = selu.alpha_dropout(x, 0.1, mean=mean, var=var, generator=g)
        assert float(y.mean()) == pytest.approx(mean, abs=0.01)
        assert float(y.var()) == pytest.approx(var, rel=0.01)


def test_alpha_dropout_is_identity_in_eval_mode():
    x = torch.randn(100)
    layer = selu.AlphaDropout(0.3).eval()
    assert torch.equal(layer(x), x)
    assert torch.equal(selu.alpha_dropout(x, 0.3, training=False), x)


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5])
def test_dropout_ratio_is_validated(p):
    with pytest.raises(ValueError, match=rf"p must lie in \[0, 1\), got {p}"):
        selu.AlphaDropout(p)
    with pytest.raises(ValueError, match=r"p must lie in \[0, 1\)"):
        selu.alpha_dropout(torch.zeros(3), p)


def test_mask_shape_is_checked():
    with pytest.raises(ValueError, match=r"mask must have the shape of x \(3,\), got \(4,\)"):
        selu.alpha_dropout(torch.zeros(3), 0.1, mask=torch.ones(4))


def test_lecun_normal_init():
    net = selu.SelfNormalizingMLP(64, [256, 256], 10, generator=torch.Generator().manual_seed(0))
    linears = [m for m in net.modules() if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(64, 256), (256, 256), (256, 10)]
    for m in linears:
        assert torch.equal(m.bias, torch.zeros_like(m.bias))
        w = m.weight.detach()
        assert float(w.var()) == pytest.approx(1 / m.in_features, rel=0.1)
        assert abs(float(w.mean())) < 4 / math.sqrt(w.numel() * m.in_features)  # 4 std errors


def _layer_stats(act, width=512, depth=32, init=None, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(2048, width, generator=g)
    stats = []
    with torch.no_grad():
        for _ in range(depth):
            lin = nn.Linear(width, width)
            if init is not None:
                init(lin.weight, g)
                nn.init.zeros_(lin.bias)
            x = act(lin(x))
            stats.append((float(x.mean()), float(x.var())))
    return stats


def test_self_normalizing_property_against_relu():
    torch.manual_seed(0)
    for mean, var in _layer_stats(F.selu, init=selu.lecun_normal_):
        assert -0.05 <= mean <= 0.05 and 0.9 <= var <= 1.1
    # the same depth with ReLU and PyTorch's default initialisation drifts away
    relu = _layer_stats(F.relu)
    assert all(not 0.9 <= var <= 1.1 for _, var in relu)
    assert relu[-1][1] < 1e-3  # the variance collapses toward 0

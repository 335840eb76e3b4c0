"""Self-normalizing neural networks (Klambauer et al. 2017): SELU, alpha dropout and
LeCun-normal initialisation, the second-generation baseline spiking networks are
measured against.

SELU is ``lambda * x`` for ``x > 0`` and ``lambda * alpha * (exp(x) - 1)`` otherwise,
with the constants below; with weights drawn from ``N(0, 1/fan_in)`` activations of
mean 0 and variance 1 stay at that fixed point from layer to layer.

Alpha dropout sets a dropped unit to ``alpha' = -lambda * alpha`` (SELU's negative
saturation) instead of 0 and then applies ``a * x + b`` so that mean and variance stay at
the fixed point ``(mu, nu)``: with keep probability ``q = 1 - p``::

    a = sqrt(nu / (q ((1 - q) (alpha' - mu)^2 + nu)))
    b = mu - a (q mu + (1 - q) alpha')

which for ``(mu, nu) = (0, 1)`` is ``a = (q + alpha'^2 q (1 - q))^(-1/2)`` and
``b = -a (1 - q) alpha'``: exactly what ``torch.nn.functional.alpha_dropout`` computes,
so :class:`AlphaDropout` uses torch's kernel at that fixed point and
:func:`alpha_dropout` otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .. import _checks

SELU_LAMBDA = 1.0507009873554805
SELU_ALPHA = 1.6732632423543772
ALPHA_PRIME = -SELU_LAMBDA * SELU_ALPHA  # -1.7580993408473766, a dropped unit's value


def _gaussian_selu_moments(var: float) -> tuple[float, float, float, float]:
    """Pieces of E[selu(z)] and E[selu(z)^2] for z ~ N(0, var) (closed form).

    Returns ``(A, K1, B, K2)`` with ``E[selu] = lam (A + alpha K1)`` and
    ``E[selu^2] = lam^2 (B + alpha^2 K2)``.
    """
    s = math.sqrt(var)
    phi = lambda u: 0.5 * math.erfc(-u / math.sqrt(2.0))  # noqa: E731  standard normal CDF
    a = s / math.sqrt(2.0 * math.pi)  # E[z; z > 0]
    k1 = math.exp(var / 2.0) * phi(-s) - 0.5  # E[e^z - 1; z <= 0]
    b = var / 2.0  # E[z^2; z > 0]
    k2 = math.exp(2.0 * var) * phi(-2.0 * s) - 2.0 * math.exp(var / 2.0) * phi(-s) + 0.5
    return a, k1, b, k2


def selu_constants(mean: float = 0.0, var: float = 1.0) -> tuple[float, float]:
    """SELU's ``(lambda, alpha)`` for the fixed point ``(mean, var)``.

    Solves the paper's mapping (Klambauer et al. 2017, eqs. 4-5) at normalised weights
    (``sum w = 0``, ``sum w^2 = 1``, so pre-activations are ``N(0, var)``): the SELU output
    has mean ``mean`` and variance ``var``. ``(0, 1)`` gives the standard constants.
    """
    mean = _checks.real("mean", mean)
    var = _checks.positive("var", var)
    a, k1, b, k2 = _gaussian_selu_moments(var)
    if mean == 0.0:
        alpha = -a / k1
    else:
        # lam = mean / (a + alpha k1); E[selu^2] = var + mean^2 gives a quadratic in alpha
        r = (var + mean**2) / mean**2
        qa, qb, qc = k2 - r * k1**2, -2.0 * r * a * k1, b - r * a**2
        disc = qb**2 - 4 * qa * qc
        roots = [] if disc < 0 else [(-qb + sg * math.sqrt(disc)) / (2 * qa) for sg in (1, -1)]
        good = [x for x in roots if x > 0 and mean / (a + x * k1) > 0]
        if not good:
            raise ValueError(f"no SELU with alpha > 0 has the fixed point (mean={mean}, var={var})")
        alpha = min(good)
    lam = math.sqrt((var + mean**2) / (b + alpha**2 * k2))
    return lam, alpha


def _dropout_p(p: float) -> float:
    return _checks.probability("p", p, upper_inclusive=False)


def alpha_dropout_constants(
    p: float, mean: float = 0.0, var: float = 1.0, alpha_prime: float | None = None
) -> tuple[float, float, float]:
    """``(alpha', a, b)`` of alpha dropout for drop probability ``p`` and fixed point
    ``(mean, var)``: dropped units take ``alpha'`` (default ``-lambda * alpha`` of
    :func:`selu_constants` at that fixed point), then ``a * x + b``; see the module
    docstring."""
    q = 1.0 - _dropout_p(p)
    mean = _checks.real("mean", mean)
    var = _checks.positive("var", var)
    if alpha_prime is None:
        if (mean, var) == (0.0, 1.0):
            alpha_prime = ALPHA_PRIME
        else:
            lam, alpha = selu_constants(mean, var)
            alpha_prime = -lam * alpha
    a = math.sqrt(var / (q * ((1.0 - q) * (alpha_prime - mean) ** 2 + var)))
    b = mean - a * (q * mean + (1.0 - q) * alpha_prime)
    return alpha_prime, a, b


def alpha_dropout(
    x: torch.Tensor,
    p: float,
    *,
    training: bool = True,
    mean: float = 0.0,
    var: float = 1.0,
    mask: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Alpha dropout for any fixed point ``(mean, var)`` (Klambauer et al. 2017, eq. in §4).

    Args:
        x: activations, any shape.
        p: drop probability, ``0 <= p < 1``.
        training: identity when False.
        mean, var: the fixed point the activations are kept at (the dropped value and
            the affine correction follow from it, see :func:`alpha_dropout_constants`).
        mask: optional boolean/0-1 tensor of ``x``'s shape, 1 where a unit is kept
            (drawn with keep probability ``1 - p`` when omitted).
        generator: random generator for the mask.
    """
    p = _dropout_p(p)
    if not training or p == 0.0:
        return x
    alpha_prime, a, b = alpha_dropout_constants(p, mean, var)
    if mask is None:
        keep = torch.rand(x.shape, dtype=x.dtype, device=x.device, generator=generator) >= p
    else:
        if mask.shape != x.shape:
            raise ValueError(f"mask must have the shape of x {tuple(x.shape)}, got {tuple(mask.shape)}")
        keep = mask.bool()
    return a * torch.where(keep, x, torch.full_like(x, alpha_prime)) + b


class AlphaDropout(nn.Module):
    """Alpha dropout layer; identity in eval mode.

    Args:
        p: drop probability, ``0 <= p < 1``.
        mean, var: the fixed point (default ``(0, 1)``, which uses torch's kernel).
    """

    def __init__(self, p: float = 0.05, mean: float = 0.0, var: float = 1.0) -> None:
        super().__init__()
        self.p = _dropout_p(p)
        self.mean = _checks.real("mean", mean)
        self.var = _checks.positive("var", var)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.mean == 0.0 and self.var == 1.0:
            return F.alpha_dropout(x, self.p, self.training)
        return alpha_dropout(x, self.p, training=self.training, mean=self.mean, var=self.var)

    def extra_repr(self) -> str:
        return f"p={self.p}" + (
            "" if (self.mean, self.var) == (0.0, 1.0) else f", mean={self.mean}, var={self.var}"
        )


@torch.no_grad()
def lecun_normal_(weight: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Fill ``weight`` in place from ``N(0, 1/fan_in)`` (gain 1: the SELU fixed point).

    ``fan_in`` is the number of inputs per output unit (``in_features`` for a Linear,
    ``in_channels * kernel size`` for a convolution). Not ``calculate_gain('selu')`` (3/4),
    which is tuned for a different purpose and breaks the fixed point.
    """
    fan_in = weight[0].numel() if weight.dim() > 1 else weight.numel()
    return weight.normal_(0.0, 1.0 / math.sqrt(fan_in), generator=generator)


class SelfNormalizingMLP(nn.Module):
    """``Linear -> SELU -> AlphaDropout`` per hidden layer, then a Linear output layer.

    Weights are LeCun-normal, biases zero.

    Args:
        in_features: input size.
        hidden: sizes of the hidden layers, e.g. ``(256,)``.
        out_features: output size (logits).
        dropout: alpha-dropout probability after each hidden SELU (0 disables it).
        generator: random generator for the initialisation.

    Input ``[batch, in_features]``; output ``[batch, out_features]``.
    """

    def __init__(
        self,
        in_features: int,
        hidden: Sequence[int],
        out_features: int,
        dropout: float = 0.0,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        sizes = [_checks.positive_int("in_features", in_features)]
        sizes += [_checks.positive_int("hidden size", int(h)) for h in hidden]
        sizes.append(_checks.positive_int("out_features", out_features))
        _dropout_p(dropout)
        layers: list[nn.Module] = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(nn.Linear(n_in, n_out))
            if i < len(sizes) - 2:
                layers.append(nn.SELU())
                if dropout > 0:
                    layers.append(AlphaDropout(dropout))
        self.layers = nn.Sequential(*layers)
        self.reset_parameters(generator)

    def reset_parameters(self, generator: torch.Generator | None = None) -> None:
        """LeCun-normal weights and zero biases for every Linear layer."""
        for m in self.layers:
            if isinstance(m, nn.Linear):
                lecun_normal_(m.weight, generator)
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)

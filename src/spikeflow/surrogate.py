"""Spike functions with surrogate gradients.

The forward pass of every spike function is the Heaviside step
``H(x) = 1 if x >= 0 else 0`` applied to the distance to threshold ``x = v - v_th``.
Its true derivative is zero almost everywhere, so the backward pass substitutes a
smooth pseudo-derivative ``dH/dx ~ g(x; slope)``. The available shapes are

========================  ==========================================================
name                      pseudo-derivative ``g(x)``
========================  ==========================================================
``fast_sigmoid``          ``1 / (1 + slope * |x|)**2`` (SuperSpike, Zenke & Ganguli 2018)
``arctan``                ``(slope / 2) / (1 + (pi / 2 * slope * x)**2)`` (Fang et al. 2021)
``sigmoid``               ``slope * s * (1 - s)`` with ``s = sigmoid(slope * x)``
``triangle``              ``slope * max(0, 1 - slope * |x|)`` (Esser et al. 2016)
``straight_through``      ``1`` (straight-through estimator, Bengio et al. 2013)
========================  ==========================================================

Add a shape with :func:`register`; build a spike function with :func:`get`.
All functions are elementwise, keep the dtype and shape of their input, and are
traceable by ``torch.compile``.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass

from . import _checks
from ._lazy import torch

GradShape = Callable[["torch.Tensor", float], "torch.Tensor"]  # strings: no torch import here

_REGISTRY: dict[str, tuple[GradShape, float]] = {}  # name -> (pseudo-derivative, default slope)
_FUNCTIONS: dict[str, type] = {}  # name -> its autograd Function, made on first use


def _function(name: str) -> type[torch.autograd.Function]:
    """The autograd Function of surrogate ``name`` (built on first use: defining one needs
    torch, which a simulation that never trains does not import; :func:`prepare` builds
    them ahead, since ``torch.compile(fullgraph=True)`` cannot trace a class being made)."""
    fn = _FUNCTIONS.get(name)
    if fn is None:
        fn = _FUNCTIONS[name] = _make_function(name, _REGISTRY[name][0])
    return fn


def _make_function(name: str, grad_shape: GradShape) -> type[torch.autograd.Function]:
    """Build an autograd Function: Heaviside forward, ``grad_shape(x, slope)`` backward."""

    def forward(ctx, x: torch.Tensor, slope: float) -> torch.Tensor:  # noqa: ANN001
        ctx.save_for_backward(x)
        ctx.slope = slope
        return (x >= 0).to(x.dtype)

    def backward(ctx, grad_out: torch.Tensor):  # noqa: ANN001, ANN202
        (x,) = ctx.saved_tensors
        return grad_out * grad_shape(x, ctx.slope), None

    cls_name = "".join(part.title() for part in name.split("_")) + "Spike"
    return type(
        cls_name,
        (torch.autograd.Function,),
        {"forward": staticmethod(forward), "backward": staticmethod(backward)},
    )


def prepare() -> None:
    """Build the autograd Function of every registered shape now (``spikeflow.nn`` calls it
    on import, and :func:`register` for a shape added while torch is loaded), so that a
    layer's first call can be traced by ``torch.compile(fullgraph=True)``."""
    for name in _REGISTRY:
        _function(name)


def register(name: str, grad_shape: GradShape, default_slope: float = 1.0) -> None:
    """Add a surrogate shape under ``name``.

    Args:
        name: the key later passed to :func:`get` (and to the neuron parameters).
        grad_shape: ``g(x, slope) -> Tensor``, the pseudo-derivative of the spike with
            respect to the distance to threshold ``x`` (same shape as ``x``).
        default_slope: the slope used when :func:`get` is called without one.
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string, got {name!r}")
    if not callable(grad_shape):
        raise TypeError(f"grad_shape must be callable, got {type(grad_shape).__name__}")
    _checks.positive("default_slope", default_slope)
    _REGISTRY[name] = (grad_shape, float(default_slope))
    _FUNCTIONS.pop(name, None)
    if "torch" in sys.modules:  # a training session: ready for torch.compile
        _function(name)


def available() -> list[str]:
    """Names of the registered surrogate shapes."""
    return sorted(_REGISTRY)


@dataclass(frozen=True)
class SpikeFunction:
    """A Heaviside spike with a named surrogate gradient.

    Call it on the distance to threshold ``x = v - v_th`` (any shape, floating dtype);
    it returns 0/1 spikes of the same shape and dtype.

    Attributes:
        name: registered surrogate name, see :func:`available`.
        slope: sharpness of the pseudo-derivative (unitless, per unit of ``x``).
    """

    name: str = "fast_sigmoid"
    slope: float | None = None

    def __post_init__(self) -> None:
        _checks.choice("surrogate", self.name, available())
        slope = _REGISTRY[self.name][1] if self.slope is None else self.slope
        object.__setattr__(self, "slope", _checks.positive("surrogate slope", slope))

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if not (x.requires_grad and torch.is_grad_enabled()):  # no graph: the step alone, without
            return (x >= 0).to(x.dtype)  # an autograd Function's cost (~10 us a call)
        return _function(self.name).apply(x, self.slope)


def get(name: str | SpikeFunction = "fast_sigmoid", slope: float | None = None) -> SpikeFunction:
    """Return the spike function registered as ``name`` with the given ``slope``.

    Passing an existing :class:`SpikeFunction` returns it unchanged (``slope`` must then be None).
    """
    if isinstance(name, SpikeFunction):
        if slope is not None:
            raise ValueError("slope must be None when a SpikeFunction is passed")
        return name
    if not isinstance(name, str):
        raise TypeError(f"surrogate must be a str or SpikeFunction, got {type(name).__name__}")
    return SpikeFunction(name, slope)


def heaviside(x: torch.Tensor, name: str = "fast_sigmoid", slope: float | None = None):
    """Functional form: ``get(name, slope)(x)``."""
    return get(name, slope)(x)


register("fast_sigmoid", lambda x, k: 1.0 / (1.0 + k * x.abs()) ** 2, default_slope=25.0)
register(
    "arctan",
    lambda x, k: (k / 2.0) / (1.0 + (math.pi / 2.0 * k * x) ** 2),
    default_slope=2.0,
)


def _sigmoid_grad(x: torch.Tensor, k: float) -> torch.Tensor:
    s = torch.sigmoid(k * x)
    return k * s * (1.0 - s)


register("sigmoid", _sigmoid_grad, default_slope=5.0)
register("triangle", lambda x, k: k * torch.clamp(1.0 - k * x.abs(), min=0.0), default_slope=1.0)
register("straight_through", lambda x, k: torch.ones_like(x), default_slope=1.0)

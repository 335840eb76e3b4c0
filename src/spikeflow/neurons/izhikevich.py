"""Izhikevich (2003) simple model, the four-parameter form.

::

    dv/dt = 0.04 v^2 + 5 v + 140 - u + I      (v in mV, t in ms, I in the model's units)
    du/dt = a (b v - u)
    if v >= 30 mV: v <- c, u <- u + d

Integrator: forward Euler in ``substeps`` sub-steps per ``dt_ms`` (Izhikevich's 2003
network code advances ``v`` in two half-steps of 0.5 ms per 1 ms step: ``dt_ms=1``,
``substeps=2`` reproduces it, with ``u`` updated once per step, as there). The input is a
current held over the step. :data:`PATTERNS` holds the published parameter sets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from .. import _checks, surrogate
from .._lazy import is_tensor, torch
from ._base import NeuronModel, check_step, full_state

#: (a, b, c, d) of the firing patterns in Izhikevich (2003), Fig. 2.
PATTERNS = {
    "regular_spiking": (0.02, 0.2, -65.0, 8.0),
    "intrinsically_bursting": (0.02, 0.2, -55.0, 4.0),
    "chattering": (0.02, 0.2, -50.0, 2.0),
    "fast_spiking": (0.1, 0.2, -65.0, 2.0),
    "low_threshold_spiking": (0.02, 0.25, -65.0, 2.0),
    "thalamo_cortical": (0.02, 0.25, -65.0, 0.05),
    "resonator": (0.1, 0.26, -65.0, 2.0),
}


@dataclass(frozen=True)
class IzhikevichParams:
    """Parameters.

    Attributes:
        a (1/ms), b (unitless), c (mV), d (mV/ms): the model's four parameters (default:
        regular spiking); each a float or a 1-D tensor or float NumPy array of per-neuron
        values (a network simulated on the fast backend with NumPy values never imports
        torch).
        v_peak: spike cut-off (mV), 30 in the paper.
        dt_ms: step (ms); substeps: Euler sub-steps of ``v`` per step (>= 1).
        surrogate, surrogate_slope: spike function for training (slope per mV).
    """

    a: float | torch.Tensor | np.ndarray = 0.02
    b: float | torch.Tensor | np.ndarray = 0.2
    c: float | torch.Tensor | np.ndarray = -65.0
    d: float | torch.Tensor | np.ndarray = 8.0
    v_peak: float = 30.0
    dt_ms: float = 1.0
    substeps: int = 2
    surrogate: str = "fast_sigmoid"
    surrogate_slope: float | None = 1.0

    def __post_init__(self) -> None:
        # a, b, c, d may be per-neuron tensors or arrays (heterogeneous populations, as in
        # the 2003 network); they must then be 1-D, floating point and finite
        for name in ("a", "b", "c", "d"):
            value = getattr(self, name)
            if is_tensor(value):
                _checks.tensor(name, value, ndim=1)
            elif isinstance(value, np.ndarray):
                _check_array(name, value)
            else:
                _checks.real(name, value)
        _checks.real("v_peak", self.v_peak)
        _checks.positive("dt_ms", self.dt_ms)
        _checks.positive_int("substeps", self.substeps)
        if self.dt_ms / self.substeps > 1.0:
            raise ValueError(
                f"dt_ms / substeps = {self.dt_ms / self.substeps} ms: the quadratic model's Euler"
                " steps must be at most 1 ms (Izhikevich uses 0.5 ms)"
            )
        below = (
            torch.all(self.c < self.v_peak) if is_tensor(self.c) else np.all(np.asarray(self.c) < self.v_peak)
        )
        if not bool(below):
            raise ValueError(f"v_peak must be above the reset c, got v_peak={self.v_peak}, c={self.c}")
        object.__setattr__(self, "_spike", surrogate.get(self.surrogate, self.surrogate_slope))

    @classmethod
    def pattern(cls, name: str, **kwargs: float) -> IzhikevichParams:
        """Parameters of a named firing pattern (see :data:`PATTERNS`)."""
        _checks.choice("pattern", name, list(PATTERNS))
        a, b, c, d = PATTERNS[name]
        return cls(a=a, b=b, c=c, d=d, **kwargs)

    def coeffs(self) -> IzhikevichParams:
        """The parameters themselves."""
        return self


def _check_array(name: str, value: np.ndarray) -> None:
    if value.ndim != 1 or value.dtype.kind != "f":
        raise ValueError(
            f"{name} must be a 1-D floating-point array, got {value.dtype} of shape {value.shape}"
        )
    bad = int((~np.isfinite(value)).sum())
    if bad:
        raise ValueError(f"{name} contains {bad} NaN or infinite value(s); expected finite values")


def _on(value: Any, like: torch.Tensor) -> Any:
    """A NumPy parameter as a tensor of ``like``'s dtype and device; others as they are."""
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value).to(dtype=like.dtype, device=like.device)
    return value


def _abcd(p: IzhikevichParams, like: torch.Tensor) -> tuple:
    """``(a, b, c, d)`` for a step on ``like``: NumPy arrays converted to tensors once per
    dtype and device (kept on the parameters), numbers and tensors as they are."""
    values = (p.a, p.b, p.c, p.d)
    if not any(isinstance(v, np.ndarray) for v in values):
        return values
    cache = p.__dict__.setdefault("_tensors", {})  # a frozen dataclass: beside its fields
    key = (like.dtype, like.device)
    if key not in cache:
        cache[key] = tuple(_on(v, like) for v in values)
    return cache[key]


class IzhikevichState(NamedTuple):
    """Potential ``v`` (mV) and recovery ``u``, ``[batch, *features]``."""

    v: torch.Tensor
    u: torch.Tensor


def init_state(shape, params, dtype=None, device=None) -> IzhikevichState:  # noqa: ANN001
    """``v = -65`` mV and ``u = b v``, the paper's initial condition."""
    v = full_state(shape, -65.0, dtype, device)
    b = params.b.to(v.dtype) if isinstance(params.b, torch.Tensor) else _on(params.b, v)
    return IzhikevichState(v, b * v)


def rest_arrays(n: int, params: IzhikevichParams, dtype: np.dtype) -> IzhikevichState:
    """:func:`init_state` for ``n`` neurons as NumPy arrays of ``dtype`` (the network
    simulator's state), built without torch where ``b`` is a number or an array."""
    b = params.b.detach().cpu().numpy() if is_tensor(params.b) else params.b
    v = np.full(n, -65.0, dtype)
    return IzhikevichState(v, (np.broadcast_to(np.asarray(b, dtype), (n,)) * v).astype(dtype))


def step(x: torch.Tensor, state: IzhikevichState, params: IzhikevichParams):  # noqa: ANN201
    """Advance one step with input current ``x``. Returns ``(spikes, state)``."""
    check_step(x, state)
    p = params
    h = p.dt_ms / p.substeps
    v, u = state.v, state.u
    a, b, c, d = _abcd(p, v)
    for _ in range(p.substeps):
        v = v + h * (0.04 * v * v + 5.0 * v + 140.0 - u + x)
    u = u + p.dt_ms * a * (b * v - u)
    z = p._spike(v - p.v_peak)
    v = v - z * (v - c)
    u = u + z * d
    return z, IzhikevichState(v, u)


MODEL = NeuronModel(
    "izhikevich", IzhikevichParams, IzhikevichState, init_state, step, rest_arrays=rest_arrays
)

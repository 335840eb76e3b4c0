"""Non-spiking leaky integrator (LI), the usual readout of a spiking network.

``tau_mem dv/dt = -(v - v_rest) + R I`` integrated exactly; with
``decay = exp(-dt/tau_mem)``::

    v[t] = v_rest + decay (v[t-1] - v_rest) + gain x[t]

where ``gain`` is 1 for ``input_mode="delta"`` and ``R (1 - decay)`` for ``"current"``.
The output of :func:`step` is the potential itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from .. import _checks
from .._lazy import torch
from ._base import INPUT_MODES, NeuronModel, check_step, exp_decay, input_gain, rest_state, scaled


class LICoeffs(NamedTuple):
    """Per-step quantities of the leaky integrator (floats or tensors)."""

    decay: Any
    gain: Any
    v_rest: Any


@dataclass(frozen=True)
class LIParams:
    """Parameters of the leaky integrator.

    Attributes:
        tau_mem_ms: membrane time constant (ms), > 0.
        dt_ms: step (ms), > 0.
        v_rest: resting potential.
        input_mode: ``"delta"`` (input adds to ``v``) or ``"current"`` (held current).
        r_mem: resistance used by ``input_mode="current"``.
    """

    tau_mem_ms: float = 10.0
    dt_ms: float = 1.0
    v_rest: float = 0.0
    input_mode: str = "delta"
    r_mem: float = 1.0

    def __post_init__(self) -> None:
        _checks.positive("tau_mem_ms", self.tau_mem_ms)
        _checks.positive("dt_ms", self.dt_ms)
        _checks.real("v_rest", self.v_rest)
        _checks.positive("r_mem", self.r_mem)
        _checks.choice("input_mode", self.input_mode, INPUT_MODES)

    def coeffs(self) -> LICoeffs:
        """Per-step quantities used by :func:`step`."""
        decay = exp_decay(self.dt_ms, self.tau_mem_ms)
        return LICoeffs(decay, input_gain(self.input_mode, decay, self.r_mem), self.v_rest)


class LIState(NamedTuple):
    """Leaky-integrator state: the potential ``v``, shape ``[batch, *features]``."""

    v: torch.Tensor


def init_state(
    shape: tuple[int, ...],
    params: LIParams | LICoeffs,
    dtype: torch.dtype | None = None,
    device: torch.device | str | None = None,
) -> LIState:
    """At rest: ``v = v_rest``."""
    c = params.coeffs() if isinstance(params, LIParams) else params
    return rest_state(LIState, shape, rest_v(c), dtype, device)


def rest_v(c: LICoeffs) -> float:
    """The resting potential (``v_rest``)."""
    return c.v_rest


def step(x: torch.Tensor, state: LIState, params: LIParams | LICoeffs) -> tuple[torch.Tensor, LIState]:
    """Advance one step; returns ``(v, new_state)`` with ``v`` of ``x``'s shape."""
    check_step(x, state)
    c = params.coeffs() if isinstance(params, LIParams) else params
    if isinstance(c.v_rest, float) and c.v_rest == 0.0:
        v = c.decay * state.v + scaled(c.gain, x)
    else:
        v = c.v_rest + c.decay * (state.v - c.v_rest) + scaled(c.gain, x)
    return v, LIState(v)


MODEL = NeuronModel("li", LIParams, LIState, init_state, step, spiking=False, rest_v=rest_v)

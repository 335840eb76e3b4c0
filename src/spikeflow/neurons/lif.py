"""Leaky integrate-and-fire neuron.

Continuous model (potential ``v`` in mV, time in ms)::

    tau_mem dv/dt = -(v - v_rest) + R I(t),    spike when v >= v_th, then reset

integrated exactly over a step of ``dt_ms``: with ``decay = exp(-dt/tau_mem)``,

* ``input_mode="delta"``:   ``v[t] = v_rest + decay (v[t-1] - v_rest) + x[t]``
* ``input_mode="current"``: ``v[t] = v_rest + decay (v[t-1] - v_rest) + R (1 - decay) x[t]``

then ``z[t] = H(v[t] - v_th)`` and the reset (subtract ``v_th - v_reset``, set to
``v_reset``, or none). An optional absolute refractory period holds ``v`` at ``v_reset``
for ``round(refractory_ms / dt_ms)`` steps after each spike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from .._lazy import torch
from ._base import (
    MembraneCoeffs,
    MembraneParams,
    NeuronModel,
    check_step,
    fire_and_reset,
    integrate_membrane,
    rest_state,
    scaled,
)


@dataclass(frozen=True)
class LIFParams(MembraneParams):
    """Parameters of the LIF neuron; see :class:`~spikeflow.neurons._base.MembraneParams`."""

    def coeffs(self) -> MembraneCoeffs:
        """Per-step quantities used by :func:`step`."""
        return self.membrane_coeffs()


class LIFState(NamedTuple):
    """LIF state, each tensor of shape ``[batch, *features]``.

    Attributes:
        v: membrane potential.
        refractory: refractory steps left (0 when free to fire).
    """

    v: torch.Tensor
    refractory: torch.Tensor


def init_state(
    shape: tuple[int, ...],
    params: LIFParams | MembraneCoeffs,
    dtype: torch.dtype | None = None,
    device: torch.device | str | None = None,
) -> LIFState:
    """A neuron at rest: ``v = v_rest`` and not refractory."""
    c = params.coeffs() if isinstance(params, LIFParams) else params
    return rest_state(LIFState, shape, rest_v(c), dtype, device)


def rest_v(c: MembraneCoeffs) -> float:
    """The resting potential (``v_rest``); every other state field rests at 0."""
    return c.v_rest


def step(
    x: torch.Tensor, state: LIFState, params: LIFParams | MembraneCoeffs
) -> tuple[torch.Tensor, LIFState]:
    """Advance one step of ``dt_ms``.

    Args:
        x: input of this step, ``[batch, *features]`` (voltage jump or current, see
            ``input_mode``).
        state: :class:`LIFState` with tensors of the same shape as ``x``.
        params: :class:`LIFParams`, or the coefficients it derives (tensors allowed).

    Returns:
        ``(spikes, new_state)``; spikes are 0/1 in ``x``'s dtype.
    """
    check_step(x, state)
    c = params.coeffs() if isinstance(params, LIFParams) else params
    v = integrate_membrane(state.v, scaled(c.gain, x), state.refractory, c)
    z, v, refractory = fire_and_reset(v, c.v_th, state.refractory, c)
    return z, LIFState(v, refractory)


MODEL = NeuronModel("lif", LIFParams, LIFState, init_state, step, rest_v=rest_v)

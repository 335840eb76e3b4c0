"""Current-based synaptic LIF neuron (second order: exponential synaptic current
feeding a leaky membrane).

Continuous model (``i`` in units of potential, i.e. ``R`` times the current)::

    tau_syn di/dt = -i
    tau_mem dv/dt = -(v - v_rest) + i,     spike when v >= v_th, then reset

Each step's input ``x[t]`` is a jump of ``i`` at the start of the step; the linear
system is then integrated exactly over ``dt_ms`` (the propagator NEST uses for
``iaf_psc_exp``)::

    i'   = i[t-1] + x[t]
    v[t] = v_rest + decay_mem (v[t-1] - v_rest) + p_vi i'
    i[t] = decay_syn i'

with ``decay = exp(-dt/tau)`` and
``p_vi = tau_syn / (tau_syn - tau_mem) (decay_syn - decay_mem)``
(``dt/tau_mem exp(-dt/tau_mem)`` when the two time constants are equal).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

from .. import _checks
from .._lazy import torch
from ._base import (
    MembraneCoeffs,
    MembraneParams,
    NeuronModel,
    check_step,
    exp_decay,
    fire_and_reset,
    integrate_membrane,
    rest_state,
)


def current_to_voltage(dt_ms: float, tau_mem_ms: float, tau_syn_ms: float) -> float:
    """Exact propagator from synaptic current to membrane potential over one step."""
    if math.isclose(tau_mem_ms, tau_syn_ms, rel_tol=1e-9):
        return dt_ms / tau_mem_ms * math.exp(-dt_ms / tau_mem_ms)
    d_syn = exp_decay(dt_ms, tau_syn_ms)
    d_mem = exp_decay(dt_ms, tau_mem_ms)
    return tau_syn_ms / (tau_syn_ms - tau_mem_ms) * (d_syn - d_mem)


class SynapticLIFCoeffs(NamedTuple):
    """Per-step quantities of the synaptic LIF (floats or tensors)."""

    membrane: MembraneCoeffs
    decay_syn: Any
    p_vi: Any


@dataclass(frozen=True)
class SynapticLIFParams(MembraneParams):
    """Parameters of the synaptic LIF.

    Adds ``tau_syn_ms`` (synaptic current time constant, ms, > 0) to
    :class:`~spikeflow.neurons._base.MembraneParams`. ``input_mode`` must stay
    ``"delta"``: inputs are jumps of the synaptic current.
    """

    tau_syn_ms: float = 5.0

    def __post_init__(self) -> None:
        super().__post_init__()
        _checks.positive("tau_syn_ms", self.tau_syn_ms)
        if self.input_mode != "delta":
            raise ValueError(
                f"input_mode must be 'delta' for SynapticLIF (inputs are jumps of the synaptic"
                f" current), got {self.input_mode!r}"
            )

    def coeffs(self) -> SynapticLIFCoeffs:
        """Per-step quantities used by :func:`step`."""
        return SynapticLIFCoeffs(
            membrane=self.membrane_coeffs(),
            decay_syn=exp_decay(self.dt_ms, self.tau_syn_ms),
            p_vi=current_to_voltage(self.dt_ms, self.tau_mem_ms, self.tau_syn_ms),
        )


class SynapticLIFState(NamedTuple):
    """Synaptic LIF state, tensors of shape ``[batch, *features]``.

    Attributes:
        v: membrane potential.
        i: synaptic current (in potential units) at the end of the step.
        refractory: refractory steps left.
    """

    v: torch.Tensor
    i: torch.Tensor
    refractory: torch.Tensor


def init_state(
    shape: tuple[int, ...],
    params: SynapticLIFParams | SynapticLIFCoeffs,
    dtype: torch.dtype | None = None,
    device: torch.device | str | None = None,
) -> SynapticLIFState:
    """At rest: ``v = v_rest``, no synaptic current, not refractory."""
    c = params.coeffs() if isinstance(params, SynapticLIFParams) else params
    return rest_state(SynapticLIFState, shape, rest_v(c), dtype, device)


def rest_v(c: SynapticLIFCoeffs) -> float:
    """The resting potential (``v_rest``); every other state field rests at 0."""
    return c.membrane.v_rest


def step(
    x: torch.Tensor, state: SynapticLIFState, params: SynapticLIFParams | SynapticLIFCoeffs
) -> tuple[torch.Tensor, SynapticLIFState]:
    """Advance one step: ``x`` (``[batch, *features]``) jumps the synaptic current.

    Returns ``(spikes, new_state)``.
    """
    check_step(x, state)
    c = params.coeffs() if isinstance(params, SynapticLIFParams) else params
    m = c.membrane
    i = state.i + x
    v = integrate_membrane(state.v, c.p_vi * i, state.refractory, m)
    z, v, refractory = fire_and_reset(v, m.v_th, state.refractory, m)
    return z, SynapticLIFState(v, c.decay_syn * i, refractory)


MODEL = NeuronModel("synaptic_lif", SynapticLIFParams, SynapticLIFState, init_state, step, rest_v=rest_v)

"""Current-based LIF with separate excitatory and inhibitory exponential synaptic
currents (the CUBA benchmark of Brette et al. 2007). Potentials in mV, times in ms; the
synaptic currents are in units of potential (``R I``).

::

    tau_m dV/dt = -(V - E_L) + I_ex + I_in
    tau_ex dI_ex/dt = -I_ex,   tau_in dI_in/dt = -I_in

Each step's input ``x`` (mV) jumps ``I_ex`` where positive and ``I_in`` where negative, at
the start of the step; the linear system is then integrated exactly over ``dt_ms`` (the
propagators of :mod:`spikeflow.neurons.synaptic_lif`, one per current). A spike is
``V >= V_th``, then ``V = V_reset`` held for ``t_ref_ms``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from .. import _checks, surrogate
from .._lazy import torch
from ._base import (
    MembraneCoeffs,
    NeuronModel,
    check_step,
    exp_decay,
    fire_and_reset,
    hold_refractory,
    rest_state,
    value_reset,
)
from .synaptic_lif import current_to_voltage


@dataclass(frozen=True)
class CubaLIFParams:
    """Parameters (defaults: Brette et al. 2007, benchmark 2).

    Attributes:
        tau_m_ms, tau_ex_ms, tau_in_ms: membrane and synaptic time constants (ms), > 0.
        E_L, V_th, V_reset: rest, threshold, reset (mV); ``V_th > V_reset``.
        t_ref_ms: refractory period (ms), >= 0.
        dt_ms: step (ms), > 0.
        surrogate, surrogate_slope: spike function for training (slope per mV).
    """

    tau_m_ms: float = 20.0
    tau_ex_ms: float = 5.0
    tau_in_ms: float = 10.0
    E_L: float = -49.0
    V_th: float = -50.0
    V_reset: float = -60.0
    t_ref_ms: float = 5.0
    dt_ms: float = 0.1
    surrogate: str = "fast_sigmoid"
    surrogate_slope: float | None = 1.0

    def __post_init__(self) -> None:
        for name in ("tau_m_ms", "tau_ex_ms", "tau_in_ms", "dt_ms"):
            _checks.positive(name, getattr(self, name))
        for name in ("E_L", "V_th", "V_reset"):
            _checks.real(name, getattr(self, name))
        _checks.non_negative("t_ref_ms", self.t_ref_ms)
        if not self.V_th > self.V_reset:
            raise ValueError(f"V_th must be above V_reset, got V_th={self.V_th}, V_reset={self.V_reset}")
        object.__setattr__(self, "_spike", surrogate.get(self.surrogate, self.surrogate_slope))

    def coeffs(self) -> CubaLIFCoeffs:
        """Per-step propagators used by :func:`step`."""
        dt = self.dt_ms
        return CubaLIFCoeffs(
            p=self,
            decay_m=exp_decay(dt, self.tau_m_ms),
            decay_ex=exp_decay(dt, self.tau_ex_ms),
            decay_in=exp_decay(dt, self.tau_in_ms),
            p_ex=current_to_voltage(dt, self.tau_m_ms, self.tau_ex_ms),
            p_in=current_to_voltage(dt, self.tau_m_ms, self.tau_in_ms),
            ref_steps=(ref := _checks.period_steps("t_ref_ms", self.t_ref_ms, dt)),
            reset=value_reset(self.V_th, self.V_reset, ref, self._spike),
        )


class CubaLIFCoeffs(NamedTuple):
    """Derived per-step quantities."""

    p: CubaLIFParams
    decay_m: float
    decay_ex: float
    decay_in: float
    p_ex: float
    p_in: float
    ref_steps: int
    reset: MembraneCoeffs  # threshold, reset to V_reset and refractoriness


class CubaLIFState(NamedTuple):
    """Potential (mV), synaptic currents (mV) and refractory steps left, ``[batch, *features]``."""

    v: torch.Tensor
    i_ex: torch.Tensor
    i_in: torch.Tensor
    refractory: torch.Tensor


def init_state(shape, params, dtype=None, device=None) -> CubaLIFState:  # noqa: ANN001
    """At rest: ``V = E_L``, no current."""
    c = params.coeffs() if isinstance(params, CubaLIFParams) else params
    return rest_state(CubaLIFState, shape, rest_v(c), dtype, device)


def rest_v(c: CubaLIFCoeffs) -> float:
    """The resting potential (``E_L``, mV); every other state field rests at 0."""
    return c.p.E_L


def step(x: Any, state: CubaLIFState, params: Any) -> tuple[torch.Tensor, CubaLIFState]:
    """Advance one step; ``x`` (mV) jumps the excitatory current where positive and the
    inhibitory one where negative; or a pair ``(x_ex >= 0, x_in <= 0)`` of the two
    receptors' inputs kept apart (the simulator's per-receptor buffers). Returns
    ``(spikes, state)``."""
    check_step(x, state)
    c = params.coeffs() if isinstance(params, CubaLIFParams) else params
    p = c.p
    if isinstance(x, tuple):
        i_ex, i_in = state.i_ex + x[0], state.i_in + x[1]
    else:
        i_ex, i_in = state.i_ex + x.clamp(min=0), state.i_in - (-x).clamp(min=0)
    v = p.E_L + c.decay_m * (state.v - p.E_L) + c.p_ex * i_ex + c.p_in * i_in
    v = hold_refractory(v, state.refractory, c.reset)
    z, v, refractory = fire_and_reset(v, p.V_th, state.refractory, c.reset)
    return z, CubaLIFState(v, c.decay_ex * i_ex, c.decay_in * i_in, refractory)


MODEL = NeuronModel("cuba_lif", CubaLIFParams, CubaLIFState, init_state, step, rest_v=rest_v)

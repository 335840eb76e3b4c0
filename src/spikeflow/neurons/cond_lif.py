"""Conductance-based LIF neuron (NEST ``iaf_cond_exp`` / ``iaf_cond_alpha``; the COBA
benchmark of Brette et al. 2007). Units follow NEST: mV, ms, pF, nS, pA.

::

    C_m dV/dt = -g_L (V - E_L) - g_ex (V - E_ex) - g_in (V - E_in) + I_e + I

Synaptic conductances are exponential (``tau dg/dt = -g``) or alpha-shaped (a second,
equal time constant feeding ``g``; peak ``w`` at ``t = tau``). Each step's input ``x``
(nS, the summed weights of arriving spikes) goes to the excitatory conductance where
positive and to the inhibitory one where negative, as in NEST.

Integration over one step of ``dt_ms``: the conductances exactly (their linear
propagators), the membrane by exponential Euler with the conductances averaged over the
step (exactly for exponential synapses, by the trapezoid for alpha ones), which is
tested against a fine-step reference. A spike is ``V >= V_th``; ``V`` is then held at
``V_reset`` for ``t_ref_ms``.
"""

from __future__ import annotations

import math
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
    sim_exp,
    value_reset,
)

SYNAPSES = ("exp", "alpha")


@dataclass(frozen=True)
class CondLIFParams:
    """Parameters (NEST names and units).

    Attributes:
        C_m: membrane capacitance (pF), > 0.
        g_L: leak conductance (nS), > 0.
        E_L, E_ex, E_in: leak and synaptic reversal potentials (mV).
        V_th, V_reset: threshold and reset (mV); ``V_th > V_reset``.
        t_ref_ms: absolute refractory period (ms), >= 0.
        tau_syn_ex_ms, tau_syn_in_ms: synaptic time constants (ms), > 0.
        I_e: constant external current (pA).
        synapse: ``"exp"`` or ``"alpha"`` conductances.
        dt_ms: step (ms), > 0.
        surrogate, surrogate_slope: spike function for training (slope per mV).
    """

    C_m: float = 200.0
    g_L: float = 10.0
    E_L: float = -60.0
    E_ex: float = 0.0
    E_in: float = -80.0
    V_th: float = -50.0
    V_reset: float = -60.0
    t_ref_ms: float = 5.0
    tau_syn_ex_ms: float = 5.0
    tau_syn_in_ms: float = 10.0
    I_e: float = 0.0
    synapse: str = "exp"
    dt_ms: float = 0.1
    surrogate: str = "fast_sigmoid"
    surrogate_slope: float | None = 1.0

    def __post_init__(self) -> None:
        for name in ("C_m", "g_L", "tau_syn_ex_ms", "tau_syn_in_ms", "dt_ms"):
            _checks.positive(name, getattr(self, name))
        for name in ("E_L", "E_ex", "E_in", "V_th", "V_reset", "I_e"):
            _checks.real(name, getattr(self, name))
        _checks.non_negative("t_ref_ms", self.t_ref_ms)
        _checks.choice("synapse", self.synapse, SYNAPSES)
        if not self.V_th > self.V_reset:
            raise ValueError(f"V_th must be above V_reset, got V_th={self.V_th}, V_reset={self.V_reset}")
        object.__setattr__(self, "_spike", surrogate.get(self.surrogate, self.surrogate_slope))

    def coeffs(self) -> CondLIFCoeffs:
        """Per-step quantities used by :func:`step`."""
        return CondLIFCoeffs(
            p=self,
            decay_ex=exp_decay(self.dt_ms, self.tau_syn_ex_ms),
            decay_in=exp_decay(self.dt_ms, self.tau_syn_in_ms),
            mean_ex=self.tau_syn_ex_ms / self.dt_ms * (1 - exp_decay(self.dt_ms, self.tau_syn_ex_ms)),
            mean_in=self.tau_syn_in_ms / self.dt_ms * (1 - exp_decay(self.dt_ms, self.tau_syn_in_ms)),
            ref_steps=(ref := _checks.period_steps("t_ref_ms", self.t_ref_ms, self.dt_ms)),
            reset=value_reset(self.V_th, self.V_reset, ref, self._spike),
        )


class CondLIFCoeffs(NamedTuple):
    """Derived per-step quantities."""

    p: CondLIFParams
    decay_ex: float
    decay_in: float
    mean_ex: float  # mean of exp(-t / tau) over a step: the step-averaged conductance factor
    mean_in: float
    ref_steps: int
    reset: MembraneCoeffs  # threshold, reset to V_reset and refractoriness


class CondLIFState(NamedTuple):
    """State, tensors ``[batch, *features]``: potential (mV), conductances (nS), the alpha
    synapses' auxiliary conductances (nS; zero for exponential synapses) and refractory
    steps left."""

    v: torch.Tensor
    g_ex: torch.Tensor
    g_in: torch.Tensor
    h_ex: torch.Tensor
    h_in: torch.Tensor
    refractory: torch.Tensor


def init_state(shape, params, dtype=None, device=None) -> CondLIFState:  # noqa: ANN001
    """At rest: ``V = E_L``, no conductance, not refractory."""
    c = params.coeffs() if isinstance(params, CondLIFParams) else params
    return rest_state(CondLIFState, shape, rest_v(c), dtype, device)


def rest_v(c: CondLIFCoeffs) -> float:
    """The resting potential (``E_L``, mV); every other state field rests at 0."""
    return c.p.E_L


def _synapse(g, h, x, decay, dt, tau, alpha):  # noqa: ANN001, ANN202
    """Advance one conductance by ``dt`` after adding the input ``x`` (nS)."""
    if not alpha:
        return decay * (g + x), h
    # alpha: h jumps by e * x / tau (so g peaks at x at t = tau), feeds g; exact propagator
    h = h + x * (math.e / tau)
    g_new = decay * g + dt * decay * h
    return g_new, decay * h


def step(x: Any, state: CondLIFState, params: Any) -> tuple[torch.Tensor, CondLIFState]:
    """Advance one step. ``x`` (nS): conductance increments, excitatory where positive,
    inhibitory where negative; or a pair ``(x_ex >= 0, x_in <= 0)`` of the two receptors'
    inputs kept apart (the simulator's per-receptor buffers). Returns ``(spikes, state)``."""
    check_step(x, state)
    c = params.coeffs() if isinstance(params, CondLIFParams) else params
    p = c.p
    alpha = p.synapse == "alpha"
    x_ex, x_in = (x[0], -x[1]) if isinstance(x, tuple) else (x.clamp(min=0), (-x).clamp(min=0))
    g_ex, h_ex = _synapse(state.g_ex, state.h_ex, x_ex, c.decay_ex, p.dt_ms, p.tau_syn_ex_ms, alpha)
    g_in, h_in = _synapse(state.g_in, state.h_in, x_in, c.decay_in, p.dt_ms, p.tau_syn_in_ms, alpha)
    # exponential Euler of the membrane with the conductances' mean over the step: exact
    # for exponential synapses (their decay is known), the trapezoid for alpha ones
    if alpha:
        ge, gi = 0.5 * (state.g_ex + g_ex), 0.5 * (state.g_in + g_in)
    else:
        ge, gi = c.mean_ex * (state.g_ex + x_ex), c.mean_in * (state.g_in + x_in)
    g_tot = p.g_L + ge + gi
    v_inf = (p.g_L * p.E_L + ge * p.E_ex + gi * p.E_in + p.I_e) / g_tot
    v = v_inf + (state.v - v_inf) * sim_exp(-p.dt_ms * g_tot / p.C_m, vectorised=True)  # the fast loop's exp
    v = hold_refractory(v, state.refractory, c.reset)
    z, v, refractory = fire_and_reset(v, p.V_th, state.refractory, c.reset)
    return z, CondLIFState(v, g_ex, g_in, h_ex, h_in, refractory)


MODEL = NeuronModel("cond_lif", CondLIFParams, CondLIFState, init_state, step, rest_v=rest_v)

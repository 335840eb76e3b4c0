"""Adaptive exponential integrate-and-fire neuron (Brette & Gerstner 2005). NEST units.

::

    C_m dV/dt = -g_L (V - E_L) + g_L Delta_T exp((V - V_T) / Delta_T) - w + I_e + I
    tau_w dw/dt = a (V - E_L) - w

A spike is ``V >= V_peak``; then ``V = V_reset`` and ``w += b``. The input ``x`` is a
current (pA) held over the step. Integrator: classical RK4 on ``(V, w)`` in
``substeps`` sub-steps per ``dt_ms``, its stages evaluated with ``V`` capped at
``V_peak`` (as NEST caps the exponential) so that a sub-step cannot run away; spikes are
detected at the end of each sub-step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from .. import _checks, surrogate
from .._lazy import torch
from ._base import NeuronModel, check_step, rest_state, sim_exp


@dataclass(frozen=True)
class AdExParams:
    """Parameters (NEST ``aeif_cond_exp``-style names, current-based input).

    Attributes:
        C_m (pF), g_L (nS), E_L (mV), Delta_T (mV, > 0), V_T (mV), V_peak (mV, above V_T),
        V_reset (mV), a (nS), b (pA), tau_w_ms (ms), I_e (pA): the model's constants;
        defaults are Brette & Gerstner's (2005) tonic-spiking cell.
        dt_ms: step (ms); substeps: RK4 sub-steps per step (>= 1).
        surrogate, surrogate_slope: spike function for training (slope per mV).
    """

    C_m: float = 281.0
    g_L: float = 30.0
    E_L: float = -70.6
    Delta_T: float = 2.0
    V_T: float = -50.4
    V_peak: float = 0.0
    V_reset: float = -70.6
    a: float = 4.0
    b: float = 80.5
    tau_w_ms: float = 144.0
    I_e: float = 0.0
    dt_ms: float = 0.1
    substeps: int = 1
    surrogate: str = "fast_sigmoid"
    surrogate_slope: float | None = 1.0

    def __post_init__(self) -> None:
        for name in ("C_m", "g_L", "Delta_T", "tau_w_ms", "dt_ms"):
            _checks.positive(name, getattr(self, name))
        for name in ("E_L", "V_T", "V_peak", "V_reset", "a", "b", "I_e"):
            _checks.real(name, getattr(self, name))
        _checks.positive_int("substeps", self.substeps)
        if not self.V_peak > self.V_T:
            raise ValueError(f"V_peak must be above V_T, got V_peak={self.V_peak}, V_T={self.V_T}")
        if not self.V_peak > self.V_reset:
            raise ValueError(f"V_peak must be above V_reset, got {self.V_peak} and {self.V_reset}")
        h = self.dt_ms / self.substeps
        limit = min(self.C_m / self.g_L, self.tau_w_ms) / 2
        if h > limit:
            raise ValueError(
                f"dt_ms / substeps = {h} ms is too large for RK4 on this AdEx (limit {limit:.3g} ms:"
                " half the faster of C_m/g_L and tau_w); raise substeps or lower dt_ms"
            )
        object.__setattr__(self, "_spike", surrogate.get(self.surrogate, self.surrogate_slope))

    def coeffs(self) -> AdExParams:
        """The parameters themselves (everything is used as is)."""
        return self


class AdExState(NamedTuple):
    """Potential ``v`` (mV) and adaptation current ``w`` (pA), ``[batch, *features]``."""

    v: torch.Tensor
    w: torch.Tensor


def init_state(shape, params, dtype=None, device=None) -> AdExState:  # noqa: ANN001
    """At rest: ``V = E_L``, ``w = 0``."""
    return rest_state(AdExState, shape, rest_v(params), dtype, device)


def rest_v(params: AdExParams) -> float:
    """The resting potential (``E_L``, mV); ``w`` rests at 0."""
    return params.E_L


def _derivatives(v, w, i, p: AdExParams):  # noqa: ANN001, ANN202
    # past V_peak the neuron has spiked: evaluating there would let the exponential run
    # away inside a sub-step (exp(25) at NEST's V_peak = 0 mV), so stages see V_peak
    v = torch.clamp(v, max=p.V_peak)
    spike_current = p.g_L * p.Delta_T * sim_exp((v - p.V_T) / p.Delta_T)  # the fast loop's exp
    dv = (-p.g_L * (v - p.E_L) + spike_current - w + p.I_e + i) / p.C_m
    dw = (p.a * (v - p.E_L) - w) / p.tau_w_ms
    return dv, dw


def step(x: torch.Tensor, state: AdExState, params: AdExParams) -> tuple[torch.Tensor, AdExState]:
    """Advance one step with input current ``x`` (pA). Returns ``(spikes, state)``; with
    several sub-steps a neuron emits at most one spike per step."""
    check_step(x, state)
    p = params
    h = p.dt_ms / p.substeps
    v, w = state.v, state.w
    z_total = torch.zeros_like(v)
    for _ in range(p.substeps):
        k1v, k1w = _derivatives(v, w, x, p)
        k2v, k2w = _derivatives(v + 0.5 * h * k1v, w + 0.5 * h * k1w, x, p)
        k3v, k3w = _derivatives(v + 0.5 * h * k2v, w + 0.5 * h * k2w, x, p)
        k4v, k4w = _derivatives(v + h * k3v, w + h * k3w, x, p)
        v = v + h / 6 * (k1v + 2 * k2v + 2 * k3v + k4v)
        w = w + h / 6 * (k1w + 2 * k2w + 2 * k3w + k4w)
        z = p._spike(v - p.V_peak)
        v = v - z * (v - p.V_reset)
        w = w + z * p.b
        z_total = torch.clamp(z_total + z, max=1.0)
    return z_total, AdExState(v, w)


MODEL = NeuronModel("adex", AdExParams, AdExState, init_state, step, rest_v=rest_v)

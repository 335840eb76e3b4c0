"""Hodgkin-Huxley (1952) squid giant axon, in NEURON's ``hh`` conventions: mV, ms,
uA/cm^2, mS/cm^2, uF/cm^2, rest near -65 mV, 6.3 degC (rates scaled by
``3 ** ((celsius - 6.3) / 10)``).

::

    C dV/dt = -g_Na m^3 h (V - E_Na) - g_K n^4 (V - E_K) - g_L (V - E_L) + I
    dx/dt = alpha_x(V) (1 - x) - beta_x(V) x      for x in m, h, n

Integrators (``integrator=``):

* ``"exp_euler"`` (default): each gate exactly for the step with ``V`` held (its
  equation is then linear), then ``V`` exactly with the conductances held: the scheme
  NEURON's ``cnexp`` uses for the gates. Stable to about 0.1 ms.
* ``"rk4"``: classical Runge-Kutta on all four variables; needs ``dt <= 0.05`` ms.

A larger ``dt_ms`` is refused with the limit. A spike is an upward crossing of
``spike_threshold`` (0 mV) between the start and the end of a step; there is no reset.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from .. import _checks, surrogate
from .._lazy import torch
from ._base import NeuronModel, check_step, full_state, sim_exp

INTEGRATORS = {"exp_euler": 0.1, "rk4": 0.05}  # largest stable dt (ms) at 6.3 degC


@dataclass(frozen=True)
class HHParams:
    """Parameters (per unit membrane area).

    Attributes:
        C_m (uF/cm^2), g_Na, g_K, g_L (mS/cm^2), E_Na, E_K, E_L (mV): NEURON ``hh``
        defaults (E_L = -54.3 mV).
        celsius: temperature (degC); the rates are measured at 6.3.
        I_e: constant current (uA/cm^2).
        spike_threshold: level whose upward crossing counts as a spike (mV).
        dt_ms, integrator: step and scheme (see the module docstring).
        surrogate, surrogate_slope: spike function for training (slope per mV).
    """

    C_m: float = 1.0
    g_Na: float = 120.0
    g_K: float = 36.0
    g_L: float = 0.3
    E_Na: float = 50.0
    E_K: float = -77.0
    E_L: float = -54.3
    celsius: float = 6.3
    I_e: float = 0.0
    spike_threshold: float = 0.0
    dt_ms: float = 0.01
    integrator: str = "exp_euler"
    surrogate: str = "fast_sigmoid"
    surrogate_slope: float | None = 1.0

    def __post_init__(self) -> None:
        for name in ("C_m", "dt_ms"):
            _checks.positive(name, getattr(self, name))
        for name in ("g_Na", "g_K", "g_L"):
            _checks.non_negative(name, getattr(self, name))
        for name in ("E_Na", "E_K", "E_L", "celsius", "I_e", "spike_threshold"):
            _checks.real(name, getattr(self, name))
        if not -20.0 <= self.celsius <= 60.0:  # the Q10 factor 3 ** ((T - 6.3) / 10) stays meaningful
            raise ValueError(f"celsius must lie in [-20, 60] (degC), got {self.celsius!r}")
        _checks.choice("integrator", self.integrator, list(INTEGRATORS))
        limit = INTEGRATORS[self.integrator] / self.q10
        if self.dt_ms > limit:
            raise ValueError(
                f"dt_ms={self.dt_ms} is too large for Hodgkin-Huxley with integrator="
                f"{self.integrator!r} at {self.celsius} degC: the limit is {limit:.3g} ms"
            )
        object.__setattr__(self, "_spike", surrogate.get(self.surrogate, self.surrogate_slope))

    @property
    def q10(self) -> float:
        """Rate factor ``3 ** ((celsius - 6.3) / 10)``."""
        return 3.0 ** ((self.celsius - 6.3) / 10.0)

    def coeffs(self) -> HHParams:
        """The parameters themselves."""
        return self


class HHState(NamedTuple):
    """Potential (mV) and gates m, h, n, ``[batch, *features]``."""

    v: torch.Tensor
    m: torch.Tensor
    h: torch.Tensor
    n: torch.Tensor


def _vtrap(x: torch.Tensor, den: torch.Tensor) -> torch.Tensor:
    """``x / den`` with ``den = exp(x / 10) - 1``, continuous at ``x = 0`` (NEURON's vtrap:
    ``10 (1 - x / 20)`` where ``|x| < 1e-5``; the masked quotient keeps gradients finite)."""
    small = x.abs() < 1e-5
    one = torch.ones_like(x)
    quotient = torch.where(small, one, x) / torch.where(small, one, den)
    return torch.where(small, 10.0 * (1.0 - x / 20.0), quotient)


def rates(v: torch.Tensor, q10: float = 1.0):  # noqa: ANN201
    """``(alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n)`` in 1/ms at potential ``v``.

    The six exponentials ``exp(-(v + 65) / k)`` (k = 18, 20, 80 and 10) are powers of one,
    ``e = exp(-(v + 65) / 720)`` (relative error about 1e-14): one exponential instead of
    six. The products are the simulator's own (:func:`spikeflow.sim.fast_layout.hh_powers`,
    :func:`~spikeflow.sim.fast_layout.hh_rates`, which its fast loop compiles) and the
    exponential is :func:`~spikeflow.neurons._base.sim_exp`: both backends give the same
    bits.
    """
    from ..sim.fast_layout import E1, E25, hh_powers, hh_rates

    e4, e9, e36, e72 = hh_powers(sim_exp(-(v + 65.0) / 720.0))
    trap_m, trap_n = _vtrap(-(v + 40.0), e72 * E25 - 1.0), _vtrap(-(v + 55.0), e72 * E1 - 1.0)
    return hh_rates(e4, e9, e36, e72, trap_m, trap_n, q10)


def init_state(shape, params, dtype=None, device=None) -> HHState:  # noqa: ANN001
    """Rest at -65 mV with every gate at its steady state there."""
    v = full_state(shape, -65.0, dtype, device)
    am, bm, ah, bh, an, bn = rates(v, params.q10)
    return HHState(v, am / (am + bm), ah / (ah + bh), an / (an + bn))


def _ionic(v, m, h, n, p: HHParams):  # noqa: ANN001, ANN202
    n2 = n * n
    g_na = p.g_Na * (m * m * m) * h
    g_k = p.g_K * (n2 * n2)
    return g_na, g_k


def _derivs(v, m, h, n, i, p: HHParams):  # noqa: ANN001, ANN202
    am, bm, ah, bh, an, bn = rates(v, p.q10)
    g_na, g_k = _ionic(v, m, h, n, p)
    dv = (-g_na * (v - p.E_Na) - g_k * (v - p.E_K) - p.g_L * (v - p.E_L) + p.I_e + i) / p.C_m
    return dv, am * (1 - m) - bm * m, ah * (1 - h) - bh * h, an * (1 - n) - bn * n


def step(x: torch.Tensor, state: HHState, params: HHParams) -> tuple[torch.Tensor, HHState]:
    """Advance one step with input current ``x`` (uA/cm^2). Returns ``(spikes, state)``."""
    check_step(x, state)
    p, dt = params, params.dt_ms
    v, m, h, n = state
    if p.integrator == "rk4":
        k1 = _derivs(v, m, h, n, x, p)
        k2 = _derivs(*(s + 0.5 * dt * k for s, k in zip(state, k1)), x, p)
        k3 = _derivs(*(s + 0.5 * dt * k for s, k in zip(state, k2)), x, p)
        k4 = _derivs(*(s + dt * k for s, k in zip(state, k3)), x, p)
        new = [s + dt / 6 * (a + 2 * b + 2 * c + d) for s, a, b, c, d in zip(state, k1, k2, k3, k4)]
        v_new, m, h, n = new
    else:
        am, bm, ah, bh, an, bn = rates(v, p.q10)
        gates = []
        for g, a, b in ((m, am, bm), (h, ah, bh), (n, an, bn)):
            tot = a + b
            inf = a / tot
            gates.append(inf + (g - inf) * sim_exp(-dt * tot))
        m, h, n = gates
        g_na, g_k = _ionic(v, m, h, n, p)
        g_tot = g_na + g_k + p.g_L
        v_inf = (g_na * p.E_Na + g_k * p.E_K + p.g_L * p.E_L + p.I_e + x) / g_tot
        v_new = v_inf + (v - v_inf) * sim_exp(-dt * g_tot / p.C_m)
    # a spike: the potential crosses the threshold upward during the step
    z = p._spike(v_new - p.spike_threshold) * (v < p.spike_threshold).to(v.dtype)
    return z, HHState(v_new, m, h, n)


MODEL = NeuronModel("hodgkin_huxley", HHParams, HHState, init_state, step)

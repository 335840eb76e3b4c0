"""Adaptive LIF (ALIF) neuron with an adaptive threshold (Bellec et al. 2018, LSNN).

The membrane is the LIF of :mod:`spikeflow.neurons.lif`. Each spike raises an
adaptation variable ``a`` that decays with ``tau_adapt_ms``; the threshold is
``v_th + beta_adapt * a``::

    v[t] = v_rest + decay_mem (v[t-1] - v_rest) + gain x[t]
    A[t] = v_th + beta_adapt a[t-1]
    z[t] = H(v[t] - A[t]),  then reset (subtracting v_th - v_reset for "subtract")
    a[t] = decay_adapt a[t-1] + (1 - decay_adapt) z[t]

with ``decay_adapt = exp(-dt/tau_adapt)`` (the normalised form of Bellec et al. 2018,
so ``beta_adapt`` is the threshold increase of a neuron firing every step).
Gradients flow through the adaptation (full BPTT).
"""

from __future__ import annotations

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
    scaled,
)


class ALIFCoeffs(NamedTuple):
    """Per-step quantities of the ALIF (floats or tensors)."""

    membrane: MembraneCoeffs
    decay_adapt: Any
    beta_adapt: Any


@dataclass(frozen=True)
class ALIFParams(MembraneParams):
    """Parameters of the ALIF.

    Adds to :class:`~spikeflow.neurons._base.MembraneParams`:

    Attributes:
        tau_adapt_ms: adaptation time constant (ms), > 0 (Bellec et al. use 200 to 2000).
        beta_adapt: threshold increase per unit of adaptation (potential units), >= 0.
    """

    tau_adapt_ms: float = 200.0
    beta_adapt: float = 1.8

    def __post_init__(self) -> None:
        super().__post_init__()
        _checks.positive("tau_adapt_ms", self.tau_adapt_ms)
        _checks.non_negative("beta_adapt", self.beta_adapt)

    def coeffs(self) -> ALIFCoeffs:
        """Per-step quantities used by :func:`step`."""
        return ALIFCoeffs(
            membrane=self.membrane_coeffs(),
            decay_adapt=exp_decay(self.dt_ms, self.tau_adapt_ms),
            beta_adapt=self.beta_adapt,
        )


class ALIFState(NamedTuple):
    """ALIF state, tensors of shape ``[batch, *features]``.

    Attributes:
        v: membrane potential.
        a: threshold adaptation (unitless; the threshold is ``v_th + beta_adapt * a``).
        refractory: refractory steps left.
    """

    v: torch.Tensor
    a: torch.Tensor
    refractory: torch.Tensor


def init_state(
    shape: tuple[int, ...],
    params: ALIFParams | ALIFCoeffs,
    dtype: torch.dtype | None = None,
    device: torch.device | str | None = None,
) -> ALIFState:
    """At rest: ``v = v_rest``, no adaptation, not refractory."""
    c = params.coeffs() if isinstance(params, ALIFParams) else params
    return rest_state(ALIFState, shape, c.membrane.v_rest, dtype, device)


def step(
    x: torch.Tensor, state: ALIFState, params: ALIFParams | ALIFCoeffs
) -> tuple[torch.Tensor, ALIFState]:
    """Advance one step with input ``x`` (``[batch, *features]``). Returns ``(spikes, state)``."""
    check_step(x, state)
    c = params.coeffs() if isinstance(params, ALIFParams) else params
    m = c.membrane
    v = integrate_membrane(state.v, scaled(m.gain, x), state.refractory, m)
    threshold = m.v_th + c.beta_adapt * state.a
    z, v, refractory = fire_and_reset(v, threshold, state.refractory, m)
    a = c.decay_adapt * state.a + (1.0 - c.decay_adapt) * z
    return z, ALIFState(v, a, refractory)


MODEL = NeuronModel("alif", ALIFParams, ALIFState, init_state, step)

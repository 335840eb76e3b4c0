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

The dynamics are written once, as the specification :func:`spec` of each reset and input
mode, and every backend is generated from it. In the specification's terms the adaptation
decays over the step (``da/dt = -a / tau_adapt_ms``) and a spike adds ``1 - exp(-dt /
tau_adapt_ms)``; the threshold reads the adaptation before the step's decay, which is the
decayed one times ``exp(dt / tau_adapt_ms)``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, NamedTuple

from .. import _checks
from .._lazy import torch
from ._base import INPUT_MODES, RESET_MODES, NeuronModel, SpecMembraneParams, check_step, rest_state
from .lif import RESETS


@functools.cache
def spec(reset: str = "subtract", input_mode: str = "delta") -> Any:
    """The :class:`~spikeflow.neurons.spec.ModelSpec` of the ALIF with ``reset``
    (``"subtract"``, ``"value"``: with a refractory period, ``"none"``) and ``input_mode``
    (``"delta"``, ``"current"``): named ``alif``, ``alif_value``, ``alif_none``, with
    ``_current`` appended for a current input; unitless, as in training."""
    from .spec import ModelSpec, Parameter

    _checks.choice("reset", reset, RESET_MODES)
    _checks.choice("input_mode", input_mode, INPUT_MODES)
    parameters = {
        "tau_mem_ms": Parameter(10.0, "ms", "membrane time constant (math.inf: no leak)", "time_constant"),
        "tau_adapt_ms": Parameter(200.0, "ms", "adaptation time constant"),
        "beta_adapt": Parameter(1.8, None, "threshold increase per unit of adaptation", "non_negative"),
        "v_th": Parameter(1.0, None, "threshold at rest"),
        "v_reset": Parameter(0.0, None, "potential after a spike (reset='value')"),
        "v_rest": Parameter(0.0, None, "resting potential"),
        "refractory_ms": Parameter(0.0, "ms", "absolute refractory period", "non_negative"),
    }
    jump = "a += 1 - exp(-dt / tau_adapt_ms)"
    fields: dict = dict(
        threshold="v >= v_th + beta_adapt * a * exp(dt / tau_adapt_ms)",  # the adaptation before the decay
        reset=f"{RESETS[reset]}; {jump}" if RESETS[reset] else jump, refractory="refractory_ms",
        initial={"v": "v_rest"}, integrator="exact", checks=("v_th > v_reset",), threshold_parameter="v_th",
    )  # fmt: skip
    name = "alif" if reset == "subtract" else f"alif_{reset}"
    adapt = "da/dt = -a / tau_adapt_ms"
    if input_mode == "delta":
        return ModelSpec(name, parameters=parameters, state={"v": None, "a": None}, input=("v", None),
                         input_at="end", equations=f"dv/dt = -(v - v_rest) / tau_mem_ms\n{adapt}",
                         doc=f"Adaptive-threshold LIF (Bellec et al. 2018), delta input, reset {reset!r}",
                         **fields)  # fmt: skip
    parameters["r_mem"] = Parameter(1.0, None, "membrane resistance", "positive")
    membrane = "dv/dt = (-(v - v_rest) + r_mem * I) / tau_mem_ms"
    return ModelSpec(f"{name}_current", parameters=parameters, state={"v": None, "a": None},
                     input=("I", None), equations=f"{membrane}\n{adapt}",
                     doc=f"Adaptive-threshold LIF (Bellec et al. 2018), current input, reset {reset!r}",
                     **fields)  # fmt: skip


def specs() -> list:
    """Every specification of the ALIF (each reset and input mode)."""
    return [spec(reset, mode) for reset in RESET_MODES for mode in INPUT_MODES]


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


@dataclass(frozen=True)
class ALIFParams(SpecMembraneParams):
    """Parameters of the ALIF.

    Adds to :class:`~spikeflow.neurons._base.MembraneParams`:

    Attributes:
        tau_adapt_ms: adaptation time constant (ms), > 0 (Bellec et al. use 200 to 2000).
        beta_adapt: threshold increase per unit of adaptation (potential units), >= 0.
    """

    tau_adapt_ms: float = 200.0
    beta_adapt: float = 1.8
    state_cls = ALIFState

    def __post_init__(self) -> None:
        super().__post_init__()
        _checks.positive("tau_adapt_ms", self.tau_adapt_ms)
        _checks.non_negative("beta_adapt", self.beta_adapt)

    def spec_for(self, reset: str) -> Any:
        """The ALIF's specification with ``reset`` and these parameters' input mode."""
        return spec(reset, self.input_mode)

    def spec_names(self) -> tuple[str, ...]:
        """The specification's parameters these fields fill."""
        current = ("r_mem",) if self.input_mode == "current" else ()
        return ("tau_mem_ms", "tau_adapt_ms", "beta_adapt", "v_th", "v_reset", "v_rest", "refractory_ms",
                *current)  # fmt: skip


def init_state(
    shape: tuple[int, ...],
    params: ALIFParams | Any,
    dtype: torch.dtype | None = None,
    device: torch.device | str | None = None,
) -> ALIFState:
    """At rest: ``v = v_rest``, no adaptation, not refractory."""
    c = params.coeffs() if isinstance(params, ALIFParams) else params
    return rest_state(ALIFState, shape, rest_v(c), dtype, device)


def rest_v(c: Any) -> float:
    """The resting potential (``v_rest``); every other state field rests at 0."""
    return c.params.values["v_rest"]


def step(x: torch.Tensor, state: ALIFState, params: ALIFParams | Any) -> tuple[torch.Tensor, ALIFState]:
    """Advance one step with input ``x`` (``[batch, *features]``). Returns ``(spikes, state)``."""
    from ..codegen import runtime

    check_step(x, state)
    c = params.coeffs() if isinstance(params, ALIFParams) else params
    return runtime.torch_step(c.params.spec)(x, state, c)


MODEL = NeuronModel("alif", ALIFParams, ALIFState, init_state, step, rest_v=rest_v)

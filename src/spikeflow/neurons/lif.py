"""Leaky integrate-and-fire neuron.

Continuous model (potential ``v`` in mV, or unitless in training; time in ms)::

    tau_mem dv/dt = -(v - v_rest) + R I(t),    spike when v >= v_th, then reset

integrated exactly over a step of ``dt_ms`` (``decay = exp(-dt/tau_mem)``):

* ``input_mode="delta"``: the input jumps ``v`` after the step's decay,
  ``v[t] = v_rest + decay (v[t-1] - v_rest) + x[t]`` (snnTorch's convention);
* ``input_mode="current"``: the input is a current held over the step,
  ``v[t] = v_rest + decay (v[t-1] - v_rest) + R (1 - decay) x[t]``;

then ``z[t] = H(v[t] - v_th)`` and the reset: subtract ``v_th - v_reset`` (keeps the
overshoot), set to ``v_reset``, or none. An absolute refractory period holds ``v`` at
``v_reset`` for ``round(refractory_ms / dt_ms)`` steps after each spike (with any reset:
the potential is ``v_reset`` from the spike on).

The dynamics are written once, as the specification :func:`spec` of each reset and input
mode (:mod:`spikeflow.neurons.spec`), and every backend is generated from it: the torch
step that :func:`step` runs, the fused training kernels (CPU and GPU, learnable time
constant and threshold included) of :class:`spikeflow.nn.LIF` and its linear and
recurrent variants, and the network simulator's fast loop (compiled ahead of time with the
other built-in specifications). :class:`LIFParams` stays the parameter class users pass;
its :meth:`~LIFParams.coeffs` are the specification's.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, NamedTuple

from .. import _checks
from .._lazy import torch
from ._base import INPUT_MODES, RESET_MODES, NeuronModel, SpecMembraneParams, check_step, rest_state

# the reset statements of each mode (the synaptic LIF's too)
RESETS = {"subtract": "v -= v_th - v_reset", "value": "v = v_reset", "none": ""}


@functools.cache
def spec(reset: str = "subtract", input_mode: str = "delta") -> Any:
    """The :class:`~spikeflow.neurons.spec.ModelSpec` of the LIF with ``reset``
    (``"subtract"``, ``"value"``: with a refractory period, ``"none"``) and ``input_mode``
    (``"delta"``: a jump after the decay, ``"current"``: a current through ``r_mem``).
    Named ``lif``, ``lif_value``, ``lif_none``, with ``_current`` appended for a current
    input; unitless, as in training."""
    from .spec import ModelSpec, Parameter

    _checks.choice("reset", reset, RESET_MODES)
    _checks.choice("input_mode", input_mode, INPUT_MODES)
    parameters = {
        "tau_mem_ms": Parameter(10.0, "ms", "membrane time constant (math.inf: no leak)", "time_constant"),
        "v_th": Parameter(1.0, None, "threshold"),
        "v_reset": Parameter(0.0, None, "potential after a spike (reset='value'); v_th - v_reset is "
                                        "subtracted by reset='subtract'"),  # fmt: skip
        "v_rest": Parameter(0.0, None, "resting potential"),
        # (LIFParams runs a refractory period on reset='value': the held potential is v_reset)
        "refractory_ms": Parameter(0.0, "ms", "absolute refractory period", "non_negative"),
    }
    fields: dict = dict(threshold="v >= v_th", reset=RESETS[reset], initial={"v": "v_rest"},
                        refractory="refractory_ms", integrator="exact", checks=("v_th > v_reset",),
                        threshold_parameter="v_th")  # fmt: skip
    name = "lif" if reset == "subtract" else f"lif_{reset}"
    if input_mode == "delta":
        return ModelSpec(name, parameters=parameters, state={"v": None}, input=("v", None), input_at="end",
                         equations="dv/dt = -(v - v_rest) / tau_mem_ms",
                         doc=f"Leaky integrate-and-fire, delta input, reset {reset!r}", **fields)  # fmt: skip
    parameters["r_mem"] = Parameter(1.0, None, "membrane resistance", "positive")
    return ModelSpec(f"{name}_current", parameters=parameters, state={"v": None}, input=("I", None),
                     equations="dv/dt = (-(v - v_rest) + r_mem * I) / tau_mem_ms",
                     doc=f"Leaky integrate-and-fire, current input, reset {reset!r}", **fields)  # fmt: skip


def specs() -> list:
    """Every specification of the LIF (each reset and input mode)."""
    return [spec(reset, mode) for reset in RESET_MODES for mode in INPUT_MODES]


class LIFState(NamedTuple):
    """LIF state, each tensor of shape ``[batch, *features]``.

    Attributes:
        v: membrane potential.
        refractory: refractory steps left (0 when free to fire; always 0 without a
            refractory period).
    """

    v: torch.Tensor
    refractory: torch.Tensor


@dataclass(frozen=True)
class LIFParams(SpecMembraneParams):
    """Parameters of the LIF neuron; see :class:`~spikeflow.neurons._base.MembraneParams`
    (``tau_mem_ms``, ``dt_ms``, ``v_th``, ``v_reset``, ``v_rest``, ``reset``,
    ``refractory_ms``, ``input_mode``, ``r_mem``, ``surrogate``, ``surrogate_slope``,
    ``detach_reset``). :meth:`coeffs` are the specification's (its state an
    :class:`LIFState`)."""

    state_cls = LIFState

    def spec_for(self, reset: str) -> Any:
        """The LIF's specification with ``reset`` and these parameters' input mode."""
        return spec(reset, self.input_mode)

    def spec_names(self) -> tuple[str, ...]:
        """The specification's parameters these fields fill."""
        current = ("r_mem",) if self.input_mode == "current" else ()
        return ("tau_mem_ms", "v_th", "v_reset", "v_rest", "refractory_ms", *current)


def init_state(
    shape: tuple[int, ...],
    params: LIFParams | Any,
    dtype: torch.dtype | None = None,
    device: torch.device | str | None = None,
) -> LIFState:
    """A neuron at rest: ``v = v_rest`` and not refractory."""
    c = params.coeffs() if isinstance(params, LIFParams) else params
    return rest_state(LIFState, shape, rest_v(c), dtype, device)


def rest_v(c: Any) -> float:
    """The resting potential (``v_rest``); every other state field rests at 0."""
    return c.params.values["v_rest"]


def step(x: torch.Tensor, state: LIFState, params: LIFParams | Any) -> tuple[torch.Tensor, LIFState]:
    """Advance one step of ``dt_ms``.

    Args:
        x: input of this step, ``[batch, *features]`` (voltage jump or current, see
            ``input_mode``).
        state: :class:`LIFState` with tensors of the same shape as ``x``.
        params: :class:`LIFParams`, or the coefficients it derives (tensors allowed).

    Returns:
        ``(spikes, new_state)``; spikes are 0/1 in ``x``'s dtype.
    """
    from ..codegen import runtime

    check_step(x, state)
    c = params.coeffs() if isinstance(params, LIFParams) else params
    return runtime.torch_step(c.params.spec)(x, state, c)


MODEL = NeuronModel("lif", LIFParams, LIFState, init_state, step, rest_v=rest_v)

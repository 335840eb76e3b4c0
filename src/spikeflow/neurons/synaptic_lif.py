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
(``dt/tau_mem exp(-dt/tau_mem)`` when the two time constants are equal: the propagator,
a matrix exponential computed numerically, has no singularity there). Reset and
refractory period as the LIF's (:mod:`spikeflow.neurons.lif`).

The dynamics are written once, as the specification :func:`spec` of each reset mode, and
every backend is generated from it: the torch step that :func:`step` runs, the fused
training kernels (CPU and GPU) of :class:`spikeflow.nn.SynapticLIF` and its linear and
recurrent variants. :class:`SynapticLIFParams` stays the parameter class users pass; its
:meth:`~SynapticLIFParams.coeffs` are the specification's.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, NamedTuple

from .. import _checks
from .._lazy import torch
from ._base import RESET_MODES, NeuronModel, SpecMembraneParams, check_step, rest_state
from .lif import RESETS


@functools.cache
def spec(reset: str = "subtract") -> Any:
    """The :class:`~spikeflow.neurons.spec.ModelSpec` of the synaptic LIF with ``reset``
    (``"subtract"``, ``"value"``: with a refractory period, ``"none"``): named
    ``synaptic_lif``, ``synaptic_lif_value``, ``synaptic_lif_none``; unitless, as in
    training."""
    from .spec import ModelSpec, Parameter

    _checks.choice("reset", reset, RESET_MODES)
    parameters = {
        "tau_mem_ms": Parameter(10.0, "ms", "membrane time constant (math.inf: no leak)", "time_constant"),
        "tau_syn_ms": Parameter(5.0, "ms", "synaptic current time constant"),
        "v_th": Parameter(1.0, None, "threshold"),
        "v_reset": Parameter(0.0, None, "potential after a spike (reset='value')"),
        "v_rest": Parameter(0.0, None, "resting potential"),
        "refractory_ms": Parameter(0.0, "ms", "absolute refractory period", "non_negative"),
    }
    name = "synaptic_lif" if reset == "subtract" else f"synaptic_lif_{reset}"
    return ModelSpec(
        name, parameters=parameters, state={"v": None, "i": None},
        equations="""dv/dt = (-(v - v_rest) + i) / tau_mem_ms
                     di/dt = -i / tau_syn_ms""",
        input=("i", None), threshold="v >= v_th", reset=RESETS[reset], refractory="refractory_ms",
        initial={"v": "v_rest"}, integrator="exact", checks=("v_th > v_reset",), threshold_parameter="v_th",
        doc=f"Current-based synaptic LIF (exact second-order propagator), reset {reset!r}",
    )  # fmt: skip


def specs() -> list:
    """Every specification of the synaptic LIF (each reset mode)."""
    return [spec(reset) for reset in RESET_MODES]


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


@dataclass(frozen=True)
class SynapticLIFParams(SpecMembraneParams):
    """Parameters of the synaptic LIF.

    Adds ``tau_syn_ms`` (synaptic current time constant, ms, > 0) to
    :class:`~spikeflow.neurons._base.MembraneParams`. ``input_mode`` must stay
    ``"delta"``: inputs are jumps of the synaptic current (``r_mem`` is unused).
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

    state_cls = SynapticLIFState

    def spec_for(self, reset: str) -> Any:
        """The synaptic LIF's specification with ``reset``."""
        return spec(reset)

    def spec_names(self) -> tuple[str, ...]:
        """The specification's parameters these fields fill."""
        return ("tau_mem_ms", "tau_syn_ms", "v_th", "v_reset", "v_rest", "refractory_ms")


def init_state(
    shape: tuple[int, ...],
    params: SynapticLIFParams | Any,
    dtype: torch.dtype | None = None,
    device: torch.device | str | None = None,
) -> SynapticLIFState:
    """At rest: ``v = v_rest``, no synaptic current, not refractory."""
    c = params.coeffs() if isinstance(params, SynapticLIFParams) else params
    return rest_state(SynapticLIFState, shape, rest_v(c), dtype, device)


def rest_v(c: Any) -> float:
    """The resting potential (``v_rest``); every other state field rests at 0."""
    return c.params.values["v_rest"]


def step(
    x: torch.Tensor, state: SynapticLIFState, params: SynapticLIFParams | Any
) -> tuple[torch.Tensor, SynapticLIFState]:
    """Advance one step: ``x`` (``[batch, *features]``) jumps the synaptic current.

    Returns ``(spikes, new_state)``.
    """
    from ..codegen import runtime

    check_step(x, state)
    c = params.coeffs() if isinstance(params, SynapticLIFParams) else params
    return runtime.torch_step(c.params.spec)(x, state, c)


MODEL = NeuronModel("synaptic_lif", SynapticLIFParams, SynapticLIFState, init_state, step, rest_v=rest_v)

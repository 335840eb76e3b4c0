"""Non-spiking leaky integrator (LI), the usual readout of a spiking network.

``tau_mem dv/dt = -(v - v_rest) + R I`` integrated exactly; with
``decay = exp(-dt/tau_mem)``::

    v[t] = v_rest + decay (v[t-1] - v_rest) + gain x[t]

where ``gain`` is 1 for ``input_mode="delta"`` (the input jumps ``v`` after the step's
decay) and ``R (1 - decay)`` for ``"current"`` (a current held over the step). The output
of :func:`step` is the potential itself.

The dynamics are written once, as the specification :func:`spec` of each input mode
(:mod:`spikeflow.neurons.spec`), and every backend is generated from it: the torch step
that :func:`step` runs, the fused training kernels (CPU and GPU) of
:class:`spikeflow.nn.LI`. :class:`LIParams` stays the parameter class users pass; its
:meth:`~LIParams.coeffs` are the specification's (built on first use: reading a
specification imports SymPy).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, NamedTuple

from .. import _checks
from .._lazy import torch
from ._base import INPUT_MODES, NeuronModel, check_step, rest_state


@functools.cache
def spec(input_mode: str = "delta") -> Any:
    """The :class:`~spikeflow.neurons.spec.ModelSpec` of the leaky integrator with
    ``input_mode`` (``"delta"``: ``li``, the input a jump after the decay;
    ``"current"``: ``li_current``, a current through ``r_mem``); unitless, as in training."""
    from .spec import ModelSpec, Parameter

    _checks.choice("input_mode", input_mode, INPUT_MODES)
    parameters = {"tau_mem_ms": Parameter(10.0, "ms", "membrane time constant"),
                  "v_rest": Parameter(0.0, None, "resting potential")}  # fmt: skip
    common = dict(state={"v": None}, initial={"v": "v_rest"}, integrator="exact")
    if input_mode == "delta":
        return ModelSpec("li", parameters=parameters, equations="dv/dt = -(v - v_rest) / tau_mem_ms",
                         input=("v", None), input_at="end", doc="Leaky integrator, delta input",
                         **common)  # fmt: skip
    parameters["r_mem"] = Parameter(1.0, None, "membrane resistance", "positive")
    return ModelSpec("li_current", parameters=parameters, input=("I", None),
                     equations="dv/dt = (-(v - v_rest) + r_mem * I) / tau_mem_ms",
                     doc="Leaky integrator, current input", **common)  # fmt: skip


@dataclass(frozen=True)
class LIParams:
    """Parameters of the leaky integrator.

    Attributes:
        tau_mem_ms: membrane time constant (ms), > 0.
        dt_ms: step (ms), > 0.
        v_rest: resting potential.
        input_mode: ``"delta"`` (input adds to ``v``) or ``"current"`` (held current).
        r_mem: resistance used by ``input_mode="current"``.
    """

    tau_mem_ms: float = 10.0
    dt_ms: float = 1.0
    v_rest: float = 0.0
    input_mode: str = "delta"
    r_mem: float = 1.0

    def __post_init__(self) -> None:
        _checks.positive("tau_mem_ms", self.tau_mem_ms)
        _checks.positive("dt_ms", self.dt_ms)
        _checks.real("v_rest", self.v_rest)
        _checks.positive("r_mem", self.r_mem)
        _checks.choice("input_mode", self.input_mode, INPUT_MODES)

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}  # not the caches

    @property
    def spec(self) -> Any:
        """The :class:`~spikeflow.neurons.spec.ModelSpec` of these parameters' input mode
        (the network simulator runs it: generated code on both backends)."""
        return spec(self.input_mode)

    def spec_params(self) -> Any:
        """The specification's parameter set (:class:`~spikeflow.neurons.spec.SpecParams`)."""
        from .spec import class_params

        def build() -> tuple:
            values = {"tau_mem_ms": self.tau_mem_ms, "v_rest": self.v_rest, "dt_ms": self.dt_ms}
            if self.input_mode == "current":
                values["r_mem"] = self.r_mem
            return spec(self.input_mode), values

        return class_params(self, build)

    def coeffs(self, tensors: dict | None = None) -> Any:
        """The per-step constants :func:`step` reads (the specification's
        :class:`~spikeflow.codegen.runtime.SpecCoeffs`, its state an :class:`LIState`);
        ``tensors``: parameter name -> tensor (learnable, e.g. ``tau_mem_ms``)."""
        from .spec import class_coeffs

        return class_coeffs(self, LIState, tensors)


class LIState(NamedTuple):
    """Leaky-integrator state: the potential ``v``, shape ``[batch, *features]``."""

    v: torch.Tensor


def init_state(
    shape: tuple[int, ...],
    params: LIParams | Any,
    dtype: torch.dtype | None = None,
    device: torch.device | str | None = None,
) -> LIState:
    """At rest: ``v = v_rest``."""
    c = params.coeffs() if isinstance(params, LIParams) else params
    return rest_state(LIState, shape, rest_v(c), dtype, device)


def rest_v(c: Any) -> float:
    """The resting potential (``v_rest``)."""
    return c.params.values["v_rest"]


def step(x: torch.Tensor, state: LIState, params: LIParams | Any) -> tuple[torch.Tensor, LIState]:
    """Advance one step; returns ``(v, new_state)`` with ``v`` of ``x``'s shape."""
    from ..codegen import runtime

    check_step(x, state)
    c = params.coeffs() if isinstance(params, LIParams) else params
    return runtime.torch_step(c.params.spec)(x, state, c)


MODEL = NeuronModel("li", LIParams, LIState, init_state, step, spiking=False, rest_v=rest_v)

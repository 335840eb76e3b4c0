"""Current-based LIF with separate excitatory and inhibitory exponential synaptic
currents (the CUBA benchmark of Brette et al. 2007; NEST's ``iaf_psc_exp``). Potentials
in mV, times in ms; the synaptic currents are in units of potential (``R I``).

::

    tau_m dV/dt = -(V - E_L) + I_ex + I_in
    tau_ex dI_ex/dt = -I_ex,   tau_in dI_in/dt = -I_in

Each step's input ``x`` (mV) jumps ``I_ex`` where positive and ``I_in`` where negative, at
the start of the step; the linear system is then integrated exactly over ``dt_ms`` (its
propagator). A spike is ``V >= V_th``, then ``V = V_reset`` held for ``t_ref_ms``.

The dynamics are written once, as the specification :func:`spec`, and every backend is
generated from it: the torch step that :func:`step` runs, the network simulator's fast
loop (compiled ahead of time with the other built-in specifications), the fused training
kernels (CPU and GPU) of a :class:`spikeflow.nn.SpecLayer`. :class:`CubaLIFParams` stays
the parameter class users pass; its :meth:`~CubaLIFParams.coeffs` are the
specification's.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, NamedTuple

from .. import _checks, surrogate
from .._lazy import torch
from ._base import NeuronModel, check_step, rest_state


@functools.cache
def spec() -> Any:
    """The :class:`~spikeflow.neurons.spec.ModelSpec` ``cuba_lif``."""
    from .spec import ModelSpec, Parameter

    return ModelSpec(
        "cuba_lif",
        parameters={
            "tau_m_ms": Parameter(20.0, "ms", "membrane time constant"),
            "tau_ex_ms": Parameter(5.0, "ms", "excitatory synaptic time constant"),
            "tau_in_ms": Parameter(10.0, "ms", "inhibitory synaptic time constant"),
            "E_L": Parameter(-49.0, "mV", "resting potential"),
            "V_th": Parameter(-50.0, "mV", "threshold"),
            "V_reset": Parameter(-60.0, "mV", "potential after a spike"),
            "t_ref_ms": Parameter(5.0, "ms", "refractory period", "non_negative"),
        },
        state={"v": "mV", "i_ex": "mV", "i_in": "mV"},
        equations="""dv/dt = (-(v - E_L) + i_ex + i_in) / tau_m_ms
                     di_ex/dt = -i_ex / tau_ex_ms
                     di_in/dt = -i_in / tau_in_ms""",
        receptors={"exc": "i_ex += x", "inh": "i_in += x"},
        threshold="v >= V_th",
        reset="v = V_reset",
        refractory="t_ref_ms",
        initial={"v": "E_L"},
        integrator="exact",
        checks=("V_th > V_reset",),
        threshold_parameter="V_th",
        doc="Current-based LIF with exponential excitatory and inhibitory currents (Brette et al. 2007)",
    )


_NAMES = ("tau_m_ms", "tau_ex_ms", "tau_in_ms", "E_L", "V_th", "V_reset", "t_ref_ms")


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
        _checks.period_steps("t_ref_ms", self.t_ref_ms, self.dt_ms)
        surrogate.get(self.surrogate, self.surrogate_slope)  # a bad name or slope fails here

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}  # not the caches

    @property
    def spec(self) -> Any:
        """The :class:`~spikeflow.neurons.spec.ModelSpec` these parameters are values of
        (the network simulator runs it: generated code on both backends)."""
        return spec()

    def spec_params(self) -> Any:
        """The specification's parameter set (:class:`~spikeflow.neurons.spec.SpecParams`)."""
        from .spec import class_params

        def build() -> tuple:
            options = dict(dt_ms=self.dt_ms, surrogate=self.surrogate, surrogate_slope=self.surrogate_slope)
            return spec(), {**{name: getattr(self, name) for name in _NAMES}, **options}

        return class_params(self, build)

    def coeffs(self, tensors: dict | None = None) -> Any:
        """The per-step constants :func:`step` reads (the specification's
        :class:`~spikeflow.codegen.runtime.SpecCoeffs`, its state a :class:`CubaLIFState`);
        ``tensors``: parameter name -> tensor (learnable, e.g. ``tau_m_ms``)."""
        from .spec import class_coeffs

        return class_coeffs(self, CubaLIFState, tensors)


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


def rest_v(c: Any) -> float:
    """The resting potential (``E_L``, mV); every other state field rests at 0."""
    return c.params.values["E_L"]


def step(x: Any, state: CubaLIFState, params: Any) -> tuple[torch.Tensor, CubaLIFState]:
    """Advance one step; ``x`` (mV) jumps the excitatory current where positive and the
    inhibitory one where negative; or a pair ``(x_ex >= 0, x_in <= 0)`` of the two
    receptors' inputs kept apart (the simulator's per-receptor buffers). Returns
    ``(spikes, state)``."""
    from ..codegen import runtime

    check_step(x, state)
    c = params.coeffs() if isinstance(params, CubaLIFParams) else params
    return runtime.torch_step(spec())(x, state, c)


MODEL = NeuronModel("cuba_lif", CubaLIFParams, CubaLIFState, init_state, step, rest_v=rest_v)

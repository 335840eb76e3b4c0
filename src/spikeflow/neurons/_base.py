"""Pieces shared by the neuron models: exact decay factors, the membrane parameters and
their checks (:class:`MembraneParams`; :class:`SpecMembraneParams` in front of the LIF's,
synaptic LIF's and ALIF's specifications), the threshold, reset and refractoriness of the
hand-written conductance-based LIF, and the :class:`NeuronModel` descriptor that lets the
trainable layers and the simulator drive any model through the same ``step``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from .. import _checks, surrogate
from .._lazy import torch
from ..surrogate import SpikeFunction

RESET_MODES = ("subtract", "value", "none")
INPUT_MODES = ("delta", "current")


def exp_decay(dt_ms: float, tau_ms: float) -> float:
    """Exact per-step decay ``exp(-dt/tau)`` of ``tau dx/dt = -x`` (both in ms)."""
    return math.exp(-dt_ms / tau_ms)


def scaled(gain, x: torch.Tensor) -> torch.Tensor:  # noqa: ANN001
    """``gain * x``, skipping the multiply when ``gain`` is the float 1."""
    if isinstance(gain, float) and gain == 1.0:
        return x
    return gain * x


def sim_exp(x: torch.Tensor, vectorised: bool = False) -> torch.Tensor:
    """``exp(x)`` as the network simulator's fast loop computes it, where ``x`` is a
    float64 CPU tensor that needs no gradient (the reference backend's steps) and Numba
    is installed, so that both backends give the same bits: the C library's ``exp``
    (:func:`spikeflow.sim.fast_cpu.libm_exp`, as the scalar updates of Hodgkin-Huxley and
    AdEx call it) or, with ``vectorised``, the loop's vectorised exponential
    (:func:`spikeflow.sim.fast_cpu.vexp`, the conductance LIF's). Elsewhere (training,
    other dtypes and devices, under ``torch.compile``) ``torch.exp``: within one unit in
    the last place of both."""
    if (
        x.dtype != torch.float64
        or x.device.type != "cpu"
        or (x.requires_grad and torch.is_grad_enabled())
        or torch.compiler.is_compiling()  # traced: no NumPy round trip
    ):
        return torch.exp(x)
    try:
        from ..sim import fast_cpu
    except ImportError:  # no Numba: no fast backend to agree with
        return torch.exp(x)
    a = x.detach().contiguous().numpy()
    out = np.empty_like(a)
    (fast_cpu.vexp_into if vectorised else fast_cpu.libm_exp)(a.reshape(-1), out.reshape(-1))
    return torch.from_numpy(out)


def refractory_steps(refractory_ms: float, dt_ms: float) -> int:
    """Number of whole steps of an absolute refractory period (rounded to nearest)."""
    return _checks.period_steps("refractory_ms", refractory_ms, dt_ms)


class MembraneCoeffs(NamedTuple):
    """Derived, per-step quantities of the membrane, threshold and reset.

    Fields may be Python floats or tensors (trainable layers pass tensors).
    """

    decay: Any
    gain: Any
    v_th: Any
    v_reset: Any
    v_rest: Any
    reset: str
    refractory_steps: int
    spike: SpikeFunction
    detach_reset: bool


def validate_membrane(p: Any) -> None:
    """Validate the membrane fields every spiking parameter dataclass shares."""
    _checks.time_constant("tau_mem_ms", p.tau_mem_ms)
    _checks.positive("dt_ms", p.dt_ms)
    _checks.real("v_th", p.v_th)
    _checks.real("v_reset", p.v_reset)
    _checks.real("v_rest", p.v_rest)
    _checks.positive("r_mem", p.r_mem)
    _checks.non_negative("refractory_ms", p.refractory_ms)
    _checks.choice("reset", p.reset, RESET_MODES)
    _checks.choice("input_mode", p.input_mode, INPUT_MODES)
    if p.input_mode == "current" and math.isinf(p.tau_mem_ms):
        raise ValueError(
            "input_mode='current' needs a finite tau_mem_ms (the gain R (1 - decay) would be 0);"
            " use input_mode='delta' for a non-leaky integrate-and-fire neuron"
        )
    if not p.v_th > p.v_reset:
        raise ValueError(f"v_th must be above v_reset, got v_th={p.v_th!r} and v_reset={p.v_reset!r}")
    if p.refractory_ms > 0 and refractory_steps(p.refractory_ms, p.dt_ms) == 0:
        raise ValueError(
            f"refractory_ms={p.refractory_ms!r} is shorter than half a step (dt_ms={p.dt_ms!r});"
            " expected 0 or at least dt_ms / 2"
        )


def hold_refractory(v: torch.Tensor, refractory: torch.Tensor, c: MembraneCoeffs) -> torch.Tensor:
    """Neurons still refractory (``refractory > 0`` steps left) are held at ``v_reset``."""
    if c.refractory_steps > 0:
        v = torch.where(refractory > 0, torch.as_tensor(c.v_reset, dtype=v.dtype), v)
    return v


def value_reset(v_th: float, v_reset: float, refractory_steps: int, spike: SpikeFunction) -> MembraneCoeffs:
    """Threshold, reset-to-value and refractoriness of a model whose membrane update is its
    own (conductance- and current-based LIF): the pieces :func:`hold_refractory` and
    :func:`fire_and_reset` use. The decay, gain and rest fields are unused (NaN)."""
    nan = float("nan")
    return MembraneCoeffs(nan, nan, v_th, v_reset, nan, "value", refractory_steps, spike, False)


def fire_and_reset(
    v: torch.Tensor, threshold: Any, refractory: torch.Tensor, c: MembraneCoeffs
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Emit spikes where ``v >= threshold``, apply the reset, update the refractory counter.

    Returns ``(spikes, v_after_reset, refractory)``.
    """
    z = c.spike(v - threshold)
    if c.refractory_steps > 0:
        z = z * (refractory <= 0).to(z.dtype)
    zr = z.detach() if c.detach_reset else z
    if c.reset == "subtract":
        v = v - scaled(c.v_th - c.v_reset, zr)
    elif c.reset == "value":
        v = v - zr * (v - c.v_reset)
    if c.refractory_steps > 0:
        refractory = torch.where(
            z > 0, torch.full_like(refractory, c.refractory_steps), (refractory - 1).clamp_min(0)
        )
    return z, v, refractory


@dataclass(frozen=True)
class MembraneParams:
    """Membrane, threshold and reset parameters shared by the spiking point-neuron models.

    Attributes:
        tau_mem_ms: membrane time constant (ms), > 0; ``math.inf`` makes the neuron a
            non-leaky integrate-and-fire (IF) neuron.
        dt_ms: integration step (ms), > 0. Decay factors are derived exactly as
            ``exp(-dt_ms / tau)``.
        v_th: firing threshold (mV, or unitless in training), above ``v_reset``.
        v_reset: potential after a spike with ``reset="value"``; with ``"subtract"``
            a spike lowers the potential by ``v_th - v_reset``.
        v_rest: resting (leak) potential the membrane decays toward.
        reset: ``"subtract"`` (keeps the overshoot), ``"value"`` (to ``v_reset``) or
            ``"none"``.
        refractory_ms: absolute refractory period (ms), >= 0, rounded to whole steps;
            the membrane is held at ``v_reset`` during it.
        input_mode: ``"delta"``: each step's input is added to the potential (a voltage
            jump; input unit = potential unit). ``"current"``: the input is a current held
            over the step, integrated exactly with resistance ``r_mem``.
        r_mem: membrane resistance (MOhm, or unitless) used by ``input_mode="current"``.
        surrogate: surrogate-gradient name, see :mod:`spikeflow.surrogate`.
        surrogate_slope: its slope; ``None`` takes the surrogate's default.
        detach_reset: stop gradients through the reset term (as snnTorch does).
    """

    tau_mem_ms: float = 10.0
    dt_ms: float = 1.0
    v_th: float = 1.0
    v_reset: float = 0.0
    v_rest: float = 0.0
    reset: str = "subtract"
    refractory_ms: float = 0.0
    input_mode: str = "delta"
    r_mem: float = 1.0
    surrogate: str = "fast_sigmoid"
    surrogate_slope: float | None = None
    detach_reset: bool = False

    def __post_init__(self) -> None:
        validate_membrane(self)
        object.__setattr__(self, "_spike", surrogate.get(self.surrogate, self.surrogate_slope))


@dataclass(frozen=True)
class SpecMembraneParams(MembraneParams):
    """:class:`MembraneParams` in front of a specification per reset mode (the LIF's, the
    synaptic LIF's, the ALIF's): a refractory period runs the ``"value"`` one (the potential is held
    at ``v_reset``). A subclass names its specification (:meth:`spec_for`), the
    specification's parameters it fills (:meth:`spec_names`) and its state class
    (``state_cls``)."""

    state_cls = None  # (a class attribute, not a field)

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in ("_spec_params", "_coeffs")}  # no caches

    def spec_for(self, reset: str) -> Any:  # overridden per model
        """The model's specification with ``reset``."""
        raise NotImplementedError

    def spec_names(self) -> tuple[str, ...]:  # overridden per model
        """The specification's parameters, taken from the fields of the same names."""
        raise NotImplementedError

    def spec_reset(self) -> str:
        """The reset of the specification these parameters run: their ``reset``, or
        ``"value"`` with a refractory period (the potential is held at ``v_reset``)."""
        return "value" if self.refractory_ms > 0 else self.reset

    @property
    def spec(self) -> Any:
        """The :class:`~spikeflow.neurons.spec.ModelSpec` these parameters run (the
        network simulator runs it too: generated code on both backends)."""
        return self.spec_for(self.spec_reset())

    def spec_params(self) -> Any:
        """The specification's parameter set (:class:`~spikeflow.neurons.spec.SpecParams`)."""
        from .spec import class_params

        def build() -> tuple:
            options = dict(dt_ms=self.dt_ms, surrogate=self.surrogate, surrogate_slope=self.surrogate_slope,
                           detach_reset=self.detach_reset)  # fmt: skip
            return self.spec, {**{n: getattr(self, n) for n in self.spec_names()}, **options}

        return class_params(self, build)

    def coeffs(self, tensors: dict | None = None) -> Any:
        """The per-step constants the step reads (the specification's
        :class:`~spikeflow.codegen.runtime.SpecCoeffs`, its state a ``state_cls``);
        ``tensors``: parameter name -> tensor (learnable time constants, ``v_th``)."""
        from .spec import class_coeffs

        return class_coeffs(self, self.state_cls, tensors)


@dataclass(frozen=True)
class NeuronModel:
    """Descriptor of one neuron model, used by the generic layers and runners.

    Attributes:
        name: short model name (``"lif"``).
        params_cls: the frozen parameter dataclass.
        state_cls: the NamedTuple of state tensors.
        init_state: ``(shape, coeffs, dtype, device) -> state``.
        step: ``(x, state, params_or_coeffs) -> (spikes, state)``; for non-spiking
            models the first output is the membrane potential.
        spiking: whether the first output of ``step`` is spikes.
        rest_v: ``coeffs -> float``, the resting potential, for models whose state at rest
            is ``v`` at it and every other field 0 (``init_state`` builds it so, and the
            network simulator builds it as NumPy arrays without importing torch); ``None``
            when the rest state is more (Izhikevich's ``u = b v``, Hodgkin-Huxley's gates).
        rest_arrays: ``(n, coeffs, numpy dtype) -> state`` of ``[n]`` NumPy arrays at rest,
            for models whose rest state is more than ``v`` but can be built without torch
            (Izhikevich); ``None`` where the simulator builds it through ``init_state``.
    """

    name: str
    params_cls: type
    state_cls: type
    init_state: Callable[..., Any]
    step: Callable[..., tuple[torch.Tensor, Any]]
    spiking: bool = True
    rest_v: Callable[[Any], float] | None = None
    rest_arrays: Callable[..., Any] | None = None


def rest_state(state_cls: type, shape, v_rest, dtype, device):  # noqa: ANN001, ANN201
    """A state of ``state_cls`` at rest: field ``v`` filled with ``v_rest``, the others zero
    (``dtype`` None: float32)."""
    dtype = state_dtype(dtype)
    return state_cls(
        *(
            full_state(shape, v_rest, dtype, device)
            if name == "v"
            else torch.zeros(shape, dtype=dtype, device=device)
            for name in state_cls._fields
        )
    )


def state_dtype(dtype: torch.dtype | None) -> torch.dtype:
    """The dtype of a new state: ``dtype``, or float32 when ``None`` (the default of every
    ``init_state``, resolved by :func:`full_state` and :func:`rest_state`; a default written
    as ``torch.float32`` would import torch when the module is imported, see
    :mod:`spikeflow._lazy`)."""
    return torch.float32 if dtype is None else dtype


def full_state(shape, value, dtype, device) -> torch.Tensor:  # noqa: ANN001
    """A state tensor of ``shape`` filled with ``value`` (a float or a tensor broadcastable to
    it); ``dtype`` None: float32."""
    dtype = state_dtype(dtype)
    if isinstance(value, torch.Tensor):
        return value.detach().to(dtype=dtype, device=device).expand(shape).clone()
    return torch.full(shape, float(value), dtype=dtype, device=device)


def check_step(x: Any, state: Any) -> None:
    """Raise TypeError/ValueError unless ``x`` is a tensor (or a pair of tensors: the
    excitatory and inhibitory inputs of a two-receptor model) and every field of ``state``
    is a tensor of its shape: a ``step`` broadcast a state of another shape silently and
    took NumPy arrays that the layers refuse."""
    first = x[0] if isinstance(x, tuple) else x
    for k, t in enumerate(x if isinstance(x, tuple) else (x,)):
        if not isinstance(t, torch.Tensor):
            where = f"x[{k}]" if isinstance(x, tuple) else "x"
            raise TypeError(f"{where} must be a torch.Tensor, got {type(t).__name__} (use torch.as_tensor)")
    for name, t in zip(state._fields, state):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"state.{name} must be a torch.Tensor, got {type(t).__name__}")
        if t.shape != first.shape:
            raise ValueError(
                f"state.{name} has shape {tuple(t.shape)}, the input {tuple(first.shape)}; expected the same "
                "(make the state with init_state(x.shape, ...))"
            )

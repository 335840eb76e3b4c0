"""Neuron models as specifications: the parameters (units, constraints), the state
variables, the differential equations, threshold, reset, refractoriness, the input and
the integrator, written once. Every backend is generated from it by
:mod:`spikeflow.codegen`: the torch reference step, the network simulator's fast loop,
the fused training kernels (forward and the adjoint derived from the update) on CPU and
GPU. A model written by a user is a specification like the built-in ones::

    qif = spikeflow.neurons.define_model(
        "my_qif",
        parameters={"tau_m_ms": (10.0, "ms"), "E_L": (-65.0, "mV"), "V_c": (-50.0, "mV"),
                    "V_peak": (0.0, "mV"), "V_reset": (-70.0, "mV"), "R": (0.1, "GOhm")},
        state={"v": "mV"},
        equations="dv/dt = ((v - E_L) * (v - V_c) / (V_c - E_L) + R * I) / tau_m_ms",
        threshold="v >= V_peak", reset="v = V_reset", input=("I", "pA"),
        initial={"v": "E_L"}, integrator="rk4",
    )
    params = qif.params(dt_ms=0.1, R=0.2)     # validated values

The form is equations as text in the spirit of Brian2 (``dv/dt = ...``), read with
Python's :mod:`ast` into SymPy expressions (never ``eval``): SymPy gives the derivatives
the adjoint and the linear-stability check need, and one expression prints into every
backend's dialect.

Semantics of one step of ``dt_ms`` (``h = dt_ms / substeps``):

1. a *jump* input (``input`` names a state variable) is added to that variable (with
   ``input_at="end"`` after step 2 instead, before the threshold test: the discrete-time
   convention ``v[t] = decay v[t-1] + x[t]`` of spikeflow's LIF and LI and of snnTorch);
   a *current* input (``input`` names a new symbol, e.g. ``I``) is held over the step;
2. the equations are integrated over the step by ``integrator``: ``"exact"`` (linear
   systems with constant coefficients: the propagator ``expm(A h)``, computed once),
   ``"exp_euler"`` (each variable exactly with the others held, Brian2's exponential
   Euler), ``"euler"`` (forward Euler) or ``"rk4"``, in ``substeps`` sub-steps;
3. a spike where the threshold holds (``lhs - rhs >= 0``); the reset statements apply
   to the neurons that spiked (``v = V_reset``, ``w += b``), as ``s + z (reset(s) - s)``;
4. with ``refractory`` (a parameter in ms, rounded to steps) the variables the reset sets
   (``=``) are held and the neuron cannot fire for that many steps after a spike.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import namedtuple
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import _checks, surrogate

INTEGRATORS = ("exact", "exp_euler", "euler", "rk4")
CONSTRAINTS = ("real", "positive", "non_negative", "time_constant")  # time_constant: > 0, math.inf allowed


@dataclass(frozen=True)
class Parameter:
    """One parameter of a model: its default, unit (``None``: unchecked), description
    and constraint (``"real"``, ``"positive"``, ``"non_negative"``, ``"time_constant"``:
    positive or ``math.inf``; parameters in ms are ``"positive"`` unless said otherwise)."""

    default: float
    unit: str | None = None
    doc: str = ""
    constraint: str | None = None

    def rule(self) -> str:
        """The constraint that applies."""
        if self.constraint is not None:
            return self.constraint
        return "positive" if self.unit == "ms" else "real"


def _parameter(name: str, value: Any) -> Parameter:
    if isinstance(value, Parameter):
        p = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        p = Parameter(float(value))
    elif isinstance(value, (tuple, list)) and 1 <= len(value) <= 4:
        p = Parameter(*value)
    else:
        raise TypeError(
            f"parameter {name!r} must be a number, a tuple (default, unit[, doc[, constraint]]) or a "
            f"Parameter, got {value!r}"
        )
    if not name.isidentifier() or name.startswith("_"):
        raise ValueError(f"parameter name {name!r} is not a valid identifier")
    _checks.real(f"default of {name}", p.default)
    _checks.choice(f"constraint of {name}", p.rule(), CONSTRAINTS)
    return Parameter(float(p.default), p.unit, p.doc, p.constraint)


@dataclass(frozen=True)
class ModelSpec:
    """A neuron model written once (see the module docstring for the semantics).

    Attributes:
        name: the model's name (the registry's key, ``spikeflow models`` lists it).
        parameters: name -> :class:`Parameter` (or ``(default, unit[, doc[, constraint]])``).
        state: state variable -> unit, in order; the first is the output of a
            non-spiking model and the simulator's recorded potential.
        equations: ``dX/dt = ...`` lines (``#`` comments allowed); a state variable
            without an equation is constant between resets.
        threshold: ``"lhs >= rhs"``, or ``None`` for a non-spiking model.
        reset: statements ``X = expr`` / ``X += expr`` separated by newlines or ``;``.
        refractory: the name of a parameter in ms, or ``None``.
        input: ``(name, unit)``: a state variable's name (a jump of it) or a new symbol
            (a current held over the step, in ``unit``).
        initial: state variable -> expression of the parameters (default ``0``).
        integrator: one of :data:`INTEGRATORS`; substeps: sub-steps per step (>= 1).
        checks: conditions on the parameters (``"V_peak > V_reset"``) checked on
            every parameter set.
        threshold_parameter: the parameter a layer's ``learn_threshold`` learns.
        doc: a description (with the reference).
        receptors: excitatory and inhibitory inputs kept apart, as the jumps of state
            variables: ``{"exc": "g_ex += x", "inh": "g_in -= x"}`` (the network delivers
            excitatory weights >= 0 and inhibitory ones <= 0; a layer's single input is
            split by sign); ``input`` is then not used.
        input_at: ``"start"`` (default) or ``"end"``: when a jump input is added, before
            or after the integration of the step (see the module docstring).
    """

    name: str
    parameters: Mapping[str, Any]
    state: Mapping[str, str | None]
    equations: str
    threshold: str | None = None
    reset: str = ""
    refractory: str | None = None
    input: tuple[str, str | None] = ("I", None)
    initial: Mapping[str, str] = field(default_factory=dict)
    integrator: str = "rk4"
    substeps: int = 1
    checks: tuple[str, ...] = ()
    threshold_parameter: str | None = None
    doc: str = ""
    receptors: Mapping[str, str] | None = None
    input_at: str = "start"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise ValueError(f"name must be an identifier such as 'my_qif', got {self.name!r}")
        if not isinstance(self.parameters, Mapping):
            raise TypeError(
                f"parameters must be a mapping name -> default, got {type(self.parameters).__name__}"
            )
        params = {k: _parameter(k, v) for k, v in self.parameters.items()}
        object.__setattr__(self, "parameters", params)
        if not isinstance(self.state, Mapping) or not self.state:
            raise ValueError(f"state must be a non-empty mapping variable -> unit, got {self.state!r}")
        object.__setattr__(self, "state", dict(self.state))
        object.__setattr__(self, "initial", dict(self.initial))
        if self.receptors is not None:
            if not isinstance(self.receptors, Mapping):
                raise TypeError(
                    f"receptors must be a mapping such as {{'exc': 'g_ex += x', ...}}, got {self.receptors!r}"
                )
            object.__setattr__(self, "receptors", dict(self.receptors))
        for name in self.state:
            if not name.isidentifier() or name in params:
                raise ValueError(f"state variable {name!r} must be an identifier that is not a parameter")
        if not isinstance(self.input, (tuple, list)) or len(self.input) != 2:
            raise ValueError(f"input must be a pair (name, unit), got {self.input!r}")
        object.__setattr__(self, "input", (str(self.input[0]), self.input[1]))
        _checks.choice("integrator", self.integrator, INTEGRATORS)
        _checks.choice("input_at", self.input_at, ("start", "end"))
        _checks.positive_int("substeps", self.substeps)
        if self.refractory is not None and self.refractory not in params:
            raise ValueError(f"refractory must name a parameter in ms, got {self.refractory!r}")
        if self.threshold_parameter is not None and self.threshold_parameter not in params:
            raise ValueError(f"threshold_parameter {self.threshold_parameter!r} is not a parameter")
        object.__setattr__(self, "checks", tuple(self.checks))
        # every expression is read once here, so a wrong specification fails where it is made;
        # a built-in one (its generated code checked in and tested) is read when first used
        from ..sim.fast_builtin import BUILTIN as _COMPILED

        if self.digest() not in _COMPILED:
            from ..codegen.program import program

            program(self)

    # ----- identity ---------------------------------------------------------------------
    def canonical(self) -> str:
        """The specification as canonical JSON (its identity: the generated code's cache key)."""
        data = {
            "name": self.name,
            "parameters": {k: [p.default, p.unit, p.doc, p.rule()] for k, p in self.parameters.items()},
            "state": self.state,
            "equations": self.equations,
            "threshold": self.threshold,
            "reset": self.reset,
            "refractory": self.refractory,
            "input": list(self.input),
            "initial": self.initial,
            "integrator": self.integrator,
            "substeps": self.substeps,
            "checks": list(self.checks),
            "receptors": dict(self.receptors) if self.receptors else None,
            **({"input_at": self.input_at} if self.input_at != "start" else {}),
        }
        return json.dumps(data, sort_keys=True)

    def digest(self) -> str:
        """16 hex digits of :meth:`canonical`'s SHA-256 (computed once: a specification is
        immutable, and a traced layer reads it)."""
        cached = self.__dict__.get("_digest")
        if cached is None:
            cached = self.__dict__["_digest"] = hashlib.sha256(self.canonical().encode()).hexdigest()[:16]
        return cached

    def __hash__(self) -> int:
        return hash(self.canonical())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ModelSpec) and other.canonical() == self.canonical()

    # a specification is an immutable value: copies share it, and its caches (generated
    # modules, the state class) are not part of what is pickled
    def __copy__(self) -> ModelSpec:
        return self

    def __deepcopy__(self, memo: dict) -> ModelSpec:
        return self

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    @property
    def spiking(self) -> bool:
        """Whether the model has a threshold."""
        return self.threshold is not None

    @property
    def input_kind(self) -> str:
        """``"receptors"`` (excitatory and inhibitory jumps kept apart), ``"jump"`` (the
        input jumps a state variable) or ``"current"``."""
        if self.receptors:
            return "receptors"
        return "jump" if self.input[0] in self.state else "current"

    @property
    def state_cls(self) -> type:
        """The NamedTuple of the state (one field per state variable, plus ``refractory``
        when the model has a refractory period)."""
        cached = self.__dict__.get("_state_cls")
        if cached is None:
            fields = (*self.state, *(("refractory",) if self.refractory else ()))
            cached = namedtuple(f"{_camel(self.name)}State", fields)
            cached.__doc__ = f"State of the {self.name!r} model, tensors or arrays ``[batch, *features]``."
            self.__dict__["_state_cls"] = cached
        return cached

    def params(self, **values: Any) -> SpecParams:
        """A validated parameter set: the defaults with ``values`` (parameters, and
        ``dt_ms``, ``surrogate``, ``surrogate_slope``, ``detach_reset``) replacing them."""
        return SpecParams(self, values)

    @property
    def MODEL(self) -> Any:  # noqa: N802 - the name every model module exports
        """The :class:`~spikeflow.neurons.NeuronModel` descriptor of this model."""
        from ..codegen import runtime

        return runtime.neuron_model(self)

    def step(self, x: Any, state: Any, coeffs: Any) -> tuple[Any, Any]:
        """One step of the generated torch reference (see :meth:`params`)."""
        from ..codegen import runtime

        return runtime.neuron_model(self).step(x, state, coeffs)

    def init_state(self, shape: tuple[int, ...], coeffs: Any, dtype: Any = None, device: Any = None) -> Any:
        """The initial state (``initial``) as tensors of ``shape``."""
        from ..codegen import runtime

        return runtime.init_state(self, shape, coeffs, dtype, device)


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


_OPTIONS = {"dt_ms": 0.1, "surrogate": "fast_sigmoid", "surrogate_slope": None, "detach_reset": False}


class SpecParams:
    """Validated parameter values of a :class:`ModelSpec` (immutable).

    Attributes:
        spec: the specification; values: name -> float for every parameter;
        dt_ms: the step (ms); surrogate, surrogate_slope, detach_reset: the spike
        function for training and whether gradients pass through the reset.
    """

    def __init__(self, spec: ModelSpec, values: Mapping[str, Any], _checked: bool = False) -> None:
        _checks.unknown_names(spec.name, values, tuple({**spec.parameters, **_OPTIONS}))
        merged = {k: p.default for k, p in spec.parameters.items()}
        for name, value in values.items():
            if name in spec.parameters:
                time_constant = spec.parameters[name].rule() == "time_constant"
                merged[name] = (_checks.time_constant if time_constant else _checks.real)(name, value)
        for name, value in merged.items():
            rule = spec.parameters[name].rule()
            if rule == "positive":
                _checks.positive(name, value)
            elif rule == "non_negative":
                _checks.non_negative(name, value)
        options = {**_OPTIONS, **{k: v for k, v in values.items() if k in _OPTIONS}}
        self.spec = spec
        self.values = merged
        self.dt_ms = _checks.positive("dt_ms", options["dt_ms"])
        if not math.isfinite(self.dt_ms):
            raise ValueError(f"dt_ms must be finite, got {self.dt_ms}")
        self.surrogate = options["surrogate"]
        self.surrogate_slope = options["surrogate_slope"]
        self.detach_reset = bool(options["detach_reset"])
        self._spike = surrogate.get(self.surrogate, self.surrogate_slope)
        if spec.refractory:
            ms = merged[spec.refractory]
            steps = _checks.period_steps(spec.refractory, ms, self.dt_ms)
            if ms > 0 and steps == 0:
                raise ValueError(
                    f"{spec.refractory}={ms!r} is shorter than half a step (dt_ms={self.dt_ms!r}); expected 0"
                    " or at least dt_ms / 2"
                )
            self.refractory_steps = steps
        else:
            self.refractory_steps = 0
        if not _checked:  # (a parameter class in front of the specification checked them)
            from ..codegen.program import program

            program(spec).validate(self)
        self._frozen = True

    def __getattr__(self, name: str) -> float:
        values = self.__dict__.get("values", {})
        if name in values:
            return values[name]
        raise AttributeError(f"{type(self).__name__} of {self.__dict__.get('spec', None)!r} has no {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        if self.__dict__.get("_frozen"):
            raise AttributeError("SpecParams are immutable: make a new set with spec.params(...)")
        object.__setattr__(self, name, value)

    def replace(self, **values: Any) -> SpecParams:
        """A copy with ``values`` replaced."""
        options = {"dt_ms": self.dt_ms, "surrogate": self.surrogate,
                   "surrogate_slope": self.surrogate_slope, "detach_reset": self.detach_reset}  # fmt: skip
        return SpecParams(self.spec, {**self.values, **options, **values})

    def coeffs(self) -> Any:
        """The per-step constants the generated code reads (see :mod:`spikeflow.codegen.runtime`)."""
        from ..codegen import runtime

        return runtime.coeffs(self)

    def __repr__(self) -> str:
        changed = {k: v for k, v in self.values.items() if v != self.spec.parameters[k].default}
        body = ", ".join(f"{k}={v!r}" for k, v in {**changed, "dt_ms": self.dt_ms}.items())
        return f"{self.spec.name}.params({body})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, SpecParams)
            and other.spec == self.spec
            and other.values == self.values
            and (other.dt_ms, other.surrogate, other.surrogate_slope, other.detach_reset)
            == (self.dt_ms, self.surrogate, self.surrogate_slope, self.detach_reset)
        )

    def __hash__(self) -> int:
        return hash((self.spec, tuple(self.values.items()), self.dt_ms))


def class_params(owner: Any, build: Any) -> SpecParams:
    """The :class:`SpecParams` of a parameter class in front of a specification
    (``LIParams``, ``CubaLIFParams``), made once from ``build() -> (spec, values)`` and
    kept on ``owner`` (a traced layer finds it there); the values (parameters and options)
    were checked by the class, so not again through the specification."""
    cached = owner.__dict__.get("_spec_params")
    if cached is None:
        spec, values = build()
        cached = owner.__dict__["_spec_params"] = SpecParams(spec, values, _checked=True)
    return cached


def class_coeffs(owner: Any, state_cls: type, tensors: dict | None = None) -> Any:
    """The coefficients of such a class (``owner.spec_params()``'s
    :class:`~spikeflow.codegen.runtime.SpecCoeffs` with the class's own ``state_cls``),
    kept on ``owner`` when no ``tensors`` (learnable parameters) are given."""
    from ..codegen import runtime

    if not tensors:
        cached = owner.__dict__.get("_coeffs")
        if cached is not None:
            return cached
    c = runtime.coeffs(owner.spec_params(), tensors)._replace(state_cls=state_cls)
    if not tensors:
        owner.__dict__["_coeffs"] = c
    return c


_REGISTRY: dict[str, ModelSpec] = {}


def register(spec: ModelSpec, replace: bool = False) -> ModelSpec:
    """Add ``spec`` to the registry (``spikeflow models`` lists it); a name already
    taken by another specification needs ``replace=True``."""
    if not isinstance(spec, ModelSpec):
        raise TypeError(f"spec must be a ModelSpec, got {type(spec).__name__}")
    old = _REGISTRY.get(spec.name)
    if old is not None and old != spec and not replace:
        raise ValueError(f"a different model named {spec.name!r} is registered; pass replace=True")
    _REGISTRY[spec.name] = spec
    return spec


def define_model(name: str, **fields: Any) -> ModelSpec:
    """Make a :class:`ModelSpec` from its fields and register it (see the module docstring)."""
    return register(ModelSpec(name, **fields), replace=True)


BUILTIN = ("eif", "qif")  # modules of spikeflow.neurons holding one specification each


def class_specs() -> list[ModelSpec]:
    """The built-in specifications behind a parameter class (each variant of the LIF, the
    synaptic LIF and the ALIF behind ``LIFParams``, ``SynapticLIFParams`` and
    ``ALIFParams``, the current-based LIF's behind ``CubaLIFParams``, the leaky
    integrator's behind ``LIParams``); not in the registry (their classes are what users
    pass)."""
    from . import alif, cuba_lif, leaky_integrator, lif, synaptic_lif

    return [*lif.specs(), *synaptic_lif.specs(), *alif.specs(), cuba_lif.spec(),
            *(leaky_integrator.spec(m) for m in ("delta", "current"))]  # fmt: skip


def _load_builtins() -> None:
    import importlib

    for module in BUILTIN:
        importlib.import_module(f"{__package__}.{module}")


def get(name: str) -> ModelSpec:
    """The registered specification called ``name`` (the built-in ones are loaded first)."""
    _load_builtins()
    if name not in _REGISTRY:
        raise KeyError(f"no model {name!r} is registered (registered: {', '.join(sorted(_REGISTRY))})")
    return _REGISTRY[name]


def registered() -> dict[str, ModelSpec]:
    """The registered specifications by name (the built-in ones are loaded first)."""
    _load_builtins()
    return dict(_REGISTRY)

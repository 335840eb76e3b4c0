"""What a specification's parameters, state and step are at run time: the coefficients
object the generated code reads, the :class:`~spikeflow.neurons.NeuronModel` descriptor
that layers and the network simulator use, and the generated modules, made once per
specification and process."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from . import source


class SpecCoeffs(NamedTuple):
    """The per-step constants of a parameter set, as the generated code reads them.

    Attributes:
        values: the constants vector (floats, or tensors for learnable parameters).
        spike: the surrogate spike function; detach_reset: no gradient through the reset.
        refractory_steps: steps of the refractory period (0: none).
        state_cls: the model's state NamedTuple; params: the parameter set.
    """

    values: tuple
    spike: Any
    detach_reset: bool
    refractory_steps: int
    state_cls: type
    params: Any


def _modules(spec: Any) -> dict:
    return spec.__dict__.setdefault("_generated", {})


def generated(spec: Any, kind: str) -> Any:
    """The generated module of ``kind`` (``"torch"``, ``"numba_sim"``, ``"numba_train"``,
    ``"triton"``) for ``spec``."""
    modules = _modules(spec)
    if kind not in modules:
        modules[kind] = source.load(f"{kind}_{spec.name}", generated_text(spec, kind))
    return modules[kind]


def generated_text(spec: Any, kind: str) -> str:
    """The source of the generated module of ``kind`` for ``spec`` (see :func:`generated`)."""
    from .program import program

    prog = program(spec)
    if kind == "torch":
        from .torch_backend import module_text
    elif kind == "numba_sim":
        from .numba_sim import module_text
    elif kind == "numba_train":
        from .numba_train import module_text
    elif kind == "triton":
        from .triton_backend import module_text
    else:
        raise ValueError(f"kind must be one of 'torch', 'numba_sim', 'numba_train', 'triton', got {kind!r}")
    return module_text(prog)


def torch_step(spec: Any) -> Any:
    """The generated torch ``step(x, state, coeffs)``."""
    return generated(spec, "torch").step


def _builtin_functions(spec: Any) -> tuple | None:
    """``(constants, initial)`` of a built-in specification from the checked-in table
    (:mod:`spikeflow.sim.fast_builtin`: no SymPy or torch needed), else ``None``."""
    from ..sim.fast_builtin import FUNCTIONS

    return FUNCTIONS.get(spec.digest())


def constant_values(params: Any, tensors: dict | None = None) -> tuple:
    """The constants vector of ``params``: floats, or with ``tensors`` (parameter name ->
    tensor, e.g. learnable time constants) tensors that carry gradients to them."""
    from .floatlib import FLOAT_LIB

    if not tensors:
        builtin = _builtin_functions(params.spec)
        constants = builtin[0] if builtin else generated(params.spec, "torch").constants
        try:
            values = tuple(float(v) for v in constants(params.values, params.dt_ms, FLOAT_LIB))
        except (OverflowError, ZeroDivisionError):  # e.g. 1 / tau of tau = 1e-308
            values = (math.inf,)
        # a time constant may be math.inf (no decay): it is then a constant itself
        unbounded = any(params.values[n] == math.inf for n, p in params.spec.parameters.items()
                        if p.rule() == "time_constant")  # fmt: skip
        if not all(math.isfinite(v) or (unbounded and v == math.inf) for v in values):
            shown = ", ".join(f"{k}={v!r}" for k, v in params.values.items())
            raise ValueError(
                f"{params.spec.name}: the parameters ({shown}) with dt_ms={params.dt_ms!r} give a per-step"
                " constant (a decay, a propagator entry) that is not a finite float64; expected values"
                " of a physical scale"
            )
        return values
    from .torch_backend import TENSOR_LIB

    module = generated(params.spec, "torch")
    values = {**params.values, **tensors}
    # computed in float64 (the propagator's matrix exponential), then in the parameters'
    # dtype: the step runs in it, as the fused kernels do
    dtype = next(iter(tensors.values())).dtype
    return tuple(
        v.to(dtype) if isinstance(v, module.torch.Tensor) else v
        for v in module.constants(values, params.dt_ms, TENSOR_LIB)
    )


def coeffs(params: Any, tensors: dict | None = None) -> SpecCoeffs:
    """The :class:`SpecCoeffs` of ``params`` (made once per parameter set without ``tensors``)."""
    if not tensors:
        cached = params.__dict__.get("_coeffs")
        if cached is not None:
            return cached
    c = SpecCoeffs(constant_values(params, tensors), params._spike, params.detach_reset,
                   params.refractory_steps, params.spec.state_cls, params)  # fmt: skip
    if not tensors:
        params.__dict__["_coeffs"] = c
    return c


def _as_coeffs(params_or_coeffs: Any) -> SpecCoeffs:
    return params_or_coeffs if isinstance(params_or_coeffs, SpecCoeffs) else coeffs(params_or_coeffs)


def initial_values(spec: Any, c: SpecCoeffs) -> tuple:
    """The initial value of every state variable (floats or tensors)."""
    builtin = _builtin_functions(spec)
    return (builtin[1] if builtin else generated(spec, "torch").initial)(c.values)


def init_state(spec: Any, shape: tuple, params: Any, dtype: Any = None, device: Any = None) -> Any:
    """The initial state as tensors of ``shape`` (``dtype`` None: float32)."""
    from ..neurons._base import full_state

    c = _as_coeffs(params)
    values = list(initial_values(spec, c))
    if spec.refractory:
        values.append(0.0)
    return spec.state_cls(*(full_state(tuple(shape), v, dtype, device) for v in values))


def rest_arrays(spec: Any, n: int, params: Any, dtype: Any) -> Any:
    """The initial state of ``n`` neurons as NumPy arrays of ``dtype``."""
    c = _as_coeffs(params)
    values = [float(v) for v in initial_values(spec, c)]
    if spec.refractory:
        values.append(0.0)
    return spec.state_cls(*(np.full(n, v, dtype) for v in values))


def neuron_model(spec: Any) -> Any:
    """The :class:`~spikeflow.neurons.NeuronModel` of ``spec``."""
    cached = spec.__dict__.get("_model")
    if cached is not None:
        return cached
    from ..neurons._base import NeuronModel
    from ..neurons.spec import SpecParams

    def step(x: Any, state: Any, params: Any) -> Any:
        return torch_step(spec)(x, state, _as_coeffs(params))

    def init(shape: tuple, params: Any, dtype: Any = None, device: Any = None) -> Any:
        return init_state(spec, shape, params, dtype, device)

    def rest(n: int, params: Any, dtype: Any) -> Any:
        return rest_arrays(spec, n, params, dtype)

    model = NeuronModel(spec.name, SpecParams, spec.state_cls, init, step, spiking=spec.spiking,
                        rest_arrays=rest)  # fmt: skip
    spec.__dict__["_model"] = model
    return model

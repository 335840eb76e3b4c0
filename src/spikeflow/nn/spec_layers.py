"""Trainable layers of any model defined by a specification
(:class:`~spikeflow.neurons.spec.ModelSpec`): built-in ones such as the exponential and
quadratic integrate-and-fire neurons, and the user's own. They behave like the other
layers of :mod:`spikeflow.nn` (multi-step ``[T, batch, *features]`` or single-step,
``stateful``, ``record``, ``backend``) and run the model's generated fused kernel
forward and backward where one applies (CPU: Numba; CUDA: Triton), the generated torch
step otherwise.

``learn_tau=True`` learns the model's parameters in ms (its time constants; not the
refractory period), ``learn_threshold=True`` its ``threshold_parameter``; ``learn=``
names any parameters to learn. Their gradients are computed in the fused kernel.

Example::

    eif = spikeflow.neurons.get("eif")
    layer = spikeflow.nn.SpecLayer(eif, dt_ms=0.1, learn_tau=True)
    spikes = layer(torch.rand(100, 8, 64) * 500.0)   # input current (pA)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from ..codegen import fused, runtime
from ..neurons.spec import ModelSpec, SpecParams, get
from ._base import NeuronLayer, RecurrentLayer, _as_shape


class _SpecModel:
    """The part shared by every layer of a specification model."""

    def _setup(self, spec: ModelSpec | str, params: Any, learn: Sequence[str], kwargs: dict) -> tuple:
        spec = get(spec) if isinstance(spec, str) else spec
        if not isinstance(spec, ModelSpec):
            raise TypeError(
                f"spec must be a ModelSpec or a registered model's name, got {type(spec).__name__}"
            )
        self.model = spec.MODEL
        self.spec_ = spec
        taus = tuple(n for n, p in spec.parameters.items() if p.unit == "ms" and n != spec.refractory)
        self.tau_fields = taus
        self.threshold_field = spec.threshold_parameter or "v_th"
        if kwargs.get("learn_threshold") and spec.threshold_parameter is None:
            raise ValueError(f"{spec.name} names no threshold_parameter: learn_threshold is not available")
        learn = tuple(learn)
        for name in learn:
            if name not in spec.parameters:
                raise ValueError(f"learn names {name!r}, which is not a parameter of {spec.name} "
                                 f"(it has {', '.join(spec.parameters)})")  # fmt: skip
        return params, learn

    def _make_params(self, params: Any, fields: dict) -> SpecParams:
        if params is None:
            return self.spec_.params(**fields)
        if fields:
            raise TypeError(f"pass either params or keyword parameters, not both (got {sorted(fields)})")
        if not isinstance(params, SpecParams) or params.spec != self.spec_:
            raise TypeError(f"params must be {self.spec_.name}.params(...), got {params!r}")
        return params

    def _register_extra(self, learn: tuple, size: Any) -> None:
        shape = _as_shape(size)
        self.learn_names = tuple(dict.fromkeys(
            [*(self.tau_fields if self.learn_tau else ()),
             *((self.threshold_field,) if self.learn_threshold else ()),
             *learn]))  # fmt: skip
        for name in learn:
            if not hasattr(self, name) or not isinstance(getattr(self, name), nn.Parameter):
                self.register_parameter(
                    name, nn.Parameter(torch.full(shape, float(self.params.values[name])))
                )

    def coeffs(self) -> Any:
        if not self.learn_names:
            return self._fixed_coeffs
        return runtime.coeffs(self.params, {n: getattr(self, n) for n in self.learn_names})

    def _run_fused(self, x: torch.Tensor, state: Any, c: Any) -> tuple[torch.Tensor, Any] | None:
        return fused.fused_sequence(self.spec_, x, state, c)

    def _fused_reason(self, x: torch.Tensor, c: Any) -> str | None:
        return fused.unsupported_reason(self.spec_, x, c)

    def extra_repr(self) -> str:
        base = repr(self.params)
        return base + (f", learn={list(self.learn_names)}" if self.learn_names else "")


class SpecLayer(_SpecModel, NeuronLayer):
    """Multi-step layer of a specification model: ``[T, batch, *features]`` inputs to
    outputs of the same shape (spikes; a non-spiking model's first state variable).

    Args:
        spec: the :class:`~spikeflow.neurons.spec.ModelSpec`, or a registered model's name.
        params: ``spec.params(...)``; or give its values as keyword arguments.
        learn: names of further parameters to learn (``nn.Parameter`` of shape ``size``).
        size, learn_tau, learn_threshold, stateful, record, check_inputs, backend: as for
            every layer (:class:`~spikeflow.nn._base.NeuronLayer`).
    """

    def __init__(
        self, spec: ModelSpec | str, params: Any = None, *, learn: Sequence[str] = (), **kwargs: Any
    ):
        params, learn = self._setup(spec, params, learn, kwargs)
        size = kwargs.get("size")
        super().__init__(params, **kwargs)
        self._register_extra(learn, size)


class SpecCell(SpecLayer):
    """Single-step layer of a specification model: ``forward(x [batch, *features], state=None)
    -> (output, state)``."""

    multi_step = False


class RecurrentSpecLayer(_SpecModel, RecurrentLayer):
    """Multi-step recurrent layer of a specification model: ``W_in x[t] + W_rec out[t-1]``
    per step, ``[T, batch, input_size] -> [T, batch, hidden_size]``; on CPU the sequence
    runs fused (:mod:`spikeflow.kernels.fused_recurrent`: one matrix product and one call
    of the model's generated kernel per step, learnable parameters included)."""

    def _run_fused(self, x: torch.Tensor, state: Any, c: Any) -> tuple[torch.Tensor, Any] | None:
        return RecurrentLayer._run_fused(self, x, state, c)

    def _fused_reason(self, x: torch.Tensor, c: Any) -> str | None:
        return RecurrentLayer._fused_reason(self, x, c)

    def _neuron_fused_reason(self, x: torch.Tensor, c: Any) -> str | None:
        return fused.unsupported_reason(self.spec_, x, c)

    def _kernel_state(self, c: Any) -> tuple[str, ...]:
        return tuple(fused.kernel_state(self.spec_, c))

    def _step_kernels(self, c: Any, shape: tuple, dtype: torch.dtype) -> Any:
        from ..kernels.fused_recurrent import spec_kernels

        return spec_kernels(self.spec_, c, shape, dtype)

    def __init__(self, spec: ModelSpec | str, input_size: int, hidden_size: int, params: Any = None, *,
                 learn: Sequence[str] = (), **kwargs: Any):  # fmt: skip
        params, learn = self._setup(spec, params, learn, kwargs)
        kwargs.setdefault("size", hidden_size)
        super().__init__(input_size, hidden_size, params, **kwargs)
        self._register_extra(learn, kwargs["size"])

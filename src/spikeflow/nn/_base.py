"""Generic machinery behind the trainable neuron layers.

A layer wraps one :class:`~spikeflow.neurons.NeuronModel`: it owns the frozen
parameters, optionally registers time constants and the threshold as
``nn.Parameter``, and drives the model's pure ``step`` either once (``...Cell``) or
over the leading time dimension of a ``[T, batch, *features]`` input.

State is explicit. ``forward`` takes an optional state and the cells return the new
one. With ``stateful=True`` a layer also keeps the last state in buffers (so it is
part of ``state_dict``, moves with ``.to()``, and is cleared by :meth:`reset_state`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import torch
from torch import nn

from .. import _checks, kernels
from ..neurons._base import NeuronModel

_MIN_TAU_MS = 1e-6
BACKENDS = ("auto", "reference", "fused")


class RecurrentState(NamedTuple):
    """State of a recurrent layer: the neuron state and the previous step's output."""

    neuron: Any
    spikes: torch.Tensor


def _as_shape(size: int | Sequence[int] | None) -> tuple[int, ...]:
    if size is None:
        return ()
    if isinstance(size, int) and not isinstance(size, bool):
        return (_checks.positive_int("size", size),)
    try:
        return tuple(_checks.positive_int("size", int(s)) for s in size)
    except TypeError as err:
        raise TypeError(f"size must be an int, a sequence of ints or None, got {size!r}") from err


class NeuronLayer(nn.Module):
    """Base of all neuron layers (do not instantiate directly).

    Args:
        params: a parameter dataclass of the layer's model; or give its fields as
            keyword arguments instead.
        size: shape of the per-neuron learnable parameters (e.g. ``256`` or
            ``(C, 1, 1)``); ``None`` learns one scalar per layer.
        learn_tau: register the time constants (ms) as ``nn.Parameter``.
        learn_threshold: register ``v_th`` as ``nn.Parameter``.
        stateful: keep the last state in buffers between calls.
        record: keep the full state trajectory of the last multi-step call in
            ``self.recorded`` (a state NamedTuple of ``[T, batch, *features]`` tensors).
        check_inputs: validate shape, dtype and finiteness of inputs at each call.
        backend: how multi-step layers run the time loop. ``"auto"`` uses a fused kernel
            (:mod:`spikeflow.kernels`) when one applies and the reference ``step`` loop
            otherwise; ``"reference"`` always loops over ``step``; ``"fused"`` requires a
            kernel and raises if none applies.
    """

    model: NeuronModel
    tau_fields: tuple[str, ...] = ("tau_mem_ms",)
    threshold_field: str = "v_th"
    multi_step: bool = True
    learnable: bool = True

    def __init__(
        self,
        params: Any = None,
        *,
        size: int | Sequence[int] | None = None,
        learn_tau: bool = False,
        learn_threshold: bool = False,
        stateful: bool = False,
        record: bool = False,
        check_inputs: bool = True,
        backend: str = "auto",
        **param_fields: Any,
    ) -> None:
        super().__init__()
        self.backend = _checks.choice("backend", backend, BACKENDS)
        self.params = params = self._make_params(params, param_fields)
        self._param_shape = shape = _as_shape(size)
        self.learn_tau = bool(learn_tau)
        self.learn_threshold = bool(learn_threshold)
        if learn_threshold and not self.model.spiking:
            raise ValueError("learn_threshold=True needs a spiking model; this layer has none")
        if (learn_tau or learn_threshold) and not self.learnable:
            raise ValueError(
                f"{type(self).__name__} has fixed physical parameters: learn_tau and "
                "learn_threshold are not available"
            )
        if self.learn_tau:
            for name in self.tau_fields:
                value = torch.full(shape, float(getattr(params, name)))
                self.register_parameter(name, nn.Parameter(value))
        if self.learn_threshold:
            value = torch.full(shape, float(getattr(params, self.threshold_field)))
            self.register_parameter(self.threshold_field, nn.Parameter(value))
        self._fixed_coeffs = params.coeffs()
        spec = getattr(getattr(self._fixed_coeffs, "params", None), "spec", None)
        if spec is not None:  # a specification model: its step generated now, not in a traced first call
            from ..codegen import runtime

            runtime.torch_step(spec)
        self.stateful = bool(stateful)
        self.record = bool(record)
        self.check_inputs = bool(check_inputs)
        self.recorded: Any = None
        for name in self.state_names():
            self.register_buffer("state_" + name, None)

    def _make_params(self, params: Any, fields: dict) -> Any:
        """The layer's parameters: ``params``, or the model's parameter class made from
        ``fields``."""
        cls = self.model.params_cls
        if params is None:
            return cls(**fields)
        if fields:
            raise TypeError(f"pass either params or keyword parameters, not both (got {sorted(fields)})")
        if not isinstance(params, cls):
            raise TypeError(f"params must be a {cls.__name__}, got {type(params).__name__}")
        return params

    # ----- coefficients ---------------------------------------------------------------
    def coeffs(self) -> Any:
        """The per-step coefficients, with learnable fields taken from the parameters."""
        if not (self.learn_tau or self.learn_threshold):
            return self._fixed_coeffs
        return self.learned_coeffs(self._fixed_coeffs)

    def learned_coeffs(self, c: Any) -> Any:  # overridden per model
        """Replace the learnable fields of the fixed coefficients ``c``."""
        return c

    # ----- state ----------------------------------------------------------------------
    def state_names(self) -> tuple[str, ...]:
        """Names of the state tensors (also the suffixes of the state buffers)."""
        return self.model.state_cls._fields

    def state_from_leaves(self, leaves: Sequence[torch.Tensor]) -> Any:
        """Rebuild a state from its tensors in :meth:`state_names` order."""
        return self.model.state_cls(*leaves)

    def state_leaves(self, state: Any) -> tuple[torch.Tensor, ...]:
        """The tensors of a state in :meth:`state_names` order."""
        return tuple(state)

    def initial_state(
        self, shape: Sequence[int], dtype: torch.dtype = torch.float32, device: Any = None
    ) -> Any:
        """A fresh state for inputs of ``shape`` (``[batch, *features]``)."""
        return self.model.init_state(tuple(shape), self._fixed_coeffs, dtype, device)

    def held_state(self) -> Any:
        """The state kept by a stateful layer, or None if there is none yet."""
        leaves = [getattr(self, "state_" + n) for n in self.state_names()]
        if any(leaf is None for leaf in leaves):
            return None
        return self.state_from_leaves(leaves)

    def reset_state(self) -> None:
        """Forget the held state: the next call starts from rest. Also clears ``recorded``."""
        for name in self.state_names():
            setattr(self, "state_" + name, None)
        self.recorded = None

    def detach_state(self) -> None:
        """Cut the autograd history of the held state (truncated BPTT between calls)."""
        for name in self.state_names():
            value = getattr(self, "state_" + name)
            if value is not None:
                setattr(self, "state_" + name, value.detach())

    def _store(self, state: Any) -> None:
        for name, leaf in zip(self.state_names(), self.state_leaves(state)):
            setattr(self, "state_" + name, leaf)

    def _load_from_state_dict(
        self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
    ):  # noqa: ANN001
        # State buffers start as None, which torch would skip; adopt saved ones.
        for name in self.state_names():
            key = prefix + "state_" + name
            if key in state_dict:
                setattr(self, "state_" + name, state_dict[key].detach().clone())
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
        )

    def _start_state(self, state: Any, x0: torch.Tensor) -> Any:
        if state is None and self.stateful:
            state = self.held_state()
        if state is None:
            return self.initial_state(self.state_shape(x0), x0.dtype, x0.device)
        leaves = self.state_leaves(state)
        expected = tuple(self.state_shape(x0))
        if len(leaves) != len(self.state_names()):
            raise TypeError(f"state must have fields {self.state_names()}, got {len(leaves)} tensors")
        for name, leaf in zip(self.state_names(), leaves):
            if not isinstance(leaf, torch.Tensor) or tuple(leaf.shape) != expected:
                got = tuple(leaf.shape) if isinstance(leaf, torch.Tensor) else type(leaf).__name__
                raise ValueError(f"state.{name} must have shape {expected}, got {got}")
            if self.check_inputs:
                _checks.tensor(f"state.{name}", leaf)
        return state

    def state_shape(self, x0: torch.Tensor) -> tuple[int, ...]:
        """Shape of the state tensors for one step's input ``x0``."""
        return tuple(x0.shape)

    # ----- stepping -------------------------------------------------------------------
    def drive(self, x: torch.Tensor) -> torch.Tensor:
        """Transform the whole input before the time loop (recurrent layers project it)."""
        return x

    def step_once(self, x: torch.Tensor, state: Any, c: Any) -> tuple[torch.Tensor, Any]:
        """One step of the model on an already transformed input."""
        return self.model.step(x, state, c)

    def forward(self, x: torch.Tensor, state: Any = None) -> Any:
        if self.multi_step:
            return self._forward_sequence(x, state)
        return self._forward_step(x, state)

    def _forward_step(self, x: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any]:
        if self.check_inputs:
            _checks.tensor("x", x, min_dim=1)
        x = self.drive(x)
        state = self._start_state(state, x)
        out, state = self.step_once(x, state, self.coeffs())
        if self.stateful:
            self._store(state)
        return out, state

    def _forward_sequence(self, x: torch.Tensor, state: Any) -> torch.Tensor:
        if self.check_inputs:
            _checks.time_major("x", x)
            if x.dim() == 2 and (self._param_shape or isinstance(self, RecurrentLayer)):
                raise ValueError(
                    f"x must be [T, batch, features] for {type(self).__name__} with per-neuron parameters of "
                    f"shape {list(self._param_shape)}, got 2-D {list(x.shape)} (read as [T, batch] it has no "
                    "features); for one sequence add the batch dimension: x.unsqueeze(1)"
                )
        x = self.drive(x)
        state = self._start_state(state, x[0])
        c = self.coeffs()
        fused = self._fused(x, state, c)
        if fused is not None:
            out, state = fused
            if self.stateful:
                self._store(state)
            return out
        outs = []
        trace = [] if self.record else None
        for xt in x.unbind(0):
            out, state = self.step_once(xt, state, c)
            outs.append(out)
            if trace is not None:
                trace.append(state)
        if trace is not None:
            self.recorded = self._stack_trace(trace)
        if self.stateful:
            self._store(state)
        return torch.stack(outs)

    def _fused(self, x: torch.Tensor, state: Any, c: Any) -> tuple[torch.Tensor, Any] | None:
        """Run the sequence in a fused kernel if the backend allows and one applies."""
        if self.backend == "reference":
            return None
        if self.record or torch.compiler.is_compiling():
            if self.backend == "fused":
                raise ValueError("backend='fused' cannot record states or run under torch.compile")
            return None
        result = self._run_fused(x, state, c)
        if result is None and self.backend == "fused":
            raise ValueError(f"backend='fused' is not available here: {self._fused_reason(x, c)}")
        return result

    def _run_fused(self, x: torch.Tensor, state: Any, c: Any) -> tuple[torch.Tensor, Any] | None:
        """The fused kernel's ``(outputs, state)``, or ``None`` where none applies."""
        return kernels.fused_sequence(self.model.name, x, state, c)

    def _fused_reason(self, x: torch.Tensor, c: Any) -> str | None:
        """Why no fused kernel applies (``None``: one does)."""
        return kernels.unsupported_reason(self.model.name, x, c)

    def _stack_trace(self, trace: list[Any]) -> Any:
        leaves = zip(*(self.state_leaves(s) for s in trace))
        return self.state_from_leaves([torch.stack([t.detach() for t in ls]) for ls in leaves])

    def extra_repr(self) -> str:
        fields = ", ".join(
            f"{k}={v!r}"
            for k, v in vars(self.params).items()
            if not k.startswith("_") and v != type(self.params).__dataclass_fields__[k].default
        )
        flags = [
            name for name in ("learn_tau", "learn_threshold", "stateful", "record") if getattr(self, name)
        ]
        return ", ".join(filter(None, [fields, ", ".join(f"{f}=True" for f in flags)]))


class RecurrentLayer(NeuronLayer):
    """Base of recurrent neuron layers: input ``W_in x[t] + W_rec out[t-1]`` per step.

    Args:
        input_size: features of the input (last dimension).
        hidden_size: number of neurons.
        params, learn_tau, ...: as for :class:`NeuronLayer`; per-neuron learnable
            parameters have shape ``[hidden_size]``.
        bias: whether the input projection has a bias.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        params: Any = None,
        *,
        bias: bool = True,
        **kwargs: Any,
    ) -> None:
        _checks.positive_int("input_size", input_size)
        _checks.positive_int("hidden_size", hidden_size)
        kwargs.setdefault("size", hidden_size)
        super().__init__(params, **kwargs)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.input = nn.Linear(input_size, hidden_size, bias=bias)
        self.recurrent = nn.Linear(hidden_size, hidden_size, bias=False)

    def state_names(self) -> tuple[str, ...]:
        return (*self.model.state_cls._fields, "spikes")

    def state_from_leaves(self, leaves: Sequence[torch.Tensor]) -> RecurrentState:
        return RecurrentState(self.model.state_cls(*leaves[:-1]), leaves[-1])

    def state_leaves(self, state: Any) -> tuple[torch.Tensor, ...]:
        if not isinstance(state, tuple) or len(state) != 2:
            raise TypeError("state of a recurrent layer must be a RecurrentState(neuron, spikes)")
        return (*state[0], state[1])

    def initial_state(
        self, shape: Sequence[int], dtype: torch.dtype = torch.float32, device: Any = None
    ) -> RecurrentState:
        neuron = self.model.init_state(tuple(shape), self._fixed_coeffs, dtype, device)
        return RecurrentState(neuron, torch.zeros(tuple(shape), dtype=dtype, device=device))

    def drive(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] != self.input_size:
            raise ValueError(
                f"x must have {self.input_size} features in its last dimension, got shape {tuple(x.shape)}"
            )
        return self.input(x)

    def step_once(self, x: torch.Tensor, state: Any, c: Any) -> tuple[torch.Tensor, Any]:
        neuron, prev = state
        out, neuron = self.model.step(x + self.recurrent(prev), neuron, c)
        return out, RecurrentState(neuron, out)

    # ----- the fused recurrent sequence (spikeflow.kernels.fused_recurrent) --------------
    def _run_fused(self, x: torch.Tensor, state: Any, c: Any) -> tuple[torch.Tensor, Any] | None:
        if self._fused_reason(x, c) is not None:
            return None
        from ..kernels import fused_recurrent

        neuron, prev = state
        names = self._kernel_state(c)
        step_kernels = self._step_kernels(c, tuple(prev.shape), x.dtype)
        out, *final = fused_recurrent.recurrent_sequence(
            step_kernels, x, self.recurrent.weight, prev, [getattr(neuron, k) for k in names]
        )
        return out, RecurrentState(neuron._replace(**dict(zip(names, final))), out[-1])

    def _fused_reason(self, x: torch.Tensor, c: Any) -> str | None:
        if x.device.type != "cpu":
            return "recurrent layers are fused on CPU only (on other devices the reference step runs)"
        if self.recurrent.weight.dtype != x.dtype:
            return f"the recurrent weight is {self.recurrent.weight.dtype}, the input {x.dtype}"
        from ..kernels.fused_recurrent import unavailable

        rows = x[0].numel() // self.hidden_size
        return unavailable(rows, self.hidden_size, self.backend == "auto") or self._neuron_fused_reason(x, c)

    def _neuron_fused_reason(self, x: torch.Tensor, c: Any) -> str | None:
        """Why the neuron's fused kernels do not apply (``None``: they do)."""
        return kernels.unsupported_reason(self.model.name, x, c)

    def _kernel_state(self, c: Any) -> tuple[str, ...]:
        """The state fields the fused kernels carry (the others stay as they are)."""
        from ..codegen import fused

        return tuple(fused.kernel_state(c.params.spec, c))

    def _step_kernels(self, c: Any, shape: tuple, dtype: torch.dtype) -> Any:
        """The generated kernels of the neuron's specification, for the recurrent driver."""
        from ..kernels.fused_recurrent import spec_kernels

        return spec_kernels(c.params.spec, c, shape, dtype)

    def extra_repr(self) -> str:
        base = super().extra_repr()
        return f"{self.input_size}, {self.hidden_size}" + (f", {base}" if base else "")

"""Running a generated model's fused kernels over a sequence, with autograd: the CPU
kernels of :mod:`spikeflow.codegen.numba_train` and the GPU kernels of
:mod:`spikeflow.codegen.triton_backend`. :func:`fused_sequence` is what a layer calls;
:func:`unsupported_reason` says why a sequence runs on the reference step instead."""

from __future__ import annotations

import math
from typing import Any

import torch

from ..kernels import buffers
from ..kernels.conventions import SURROGATE_CODES
from . import runtime


def unsupported_reason(spec: Any, x: torch.Tensor, coeffs: Any) -> str | None:
    """Why no fused kernel can run ``spec`` on ``x`` with ``coeffs``, or ``None``."""
    from .. import kernels

    if x.device.type not in ("cpu", "cuda"):
        return f"no fused kernel for device {x.device.type!r} (CPU and CUDA only)"
    if x.dtype not in (torch.float32, torch.float64):
        return f"fused kernels take float32 or float64, got {x.dtype}"
    if spec.spiking and coeffs.spike.name not in SURROGATE_CODES:
        return f"no fused kernel for the custom surrogate {coeffs.spike.name!r}"
    if x.device.type == "cuda" and not kernels.triton_available():
        return "Triton is not installed (pip install triton)"
    if x.device.type == "cpu" and not kernels.numba_available():
        return "Numba is not installed (pip install 'spikeflow[fast]')"
    return kernels.threads.fork_reason() if x.device.type == "cpu" else None


def _constants(coeffs: Any, shape: tuple, dtype: torch.dtype, device: Any) -> tuple[torch.Tensor, bool]:
    """The constants as ``[K]`` (all fixed) or ``[K, N]`` per neuron (some are tensors,
    e.g. learnable time constants: the result then carries their gradients); a model with
    a refractory period has its steps appended (:func:`~spikeflow.codegen.printers.refractory_index`)."""
    values = coeffs.values
    if refractory(coeffs):
        values = (*values, float(coeffs.refractory_steps))
    if not any(isinstance(v, torch.Tensor) for v in values):
        cached = coeffs.params.__dict__.setdefault("_kernel_constants", {})
        key = (dtype, str(device))
        if key not in cached:
            cached[key] = torch.tensor([float(v) for v in values], dtype=dtype, device=device)
        return cached[key], False
    n = math.prod(shape)
    rows = [torch.as_tensor(v, dtype=dtype, device=device).expand(shape).reshape(n) for v in values]
    return torch.stack(rows), True


def _surrogate_args(coeffs: Any, dtype: torch.dtype) -> tuple:
    import numpy as np

    t = np.float32 if dtype == torch.float32 else np.float64
    spike = coeffs.spike
    nd = 0.0 if coeffs.detach_reset else 1.0
    if spike is None or getattr(spike, "name", None) not in SURROGATE_CODES:
        return t(nd), 0, t(1.0), t(math.pi / 2)
    return t(nd), SURROGATE_CODES[spike.name], t(spike.slope), t(math.pi / 2)


def kernel_inputs(ctx: Any, x: torch.Tensor, consts: torch.Tensor, info: tuple, states: tuple) -> tuple:
    """The forward kernels' inputs ``(x [T, n], state [S, n] (updated in place by the
    kernel), constants)`` as contiguous copies in ``x``'s dtype; saves what the backward
    pass needs on ``ctx`` (nothing on :class:`_NoCtx`)."""
    T, n = x.shape[0], states[0].numel()
    x2 = x.detach().contiguous().reshape(T, n)
    if len(states) == 1 and states[0].dtype == x.dtype:  # (a copy: the kernel updates it in place)
        s = states[0].detach().reshape(1, n).clone(memory_format=torch.contiguous_format)
    else:
        s = torch.stack([st.detach().reshape(n).to(x.dtype) for st in states])
    c = consts if consts.is_contiguous() and not consts.requires_grad else consts.detach().contiguous()
    if ctx is not _NO_CTX:
        ctx.save_for_backward(x2, s.clone(), c)
        ctx.info, ctx.shape, ctx.state_shape = info, x.shape, states[0].shape
    return x2, s, c


def kernel_outputs(shape: tuple, state_shape: tuple, out: torch.Tensor, s: torch.Tensor) -> tuple:
    """``(outputs [T, *shape], *final state [*state_shape])`` from the kernels' flat arrays."""
    if s.shape[0] == 1:
        return out.view(shape), s.view(state_shape)
    return (out.view(shape), *(row.view(state_shape) for row in s.unbind(0)))


def incoming_gradients(gout: Any, gstates: tuple, steps: int, n: int, like: torch.Tensor) -> tuple:
    """The backward kernels' inputs: ``(gz, stride, gs)`` with ``gz`` the output gradient as
    ``[steps, n]``, or ``[1, n]`` with ``stride`` 0 when it is one row at every step (the
    expanded gradient of ``.sum()``, never made full-size), and ``gs [S, n]`` the final
    state's gradients (zeros where none), a fresh contiguous tensor the kernel updates."""
    if gout is None:
        gz, stride = torch.zeros((1, n), dtype=like.dtype, device=like.device), 0
    else:
        gz = gout.reshape(steps, n)
        gz, stride = (gz[:1].contiguous(), 0) if steps > 1 and gz.stride(0) == 0 else (gz.contiguous(), n)
    zeros = torch.zeros(n, dtype=like.dtype, device=like.device)
    gs = torch.stack([zeros if g is None else g.reshape(n).to(like.dtype) for g in gstates]).contiguous()
    return gz, stride, gs


_kernel_sets: dict = {}  # see _cpu_kernels


def _cpu_kernels(module: Any, per_neuron: bool, coeffs: Any, dtype: torch.dtype) -> tuple:
    """``(forward, backward, stored, surrogate arguments)`` of a generated module for a
    variant, surrogate and dtype, looked up once (a small layer's call is mostly such
    lookups otherwise)."""
    spike = coeffs.spike
    key = (module.__name__, per_neuron, coeffs.refractory_steps > 0, dtype, getattr(spike, "name", None),
           getattr(spike, "slope", None), coeffs.detach_reset)  # fmt: skip
    found = _kernel_sets.get(key)
    if found is None:
        sfx = suffix(per_neuron, coeffs)
        surrogate = _surrogate_args(coeffs, dtype)
        name = f"backward{sfx}"  # one kernel per surrogate shape (spiking models)
        backward = getattr(module, f"{name}_{surrogate[1]}", None) or getattr(module, f"{name}_0")
        forward = getattr(module, f"forward{sfx}")
        found = _kernel_sets[key] = (forward, backward, module.STORED[sfx], surrogate)
    return found


class FusedSpecCPU(torch.autograd.Function):
    """``(x [T, *s], consts, info, *state0 [*s]) -> (out [T, *s], *state_T [*s])``."""

    @staticmethod
    def forward(ctx, x, consts, info, *states):  # noqa: ANN001, ANN205
        module, per_neuron, coeffs, kernels = info
        x2, s, c = kernel_inputs(ctx, x, consts, info, states)
        out = buffers.empty(tuple(x2.shape), x.dtype)
        kernels[0](x2.numpy(), s.numpy(), c.numpy(), out.numpy())
        return kernel_outputs(x.shape, states[0].shape, out, s)

    @staticmethod
    def backward(ctx, gout, *gstates):  # noqa: ANN001, ANN205
        from .numba_train import backward_block

        module, per_neuron, coeffs, kernels = ctx.info
        x2, s0, c = ctx.saved_tensors
        T, n = x2.shape
        _, kernel, stored, (nd, kind, slope, halfpi) = kernels
        gz, _, gs = incoming_gradients(gout, gstates, T, n, x2)
        gx = buffers.empty((T, n), x2.dtype)
        gc = torch.zeros(c.shape if per_neuron else (1, 1), dtype=x2.dtype)
        kernel(x2.numpy(), s0.numpy(), c.numpy(), gz.numpy(), gs.numpy(), nd, kind, slope, halfpi,
               backward_block(T, stored), gx.numpy(), gc.numpy())  # fmt: skip
        return (gx.reshape(ctx.shape), gc if per_neuron else None, None, *state_gradients(gs, ctx, coeffs))


def refractory(coeffs: Any) -> bool:
    """Whether ``coeffs`` run the kernels' refractory variant (a period of at least one
    step; see :func:`~spikeflow.codegen.printers.variants`)."""
    return coeffs.refractory_steps > 0


def suffix(per_neuron: bool, coeffs: Any) -> str:
    """The suffix of the kernel variant that runs ``coeffs`` (``"_pn_ref"``, ...)."""
    from .printers import variant_suffix

    return variant_suffix(per_neuron, refractory(coeffs))


def kernel_state(spec: Any, coeffs: Any) -> list[str]:
    """The state fields the fused kernels of ``spec`` carry for ``coeffs``, in their rows:
    the state variables, and the refractory counter in the refractory variant."""
    return [*spec.state, *(["refractory"] if refractory(coeffs) else [])]


def state_gradients(gs: torch.Tensor, ctx: Any, coeffs: Any) -> list:
    """The initial state's gradients from the backward kernels' rows ``gs [S, n]``: none
    for a refractory counter (a step function of the spikes)."""
    names = kernel_state(coeffs.params.spec, coeffs)
    return [None if name == "refractory" else gs[i].reshape(ctx.state_shape) for i, name in enumerate(names)]


_plans: dict = {}  # (id(coeffs), device type, dtype) -> (coeffs, plan): see _plan


def _plan(spec: Any, x: torch.Tensor, coeffs: Any) -> tuple:
    """``(reason, state fields, constants or None, (module, CPU kernels) or None)`` of
    ``coeffs`` on ``x``'s device and dtype, remembered per coefficients object where its
    values are fixed (a layer passes the same object on every call: a small call skips
    re-deriving them); coefficients with learnable tensors are made afresh on each call
    and not kept."""
    from ..kernels.conventions import per_coeffs

    def make(learnable: bool) -> tuple:
        reason = unsupported_reason(spec, x, coeffs)
        if reason is not None:
            return reason, None, None, None
        names = kernel_state(spec, coeffs)
        if learnable:
            return None, names, None, None
        consts = _constants(coeffs, (1,), x.dtype, x.device)[0]
        if x.device.type != "cpu":
            return None, names, consts, None
        module = runtime.generated(spec, "numba_train")
        return None, names, consts, (module, _cpu_kernels(module, False, coeffs, x.dtype))

    key = (id(coeffs), x.device.type, x.dtype)
    hit = _plans.get(key)
    if hit is not None and hit[0] is coeffs:  # (only fixed coefficients are kept)
        return hit[1]
    if any(isinstance(v, torch.Tensor) for v in coeffs.values):
        return make(learnable=True)
    return per_coeffs(_plans, key, coeffs, lambda: make(learnable=False))


def fused_sequence(spec: Any, x: torch.Tensor, state: Any, coeffs: Any) -> tuple[torch.Tensor, Any] | None:
    """Run ``spec`` over ``x [T, batch, *features]`` from ``state`` in one fused call:
    ``(outputs [T, ...], final state)``, or ``None`` when no kernel applies."""
    from ..kernels import threads

    reason, names, consts, cpu = _plan(spec, x, coeffs)
    if reason is not None or (x.device.type == "cpu" and threads.fork_reason() is not None):
        return None
    tensors = [getattr(state, k) for k in names]
    per_neuron = False
    if consts is None:  # learnable parameters: per neuron, carrying their gradients
        consts, per_neuron = _constants(coeffs, tuple(tensors[0].shape), x.dtype, x.device)
    if x.device.type == "cuda":
        from .triton_backend import triton_sequence

        out, *final = triton_sequence(spec, x, tensors, consts, per_neuron, coeffs)
        return out, state._replace(**dict(zip(names, final)))
    if cpu is None:
        module = runtime.generated(spec, "numba_train")
        cpu = (module, _cpu_kernels(module, per_neuron, coeffs, x.dtype))
    threads.before_launch()
    info = (cpu[0], per_neuron, coeffs, cpu[1])
    needs_grad = torch.is_grad_enabled() and (
        x.requires_grad or consts.requires_grad or any(t.requires_grad for t in tensors)
    )
    if needs_grad:
        out, *final = FusedSpecCPU.apply(x, consts, info, *tensors)
    else:  # (no autograd bookkeeping: nothing here needs a gradient, so nothing records one)
        out, *final = FusedSpecCPU.forward(_NO_CTX, x, consts, info, *tensors)
    return out, state._replace(**dict(zip(names, final)))


class _NoCtx:
    """Stands in for autograd's context where nothing is saved (:data:`_NO_CTX`)."""

    def save_for_backward(self, *tensors: torch.Tensor) -> None:
        pass

    def mark_non_differentiable(self, *tensors: torch.Tensor) -> None:
        pass


_NO_CTX = _NoCtx()

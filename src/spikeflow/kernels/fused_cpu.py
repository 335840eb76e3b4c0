"""Autograd wrappers around the Numba kernels of :mod:`spikeflow.kernels.cpu_numba`.

Each Function takes the input ``x [T, *shape]`` and the initial state tensors and
returns the spikes and the final state tensors. It saves only ``x`` and the initial
state (the kernels recompute the rest in cache), and its backward returns the gradients
for the input and the initial state: exact BPTT of the surrogate model.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from . import buffers
from . import cpu_numba as K
from .conventions import per_coeffs


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().numpy()


def _empty(shape: tuple[int, ...], dtype: torch.dtype) -> torch.Tensor:
    """An uninitialised CPU tensor (see :mod:`spikeflow.kernels.buffers`)."""
    return buffers.empty(shape, dtype)


def kernel_gradient(gz: torch.Tensor, steps: int, n: int) -> torch.Tensor:
    """The output gradient as the backward kernels read it: ``[steps, n]`` C-contiguous,
    or ``[1, n]`` when it does not change over time (``.sum().backward()`` passes a
    zero-stride expansion; reading one row keeps it from being made full-size)."""
    g = gz.reshape(steps, n)  # a view for contiguous and for expanded gradients
    if steps > 1 and g.stride(0) == 0:
        return g[:1].contiguous()
    return g if g.is_contiguous() else g.contiguous()


def _typed(dtype: torch.dtype, *values: float) -> list[Any]:
    """Cast Python floats to the tensor dtype, as torch does when it multiplies by them."""
    np_type = np.float32 if dtype == torch.float32 else np.float64
    return [np_type(v) for v in values]


def _membrane_args(m: Any, dtype: torch.dtype) -> list[Any]:
    """``rest, decay, gain, v_th, v_reset, c, r, kr`` of the kernels, in the working dtype."""
    r, kr, c = K.reset_flags(m.reset, m.v_th, m.v_reset)
    return _typed(dtype, m.v_rest, m.decay, m.gain, m.v_th, m.v_reset, c, r, kr)


def _surrogate_args(m: Any, dtype: torch.dtype) -> list[Any]:
    """``nd, kind, k, one, halfpi`` of the backward kernels."""
    nd, k, one, halfpi = _typed(dtype, 0.0 if m.detach_reset else 1.0, m.spike.slope, 1.0, math.pi / 2)
    return [nd, K.SURROGATE_CODES[m.spike.name], k, one, halfpi]


class _Fused(torch.autograd.Function):
    """Shared plumbing: ``forward(ctx, x, *state0, coeffs)``. Subclasses define
    ``_extra(coeffs, dtype)`` (model constants after the membrane ones), ``_forward`` and
    ``_backward`` (the kernels)."""

    @classmethod
    def _extra(cls, coeffs: Any, dtype: torch.dtype) -> list[Any]:
        return []

    @staticmethod
    def _membrane(coeffs: Any) -> Any:
        return getattr(coeffs, "membrane", coeffs)

    _cache: dict = {}

    @classmethod
    def _constants(cls, coeffs: Any, m: Any, dtype: torch.dtype) -> tuple:
        """The kernels' scalar arguments for ``coeffs``, made once per coefficients object
        and dtype (a layer passes the same object on every call; this saves a small
        layer's call about a fifth of its time)."""
        return per_coeffs(
            cls._cache,
            (cls, id(coeffs), dtype),
            coeffs,
            lambda: (_membrane_args(m, dtype), cls._extra(coeffs, dtype), _surrogate_args(m, dtype)),
        )

    @classmethod
    def _run_forward(cls, x, states, coeffs):  # noqa: ANN001, ANN206
        """The forward kernel: ``(x2 [T, n], final states [n], spikes [T, n], constants)``;
        the given states are not modified."""
        T, n = x.shape[0], states[0].numel()
        x2 = x.detach()
        if not x2.is_contiguous():
            x2 = _empty(tuple(x.shape), x.dtype).copy_(x2)
        x2 = x2.reshape(T, n)
        flat = [s.detach().reshape(n).clone() for s in states]
        z = _empty((T, n), x.dtype)
        consts = cls._constants(coeffs, cls._membrane(coeffs), x.dtype)
        cls._forward(_np(x2), *[_np(s) for s in flat], *consts[0], *consts[1], _np(z))
        return x2, flat, z, consts

    @classmethod
    def infer(cls, x, states, coeffs):  # noqa: ANN001, ANN206
        """The forward pass without autograd (nothing requires a gradient): the same
        outputs as ``apply``, without its bookkeeping (a tenth of a small layer's call)."""
        _, flat, z, _ = cls._run_forward(x, states, coeffs)
        return (z.reshape(x.shape), *(s.reshape(states[0].shape) for s in flat))

    @classmethod
    def run(cls, ctx, x, states, coeffs):  # noqa: ANN001, ANN206
        x2, flat, z, (consts, extra, surrogate) = cls._run_forward(x, states, coeffs)
        n = x2.shape[1]
        ctx.save_for_backward(x2, *[s.detach().reshape(n) for s in states])
        ctx.consts, ctx.extra, ctx.surrogate = consts, extra, surrogate
        ctx.shape, ctx.state_shape = x.shape, states[0].shape
        return (z.reshape(x.shape), *(s.reshape(states[0].shape) for s in flat))

    @classmethod
    def grads(cls, ctx, gz, *g_final):  # noqa: ANN001, ANN206
        x2, *states0 = ctx.saved_tensors
        T, n = x2.shape
        if gz is None:
            gz2 = _empty((T, n), x2.dtype).zero_()
            gx = gz2
        else:
            gz2 = kernel_gradient(gz, T, n)
            gx = _empty((T, n), x2.dtype)
        gs = [torch.zeros(n, dtype=x2.dtype) if g is None else g.reshape(n).clone() for g in g_final]
        block = K.backward_block(T)
        cls._backward(
            _np(x2), *[_np(s) for s in states0], _np(gz2), *[_np(g) for g in gs],
            *ctx.consts, *cls._backward_extra(ctx), *ctx.surrogate, block, _np(gx),
        )  # fmt: skip
        return (gx.reshape(ctx.shape), *(g.reshape(ctx.state_shape) for g in gs), None)

    @staticmethod
    def _backward_extra(ctx) -> list[Any]:  # noqa: ANN001
        return ctx.extra


class FusedALIF(_Fused):
    """``(x, v0, a0, coeffs) -> (spikes, v_T, a_T)``."""

    @classmethod
    def _extra(cls, coeffs: Any, dtype: torch.dtype) -> list[Any]:
        return _typed(dtype, coeffs.decay_adapt, 1.0 - coeffs.decay_adapt, coeffs.beta_adapt)

    _forward = staticmethod(K.alif_forward)

    @staticmethod
    def _backward(
        x,
        v0,
        a0,
        gz,
        gv,
        ga,
        rest,
        decay,
        gain,
        v_th,
        v_reset,
        c,
        r,
        kr,
        decay_a,
        one_minus,
        beta_a,
        nd,
        kind,
        k,
        one,
        halfpi,
        block,
        gx,
    ):  # noqa: ANN001, ANN205, E501
        K.alif_backward(
            x, v0, a0, gz, gv, ga, rest, decay, gain, v_th, v_reset, c, r, kr, nd, decay_a,
            one_minus, beta_a, kind, k, one, halfpi, block, gx,
        )  # fmt: skip

    @staticmethod
    def forward(ctx, x, v0, a0, coeffs):  # noqa: ANN001, ANN205
        return FusedALIF.run(ctx, x, [v0, a0], coeffs)

    @staticmethod
    def backward(ctx, gz, gv, ga):  # noqa: ANN001, ANN205
        return FusedALIF.grads(ctx, gz, gv, ga)

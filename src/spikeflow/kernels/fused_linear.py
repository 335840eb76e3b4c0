"""A ``Linear`` layer fused with a multi-step neuron (LIF, synaptic LIF, ALIF) on CPU,
keeping no ``[T, ..., out]`` activation but the spikes.

``FusedLinearNeuron.apply(x, weight, bias, spec, *state0)`` computes
``neuron(x @ weight.T + bias)`` over ``x [T, *batch, in]`` and returns the spikes
``[T, *batch, out]`` and the final state tensors. The sequence runs in time chunks of
about :data:`CHUNK_ROWS` rows (steps x batch): the chunk's input currents are one matrix
product into a reused buffer, then the neuron kernel runs over the chunk, carrying its
state. Kept for the backward pass: the input (which the caller holds anyway), the weight
and the neuron's state at each chunk start (a few vectors per chunk).

Backward, chunk by chunk in reverse time: the chunk's currents are recomputed (one more
matrix product than an unfused layer), the neuron's backward kernel turns the spike
gradient into the current gradient, which is at once folded into the weight, bias and
input gradients. Neither the currents nor their gradient ever exist for the whole
sequence, so the layer's activation memory is its spike output alone.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import torch

from . import fused_cpu as F
from .cpu_numba import backward_block

CHUNK_ROWS = 2048  # rows (steps x batch) per chunk: large enough for an efficient product


class LinearSpec(NamedTuple):
    """What the fused function needs besides tensors: the neuron Function class
    (``fused_cpu.FusedLIF``...) and its coefficients."""

    neuron: Any
    coeffs: Any


def chunk_steps(batch_rows: int, num_steps: int) -> int:
    """Time steps per chunk for ``batch_rows`` rows per step."""
    return max(1, min(num_steps, -(-CHUNK_ROWS // max(batch_rows, 1))))


def _currents(x2: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None, out: torch.Tensor) -> None:
    """``out [rows, out] = x2 [rows, in] @ weight.T + bias``."""
    if bias is None:
        torch.mm(x2, weight.t(), out=out)
    else:
        torch.addmm(bias, x2, weight.t(), out=out)


class FusedLinearNeuron(torch.autograd.Function):
    """``(x [T, *b, in], weight [out, in], bias [out] | None, spec, *state0 [*b, out])
    -> (spikes [T, *b, out], *state_T)``: exact BPTT of ``neuron(linear(x))``."""

    @staticmethod
    def forward(ctx, x, weight, bias, spec, *states):  # noqa: ANN001, ANN205
        cls, T = spec.neuron, x.shape[0]
        n_in, n_out = weight.shape[1], weight.shape[0]
        batch = tuple(x.shape[1:-1])
        rows = x[0].numel() // n_in  # rows of one step
        n = rows * n_out
        x2 = x.detach()
        if not x2.is_contiguous():
            x2 = x2.contiguous()
        x2 = x2.reshape(T, rows, n_in)
        w, b = weight.detach(), None if bias is None else bias.detach()
        m = cls._membrane(spec.coeffs)
        consts = F._membrane_args(m, x.dtype)
        extra = cls._extra(spec.coeffs, x.dtype)
        flat = [s.detach().reshape(n).clone() for s in states]
        tc = chunk_steps(rows, T)
        currents = F._empty((tc, rows, n_out), x.dtype)
        z = F._empty((T, n), x.dtype)
        starts = []
        for t0 in range(0, T, tc):
            t1 = min(T, t0 + tc)
            cur = currents[: t1 - t0]
            _currents(x2[t0:t1].reshape(-1, n_in), w, b, cur.view(-1, n_out))
            starts.append([s.clone() for s in flat])
            cls._forward(
                F._np(cur.view(t1 - t0, n)), *[F._np(s) for s in flat], *consts, *extra, F._np(z[t0:t1])
            )
        ctx.save_for_backward(x2, w, b)
        ctx.starts, ctx.consts, ctx.extra = starts, consts, extra
        ctx.surrogate = F._surrogate_args(m, x.dtype)
        ctx.meta = (cls, T, tc, rows, n_in, n_out, tuple(x.shape), batch)
        out_shape = (T, *batch, n_out)
        return (z.reshape(out_shape), *(s.reshape(*batch, n_out) for s in flat))

    @staticmethod
    def backward(ctx, gz, *g_final):  # noqa: ANN001, ANN205
        x2, w, b = ctx.saved_tensors
        cls, T, tc, rows, n_in, n_out, x_shape, batch = ctx.meta
        n = rows * n_out
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        gs = [torch.zeros(n, dtype=x2.dtype) if g is None else g.reshape(n).clone() for g in g_final]
        gw = gb = None
        gx = F._empty(tuple(x2.shape), x2.dtype) if need_x else None
        currents = F._empty((tc, rows, n_out), x2.dtype)
        g_cur = F._empty((tc, n), x2.dtype)
        g_out = F._empty((tc, n), x2.dtype) if gz is None else None
        extra = cls._backward_extra(ctx)
        for c in range((T + tc - 1) // tc - 1, -1, -1):
            t0 = c * tc
            t1, steps = min(T, t0 + tc), min(T, t0 + tc) - t0
            cur = currents[:steps]
            _currents(x2[t0:t1].reshape(-1, n_in), w, b, cur.view(-1, n_out))
            cur = cur.view(steps, n)
            gzc = g_out[:steps].zero_() if gz is None else F.kernel_gradient(gz[t0:t1], steps, n)
            gi = g_cur[:steps]
            cls._backward(
                F._np(cur), *[F._np(s) for s in ctx.starts[c]], F._np(gzc), *[F._np(g) for g in gs],
                *ctx.consts, *extra, *ctx.surrogate, backward_block(steps), F._np(gi),
            )  # fmt: skip
            gi2 = gi.view(-1, n_out)
            if need_w:
                xc = x2[t0:t1].reshape(-1, n_in)
                gw = torch.mm(gi2.t(), xc) if gw is None else gw.addmm_(gi2.t(), xc)
            if need_b and b is not None:
                gb = gi2.sum(0) if gb is None else gb.add_(gi2.sum(0))
            if gx is not None:
                torch.mm(gi2, w, out=gx[t0:t1].view(-1, n_in))
        gx = None if gx is None else gx.reshape(x_shape)
        return (gx, gw, gb, None, *(g.reshape(*batch, n_out) for g in gs))

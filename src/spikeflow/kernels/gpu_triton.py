"""Fused multi-step GPU kernels (Triton): ALIF (the LIF's and synaptic LIF's are generated
from their specifications, :mod:`spikeflow.codegen.triton_backend`), forward and exact
backward, the counterparts of :mod:`spikeflow.kernels.cpu_numba`.

Layout: ``x [T, N]`` contiguous (``N`` = batch x features). Each program owns ``BLOCK``
neurons and runs the time loop inside, keeping their state in registers. The forward
pass does the reference ``step``'s operations in the same order. The backward pass first
re-runs the forward pass of its neurons, writing the distance to threshold ``h`` (and, for
ALIF, ``u``) into a ``[T, N]`` scratch buffer, then runs the reverse-time recurrence; the
output gradient is read with a time stride that is 0 for the expanded gradient of
``.sum()``. The reset and surrogate conventions (``r, kr, c, nd`` and the surrogate
codes) are those of the CPU kernels.

Status: written and tested against the reference through Triton's interpreter
(``TRITON_INTERPRET=1``, on CPU tensors) only; no GPU was available to this work, so
neither compiled GPU code nor its speed has been checked (see ``docs/benchmarks.md``).
"""

from __future__ import annotations

import math
from typing import Any

import torch
import triton
import triton.language as tl

from .conventions import SURROGATE_CODES, reset_flags

BLOCK = 256


@triton.jit
def _membrane(v, x, rest, decay, gain):
    return rest + decay * (v - rest) + gain * x


@triton.jit
def _reset(u, z, v_reset, c, r, kr):
    return u - (z * r) * (c + kr * (u - v_reset))


@triton.jit
def _surrogate(h, KIND: tl.constexpr, k, halfpi):
    if KIND == 0:
        d = 1.0 + k * tl.abs(h)
        s = 1.0 / (d * d)
    elif KIND == 1:
        w = halfpi * k * h
        s = (k / 2.0) / (1.0 + w * w)
    elif KIND == 2:
        e = 1.0 / (1.0 + tl.exp(-k * h))
        s = k * e * (1.0 - e)
    elif KIND == 3:
        s = k * tl.maximum(1.0 - k * tl.abs(h), 0.0)
    else:
        s = h * 0.0 + 1.0
    return s


# Constants come in a vector of the tensors' dtype (Triton would make Python floats
# float32): p = [rest, decay, gain, v_th, v_reset, c, r, kr, nd, k, halfpi, e0, e1, e2]
# with e0.. the model's own (ALIF: decay_a, 1 - decay_a, beta).


@triton.jit
def _load_consts(p_ptr):
    return (tl.load(p_ptr), tl.load(p_ptr + 1), tl.load(p_ptr + 2), tl.load(p_ptr + 3), tl.load(p_ptr + 4),
            tl.load(p_ptr + 5), tl.load(p_ptr + 6), tl.load(p_ptr + 7))  # fmt: skip


@triton.jit
def _grad_u(g, gz, s, h, u, v_reset, c, r, kr, nd):
    z = tl.where(h >= 0, 1.0, 0.0)
    return g * (1.0 - r * kr * z) + ((r * nd) * g * (-(c + kr * (u - v_reset))) + gz) * s


# One step of each model, shared by the forward kernels and the backward kernels' re-run:
# the distance to threshold h, the spike z, then the next state.
@triton.jit
def _alif_step(v, a, x, rest, decay, gain, v_th, v_reset, c, r, kr, decay_a, one_minus, beta_a):
    u = _membrane(v, x, rest, decay, gain)
    h = u - (v_th + beta_a * a)
    z = tl.where(h >= 0, 1.0, 0.0).to(x.dtype)
    return h, u, z, _reset(u, z, v_reset, c, r, kr), decay_a * a + one_minus * z


@triton.jit
def _alif_fwd(x_ptr, v_ptr, a_ptr, z_ptr, p_ptr, T, N, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < N
    rest, decay, gain, v_th, v_reset, c, r, kr = _load_consts(p_ptr)
    decay_a, one_minus, beta_a = tl.load(p_ptr + 11), tl.load(p_ptr + 12), tl.load(p_ptr + 13)
    v = tl.load(v_ptr + offs, mask=mask, other=0.0)
    a = tl.load(a_ptr + offs, mask=mask, other=0.0)
    for t in range(T):
        x = tl.load(x_ptr + t * N + offs, mask=mask, other=0.0)
        h, u, z, v, a = _alif_step(
            v, a, x, rest, decay, gain, v_th, v_reset, c, r, kr, decay_a, one_minus, beta_a
        )
        tl.store(z_ptr + t * N + offs, z, mask=mask)
    tl.store(v_ptr + offs, v, mask=mask)
    tl.store(a_ptr + offs, a, mask=mask)


@triton.jit
def _alif_bwd(x_ptr, v0_ptr, a0_ptr, gz_ptr, gz_stride, gv_ptr, ga_ptr, h_ptr, u_ptr, gx_ptr, p_ptr, T, N,
              KIND: tl.constexpr, BLOCK: tl.constexpr):  # fmt: skip
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < N
    rest, decay, gain, v_th, v_reset, c, r, kr = _load_consts(p_ptr)
    nd, k, halfpi = tl.load(p_ptr + 8), tl.load(p_ptr + 9), tl.load(p_ptr + 10)
    decay_a, one_minus, beta_a = tl.load(p_ptr + 11), tl.load(p_ptr + 12), tl.load(p_ptr + 13)
    v = tl.load(v0_ptr + offs, mask=mask, other=0.0)
    a = tl.load(a0_ptr + offs, mask=mask, other=0.0)
    for t in range(T):
        x = tl.load(x_ptr + t * N + offs, mask=mask, other=0.0)
        h, u, z, v, a = _alif_step(
            v, a, x, rest, decay, gain, v_th, v_reset, c, r, kr, decay_a, one_minus, beta_a
        )
        tl.store(h_ptr + t * N + offs, h, mask=mask)
        tl.store(u_ptr + t * N + offs, u, mask=mask)
    g = tl.load(gv_ptr + offs, mask=mask, other=0.0)
    gaa = tl.load(ga_ptr + offs, mask=mask, other=0.0)
    for i in range(T):
        t = T - 1 - i
        h = tl.load(h_ptr + t * N + offs, mask=mask, other=0.0)
        u = tl.load(u_ptr + t * N + offs, mask=mask, other=0.0)
        gz = tl.load(gz_ptr + t * gz_stride + offs, mask=mask, other=0.0)
        s = _surrogate(h, KIND, k, halfpi)
        z = tl.where(h >= 0, 1.0, 0.0)
        gh = (gz + one_minus * gaa + (r * nd) * g * (-(c + kr * (u - v_reset)))) * s
        gu = g * (1.0 - r * kr * z) + gh
        tl.store(gx_ptr + t * N + offs, gain * gu, mask=mask)
        g = decay * gu
        gaa = decay_a * gaa - beta_a * gh
    tl.store(gv_ptr + offs, g, mask=mask)
    tl.store(ga_ptr + offs, gaa, mask=mask)


# ------------------------------------------------------------------------ autograd
def _consts(model: str, coeffs: Any, dtype: torch.dtype, device: Any) -> torch.Tensor:
    """The kernels' constant vector (see the comment above the kernels)."""
    m = getattr(coeffs, "membrane", coeffs)
    r, kr, c = reset_flags(m.reset, m.v_th, m.v_reset)
    values = [m.v_rest, m.decay, m.gain, m.v_th, m.v_reset, c, r, kr]
    values += [0.0 if m.detach_reset else 1.0, m.spike.slope, math.pi / 2]
    if model == "alif":
        values += [coeffs.decay_adapt, 1.0 - coeffs.decay_adapt, coeffs.beta_adapt]
    # through float32 first where the tensors are float32, as torch casts Python scalars
    return torch.tensor([float(v) for v in values], dtype=torch.float64).to(dtype).to(device)


class TritonNeuron(torch.autograd.Function):
    """``(x [T, *s], spec, *state0 [*s]) -> (spikes [T, *s], *state_T)`` for ``spec =
    (model, coeffs)``, ``model`` ``alif``."""

    @staticmethod
    def forward(ctx, x, spec, *states):  # noqa: ANN001, ANN205
        model, coeffs = spec
        m = getattr(coeffs, "membrane", coeffs)
        T, n = x.shape[0], states[0].numel()
        x2 = x.detach().contiguous().reshape(T, n)
        flat = [s.detach().reshape(n).to(x.dtype).clone() for s in states]
        z = torch.empty_like(x2)
        p = _consts(model, coeffs, x.dtype, x.device)
        grid = (triton.cdiv(n, BLOCK),)
        kernel = {"alif": _alif_fwd}[model]
        kernel[grid](x2, *flat, z, p, T, n, BLOCK=BLOCK)
        ctx.save_for_backward(x2, p, *[s.detach().reshape(n).to(x.dtype) for s in states])
        ctx.model, ctx.kind = model, SURROGATE_CODES[m.spike.name]
        ctx.shape, ctx.state_shape = x.shape, states[0].shape
        return (z.reshape(x.shape), *(s.reshape(states[0].shape) for s in flat))

    @staticmethod
    def backward(ctx, gz, *g_final):  # noqa: ANN001, ANN205
        x2, p, *states0 = ctx.saved_tensors
        T, n = x2.shape
        if gz is None:
            gz2, stride = torch.zeros(1, n, dtype=x2.dtype, device=x2.device), 0
        else:
            gz2 = gz.reshape(T, n)
            if T > 1 and gz2.stride(0) == 0:  # the expanded gradient of .sum(): one row
                gz2, stride = gz2[:1].contiguous(), 0
            else:
                gz2, stride = gz2.contiguous(), n
        gs = [
            torch.zeros(n, dtype=x2.dtype, device=x2.device)
            if g is None
            else g.reshape(n).to(x2.dtype).clone()
            for g in g_final
        ]
        gx, h = torch.empty_like(x2), torch.empty_like(x2)
        grid = (triton.cdiv(n, BLOCK),)
        u = torch.empty_like(x2)
        _alif_bwd[grid](x2, *states0, gz2, stride, *gs, h, u, gx, p, T, n, KIND=ctx.kind, BLOCK=BLOCK)
        return (gx.reshape(ctx.shape), None, *(g.reshape(ctx.state_shape) for g in gs))


STATE_FIELDS = {"alif": ("v", "a")}


def triton_sequence(model: str, x: torch.Tensor, state: Any, coeffs: Any) -> tuple[torch.Tensor, Any]:
    """Run ``model`` over ``x [T, ...]`` from ``state``; returns ``(spikes, final state)``."""
    fields = STATE_FIELDS[model]
    out = TritonNeuron.apply(x, (model, coeffs), *(getattr(state, f) for f in fields))
    return out[0], state._replace(**dict(zip(fields, out[1:])))

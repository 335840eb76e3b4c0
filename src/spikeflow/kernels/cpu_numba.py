"""Fused multi-step CPU kernels (Numba): one pass over time per call for the ALIF neuron,
forward and exact backward (BPTT of the surrogate model); the LIF's and synaptic LIF's
are generated from their specifications (:mod:`spikeflow.codegen.numba_train`).

Layout: inputs and outputs are 2-D ``[T, N]`` C-contiguous arrays (``N`` = batch x
features). Neurons are split into blocks processed in parallel; inside a block the time
loop runs outermost and a branch-free, vectorisable loop over the block's neurons runs
innermost, with the block's state in a small local array that stays in cache.

Forward: the floating-point operations of the reference ``step`` in
:mod:`spikeflow.neurons`, in the same order and precision (the caller casts scalars to
the array dtype), so the spikes are identical. The three reset modes are one expression
``v = u - (z r) (c + k (u - v_reset))`` that equals the reference's exactly for the 0/1
flags ``r`` and ``k`` (subtract: r=1, k=0, c=v_th-v_reset; value: r=1, k=1, c=0;
none: r=0).

Backward: nothing but the input and the initial state is kept from the forward pass.
Each block first re-runs its forward pass, keeping the distance to threshold
``h = u - threshold`` (and ``u`` where the reset needs it) in a block-local
``[T, block]`` buffer sized to stay in cache, then runs the reverse-time recurrence.
The output gradient ``gz`` is ``[T, N]``, or ``[1, N]`` for one row that holds at every
step (the expanded gradient of ``.sum()`` or ``.mean()``, never made full-size).

Surrogate codes: 0 fast_sigmoid, 1 arctan, 2 sigmoid, 3 triangle, 4 straight_through.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from .conventions import SURROGATE_CODES, reset_flags  # noqa: F401 (re-exported)

FORWARD_BLOCK = 512
CACHE_FLOATS = 1 << 17  # floats in a backward block's recompute buffer (512 KiB in float32)

_opts = {"nogil": True, "cache": True, "error_model": "numpy"}


def backward_block(num_steps: int) -> int:
    """Neurons per backward block: the ``[T, block]`` recompute buffer fits in cache."""
    return int(min(512, max(16, (CACHE_FLOATS // max(num_steps, 1)) // 16 * 16)))


@nb.njit(inline="always", **_opts)
def _surrogate_row(h, s, kind, k, one, halfpi):  # noqa: ANN001, ANN202
    """``s[j] = g(h[j])``: one loop per surrogate shape, so each loop vectorises."""
    n = h.shape[0]
    if kind == 0:
        for j in range(n):
            d = one + k * abs(h[j])
            s[j] = one / (d * d)
    elif kind == 1:
        half_k = k / (one + one)
        for j in range(n):
            w = halfpi * k * h[j]
            s[j] = half_k / (one + w * w)
    elif kind == 2:
        for j in range(n):
            e = one / (one + math.exp(-k * h[j]))
            s[j] = k * e * (one - e)
    elif kind == 3:
        for j in range(n):
            s[j] = k * max(one - one, one - k * abs(h[j]))
    else:
        for j in range(n):
            s[j] = one


@nb.njit(inline="always", **_opts)
def _membrane(v, x, rest, decay, gain):  # noqa: ANN001, ANN202
    # the reference: v_rest + decay * (v - v_rest) + gain * x (exact for v_rest = 0, gain = 1)
    return rest + decay * (v - rest) + gain * x


@nb.njit(inline="always", **_opts)
def _reset(u, z, v_reset, c, r, kr):  # noqa: ANN001, ANN202
    return u - (z * r) * (c + kr * (u - v_reset))


@nb.njit(inline="always", **_opts)
def _grad_u(g, gz, s, h, u, v_reset, c, r, kr, nd, one):  # noqa: ANN001, ANN202
    """dL/du at one step: through the reset (held spike and via the spike) and the output."""
    z = one if h >= 0 else one - one
    direct = g * (one - r * kr * z)
    via_spike = (r * nd) * g * (-(c + kr * (u - v_reset)))
    return direct + (via_spike + gz) * s


# ------------------------------------------------------------------------------ ALIF
@nb.njit(parallel=True, **_opts)
def alif_forward(  # noqa: ANN201
    x,
    v,
    a,
    rest,
    decay,
    gain,
    v_th,
    v_reset,
    c,
    r,
    kr,
    decay_a,
    one_minus_decay_a,
    beta_a,
    z_out,  # noqa: ANN001
):
    """ALIF over ``x [T, N]``; ``v`` and ``a`` are updated in place."""
    T, N = x.shape
    for b in nb.prange((N + FORWARD_BLOCK - 1) // FORWARD_BLOCK):
        lo = b * FORWARD_BLOCK
        hi = min(lo + FORWARD_BLOCK, N)
        vv, aa = v[lo:hi].copy(), a[lo:hi].copy()
        for t in range(T):
            xr = x[t, lo:hi]
            zr = z_out[t, lo:hi]
            for j in range(hi - lo):
                u = _membrane(vv[j], xr[j], rest, decay, gain)
                z = x.dtype.type(u - (v_th + beta_a * aa[j]) >= 0)
                zr[j] = z
                vv[j] = _reset(u, z, v_reset, c, r, kr)
                aa[j] = decay_a * aa[j] + one_minus_decay_a * z
        v[lo:hi] = vv
        a[lo:hi] = aa


@nb.njit(parallel=True, **_opts)
def alif_backward(  # noqa: ANN201
    x, v0, a0, gz, gv, ga, rest, decay, gain, v_th, v_reset, c, r, kr, nd, decay_a,  # noqa: ANN001
    one_minus_decay_a, beta_a, kind, k, one, halfpi, block, gx,
):  # fmt: skip
    """Gradients of :func:`alif_forward`; ``gv``/``ga`` enter as dL/d(final state) and
    leave as dL/d(initial state). The recompute keeps ``u`` as well as ``h``: the value
    reset needs it."""
    T, N = x.shape
    for b in nb.prange((N + block - 1) // block):
        lo = b * block
        hi = min(lo + block, N)
        vv, aa = v0[lo:hi].copy(), a0[lo:hi].copy()
        hbuf = np.empty((T, hi - lo), dtype=x.dtype)
        ubuf = np.empty((T, hi - lo), dtype=x.dtype)
        for t in range(T):
            xr = x[t, lo:hi]
            hr = hbuf[t]
            ur = ubuf[t]
            for j in range(hi - lo):
                u = _membrane(vv[j], xr[j], rest, decay, gain)
                h = u - (v_th + beta_a * aa[j])
                z = x.dtype.type(h >= 0)
                hr[j] = h
                ur[j] = u
                vv[j] = _reset(u, z, v_reset, c, r, kr)
                aa[j] = decay_a * aa[j] + one_minus_decay_a * z
        g, gaa = gv[lo:hi].copy(), ga[lo:hi].copy()
        s = np.empty(hi - lo, dtype=x.dtype)
        for t in range(T - 1, -1, -1):
            hr = hbuf[t]
            ur = ubuf[t]
            gzr = gz[t if gz.shape[0] > 1 else 0, lo:hi]
            gxr = gx[t, lo:hi]
            _surrogate_row(hr, s, kind, k, one, halfpi)
            for j in range(hi - lo):
                # all that reaches the spike z_t: the output, the adaptation, the reset
                z = one if hr[j] >= 0 else one - one
                gzt = gzr[j] + one_minus_decay_a * gaa[j]
                gzt += (r * nd) * g[j] * (-(c + kr * (ur[j] - v_reset)))
                gh = gzt * s[j]
                gu = g[j] * (one - r * kr * z) + gh
                gxr[j] = gain * gu
                g[j] = decay * gu
                gaa[j] = decay_a * gaa[j] - beta_a * gh
        gv[lo:hi] = g
        ga[lo:hi] = gaa

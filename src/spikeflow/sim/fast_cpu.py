"""The simulator's fast CPU backend: the whole time loop in one Numba function, compiled
ahead of time at install (:mod:`spikeflow.sim.fast_compiled`) or, without that, by Numba's
JIT on first use (:mod:`spikeflow.sim.fast_specialise`).

All populations share one index space of ``N`` neurons. Each neuron has a model code (0:
LIF, 1: conductance-based LIF with exponential synapses, ...; the built-in specifications'
from :mod:`spikeflow.sim.fast_builtin`) and a row of parameters; one
ring buffer ``[L, N]`` holds the delayed input; the synapses are stored by presynaptic
neuron (CSR) with their target, signed weight and delay. Every step: read and clear the
input slot, add the external input of that step, update every neuron with the same
floating-point operations as the reference ``step`` of its model, then deliver the
spikes of this step into the slots ``t + delay``.

The arithmetic matches the reference backend operation for operation, the exponentials
included (the conductance LIF's :func:`vexp`, libm's ``exp`` elsewhere, which the reference
backend's steps call through :func:`vexp_into` and :func:`libm_exp`, see
:func:`spikeflow.neurons._base.sim_exp`), so the two backends give the same spikes and the
same potentials bit for bit (tested on random networks of every model).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from .fast_layout import (  # noqa: F401  (the runner and fast_specialise read them here too)
    ADEX_CODE,
    COND_CODE,
    E1,
    E3,
    E25,
    HH_CODE,
    IZH_CODE,
    N_PARAMS,
    SOURCE_CODE,
    cond_row,
    hh_powers,
    hh_rates,
    work_arrays,
)

(A_CM, A_GL, A_EL, A_DT, A_VT, A_VPEAK, A_VRESET, A_A, A_B, A_TAUW, A_IE, A_H, A_SUB) = range(13)
(H_CM, H_GNA, H_GK, H_GL, H_ENA, H_EK, H_EL, H_Q10, H_IE, H_THR, H_DT) = range(11)
(Z_VPEAK, Z_DT, Z_SUB) = range(3)
# parameter columns
(C_CM, C_GL, C_EL, C_EEX, C_EIN, C_VTH, C_VRESET, C_REF, C_DEX, C_DIN, C_MEX, C_MIN, C_IE, C_DT) = range(14)

# The loop's functions are not cached on disk one by one: Numba keys a function's cache on
# its own file alone, so a cached caller in another file (fast_updates.py, the generated
# loop of fast_specialise) would keep linking an old copy of a function edited here. The
# generated loop module, named by a digest of all the loop's sources, is cached whole
# (CACHED), and self-contained functions called from Python (fast_synapses) are too.
_opts = {"nogil": True, "error_model": "numpy"}
CACHED = {**_opts, "cache": True}


@nb.njit(inline="always", **_opts)
def _threshold(u, held, v_reset, v_th):  # noqa: ANN001, ANN202
    """A refractory neuron is held at ``v_reset`` and cannot fire; else it fires at ``v_th``."""
    u = v_reset if held else u
    z = 0.0 if held else (1.0 if u - v_th >= 0 else 0.0)
    return u, z


@nb.njit(**_opts)
def _deliver_spikes(slot, fired, n_fired, buf, synapses):  # noqa: ANN001, ANN202
    """Add the spikes of the ``n_fired`` neurons ``fired`` (emitted at ring slot ``slot``)
    into the ring buffers ``buf``, through the static synapses (see :func:`run_steps`).
    The synapses come in parts by target neuron (``indptr [P, N + 1]``: part ``p``'s
    synapses of source ``i`` are ``indptr[p, i]:indptr[p, i + 1]``, each part CSR by
    source over its own targets), so parts write disjoint targets and may run on threads
    of their own (the loop compiled with ``parallel=True``, :mod:`spikeflow.sim.fast_specialise`;
    here, compiled without, one after the other). A target's inputs are added in one
    order whatever the number of parts: by source, then group, then place."""
    indptr, targets, kinds, weights, weights32, weight_mode, group_delays, rings, dense, uniform_delay = (
        synapses
    )
    L = buf.shape[1]
    for part in nb.prange(indptr.shape[0]):
        ptr, first = indptr[part], dense[part]
        for f in range(n_fired):
            i = fired[f]
            a, b = ptr[i], ptr[i + 1]
            if b <= a:
                continue
            tg, ks = targets[a:b], kinds[a:b]
            if uniform_delay > 0:  # one ring-buffer row for all synapses
                row = slot + uniform_delay  # (t + delay) % L without a division: delay < L
                row = row - L if row >= L else row
                d0 = first[i]
                if d0 >= 0:  # consecutive targets through one ring: a vector add
                    bb = buf[rings[ks[0]], row, d0 : d0 + (b - a)]
                    if weight_mode == 0:
                        for s in range(bb.shape[0]):
                            bb[s] += weights[ks[s]]
                    else:  # per synapse, float64 or float32
                        ws, ws32 = weights[a : a + bb.shape[0]], weights32[a : a + bb.shape[0]]
                        for s in range(bb.shape[0]):
                            bb[s] += ws[s] if weight_mode == 1 else np.float64(ws32[s])
                else:
                    b_ex, b_in = buf[0, row], buf[1, row]
                    for s in range(tg.shape[0]):
                        q = ks[s]
                        w = weights[q] if weight_mode == 0 else (
                            weights[a + s] if weight_mode == 1 else np.float64(weights32[a + s]))
                        if rings[q]:
                            b_in[tg[s]] += w
                        else:
                            b_ex[tg[s]] += w
            else:
                for s in range(tg.shape[0]):
                    q = ks[s]
                    w = weights[q] if weight_mode == 0 else (
                        weights[a + s] if weight_mode == 1 else np.float64(weights32[a + s]))
                    row = slot + group_delays[q]
                    buf[rings[q], row - L if row >= L else row, tg[s]] += w


@nb.njit(**_opts)
def run_steps(n_steps, t0, layout, cells, inputs, synapses, records, rewards, plastic, work):  # noqa: ANN001, ANN201
    """Advance ``n_steps`` steps from absolute step ``t0``; the arrays come in groups:
    ``layout = (pop_lo, pop_hi, pop_code, pop_params, nparam)``, ``cells = (v, g_ex, g_in,
    refractory, xstate)``, ``inputs = (buf, ext, has_ext)``, ``synapses = (indptr,
    targets, kinds, weights, weights32, weight_mode, group_delays, rings, dense,
    uniform_delay)`` and ``records =
    (record, rec_steps, rec_ids, n_rec, state_idx, state_every, state_out, n_state)``
    (:data:`spikeflow.sim.fast_compiled.RUN_STEPS` lists them with their types).
    Population ``k`` holds neurons
    ``pop_lo[k]:pop_hi[k]`` of model ``pop_code[k]`` with parameters ``pop_params[k]``.
    ``ext [n_steps, N]`` is the external input (read only when ``has_ext``: without inputs
    the reference adds nothing); static synapses are CSR by source neuron in parts by
    target (``indptr [P, N + 1]``, unsigned ``targets``; see :func:`_deliver_spikes`),
    each with its group ``kinds[s]`` (2 bytes: the projection it came from), whose delay
    (steps) is ``group_delays[kind]`` and ring ``rings[kind]`` (1 where it feeds the
    inhibitory ring of a two-receptor model); its weight is ``weights[kind]``
    (``weight_mode`` 0: one weight a group), ``weights[s]`` (1: float64 per synapse) or
    ``weights32[s]`` (2: float32 per synapse); ``dense [P, N]`` marks, per part, the
    sources whose synapses reach consecutive targets through one ring
    (:func:`spikeflow.sim.fast_synapses.dense_sources`); ``uniform_delay`` is their common
    delay when they share one (else -1); spikes of neurons with ``record[i] >= 0`` are
    appended to ``rec_steps``/``rec_ids`` (``rec_ids`` holds ``record[i]``) from
    ``n_rec``; the potential of ``state_idx`` is stored every ``state_every`` steps
    from row ``n_state``. ``plastic`` is the tuple of plastic-projection arrays made by
    :func:`spikeflow.sim.fast_runner.pack_plastic` (empty projections: nothing to do) and
    ``rewards [n_steps]`` the reward delivered at each step; a source population (code 3)
    fires where ``ext`` is positive. Returns ``(n_rec, n_state, steps_done, code)``.
    Izhikevich neurons (code 4) keep ``u`` in ``g_ex`` and their ``a, b, c, d`` in the
    rows of ``nparam [N, 4]``; Hodgkin-Huxley neurons (code 5, exponential Euler) keep
    their gates m, h, n in ``g_ex``, ``g_in`` and ``refractory``; AdEx neurons (code 6,
    RK4) keep ``w`` in ``g_ex``; models generated from a specification (codes from
    :data:`~spikeflow.sim.fast_layout.SPEC_CODE`) keep their first state variable in ``v``
    and the others in the rows of ``xstate [S, N]``. It stops before a step whose records might not fit (code
    -2 spikes, -3 states: grow and call again) and after a step that left a potential not
    finite (code = the neuron); -1 when all steps ran. ``work`` holds the loop's scratch
    arrays, made by :func:`work_arrays` (allocating them here would compile NumPy's
    allocation overloads into every first run)."""
    pop_lo, pop_hi, pop_code, pop_params, nparam = layout
    v, g_ex, g_in, refractory, xstate = cells
    buf, ext, has_ext = inputs
    record, rec_steps, rec_ids, n_rec, state_idx, state_every, state_out, n_state = records
    N = v.shape[0]
    L = buf.shape[1]
    fired, spk, scratch, scratch_bits, scratch_scale = work
    for i in range(N):
        spk[i] = 0.0
    n_recorded = 0
    for i in range(N):
        if record[i] >= 0:
            n_recorded += 1
    for k in range(n_steps):
        t = t0 + k
        # stop before a step whose spikes or sample might not fit: the caller grows them
        if n_rec + n_recorded > rec_steps.shape[0]:
            return n_rec, n_state, k, -2
        if state_idx.shape[0] > 0 and t % state_every == 0 and n_state >= state_out.shape[0]:
            return n_rec, n_state, k, -3
        slot = t % L
        _update_populations(pop_lo, pop_hi, pop_code, pop_params, nparam, slot, k, v, g_ex, g_in, refractory,
                            xstate, buf, ext, has_ext, spk, work)  # fmt: skip
        n_fired = _gather_fired(spk, fired)
        if n_fired < 0:
            return n_rec, n_state, k, -n_fired - 1
        _deliver_spikes(slot, fired, n_fired, buf, synapses)
        for f in range(n_fired):
            i = fired[f]
            if record[i] >= 0:
                rec_steps[n_rec] = t
                rec_ids[n_rec] = record[i]
                n_rec += 1
        if plastic[0].shape[0] > 0:  # plastic projections (dropped when a network has none)
            _plastic_step(t, k, fired, n_fired, buf, rewards, *plastic)
        if state_idx.shape[0] > 0 and t % state_every == 0:
            for j in range(state_idx.shape[0]):
                state_out[n_state, j] = v[state_idx[j]]
            n_state += 1
    return n_rec, n_state, n_steps, -1


@nb.njit(inline="always", **_opts)
def _mark(z, v_new):  # noqa: ANN001, ANN202
    """A neuron's entry in the step's spike array: its spike ``z`` (0 or 1), or NaN when
    its new potential ``v_new`` is not finite (``v - v`` is 0 for every finite ``v`` and
    NaN otherwise), so that :func:`_gather_fired` finds both in one array."""
    return z + (v_new - v_new)


@nb.njit(inline="always", **_opts)
def _gather_fired(spk, fired):  # noqa: ANN001, ANN202
    """Indices of the neurons that fired (``spk > 0``) into ``fired``; returns their count,
    or ``-(i + 1)`` for the first neuron ``i`` whose potential is not finite (``spk`` NaN,
    see :func:`_mark`). Blocks of 128 neurons with neither are passed over after one
    vectorised test."""
    n = 0
    N = spk.shape[0]
    for b0 in range(0, N, 128):
        b1 = b0 + 128 if b0 + 128 < N else N
        sb = spk[b0:b1]
        flag = False
        for j in range(b1 - b0):
            flag |= sb[j] != 0.0  # true for a spike and for NaN
        if flag:
            for j in range(b1 - b0):
                if sb[j] != sb[j]:
                    return -(b0 + j + 1)
                if sb[j] > 0:
                    fired[n] = b0 + j
                    n += 1
    return n


@nb.njit(inline="always", **_opts)
def _take_input(buf, slot, ext, k, has_ext, lo, hi):  # noqa: ANN001, ANN202
    """The input arriving now at neurons ``lo:hi`` of a one-receptor model (ring 0, the
    only one such models are fed, plus the external input) as a slice indexed from 0: the
    neuron loops run over such slices, where the compiler knows no index is negative and
    vectorises. The caller reads and zeroes it."""
    bb = buf[0, slot, lo:hi]
    if has_ext:
        ee = ext[k, lo:hi]
        for j in range(hi - lo):
            bb[j] += ee[j]
    return bb


@nb.njit(inline="always", **_opts)
def _take_receptor_inputs(buf, slot, ext, k, has_ext, lo, hi):  # noqa: ANN001, ANN202
    """The excitatory (>= 0) and inhibitory (<= 0) inputs arriving now at neurons
    ``lo:hi``, kept apart (the external input split by sign), as 0-based slices of the two
    ring-buffer rows; the caller reads and zeroes them."""
    be, bi = buf[0, slot, lo:hi], buf[1, slot, lo:hi]
    if has_ext:
        ee = ext[k, lo:hi]
        for j in range(hi - lo):
            e = ee[j]
            be[j] += e if e > 0.0 else 0.0
            bi[j] += e if e < 0.0 else 0.0
    return be, bi


@nb.njit(inline="always", **_opts)
def _refractory_next(r, z, n_ref):  # noqa: ANN001, ANN202
    """Refractory steps left after a step with spike ``z`` (``r`` unchanged without a
    refractory period); branch-free and exact for z in {0, 1}, so loops vectorise."""
    left = r - 1.0
    return z * n_ref + (1.0 - z) * (left if left > 0.0 else 0.0) if n_ref > 0 else r


LN2_HI, LN2_LO, INV_LN2 = 6.93147180369123816490e-01, 1.90821492927058770002e-10, 1.0 / math.log(2.0)


@nb.njit(**CACHED)
def libm_exp(x, out):  # noqa: ANN001, ANN201
    """``out[i] = math.exp(x[i])``: the C library's exp, as the loop's scalar updates call
    it (Hodgkin-Huxley, AdEx); the reference backend's steps compute their exponentials
    through this (:func:`spikeflow.neurons._base.sim_exp`) so that both give the same bits."""
    for i in range(x.shape[0]):
        out[i] = math.exp(x[i])


@nb.njit(inline="always", **_opts)
def vexp(x, q, sb):  # noqa: ANN001, ANN201
    """``exp(x[i]) = q[i] * sb.view(float64)[i]`` for every ``i`` of ``x``, in a loop the
    compiler vectorises (libm's exp is a scalar call): range reduction ``x = k ln 2 + r``
    with ``|r| <= ln(2) / 2``, a degree-13 Taylor polynomial for ``exp(r)`` into ``q``
    (truncation below 1e-17), and ``2**k`` as exponent bits into the int64 array ``sb``
    (separate from ``q``, so that the loop has no aliasing). Accurate to one unit in the
    last place for ``-700 <= x <= 700`` (arguments are clamped there); measured 2.2 times
    faster than libm per element."""
    for i in range(x.shape[0]):
        xi = x[i]
        xi = -700.0 if xi < -700.0 else xi  # (NaN passes through, as with min/max)
        xi = 700.0 if xi > 700.0 else xi
        kf = math.floor(xi * INV_LN2 + 0.5)
        r = (xi - kf * LN2_HI) - kf * LN2_LO
        p = 1.0 + r * (1.0 / 13.0)
        p = 1.0 + r * p * (1.0 / 12.0)
        p = 1.0 + r * p * (1.0 / 11.0)
        p = 1.0 + r * p * (1.0 / 10.0)
        p = 1.0 + r * p * (1.0 / 9.0)
        p = 1.0 + r * p * (1.0 / 8.0)
        p = 1.0 + r * p * (1.0 / 7.0)
        p = 1.0 + r * p * (1.0 / 6.0)
        p = 1.0 + r * p * (1.0 / 5.0)
        p = 1.0 + r * p * (1.0 / 4.0)
        p = 1.0 + r * p * (1.0 / 3.0)
        p = 1.0 + r * p * (1.0 / 2.0)
        q[i] = 1.0 + r * p
        sb[i] = (np.int64(kf) + 1023) << 52


@nb.njit(**CACHED)
def vexp_into(x, out):  # noqa: ANN001, ANN201
    """``out[i] = exp(x[i])`` by :func:`vexp` (what the conductance LIF's update multiplies by)."""
    bits = np.empty(x.shape[0], np.int64)
    vexp(x, out, bits)
    scale = bits.view(np.float64)
    for i in range(x.shape[0]):
        out[i] = out[i] * scale[i]


@nb.njit(**_opts)
def _cond_range(lo, hi, p, slot, k, v, g_ex, g_in, refractory, buf, ext, has_ext, spk, scratch, sb, sbf):  # noqa: ANN001, ANN202, E501
    """Conductance-based LIF in three vectorisable passes: conductances and the exact
    solution's target and rate, the exponentials (:func:`vexp`), then the potential."""
    c_m, g_l, e_l, e_ex, e_in = p[C_CM], p[C_GL], p[C_EL], p[C_EEX], p[C_EIN]
    v_th, v_reset, n_ref, d_ex, d_in = p[C_VTH], p[C_VRESET], p[C_REF], p[C_DEX], p[C_DIN]
    m_ex, m_in, i_e, dt = p[C_MEX], p[C_MIN], p[C_IE], p[C_DT]
    n = hi - lo
    be, bi = _take_receptor_inputs(buf, slot, ext, k, has_ext, lo, hi)
    ge_s, gi_s, arg, target, mant = (
        g_ex[lo:hi],
        g_in[lo:hi],
        scratch[0, lo:hi],
        scratch[1, lo:hi],
        scratch[2, lo:hi],
    )
    for j in range(n):
        x_ex = be[j]
        x_in = -bi[j]
        be[j] = 0.0
        bi[j] = 0.0
        ge = m_ex * (ge_s[j] + x_ex)
        gi = m_in * (gi_s[j] + x_in)
        ge_s[j] = d_ex * (ge_s[j] + x_ex)
        gi_s[j] = d_in * (gi_s[j] + x_in)
        g_tot = g_l + ge + gi
        target[j] = (g_l * e_l + ge * e_ex + gi * e_in + i_e) / g_tot
        arg[j] = -dt * g_tot / c_m
    bits = sb[lo:hi]
    vexp(arg, mant, bits)
    scale = sbf[lo:hi]  # the powers of two as float64 (sb's bytes: a view the caller made)
    vv, rf, ss = v[lo:hi], refractory[lo:hi], spk[lo:hi]
    for j in range(n):
        v_inf = target[j]
        u = v_inf + (vv[j] - v_inf) * (mant[j] * scale[j])
        u, z = _threshold(u, n_ref > 0 and rf[j] > 0, v_reset, v_th)
        u = u - z * (u - v_reset)
        rf[j] = _refractory_next(rf[j], z, n_ref)
        vv[j] = u
        ss[j] = _mark(z, u)


@nb.njit(**_opts)
def _plastic_step(t, k, fired, n_fired, buf, rew, par, ranges, pre_ptr, pre_ptr_off, by_pre, post_ptr,  # noqa: ANN001, ANN202
                  post_ptr_off, by_post, src, dst, w, tr, elig, dop):  # fmt: skip
    """The plastic projections' step ``t`` (``k`` within the call), operation for operation
    as :meth:`spikeflow.sim.plastic.PlasticProjection.step`."""
    L = buf.shape[1]
    s_lo = 0
    for q in range(par.shape[0]):
        a2p, a3p, a2m, a3m = par[q, 0], par[q, 1], par[q, 2], par[q, 3]
        d1, dx, dm, dy, nearest, mult = (
            par[q, 4],
            par[q, 5],
            par[q, 6],
            par[q, 7],
            par[q, 8] > 0,
            par[q, 9] > 0,
        )
        w_min, w_max, sign, delay = par[q, 10], par[q, 11], par[q, 12], int(par[q, 13])
        ring = int(par[q, 22])  # K_RING: 1 for inhibitory synapses onto a two-receptor model
        modulated = par[q, 14] > 0
        pre_lo, pre_hi, post_lo, post_hi = ranges[q, 0], ranges[q, 1], ranges[q, 2], ranges[q, 3]
        if modulated:
            r = rew[k]
            dop[q] = dop[q] * par[q, 17] + (r - par[q, 20] if r != 0.0 else 0.0)
        for i in range(pre_hi - pre_lo):
            tr[q, 0, i] *= d1
            tr[q, 1, i] *= dx
        for j in range(post_hi - post_lo):
            tr[q, 2, j] *= dm
            tr[q, 3, j] *= dy
        slot = (t + delay) % L
        for f in range(n_fired):
            i = fired[f]
            if i < pre_lo or i >= pre_hi:
                continue
            li = i - pre_lo
            base = pre_ptr_off[q] + li
            for pos in range(pre_ptr[base], pre_ptr[base + 1]):
                s = by_pre[pos]
                g = dst[s]
                buf[ring, slot, g] += sign * w[s]
                scale = w[s] - w_min if mult else 1.0
                change = scale * (tr[q, 2, g - post_lo] * (a2m + a3m * tr[q, 1, li]))
                if modulated:
                    elig[s] = elig[s] - change
                else:
                    w[s] = min(max(w[s] - change, w_min), w_max)
        for f in range(n_fired):
            j = fired[f]
            if j < post_lo or j >= post_hi:
                continue
            lj = j - post_lo
            base = post_ptr_off[q] + lj
            for pos in range(post_ptr[base], post_ptr[base + 1]):
                s = by_post[pos]
                scale = w_max - w[s] if mult else 1.0
                change = scale * (tr[q, 0, src[s] - pre_lo] * (a2p + a3p * tr[q, 3, lj]))
                if modulated:
                    elig[s] = elig[s] + change
                else:
                    w[s] = min(max(w[s] + change, w_min), w_max)
        for f in range(n_fired):
            i = fired[f]
            if pre_lo <= i < pre_hi:
                tr[q, 0, i - pre_lo] = 1.0 if nearest else tr[q, 0, i - pre_lo] + 1.0
                tr[q, 1, i - pre_lo] = 1.0 if nearest else tr[q, 1, i - pre_lo] + 1.0
            if post_lo <= i < post_hi:
                tr[q, 2, i - post_lo] = 1.0 if nearest else tr[q, 2, i - post_lo] + 1.0
                tr[q, 3, i - post_lo] = 1.0 if nearest else tr[q, 3, i - post_lo] + 1.0
        s_hi = s_lo + (pre_ptr[pre_ptr_off[q] + pre_hi - pre_lo] - pre_ptr[pre_ptr_off[q]])
        every = int(par[q, 19])
        if modulated and (t + 1) % every == 0:
            rate = par[q, 15] * (every * par[q, 21]) * (par[q, 18] + dop[q])
            decay_e = par[q, 16]
            for s in range(s_lo, s_hi):
                w[s] = min(max(w[s] + rate * elig[s], w_min), w_max)
                elig[s] *= decay_e
        s_lo = s_hi


@nb.njit(**_opts)
def _izh_range(lo, hi, p, nparam, slot, k, v, u, buf, ext, has_ext, spk):  # noqa: ANN001, ANN202
    """Izhikevich neurons, as :func:`spikeflow.neurons.izhikevich.step`."""
    v_peak, dt, sub = p[Z_VPEAK], p[Z_DT], int(p[Z_SUB])
    h = dt / sub
    bb = _take_input(buf, slot, ext, k, has_ext, lo, hi)
    vv, uu, ss, par = v[lo:hi], u[lo:hi], spk[lo:hi], nparam[lo:hi]
    for j in range(hi - lo):
        x = bb[j]
        bb[j] = 0.0
        a, b, c, d = par[j, 0], par[j, 1], par[j, 2], par[j, 3]
        vi, ui = vv[j], uu[j]
        for _ in range(sub):
            vi = vi + h * (0.04 * vi * vi + 5.0 * vi + 140.0 - ui + x)
        ui = ui + dt * a * (b * vi - ui)
        z = 1.0 if vi - v_peak >= 0 else 0.0
        vi = vi - z * (vi - c)
        ui = ui + z * d
        vv[j] = vi
        uu[j] = ui
        ss[j] = _mark(z, vi)


_hh_powers = nb.njit(inline="always", **_opts)(hh_powers)
_hh_rates = nb.njit(inline="always", **_opts)(hh_rates)


@nb.njit(**_opts)
def _hh_range(lo, hi, p, slot, k, v, m_gate, h_gate, n_gate, buf, ext, has_ext, spk):  # noqa: ANN001, ANN202
    """Hodgkin-Huxley neurons, exponential Euler: :func:`spikeflow.neurons.hodgkin_huxley.step`
    with its expressions in the same order (the six rates from one exponential, see
    :func:`~spikeflow.neurons.hodgkin_huxley.rates`) and the same exponential (libm's,
    which the reference step calls through :func:`libm_exp`): the same bits on both."""
    c_m, g_na_bar, g_k_bar, g_l = p[H_CM], p[H_GNA], p[H_GK], p[H_GL]
    e_na, e_k, e_l, q10, i_e, thr, dt = p[H_ENA], p[H_EK], p[H_EL], p[H_Q10], p[H_IE], p[H_THR], p[H_DT]
    bb = _take_input(buf, slot, ext, k, has_ext, lo, hi)
    vv, mm, hh, nn, ss = v[lo:hi], m_gate[lo:hi], h_gate[lo:hi], n_gate[lo:hi], spk[lo:hi]
    for j in range(hi - lo):
        x = bb[j]
        bb[j] = 0.0
        vi = vv[j]
        e4, e9, e36, e72 = _hh_powers(math.exp(-(vi + 65.0) / 720.0))
        xm, xn = -(vi + 40.0), -(vi + 55.0)
        am, bm, ah, bh, an, bn = _hh_rates(
            e4, e9, e36, e72,
            10.0 * (1.0 - xm / 20.0) if abs(xm) < 1e-5 else xm / (e72 * E25 - 1.0),
            10.0 * (1.0 - xn / 20.0) if abs(xn) < 1e-5 else xn / (e72 * E1 - 1.0),
            q10,
        )  # fmt: skip
        tot = am + bm
        inf = am / tot
        m = inf + (mm[j] - inf) * math.exp(-dt * tot)
        tot = ah + bh
        inf = ah / tot
        h = inf + (hh[j] - inf) * math.exp(-dt * tot)
        tot = an + bn
        inf = an / tot
        n = inf + (nn[j] - inf) * math.exp(-dt * tot)
        n2 = n * n
        g_na = g_na_bar * (m * m * m) * h
        g_k = g_k_bar * (n2 * n2)
        g_tot = g_na + g_k + g_l
        v_inf = (g_na * e_na + g_k * e_k + g_l * e_l + i_e + x) / g_tot
        v_new = v_inf + (vi - v_inf) * math.exp(-dt * g_tot / c_m)
        z = 1.0 if (v_new - thr >= 0 and vi < thr) else 0.0
        vv[j], mm[j], hh[j], nn[j] = v_new, m, h, n
        ss[j] = _mark(z, v_new)


@nb.njit(inline="always", **_opts)
def _adex_derivs(v, w, x, c_m, g_l, e_l, delta_t, v_t, v_peak, a, tau_w, i_e):  # noqa: ANN001, ANN202
    v = min(v, v_peak)  # stages see at most V_peak, as the reference
    spike_current = g_l * delta_t * math.exp((v - v_t) / delta_t)
    dv = (-g_l * (v - e_l) + spike_current - w + i_e + x) / c_m
    dw = (a * (v - e_l) - w) / tau_w
    return dv, dw


@nb.njit(**_opts)
def _adex_range(lo, hi, p, slot, k, v, w_state, buf, ext, has_ext, spk):  # noqa: ANN001, ANN202
    """AdEx neurons, RK4 in sub-steps, as :func:`spikeflow.neurons.adex.step` (the same
    operations; exp may differ from torch's in the last bit)."""
    c_m, g_l, e_l, delta_t, v_t = p[A_CM], p[A_GL], p[A_EL], p[A_DT], p[A_VT]
    v_peak, v_reset, a, b, tau_w, i_e, h, sub = (
        p[A_VPEAK],
        p[A_VRESET],
        p[A_A],
        p[A_B],
        p[A_TAUW],
        p[A_IE],
        p[A_H],
        int(p[A_SUB]),
    )  # noqa: E501
    bb = _take_input(buf, slot, ext, k, has_ext, lo, hi)
    vv, ww, ss = v[lo:hi], w_state[lo:hi], spk[lo:hi]
    for j in range(hi - lo):
        x = bb[j]
        bb[j] = 0.0
        vi, wi, z_total = vv[j], ww[j], 0.0
        for _ in range(sub):
            k1v, k1w = _adex_derivs(vi, wi, x, c_m, g_l, e_l, delta_t, v_t, v_peak, a, tau_w, i_e)
            k2v, k2w = _adex_derivs(
                vi + 0.5 * h * k1v, wi + 0.5 * h * k1w, x, c_m, g_l, e_l, delta_t, v_t, v_peak, a, tau_w, i_e
            )  # noqa: E501
            k3v, k3w = _adex_derivs(
                vi + 0.5 * h * k2v, wi + 0.5 * h * k2w, x, c_m, g_l, e_l, delta_t, v_t, v_peak, a, tau_w, i_e
            )  # noqa: E501
            k4v, k4w = _adex_derivs(
                vi + h * k3v, wi + h * k3w, x, c_m, g_l, e_l, delta_t, v_t, v_peak, a, tau_w, i_e
            )  # noqa: E501
            vi = vi + h / 6 * (k1v + 2 * k2v + 2 * k3v + k4v)
            wi = wi + h / 6 * (k1w + 2 * k2w + 2 * k3w + k4w)
            z = 1.0 if vi - v_peak >= 0 else 0.0
            vi = vi - z * (vi - v_reset)
            wi = wi + z * b
            z_total = min(z_total + z, 1.0)
        vv[j], ww[j], ss[j] = vi, wi, _mark(z_total, vi)


# the per-model update functions and their dispatch (run_steps calls _update_populations)
from .fast_updates import (  # noqa: E402 - they call the range functions above
    UPDATES,
    _update_adex,
    _update_cond,
    _update_hh,
    _update_izhikevich,
    _update_populations,
    _update_source,
)

__all__ = [
    "UPDATES", "run_steps", "vexp", "_update_adex", "_update_cond", "_update_hh",
    "_update_izhikevich", "_update_populations", "_update_source",
]  # fmt: skip

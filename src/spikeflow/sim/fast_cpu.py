"""The simulator's fast CPU backend: the whole time loop in one Numba function.

All populations share one index space of ``N`` neurons. Each neuron has a model code (0:
LIF, 1: conductance-based LIF with exponential synapses, 2: current-based LIF with two
synaptic currents) and a row of parameters; one
ring buffer ``[L, N]`` holds the delayed input; the synapses are stored by presynaptic
neuron (CSR) with their target, signed weight and delay. Every step: read and clear the
input slot, add the external input of that step, update every neuron with the same
floating-point operations as the reference ``step`` of its model, then deliver the
spikes of this step into the slots ``t + delay``.

The arithmetic matches the reference backend operation for operation, except ``exp``
(NumPy's and torch's differ in the last bit for a few per cent of arguments), so the two
backends give identical spikes wherever a last-bit difference cannot move a potential
across the threshold: always for LIF networks, and in practice for conductance-based
networks over short runs (tested); chaotic recurrent networks eventually diverge in
detail, as they do between any two simulators.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

LIF_CODE, COND_CODE, CUBA_CODE = 0, 1, 2
# parameter columns
(P_DECAY, P_GAIN, P_VTH, P_VRESET, P_VREST, P_RESET, P_REF, P_DETACH) = range(8)
(C_CM, C_GL, C_EL, C_EEX, C_EIN, C_VTH, C_VRESET, C_REF, C_DEX, C_DIN, C_MEX, C_MIN, C_IE, C_DT) = range(14)
(U_DM, U_DEX, U_DIN, U_PEX, U_PIN, U_EL, U_VTH, U_VRESET, U_REF) = range(9)
N_PARAMS = 14

_opts = {"nogil": True, "cache": True, "error_model": "numpy"}


def lif_row(c) -> np.ndarray:  # noqa: ANN001
    """Parameter row of a LIF neuron from its coefficients."""
    row = np.zeros(N_PARAMS)
    reset = {"subtract": 0.0, "value": 1.0, "none": 2.0}[c.reset]
    row[:7] = (c.decay, c.gain, c.v_th, c.v_reset, c.v_rest, reset, c.refractory_steps)
    return row


def cond_row(c) -> np.ndarray:  # noqa: ANN001
    """Parameter row of a conductance-based LIF neuron from its coefficients."""
    p = c.p
    return np.array(
        [p.C_m, p.g_L, p.E_L, p.E_ex, p.E_in, p.V_th, p.V_reset, c.ref_steps, c.decay_ex,
         c.decay_in, c.mean_ex, c.mean_in, p.I_e, p.dt_ms],
        dtype=np.float64,
    )  # fmt: skip


def cuba_row(c) -> np.ndarray:  # noqa: ANN001
    """Parameter row of a current-based LIF with two synaptic currents."""
    row = np.zeros(N_PARAMS)
    p = c.p
    row[:9] = (c.decay_m, c.decay_ex, c.decay_in, c.p_ex, c.p_in, p.E_L, p.V_th, p.V_reset, c.ref_steps)
    return row


@nb.njit(inline="always", **_opts)
def _threshold(u, held, v_reset, v_th):  # noqa: ANN001, ANN202
    """A refractory neuron is held at ``v_reset`` and cannot fire; else it fires at ``v_th``."""
    if held:
        return v_reset, 0.0
    return u, 1.0 if u - v_th >= 0 else 0.0


@nb.njit(**_opts)
def run_steps(  # noqa: ANN201
    n_steps, t0, code, params, v, g_ex, g_in, refractory, buf, ext,  # noqa: ANN001
    indptr, targets, weights, delays, record, rec_steps, rec_ids, n_rec, state_idx, state_every,
    state_out, n_state,
):  # fmt: skip
    """Advance ``n_steps`` steps from absolute step ``t0``. ``ext [n_steps, N]`` is the
    external input; spikes of neurons with ``record[i] >= 0`` are appended to
    ``rec_steps``/``rec_ids`` (``rec_ids`` holds ``record[i]``) from ``n_rec``; the
    potential of ``state_idx`` is stored every ``state_every`` steps from row ``n_state``.
    Returns ``(n_rec, n_state, steps_done, code)``; it stops before a step whose records
    might not fit (code -2 spikes, -3 states: grow and call again) and at a potential that
    is not finite (code = the neuron); -1 when all steps ran."""
    N = v.shape[0]
    L = buf.shape[0]
    fired = np.empty(N, dtype=np.int64)
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
        n_fired = 0
        for i in range(N):
            x = buf[slot, i] + ext[k, i]
            buf[slot, i] = 0.0
            p = params[i]
            if code[i] == LIF_CODE:
                drive = x if p[P_GAIN] == 1.0 else p[P_GAIN] * x
                if p[P_VREST] == 0.0:
                    u = p[P_DECAY] * v[i] + drive
                else:
                    u = p[P_VREST] + p[P_DECAY] * (v[i] - p[P_VREST]) + drive
                u, z = _threshold(u, p[P_REF] > 0 and refractory[i] > 0, p[P_VRESET], p[P_VTH])
                if p[P_RESET] == 0.0:
                    u = u - z * (p[P_VTH] - p[P_VRESET])
                elif p[P_RESET] == 1.0:
                    u = u - z * (u - p[P_VRESET])
            elif code[i] == CUBA_CODE:
                # g_ex/g_in hold the synaptic currents (mV) of these neurons
                i_ex = g_ex[i] + (x if x > 0 else 0.0)
                i_in = g_in[i] - (-x if x < 0 else 0.0)
                u = p[U_EL] + p[U_DM] * (v[i] - p[U_EL]) + p[U_PEX] * i_ex + p[U_PIN] * i_in
                u, z = _threshold(u, p[U_REF] > 0 and refractory[i] > 0, p[U_VRESET], p[U_VTH])
                u = u - z * (u - p[U_VRESET])
                g_ex[i] = p[U_DEX] * i_ex
                g_in[i] = p[U_DIN] * i_in
            else:
                x_ex = x if x > 0 else 0.0
                x_in = -x if x < 0 else 0.0
                ge = p[C_MEX] * (g_ex[i] + x_ex)
                gi = p[C_MIN] * (g_in[i] + x_in)
                g_ex[i] = p[C_DEX] * (g_ex[i] + x_ex)
                g_in[i] = p[C_DIN] * (g_in[i] + x_in)
                g_tot = p[C_GL] + ge + gi
                v_inf = (p[C_GL] * p[C_EL] + ge * p[C_EEX] + gi * p[C_EIN] + p[C_IE]) / g_tot
                u = v_inf + (v[i] - v_inf) * math.exp(-p[C_DT] * g_tot / p[C_CM])
                u, z = _threshold(u, p[C_REF] > 0 and refractory[i] > 0, p[C_VRESET], p[C_VTH])
                u = u - z * (u - p[C_VRESET])
            if not math.isfinite(u):
                return n_rec, n_state, k, i
            if code[i] == LIF_CODE:
                steps_ref = p[P_REF]
            elif code[i] == CUBA_CODE:
                steps_ref = p[U_REF]
            else:
                steps_ref = p[C_REF]
            if steps_ref > 0:
                if z > 0:
                    refractory[i] = steps_ref
                else:
                    refractory[i] = max(refractory[i] - 1.0, 0.0)
            v[i] = u
            if z > 0:
                fired[n_fired] = i
                n_fired += 1
        for f in range(n_fired):
            i = fired[f]
            for s in range(indptr[i], indptr[i + 1]):
                buf[(t + delays[s]) % L, targets[s]] += weights[s]
            if record[i] >= 0:
                rec_steps[n_rec] = t
                rec_ids[n_rec] = record[i]
                n_rec += 1
        if state_idx.shape[0] > 0 and t % state_every == 0:
            for j in range(state_idx.shape[0]):
                state_out[n_state, j] = v[state_idx[j]]
            n_state += 1
    return n_rec, n_state, n_steps, -1

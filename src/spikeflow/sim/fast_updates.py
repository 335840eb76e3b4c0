"""The fast loop's per-model updates in one signature, and their dispatch by model code.

Every model's update of its neurons ``lo:hi`` takes ``(lo, hi, p, slot, k, has_ext,
cells)`` with ``cells = (nparam, v, g_ex, g_in, refractory, xstate, buf, ext, spk, work)``:
a dispatch (:func:`_update_populations` here, which :func:`spikeflow.sim.fast_cpu.run_steps`
calls, or the one :mod:`spikeflow.sim.fast_specialise` generates for a network) names one
function per model code, :data:`UPDATES`. Compiled with the loop (its source is part of the
compiled loop's digest).
"""

from __future__ import annotations

import numba as nb

from .fast_builtin import BUILTIN, FIRST_CODE, LAST_CODE
from .fast_cpu import (
    _adex_range,
    _cond_range,
    _hh_range,
    _izh_range,
    _opts,
)
from .fast_generated import update_builtin
from .fast_layout import ADEX_CODE, COND_CODE, HH_CODE, IZH_CODE, SOURCE_CODE


@nb.njit(**_opts)
def _update_izhikevich(lo, hi, p, slot, k, has_ext, cells):  # noqa: ANN001, ANN202
    nparam, v, g_ex, g_in, refractory, xstate, buf, ext, spk, work = cells
    _izh_range(lo, hi, p, nparam, slot, k, v, g_ex, buf, ext, has_ext, spk)


@nb.njit(**_opts)
def _update_hh(lo, hi, p, slot, k, has_ext, cells):  # noqa: ANN001, ANN202
    nparam, v, g_ex, g_in, refractory, xstate, buf, ext, spk, work = cells
    _hh_range(lo, hi, p, slot, k, v, g_ex, g_in, refractory, buf, ext, has_ext, spk)


@nb.njit(**_opts)
def _update_adex(lo, hi, p, slot, k, has_ext, cells):  # noqa: ANN001, ANN202
    nparam, v, g_ex, g_in, refractory, xstate, buf, ext, spk, work = cells
    _adex_range(lo, hi, p, slot, k, v, g_ex, buf, ext, has_ext, spk)


@nb.njit(**_opts)
def _update_source(lo, hi, p, slot, k, has_ext, cells):  # noqa: ANN001, ANN202
    nparam, v, g_ex, g_in, refractory, xstate, buf, ext, spk, work = cells
    for i in range(lo, hi):
        buf[0, slot, i] = 0.0
        buf[1, slot, i] = 0.0
        spk[i] = 1.0 if ext[k, i] > 0 else 0.0


@nb.njit(**_opts)
def _update_cond(lo, hi, p, slot, k, has_ext, cells):  # noqa: ANN001, ANN202
    nparam, v, g_ex, g_in, refractory, xstate, buf, ext, spk, work = cells
    fired, spikes, scratch, scratch_bits, scratch_scale = work
    _cond_range(lo, hi, p, slot, k, v, g_ex, g_in, refractory, buf, ext, has_ext, spk, scratch, scratch_bits,
                scratch_scale)  # fmt: skip


UPDATES = {  # model code -> the name of its update function here
    IZH_CODE: "_update_izhikevich",
    HH_CODE: "_update_hh",
    ADEX_CODE: "_update_adex",
    SOURCE_CODE: "_update_source",
    COND_CODE: "_update_cond",
    # the built-in specifications' generated updates (fast_generated.py), by module attribute
    **{code: f"_generated.{function}" for code, function, _ in BUILTIN.values()},
}


@nb.njit(**_opts)
def _update_populations(pop_lo, pop_hi, pop_code, pop_params, nparam, slot, k, v, g_ex, g_in, refractory,  # noqa: ANN001, ANN202, E501
                        xstate, buf, ext, has_ext, spk, work):  # fmt: skip
    """Every population's update of step ``k`` (ring-buffer row ``slot``), by model code."""
    cells = (nparam, v, g_ex, g_in, refractory, xstate, buf, ext, spk, work)
    for q in range(pop_lo.shape[0]):
        lo, hi, p, code = pop_lo[q], pop_hi[q], pop_params[q], pop_code[q]
        if code == IZH_CODE:
            _update_izhikevich(lo, hi, p, slot, k, has_ext, cells)
        elif code == HH_CODE:
            _update_hh(lo, hi, p, slot, k, has_ext, cells)
        elif code == ADEX_CODE:
            _update_adex(lo, hi, p, slot, k, has_ext, cells)
        elif code == SOURCE_CODE:
            _update_source(lo, hi, p, slot, k, has_ext, cells)
        elif code == COND_CODE:
            _update_cond(lo, hi, p, slot, k, has_ext, cells)
        elif FIRST_CODE <= code <= LAST_CODE:
            update_builtin(code, lo, hi, p, slot, k, has_ext, cells)

"""The fast backend's data layout, without Numba: the model codes, each model's row of
parameters and the loop's scratch arrays. :mod:`spikeflow.sim.fast_cpu` (the loop, Numba)
and :mod:`spikeflow.sim.fast_runner` (which packs a network, and must not import Numba when
the ahead-of-time compiled loop runs) share them from here."""

from __future__ import annotations

import numpy as np

LIF_CODE, COND_CODE, CUBA_CODE, SOURCE_CODE, IZH_CODE, HH_CODE, ADEX_CODE = 0, 1, 2, 3, 4, 5, 6
SPEC_CODE = 100  # the first code of the models generated from a specification (one per model in a network)
N_PARAMS = 14  # columns of a population's parameter row (a generated model's row may be longer)


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


def work_arrays(n: int) -> tuple:
    """The scratch arrays of :func:`spikeflow.sim.fast_cpu.run_steps` for ``n`` neurons: fired indices, this
    step's spikes, the conductance update's exponent arguments, targets and mantissas
    ``[3, n]``, and its powers of two (as int64 bits, and the same bytes as float64)."""
    bits = np.empty(n, dtype=np.int64)
    return np.empty(n, dtype=np.int64), np.zeros(n), np.empty((3, n)), bits, bits.view(np.float64)

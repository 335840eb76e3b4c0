"""The fast backend's data layout, without Numba: the model codes, each model's row of
parameters and the loop's scratch arrays. :mod:`spikeflow.sim.fast_cpu` (the loop, Numba)
and :mod:`spikeflow.sim.fast_runner` (which packs a network, and must not import Numba when
the ahead-of-time compiled loop runs) share them from here."""

from __future__ import annotations

import math

import numpy as np

# (0 and 2 were the hand-written LIF's and current-based LIF's: they are built-in
# specifications now, lif... and cuba_lif)
COND_CODE, SOURCE_CODE, IZH_CODE, HH_CODE, ADEX_CODE = 1, 3, 4, 5, 6
SPEC_CODE = 100  # the first code of the models generated from a specification (one per model in a network)
N_PARAMS = 14  # columns of a population's parameter row (a generated model's row may be longer)


def cond_row(c) -> np.ndarray:  # noqa: ANN001
    """Parameter row of a conductance-based LIF neuron from its coefficients."""
    p = c.p
    return np.array(
        [p.C_m, p.g_L, p.E_L, p.E_ex, p.E_in, p.V_th, p.V_reset, c.ref_steps, c.decay_ex,
         c.decay_in, c.mean_ex, c.mean_in, p.I_e, p.dt_ms],
        dtype=np.float64,
    )  # fmt: skip


def work_arrays(n: int) -> tuple:
    """The scratch arrays of :func:`spikeflow.sim.fast_cpu.run_steps` for ``n`` neurons: fired indices, this
    step's spikes, the conductance update's exponent arguments, targets and mantissas
    ``[3, n]``, and its powers of two (as int64 bits, and the same bytes as float64)."""
    bits = np.empty(n, dtype=np.int64)
    return np.empty(n, dtype=np.int64), np.zeros(n), np.empty((3, n)), bits, bits.view(np.float64)


# Hodgkin-Huxley's six rates from one exponential e1 = exp(-(v + 65) / 720): the torch step
# (spikeflow.neurons.hodgkin_huxley.rates) and the loop (fast_cpu._hh_range, through
# nb.njit) both call these, on tensors and on floats, so their arithmetic is one
E1, E25, E3 = math.exp(1.0), math.exp(2.5), math.exp(3.0)


def hh_powers(e1):  # noqa: ANN001, ANN201
    """``(e4, e9, e36, e72)``: the powers of ``e1`` the rates need (``exp(-(v + 65) / k)``
    for k = 180, 80, 20, 10), by repeated products (relative error about 1e-14)."""
    e4 = (e1 * e1) * (e1 * e1)
    e9 = (e4 * e4) * e1
    e36 = (e9 * e9) * (e9 * e9)
    return e4, e9, e36, e36 * e36


def hh_rates(e4, e9, e36, e72, trap_m, trap_n, q10):  # noqa: ANN001, ANN201
    """``(alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n)`` (1/ms) from the powers and
    the two vtrap quotients ``x / (exp(x / 10) - 1)`` of ``x = -(v + 40)`` and ``-(v + 55)``."""
    return (q10 * (0.1 * trap_m), q10 * (4.0 * (e36 * e4)), q10 * (0.07 * e36),
            q10 * (1.0 / (e72 * E3 + 1.0)), q10 * (0.01 * trap_n), q10 * (0.125 * e9))  # fmt: skip

"""The functions a specification's generated ``constants(values, dt, lib)`` calls on
floats (:data:`FLOAT_LIB`): the math functions and the exact integrator's matrix
exponential. Without SymPy or torch, so that a built-in specification's constants are
computed from its checked-in function (:mod:`spikeflow.sim.fast_builtin`) alone."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np


def expm_float(rows: tuple, dt: float) -> np.ndarray:
    """``expm(M dt)`` of a small matrix (float64): scaling and squaring of a 24-term
    Taylor series (relative error near 1e-16 for the propagators of neuron models)."""
    a = np.array(rows, dtype=np.float64) * dt
    norm = float(np.abs(a).sum(axis=1).max()) if a.size else 0.0
    squarings = max(0, int(math.ceil(math.log2(norm / 0.25)))) if norm > 0.25 else 0
    a = a / (2.0**squarings)
    term = np.eye(a.shape[0])
    total = term.copy()
    for k in range(1, 25):
        term = term @ a / k
        total = total + term
    for _ in range(squarings):
        total = total @ total
    m = np.array(rows, dtype=np.float64)
    if not np.triu(m, 1).any() or not np.tril(m, -1).any():  # triangular: the diagonal exactly
        total[np.diag_indices_from(total)] = [math.exp(d * dt) for d in np.diag(m)]
    return total


FLOAT_LIB = SimpleNamespace(exp=math.exp, log=math.log, sqrt=math.sqrt, tanh=math.tanh, sin=math.sin,
                            cos=math.cos, expm=lambda rows, dt: expm_float(rows, dt).tolist())  # fmt: skip

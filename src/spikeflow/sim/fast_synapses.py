"""The static synapses' CSR arrays for the fast loop (:func:`spikeflow.sim.fast_cpu.run_steps`):
placing each group's synapses by source neuron, and marking the sources whose spikes are
a vector add. Numba functions, compiled ahead of time with the loop
(:mod:`spikeflow.sim.fast_compiled`) or by the JIT."""

from __future__ import annotations

import numba as nb
import numpy as np

from .fast_cpu import CACHED


@nb.njit(**CACHED)
def place_synapses(
    src, dst, pre_offset, post_offset, cursor, targets, kinds, kind, weights, weight, weights32, weight32
):  # noqa: ANN001, ANN201
    """Place one group's synapses into CSR arrays by source neuron: synapse ``j`` goes to
    slot ``cursor[src[j] + pre_offset]`` (then advanced), so groups placed in turn keep
    their order and each group's own order within a source (what a stable sort would give,
    without an 8-byte permutation per synapse). Writes its target (``dst[j] +
    post_offset``) and group ``kind``, and its weight where the weight arrays are not
    empty (``weights`` from ``weight``, float64; ``weights32`` from ``weight32``, float32)."""
    for j in range(src.shape[0]):
        i = src[j] + pre_offset
        p = cursor[i]
        cursor[i] = p + 1
        targets[p] = dst[j] + post_offset
        kinds[p] = kind
        if weights.shape[0] > 0:
            weights[p] = weight[j]
        if weights32.shape[0] > 0:
            weights32[p] = weight32[j]


@nb.njit(**CACHED)
def dense_sources(indptr, targets, kinds, rings, dense):  # noqa: ANN001, ANN201
    """``dense[i]``: the first target of source ``i`` where its synapses reach consecutive
    targets (``t0, t0 + 1, ...``) through one ring (``rings[kinds[s]]``: an all-to-all
    projection, or several placed one after the other), else -1. :func:`run_steps` then
    delivers its spikes as a dense vector add."""
    for i in range(indptr.shape[0] - 1):
        a, b = indptr[i], indptr[i + 1]
        dense[i] = -1
        if b <= a:
            continue
        r0 = rings[kinds[a]]
        t0 = np.int64(targets[a])
        ok = True
        for s in range(a + 1, b):
            if rings[kinds[s]] != r0 or np.int64(targets[s]) != t0 + (s - a):
                ok = False
                break
        if ok:
            dense[i] = t0

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
    src, dst, pre_offset, post_offset, cuts, cursor, targets, kinds, kind, only, weights, weight, weights32,
    weight32,
):  # noqa: ANN001, ANN201
    """Place one group's synapses into CSR arrays by source neuron, in parts by target:
    synapse ``j``, whose target ``dst[j] + post_offset`` lies in part ``p`` (``cuts[p] <=
    target < cuts[p + 1]``), goes to slot ``cursor[p, src[j] + pre_offset]`` (then
    advanced), so groups placed in turn keep their order and each group's own order within
    a source and part (what a stable sort would give, without an 8-byte permutation per
    synapse). Writes its target and group ``kind``, and its weight where the weight arrays
    are not empty (``weights`` from ``weight``, float64; ``weights32`` from ``weight32``,
    float32). With ``only >= 0`` it places the synapses of part ``only`` alone (and reads
    nothing another call for another part writes: the parts may be placed side by side)."""
    last = cuts.shape[0] - 2
    for j in range(src.shape[0]):
        i = src[j] + pre_offset
        t = dst[j] + post_offset
        part = 0
        while part < last and t >= cuts[part + 1]:
            part += 1
        if only >= 0 and part != only:
            continue
        p = cursor[part, i]
        cursor[part, i] = p + 1
        targets[p] = t
        kinds[p] = kind
        if weights.shape[0] > 0:
            weights[p] = weight[j]
        if weights32.shape[0] > 0:
            weights32[p] = weight32[j]


@nb.njit(**CACHED)
def count_synapses(src, dst, pre_offset, post_offset, cuts, counts):  # noqa: ANN001, ANN201
    """Add one group's synapses to ``counts [P, N + 1]``: synapse ``j`` (source ``src[j] +
    pre_offset``, target ``dst[j] + post_offset`` in part ``p``, ``cuts[p] <= target <
    cuts[p + 1]``) adds 1 to ``counts[p, source + 1]``, so that a running sum over the rows
    gives :func:`place_synapses` its CSR pointers."""
    last = cuts.shape[0] - 2
    for j in range(src.shape[0]):
        t = dst[j] + post_offset
        part = 0
        while part < last and t >= cuts[part + 1]:
            part += 1
        counts[part, src[j] + pre_offset + 1] += 1


@nb.njit(**CACHED)
def dense_sources(indptr, targets, kinds, rings, dense):  # noqa: ANN001, ANN201
    """``dense[p, i]``: the first target of source ``i``'s synapses in part ``p`` where
    they reach consecutive targets (``t0, t0 + 1, ...``) through one ring
    (``rings[kinds[s]]``: an all-to-all projection, or several placed one after the
    other), else -1. :func:`run_steps` then delivers them as a dense vector add."""
    for part in range(indptr.shape[0]):
        for i in range(indptr.shape[1] - 1):
            a, b = indptr[part, i], indptr[part, i + 1]
            dense[part, i] = -1
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
                dense[part, i] = t0

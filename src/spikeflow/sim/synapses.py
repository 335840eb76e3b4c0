"""Static synapses for simulation: one group per projection (a ``connect``, split by
delay where the delays are per synapse), holding the synapses' source and target indices
and signed weights.

Both backends add a spike's weights into the ring buffers synapse by synapse in one
order (:class:`Delivery` for the reference backend, the CSR arrays of the fast one), so
they round every sum the same way.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def two_receptors(pop: Any) -> bool:
    """Whether population ``pop``'s model keeps excitatory and inhibitory input apart
    (conductance- and current-based LIF with two synaptic variables, and models defined by a
    specification with ``receptors``)."""
    from ..neurons import cond_lif

    spec = getattr(getattr(pop, "params", None), "spec", None)
    if spec is not None:
        return bool(spec.receptors)
    return getattr(pop, "module", None) is cond_lif


class SynapseGroup:
    """The synapses of one ``connect`` (one per delay where the delays are per synapse):
    from population ``pre`` to ``post`` with delay ``delay`` steps.

    Attributes:
        src, dst: unsigned integer arrays ``[n_synapses]`` of source and target neuron
            indices within their populations (uint16 for populations of up to 65 536
            neurons, uint32 beyond; int64 beyond 2**32).
        weight: array ``[n_synapses]`` of signed weights (negative: inhibitory) in the
            network's ``weight_dtype``; a read-only zero-stride view when one weight serves
            every synapse.
        receptor: the ring buffer the group feeds: 1 for inhibitory synapses onto a
            two-receptor model, else 0.
        size: the number of synapses.

    Once the fast backend has packed the group into its CSR arrays it drops its own
    (:meth:`release`): the arrays then hold the only copy, and ``src``, ``dst`` and
    ``weight`` are read back from them when asked for, sorted by source (stably: each
    source's synapses in their given order; where the loop splits the synapses into parts
    by target for its threads, each source's synapses part after part, which keeps the
    order of every target's synapses), the order both backends add each target's input in.
    """

    def __init__(self, pre: Any, post: Any, delay: int, src: np.ndarray, dst: np.ndarray, weight: np.ndarray):
        self.pre, self.post, self.delay = pre, post, delay
        self._src, self._dst, self._weight = src, dst, weight
        self.size = int(src.size)
        self._packed: tuple | None = None  # (CSR arrays, group, pre offset, post offset) once released
        inhibitory = weight.size > 0 and bool(np.signbit(weight[0]))
        # ring 1 only where the target keeps its receptors apart; other models sum their
        # input, so one ring keeps their sums in the order they always had
        self.receptor = int(inhibitory and two_receptors(post))

    @property
    def src(self) -> np.ndarray:
        """Source indices (within ``pre``) ``[n_synapses]``."""
        return self._src if self._packed is None else self._read_back()[0]

    @property
    def dst(self) -> np.ndarray:
        """Target indices (within ``post``) ``[n_synapses]``."""
        return self._dst if self._packed is None else self._read_back()[1]

    @property
    def weight(self) -> np.ndarray:
        """Signed weights ``[n_synapses]``."""
        if self._packed is None or self._weight is not None:
            return self._weight
        return self._read_back()[2]

    def release(self, arrays: tuple, group: int, pre_offset: int, post_offset: int) -> None:
        """Drop this group's own arrays: it was packed as group ``group`` of the fast
        loop's CSR ``arrays`` (:func:`spikeflow.sim.fast_runner._static_synapses`), with
        its populations starting at ``pre_offset`` and ``post_offset``. A weight shared
        by every synapse (a zero-stride view, no memory) is kept."""
        self._packed = (arrays, group, pre_offset, post_offset)
        self._src = self._dst = None
        if self._weight is not None and (self._weight.size == 0 or self._weight.strides[0] != 0):
            self._weight = None

    def _read_back(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        arrays, group, pre_offset, post_offset = self._packed
        indptr, targets, kinds, weights, weights32, mode = arrays[:6]
        found, sources = [], []
        for ptr in indptr:  # the parts by target, each CSR by source
            lo, hi = int(ptr[pre_offset]), int(ptr[pre_offset + self.pre.n])
            found.append(np.flatnonzero(kinds[lo:hi] == group) + lo)
            sources.append(np.searchsorted(ptr, found[-1], side="right") - 1 - pre_offset)
        mine, src = np.concatenate(found), np.concatenate(sources)
        if len(found) > 1:  # by source again (a source's synapses part after part)
            order = np.argsort(src, kind="stable")
            mine, src = mine[order], src[order]
        dst = targets[mine].astype(np.int64) - post_offset
        if self._weight is not None:
            weight = np.broadcast_to(self._weight[:1], mine.shape)
        else:
            weight = weights32[mine] if mode == 2 else weights[mine]
        return src.astype(index_dtype(self.pre.n)), dst.astype(index_dtype(self.post.n)), weight


def index_dtype(n: int) -> np.dtype:
    """The narrowest unsigned type holding the indices of ``n`` neurons (uint16, uint32),
    int64 beyond."""
    if n <= 2**16:
        return np.dtype(np.uint16)
    return np.dtype(np.uint32) if n <= 2**32 else np.dtype(np.int64)


class Delivery:
    """The reference backend's spike delivery, in the fast loop's order of additions.

    Both backends add each spike's weights into the targets' ring buffers one synapse at
    a time, in the same order: by source neuron (populations in the network's order),
    then by group (in the order they were connected), then by the synapse's place within
    its group (the order of the CSR arrays of
    :func:`spikeflow.sim.fast_runner._static_synapses`). So a target fed by several
    groups sums its input with the same rounding on both backends, and their spikes stay
    identical.

    Args:
        groups: the network's :class:`SynapseGroup` list.
        populations: the network's populations, in order.
    """

    def __init__(self, groups: list[SynapseGroup], populations: list) -> None:
        self.groups = groups
        offsets = np.cumsum([0] + [p.n for p in populations])
        total = int(offsets[-1])
        index = {id(p): k for k, p in enumerate(populations)}
        per_post: dict[int, list] = {}
        for g in groups:
            per_post.setdefault(id(g.post), [g.post, []])[1].append(g)
        self.targets = []  # (post population, indptr [total + 1], ring, delay, dst, weight) per post
        for post, gs in per_post.values():
            src = np.concatenate([g.src.astype(np.int64) + offsets[index[id(g.pre)]] for g in gs])
            order = np.argsort(src, kind="stable")  # groups in turn, each in its own order
            per_synapse = [
                np.concatenate([np.broadcast_to(np.asarray(value(g), dtype), g.src.shape) for g in gs])[order]
                for value, dtype in ((lambda g: g.receptor, np.int64), (lambda g: g.delay, np.int64),
                                     (lambda g: g.dst, np.int64),
                                     (lambda g: g.weight, post.buffer.dtype))  # rounded to the float type
            ]  # fmt: skip
            indptr = np.searchsorted(src[order], np.arange(total + 1))
            self.targets.append((post, indptr, *per_synapse))

    def deliver(self, t: int, fired: np.ndarray) -> None:
        """Add the spikes of step ``t`` from the neurons ``fired`` (global indices,
        ascending) into their targets' ring buffers."""
        if not fired.size:
            return
        for post, indptr, ring, delay, dst, weight in self.targets:
            a, b = indptr[fired], indptr[fired + 1]
            counts = b - a
            n = int(counts.sum())
            if not n:
                continue
            # the synapse entries of every fired source, in order (a concatenation of ranges)
            starts = np.repeat(a - np.cumsum(counts) + counts, counts)
            idx = starts + np.arange(n)
            rows = (t + delay[idx]) % post.buffer.shape[1]
            np.add.at(post.buffer, (ring[idx], rows, dst[idx]), weight[idx])  # in order, unbuffered


def group_projections(projections: list, populations: list) -> list[SynapseGroup]:
    """The groups of the network's ``projections`` in the order they were connected: each
    projection (a :class:`SynapseGroup`) is a group of its own, so nothing is joined or
    copied."""
    return list(projections)

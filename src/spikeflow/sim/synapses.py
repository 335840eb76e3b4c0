"""Static synapses grouped for simulation: one group per (source population, target
population, delay), holding the synapses' source and target indices and signed weights.

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
    """The synapses from population ``pre`` to ``post`` with delay ``delay`` steps.

    Attributes:
        src, dst: integer arrays ``[n_synapses]`` (int32 where they fit) of source and
            target neuron indices (within their populations).
        weight: float64 array ``[n_synapses]``, signed (negative: inhibitory); a
            read-only zero-stride view when one weight serves every synapse.
        receptor: the ring buffer the group feeds: 1 for inhibitory synapses onto a
            two-receptor model, else 0.
    """

    def __init__(self, pre: Any, post: Any, delay: int, src: np.ndarray, dst: np.ndarray, weight: np.ndarray):
        self.pre, self.post, self.delay = pre, post, delay
        self.src, self.dst, self.weight = src, dst, weight
        inhibitory = weight.size > 0 and bool(np.signbit(weight[0]))
        # ring 1 only where the target keeps its receptors apart; other models sum their
        # input, so one ring keeps their sums in the order they always had
        self.receptor = int(inhibitory and two_receptors(post))


class Delivery:
    """The reference backend's spike delivery, in the fast loop's order of additions.

    Both backends add each spike's weights into the targets' ring buffers one synapse at
    a time, in the same order: by source neuron (populations in the network's order),
    then by group (first appearance), then by the synapse's place within its group (the
    order of the CSR arrays of :func:`spikeflow.sim.fast_runner._static_synapses`). So
    a target fed by several ``connect`` calls (one group) or several groups sums its
    input with the same rounding on both backends, and their spikes stay identical.

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
    """One :class:`SynapseGroup` per (pre, post, delay, receptor) of ``projections`` (objects with
    ``pre, post, src, dst, weight, delay``), in order of first appearance. A group of one
    projection shares its arrays instead of copying them."""
    groups: dict[tuple[int, int, int, bool], list] = {}
    for proj in projections:
        inhibitory = bool(proj.weight.size > 0 and np.signbit(proj.weight[0]))  # one sign per projection
        key = (populations.index(proj.pre), populations.index(proj.post), proj.delay, inhibitory)
        groups.setdefault(key, []).append(proj)

    def join(projs: list, name: str) -> np.ndarray:
        arrays = [getattr(p, name) for p in projs]
        return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)

    return [
        SynapseGroup(populations[i], populations[j], d, join(ps, "src"), join(ps, "dst"), join(ps, "weight"))
        for (i, j, d, _), ps in groups.items()
    ]

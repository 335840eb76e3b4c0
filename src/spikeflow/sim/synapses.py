"""Static synapses grouped for simulation: one group per (source population, target
population, delay), holding the synapses' source and target indices and signed weights.

The reference backend multiplies each group's spikes by a torch sparse CSR matrix, built
the first time it is needed; the fast backend reads the index arrays directly, so a
network run only there never makes the matrices (at 64 000 neurons with 80 synapses
each, they would hold another 120 MB).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .._lazy import torch


def two_receptors(pop: Any) -> bool:
    """Whether population ``pop``'s model keeps excitatory and inhibitory input apart
    (conductance- and current-based LIF with two synaptic variables, and models defined by a
    specification with ``receptors``)."""
    from ..neurons import cond_lif, cuba_lif

    spec = getattr(getattr(pop, "params", None), "spec", None)
    if spec is not None:
        return bool(spec.receptors)
    return getattr(pop, "module", None) in (cond_lif, cuba_lif)


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
        self._matrix: torch.Tensor | None = None

    def matrix(self, dtype: torch.dtype) -> torch.Tensor:
        """``[post.n, pre.n]`` sparse CSR matrix of summed weights (made once)."""
        if self._matrix is None or self._matrix.dtype != dtype:
            with warnings.catch_warnings():  # torch marks sparse CSR as beta
                warnings.simplefilter("ignore", UserWarning)
                self._matrix = (
                    torch.sparse_coo_tensor(
                        torch.as_tensor(np.stack([self.dst, self.src]).astype(np.int64)),
                        torch.as_tensor(np.ascontiguousarray(self.weight), dtype=dtype),
                        (self.post.n, self.pre.n),
                        check_invariants=True,
                    )
                    .coalesce()
                    .to_sparse_csr()
                )
        return self._matrix


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

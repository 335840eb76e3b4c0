"""Seeded connectivity rules: each returns ``(pre, post)`` index arrays (int64) of the
synapses between ``n_pre`` and ``n_post`` neurons; and how a rule's draw over selections
of several populations is split into per-population synapse groups."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .. import _checks
from .synapses import index_dtype

if TYPE_CHECKING:  # pragma: no cover
    from .populations import Population, Selection

RULES = (
    "fixed_probability", "fixed_indegree", "fixed_outdegree", "fixed_total_number", "one_to_one",
    "all_to_all",
)  # fmt: skip


DENSE_DRAW_LIMIT = 10**8  # pairs: above this, fixed_probability samples each target's sources


def fixed_probability(n_pre: int, n_post: int, p: float, rng: np.random.Generator, *, autapses: bool = True):  # noqa: ANN201
    """Each pair connected independently with probability ``p``.

    Up to :data:`DENSE_DRAW_LIMIT` pairs, one uniform number is drawn per pair (target by
    target); above it, each target draws its number of sources from the binomial
    distribution and then that many distinct sources, which costs O(synapses) instead of
    O(pairs) and gives the same distribution (a 64 000-neuron network has 4 billion
    pairs but 5 million synapses)."""
    p = _checks.probability("p", p)
    if n_pre * n_post > DENSE_DRAW_LIMIT:
        return _sparse_probability(n_pre, n_post, p, rng, autapses)
    pre, post = [], []
    for j in range(n_post):  # column by column keeps memory at O(n_pre)
        src = np.flatnonzero(rng.random(n_pre) < p)
        if not autapses:
            src = src[src != j]
        pre.append(src)
        post.append(np.full(src.size, j))
    return np.concatenate(pre).astype(np.int64, copy=False), np.concatenate(post).astype(np.int64, copy=False)


def _sparse_probability(n_pre: int, n_post: int, p: float, rng: np.random.Generator, autapses: bool):  # noqa: ANN202
    pool = n_pre if autapses else n_pre - 1
    counts = rng.binomial(pool, p, size=n_post)
    pre = []
    for j, k in enumerate(counts):
        src = rng.choice(pool, k, replace=False)
        if not autapses:
            src = src + (src >= j)  # skip the target itself
        pre.append(np.sort(src))
    pre_a = np.concatenate(pre).astype(np.int64, copy=False) if pre else np.zeros(0, np.int64)
    return pre_a, np.repeat(np.arange(n_post), counts).astype(np.int64, copy=False)


def fixed_indegree(n_pre: int, n_post: int, k: int, rng: np.random.Generator):  # noqa: ANN201
    """Every target receives exactly ``k`` distinct sources."""
    _checks.positive_int("indegree", k)
    if k > n_pre:
        raise ValueError(f"indegree must be <= the {n_pre} sources, got {k}")
    pre = np.concatenate([rng.choice(n_pre, k, replace=False) for _ in range(n_post)])
    return pre.astype(np.int64, copy=False), np.repeat(np.arange(n_post), k).astype(np.int64, copy=False)


def fixed_outdegree(n_pre: int, n_post: int, k: int, rng: np.random.Generator):  # noqa: ANN201
    """Every source projects to exactly ``k`` distinct targets."""
    _checks.positive_int("outdegree", k)
    if k > n_post:
        raise ValueError(f"outdegree must be <= the {n_post} targets, got {k}")
    post = np.concatenate([rng.choice(n_post, k, replace=False) for _ in range(n_pre)])
    return np.repeat(np.arange(n_pre), k).astype(np.int64, copy=False), post.astype(np.int64, copy=False)


def fixed_total_number(n_pre: int, n_post: int, n: int, rng: np.random.Generator, *, autapses: bool = True):  # noqa: ANN201
    """Exactly ``n`` synapses, each between a source and a target drawn uniformly and
    independently (NEST's ``fixed_total_number`` with multapses: a pair may repeat);
    without ``autapses`` (source and target the same population) a synapse never joins a
    neuron to itself (its target is drawn among the other ``n_post - 1``). Drawn as NEST
    does, in the equivalent form that comes sorted by source: the number of synapses of
    each source (multinomial), then each synapse's target, from ``rng``; int32 indices
    where they fit."""
    n = _checks.positive_int("total", n)
    if not autapses and n_post < 2:
        raise ValueError(f"total={n} synapses without autapses need two targets or more, got {n_post}")
    index = np.int32 if max(n_pre, n_post) < 2**31 else np.int64
    per_source = rng.multinomial(n, np.full(n_pre, 1.0 / n_pre))
    pre = np.repeat(np.arange(n_pre, dtype=index), per_source)
    if autapses:
        post = rng.integers(0, n_post, n, dtype=index)
    else:
        post = rng.integers(0, n_post - 1, n, dtype=index)
        post += post >= pre  # skip the source itself: uniform over the other targets
    return pre, post


def one_to_one(n_pre: int, n_post: int):  # noqa: ANN201
    """Source ``i`` to target ``i``; the populations must have equal sizes."""
    if n_pre != n_post:
        raise ValueError(f"one_to_one needs equal sizes, got {n_pre} sources and {n_post} targets")
    idx = np.arange(n_pre, dtype=np.int64)
    return idx, idx.copy()


def all_to_all(n_pre: int, n_post: int):  # noqa: ANN201
    """Every source to every target."""
    pre, post = np.meshgrid(np.arange(n_pre), np.arange(n_post), indexing="ij")
    return pre.ravel().astype(np.int64, copy=False), post.ravel().astype(np.int64, copy=False)


def explicit(n_pre: int, n_post: int, pre: object, post: object):  # noqa: ANN201
    """Given index lists (integers, not masks or floats); checked for equal length and
    range. A pair listed twice gives two synapses."""
    pre = _checks.indices("pairs[0] (presynaptic indices)", pre, n_pre, keep_dtype=True)
    post = _checks.indices("pairs[1] (postsynaptic indices)", post, n_post, keep_dtype=True)
    if pre.shape != post.shape:
        raise ValueError(
            f"pre and post index lists must have the same length, got {pre.size} and {post.size}"
        )
    return pre, post


def delay_groups(delay_ms: object, n: int, dt_ms: float) -> tuple:
    """Per-synapse delays ``delay_ms`` (ms, one for each of ``n`` synapses) grouped by their
    step: ``(delays in steps, ascending; the permutation that orders the synapses by
    delay, stably; where each delay's synapses end in it)``. Raises ValueError for a
    shape other than ``(n,)``, NaN or infinite delays, and delays below one step or beyond
    the kernels' 32-bit counters."""
    d = np.asarray(delay_ms, dtype=np.float64)
    if d.shape != (n,):
        raise ValueError(f"delay_ms has shape {d.shape}; expected one delay per pair, ({n},)")
    if not n:
        return [], np.zeros(0, np.int64), []
    lo, hi = float(d.min()), float(d.max())  # NaN propagates to both
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError("delay_ms contains NaN or infinite values")
    if round(lo / dt_ms) < 1:
        raise ValueError(
            f"delay_ms has values down to {lo:g} ms, below one step (dt_ms={dt_ms});"
            " expected >= dt_ms"
        )
    limit = _checks.MAX_PERIOD_STEPS
    longest = round(hi / dt_ms)  # rounding is monotone: the longest delay's steps
    if longest > limit:
        raise ValueError(f"delay_ms has values up to {hi:g} ms; expected at most "
                         f"{limit * dt_ms:g} ms ({limit} steps)")  # fmt: skip
    steps = d / dt_ms
    np.rint(steps, out=steps)
    # grouped by a stable sort (each delay's synapses in their given order): of 16-bit keys
    # where the delays allow, which NumPy sorts by radix, with the groups counted, where
    # int64 keys took a merge sort and np.unique a second sort (4.2 of the microcircuit's
    # 18 s build at half scale)
    steps = steps.astype(np.int16 if longest < 2**15 else np.int64)
    order = np.argsort(steps, kind="stable")
    if steps.dtype == np.int16:
        counts = np.bincount(steps, minlength=1)
        values = np.flatnonzero(counts)
        ends = np.cumsum(counts[values])
    else:
        values, starts = np.unique(steps[order], return_index=True)
        ends = np.append(starts[1:], n)
    return [int(v) for v in values], order, [int(e) for e in ends]


def blocks(sel: Selection, whole: bool) -> list[list[tuple[Population, np.ndarray]]]:
    """The blocks a connection rule draws over: the selection's parts together, or each."""
    return [sel.parts] if whole else [[part] for part in sel.parts]


def block_size(block: list[tuple[Population, np.ndarray]]) -> int:
    """Neurons in a block of selection parts."""
    return sum(len(idx) for _, idx in block)


def split(pre_block, post_block, src: np.ndarray, dst: np.ndarray, w: np.ndarray) -> list[tuple]:  # noqa: ANN001
    """The synapses ``src -> dst`` (indices into the blocks' concatenated parts) with
    signed weights ``w`` (one, or one per synapse: a fresh array, which the result keeps)
    as ``(pre population, post population, pre indices, post indices, weights)`` per pair
    of parts; pairs without synapses are
    left out unless both blocks are one part. One weight for all becomes a zero-stride
    view, not a float64 per synapse (at 64 000 neurons x 80 synapses that is 41 MB)."""
    out = []
    single = len(pre_block) == 1 and len(post_block) == 1
    a0 = 0
    for pre_pop, pre_idx in pre_block:
        b0 = 0
        for post_pop, post_idx in post_block:
            if single:
                s, d, ws = src, dst, w
            else:
                keep = (src >= a0) & (src < a0 + len(pre_idx)) & (dst >= b0) & (dst < b0 + len(post_idx))
                s, d, ws = src[keep] - a0, dst[keep] - b0, (w[keep] if w.ndim else w)
            b0 += len(post_idx)
            if single or s.size:  # w is the caller's fresh array: kept, not copied
                weights = np.broadcast_to(ws, s.shape) if not ws.ndim else ws
                ends = population_indices(pre_idx, s), population_indices(post_idx, d)
                out.append((pre_pop, post_pop, *ends, weights))
        a0 += len(pre_idx)
    return out


def population_indices(selected: np.ndarray, local: np.ndarray) -> np.ndarray:
    """Neuron indices (within the population) of the synapse ends ``local`` (indices
    into the selection ``selected``), in the narrowest unsigned type that holds them
    (:func:`~spikeflow.sim.synapses.index_dtype`: 2 bytes for populations of up to
    65 536 neurons)."""
    idx = selected.astype(index_dtype(int(selected.max()) + 1 if selected.size else 0))
    return idx[local]

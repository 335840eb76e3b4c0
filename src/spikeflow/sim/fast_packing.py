"""The fast loop's static synapses: the network's synapse groups packed into CSR arrays by
source neuron, in parts by target neuron for the threads that deliver spikes
(:func:`static_synapses`, the ``synapses`` tuple of
:func:`spikeflow.sim.fast_cpu.run_steps`), and the checks in front of the loop, which
indexes without bounds checks."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import _checks
from . import fast_compiled

if TYPE_CHECKING:  # pragma: no cover
    from .network import Network


def compiled_loop(total: int) -> fast_compiled.CompiledLoop | None:
    """The compiled loop where it can run a network of ``total`` neurons (it takes 4-byte
    targets), else ``None``: compile with Numba."""
    return fast_compiled.load() if total < 2**32 else None


MAX_GROUPS = 2**16  # the loop's group index per synapse is 2 bytes
# networks with at least this many static synapses deliver spikes on several threads by
# default (Network(threads=)): below it the threads' start per step costs more than they save
PARALLEL_SYNAPSES = 10_000_000


def delivery_threads(net: Network, n_syn: int) -> int:
    """The number of threads (and parts of the synapses) the fast loop delivers spikes
    on: ``net.threads`` where given, else the cores this process may use for a network of
    at least :data:`PARALLEL_SYNAPSES` static synapses and no plastic ones, else 1."""
    if net.threads is not None:
        return net.threads
    big = n_syn >= PARALLEL_SYNAPSES and not net.plastic
    return _checks.usable_cores() if big else 1


def _parts(net: Network, groups: list, offsets: dict, total: int, n_syn: int) -> np.ndarray:
    """Where the parts of the synapses begin and end by target neuron, ``cuts [P + 1]``
    (``0 = cuts[0] < ... < cuts[P] = total``), so that each part holds about as many
    synapses: P parts for :func:`delivery_threads`, fewer where the network has fewer
    targets than that."""
    parts = min(delivery_threads(net, n_syn), max(total, 1))
    if parts == 1:
        return np.array([0, total], np.int64)
    indegree = np.zeros(total, np.int64)
    for g in groups:
        indegree[offsets[g.post] : offsets[g.post] + g.post.n] += np.bincount(g.dst, minlength=g.post.n)
    running = np.cumsum(indegree)
    inner = np.searchsorted(running, n_syn * np.arange(1, parts) / parts, side="left") + 1
    return np.unique(np.concatenate([[0], np.clip(inner, 1, total - 1), [total]])).astype(np.int64)


def static_synapses(net: Network, offsets: dict, total: int) -> tuple:
    """The static projections as CSR by presynaptic neuron ``(indptr, targets, kinds,
    weights, weights32, weight_mode, group_delays, rings, dense, uniform_delay)`` for
    :func:`~spikeflow.sim.fast_cpu.run_steps`, cached on the network until its projections
    change (repeated short runs do not rebuild a million synapses each time). Each synapse
    carries its target (4 bytes), its group (2 bytes: the delay and ring are the group's)
    and, where some group has weights per synapse, its weight (in the network's
    ``weight_dtype``); else each group's one weight is looked up. Groups are placed one
    source population at a time, and each group drops its own arrays once placed
    (:meth:`~spikeflow.sim.synapses.SynapseGroup.release`), so the CSR arrays are the only
    copy and the peak stays near their size."""
    cached = getattr(net, "_fast_synapses", None)
    if cached is not None and cached[0] is net._built and cached[2] == net.threads:
        return cached[1]
    groups = net._built
    ring_len = buf_len(net)
    if len(groups) > MAX_GROUPS:
        raise ValueError(f"the fast backend takes at most {MAX_GROUPS} groups of synapses (one per connect, "
                         f"and per delay where delays are per synapse), got {len(groups)}: connect "
                         "populations with fewer calls, or use backend='reference'")  # fmt: skip
    for g in groups:  # the loop and place_synapses index without bounds checks: all checked here
        name = f"the synapses {g.pre.name!r} -> {g.post.name!r}"
        src, dst, weight = g.src, g.dst, g.weight
        bounded(f"sources of {name}", src, g.pre.n)
        bounded(f"targets of {name}", dst, g.post.n)
        if src.ndim != 1 or src.shape != dst.shape or weight.shape != src.shape:
            raise ValueError(f"{name} have source, target and weight arrays of different shapes")
        if not 1 <= g.delay < ring_len:
            raise ValueError(f"{name} have delay {g.delay} steps, outside [1, {ring_len - 1}]")
    n_syn = sum(g.size for g in groups)
    # one delay for all synapses (the common case): the loop then reads no group delays
    uniform = groups[0].delay if n_syn and all(g.delay == groups[0].delay for g in groups) else -1
    # weights per group where each group has one (a zero-stride view), else per synapse
    by_group = all(g.weight.strides[0] == 0 for g in groups if g.size)
    mode = 0 if by_group else (2 if net.weight_dtype == np.float32 else 1)
    weight_bytes = (0, 8, 4)[mode]
    _checks.allocation(
        f"the fast loop's arrays of {n_syn} synapses", n_syn * (6 + weight_bytes) + 16 * (total + 1),
        "use fewer synapses, or Network(weight_dtype='float32')",
    )  # fmt: skip
    cuts = _parts(net, groups, offsets, total, n_syn)
    parts = cuts.size - 1
    # compiled at install, every part in one pass (placing the parts on threads of their
    # own, each reading every synapse, made the full-scale packing 8.4 s against 7.0 s)
    ops = compiled_loop(total)
    if ops is None:
        from . import fast_synapses as ops
    indptr = np.zeros((parts, total + 1), dtype=np.int64)
    for g in groups:  # synapses per part and source neuron, then where each source's run starts
        ops.count_synapses(g.src, g.dst, offsets[g.pre], offsets[g.post], cuts, indptr)
    # one running sum over the rows in turn: part after part, each CSR by source (a row's
    # first entry, 0 before the sum, becomes where its part starts)
    flat = indptr.reshape(-1)
    np.cumsum(flat, out=flat)
    cursor = indptr[:, :-1].copy()
    targets = np.empty(n_syn, np.uint32 if total < 2**32 else np.int64)
    kinds = np.empty(n_syn, np.uint16)
    weights = np.empty(n_syn if mode == 1 else 0)
    weights32 = np.empty(n_syn if mode == 2 else 0, np.float32)
    none64, none32 = np.empty(0), np.empty(0, np.float32)
    arrays = [indptr, targets, kinds, weights, weights32, mode]
    # by source population (stable: a source's groups keep their order), so that the arrays
    # fill one population's rows at a time while the groups placed so far are dropped
    order = sorted(range(len(groups)), key=lambda k: offsets[groups[k].pre])
    for pre in dict.fromkeys(groups[k].pre for k in order):
        mine = [k for k in order if groups[k].pre is pre]
        for k in mine:
            g = groups[k]
            own64 = np.ascontiguousarray(g.weight, np.float64) if mode == 1 else none64
            own32 = np.ascontiguousarray(g.weight, np.float32) if mode == 2 else none32
            ops.place_synapses(g.src, g.dst, offsets[g.pre], offsets[g.post], cuts, cursor, targets,
                               kinds, k, -1, weights, own64, weights32, own32)  # fmt: skip
        del own64, own32
        for k in mine:
            groups[k].release(arrays, k, offsets[groups[k].pre], offsets[groups[k].post])
        _checks.return_freed_memory()  # the arrays of the groups released so far
    del cursor
    if mode == 0:
        weights = np.array([float(g.weight[0]) if g.size else 0.0 for g in groups])
    rings = np.array([g.receptor for g in groups], np.uint8)
    group_delays = np.array([g.delay for g in groups], np.int64)
    dense = np.empty((parts, total), np.int64)  # sources whose spikes are a vector add (all-to-all)
    ops.dense_sources(indptr, targets, kinds, rings, dense)
    arrays[3:] = [weights, weights32, mode, group_delays, rings, dense, uniform]
    arrays = tuple(arrays)
    for k, g in enumerate(groups):  # the released groups read back from the final tuple
        g.release(arrays, k, offsets[g.pre], offsets[g.post])
    net._fast_synapses = (net._built, arrays, net.threads)
    return arrays


def bounded(what: str, idx: np.ndarray, n: int) -> None:
    """Raise ValueError unless ``idx`` is an integer array with every entry in ``[0, n)``:
    the guard in front of the compiled loop, which reads and writes without bounds checks
    (the public API validates indices where they enter; this catches anything changed
    behind its back)."""
    if not np.issubdtype(idx.dtype, np.integer):
        raise ValueError(f"{what} must be integers, got dtype {idx.dtype}")
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= n):
        raise ValueError(f"{what} must lie in [0, {n - 1}], got [{int(idx.min())}, {int(idx.max())}]")


def buf_len(net: Network) -> int:
    """The ring buffers' length (steps) shared by the network's populations."""
    lengths = {pop.buffer.shape[1] for pop in net.populations}
    if len(lengths) != 1:
        raise RuntimeError("populations have ring buffers of different lengths")
    return lengths.pop()



"""How static synapses are stored: compact index and weight types, the fast loop's packed
arrays as the only copy (read back on demand), groups prepared apart from the network and
added in order."""

import numpy as np
import pytest

from spikeflow.neurons import CondLIFParams, LIFParams
from spikeflow.sim import Network
from spikeflow.sim import connect as rules

pytest.importorskip("numba")


def _mixed(backend: str, weight_dtype: str = "float64", seed: int = 4):  # noqa: ANN202
    """Poisson-driven LIF and conductance LIF populations joined by every kind of static
    projection: per-synapse weights and delays, one weight, inhibition onto two receptors."""
    net = Network(dt_ms=0.1, seed=seed, backend=backend, weight_dtype=weight_dtype)
    a = net.population(300, LIFParams(tau_mem_ms=10.0, dt_ms=0.1), name="a")
    b = net.population(200, CondLIFParams(dt_ms=0.1), name="b")
    net.poisson_input(a | b, n_inputs=60, rate_hz=25.0, weight=0.35)
    rng = np.random.default_rng(seed)
    src, dst = rng.integers(0, 300, 6000), rng.integers(0, 200, 6000)
    net.connect(a, b, pairs=(src, dst), weight=rng.uniform(0.0, 0.4, 6000),
                delay_ms=rng.uniform(0.1, 3.0, 6000))  # fmt: skip
    net.connect(b, a, p=0.05, weight=0.8, receptor="inh", delay_ms=1.5)
    net.connect(a, a, indegree=10, weight=0.1)
    net.connect(b, b, pairs=(rng.integers(0, 200, 900), rng.integers(0, 200, 900)),
                weight=rng.uniform(0.0, 0.5, 900), receptor="inh")  # fmt: skip
    return net, net.record_spikes(a | b)


def _spikes(monitor) -> tuple:  # noqa: ANN001
    return monitor.times_ms.tolist(), monitor.senders.tolist()


def test_indices_are_stored_in_two_bytes_and_weights_in_the_networks_type():
    net, _ = _mixed("fast", "float32")
    for g in net.projections:
        assert g.src.dtype == np.uint16 and g.dst.dtype == np.uint16
        assert g.weight.dtype == np.float32
    big = Network(dt_ms=0.1)
    p = big.population(70_000, LIFParams(dt_ms=0.1))
    big.connect(p, p, pairs=([0, 69_999], [69_999, 1]))
    assert big.projections[0].src.dtype == np.uint32
    with pytest.raises(ValueError, match="dtype must be float32 or float64"):
        Network(weight_dtype="float16")


@pytest.mark.parametrize("weight_dtype", ["float64", "float32"])
def test_packed_synapses_are_the_only_copy_and_read_back_in_delivery_order(weight_dtype):
    """After packing each group drops its arrays; what it reads back from the packed ones
    is its synapses sorted stably by source, weights rounded to the network's type; the
    packed arrays take 6 bytes a synapse plus the weight where weights are per synapse."""
    net, _ = _mixed("fast", weight_dtype)
    given = []
    for g in net.projections:
        order = np.argsort(g.src, kind="stable")
        given.append((g.src[order].copy(), g.dst[order].copy(), np.asarray(g.weight)[order].copy()))
    net.run(5.0, progress=False)
    arrays = net._fast_synapses[1]
    n_syn = sum(g.size for g in net.projections)
    per_synapse = sum(a.nbytes for a in arrays[1:5] if isinstance(a, np.ndarray)) / n_syn
    assert per_synapse == (10 if weight_dtype == "float32" else 14)
    for g, (src, dst, weight) in zip(net.projections, given):
        assert g._src is None and g._dst is None  # released: the packed arrays hold them
        np.testing.assert_array_equal(g.src, src)
        np.testing.assert_array_equal(g.dst, dst)
        np.testing.assert_array_equal(g.weight, weight)
        assert g.src.dtype == np.uint16 and g.weight.dtype == np.dtype(weight_dtype)


@pytest.mark.parametrize("weight_dtype", ["float64", "float32"])
def test_a_network_switched_to_the_reference_backend_after_packing_keeps_its_spikes(weight_dtype):
    """The reference backend delivers from the groups read back from the packed arrays:
    50 ms fast then 50 ms reference give the spikes of 100 ms on the reference backend."""
    ref, ref_spikes = _mixed("reference", weight_dtype)
    ref.run(100.0, progress=False)
    net, spikes = _mixed("fast", weight_dtype)
    net.run(50.0, progress=False)
    net.backend = "reference"
    net.run(50.0, progress=False)
    assert len(ref_spikes.times_ms) > 500
    assert _spikes(spikes) == _spikes(ref_spikes)


def test_connecting_after_a_run_repacks_the_released_groups():
    out = {}
    for backend in ("reference", "fast"):
        net, spikes = _mixed(backend, "float32")
        net.run(30.0, progress=False)
        a, b = net.populations
        net.connect(b, a, pairs=(np.arange(200), np.arange(200)), weight=0.6, delay_ms=0.4)
        net.run(30.0, progress=False)
        out[backend] = _spikes(spikes)
    assert out["fast"] == out["reference"]


def test_groups_prepared_apart_and_added_in_order_equal_connect():
    def build(prepared: bool) -> Network:
        net = Network(dt_ms=0.1, seed=3)
        a = net.population(50, LIFParams(dt_ms=0.1))
        rng = np.random.default_rng(0)
        pairs = (rng.integers(0, 50, 400), rng.integers(0, 50, 400))
        kwargs = {"pairs": pairs, "weight": rng.uniform(0, 1, 400), "delay_ms": rng.uniform(0.1, 2.0, 400)}
        if prepared:
            groups = net.connection_groups(a, a, **kwargs)
            assert not net.projections  # nothing added yet
            assert net.add_groups(groups) == 400
        else:
            assert net.connect(a, a, **kwargs) == 400
        return net

    one, two = build(False), build(True)
    assert len(one.projections) == len(two.projections) > 1  # one group per delay
    for g, h in zip(one.projections, two.projections):
        assert g.delay == h.delay
        for x, y in ((g.src, h.src), (g.dst, h.dst), (g.weight, h.weight)):
            np.testing.assert_array_equal(x, y)
    other = Network(dt_ms=0.1)
    with pytest.raises(ValueError, match="add_groups takes the SynapseGroups of this network"):
        other.population(50, LIFParams(dt_ms=0.1))
        other.add_groups(one.projections)


def test_fixed_total_number_comes_sorted_by_source_with_uniform_pairs():
    pre, post = rules.fixed_total_number(40, 30, 120_000, np.random.default_rng(2))
    assert np.all(np.diff(pre) >= 0)  # drawn source by source (multinomial counts)
    pairs = np.bincount(pre.astype(np.int64) * 30 + post, minlength=1200)
    assert pairs.min() > 60 and pairs.max() < 140  # 100 a pair, Poisson-like spread ~ 10
    pre, post = rules.fixed_total_number(8, 8, 20_000, np.random.default_rng(3), autapses=False)
    assert not np.any(pre == post)
    counts = np.bincount(pre * 8 + post, minlength=64).reshape(8, 8)
    off = counts[~np.eye(8, dtype=bool)]
    assert off.min() > 300 and off.max() < 420  # 357 a pair of distinct neurons


def test_spikes_are_the_same_on_one_and_two_delivery_threads():
    """With ``threads=2`` the loop splits the synapses into two parts by target, delivered
    on a thread each (the loop compiled with parallel=True): every target adds its input in
    the same order, so the spikes equal one thread's and the reference backend's; the
    groups still read back their synapses."""
    out = {}
    for threads in (1, 2):
        net, spikes = _mixed("fast", "float32")
        net.threads = threads
        given = [sorted(zip(g.src.tolist(), g.dst.tolist(), np.asarray(g.weight).tolist()))
                 for g in net.projections]  # fmt: skip
        net.run(60.0, progress=False)
        out[threads] = _spikes(spikes)
        indptr = net._fast_synapses[1][0]
        assert indptr.shape == (threads, 501)
        if threads == 2:  # two parts of about the same size
            sizes = np.diff(indptr[:, [0, -1]], axis=1).ravel()
            assert abs(int(sizes[0]) - int(sizes[1])) < 0.2 * sizes.sum()
        for g, want in zip(net.projections, given):
            assert sorted(zip(g.src.tolist(), g.dst.tolist(), np.asarray(g.weight).tolist())) == want
            assert np.all(np.diff(g.src.astype(np.int64)) >= 0)
    ref, ref_spikes = _mixed("reference", "float32")
    ref.run(60.0, progress=False)
    assert len(out[1][0]) > 300
    assert out[1] == out[2] == _spikes(ref_spikes)
    with pytest.raises(ValueError, match="threads must be"):
        Network(threads=0)


def test_synapses_are_counted_per_part_and_source():
    from spikeflow.sim import fast_compiled, fast_synapses

    src, dst = np.array([0, 2, 2, 1, 0], np.uint16), np.array([3, 0, 1, 2, 0], np.uint16)
    cuts = np.array([0, 2, 4], np.int64)  # parts: targets 0-1 and 2-3
    counters = [fast_synapses.count_synapses]
    if fast_compiled.load() is not None:
        counters.append(fast_compiled.load().count_synapses)
    for count in counters:
        counts = np.zeros((2, 4), np.int64)  # 3 sources, pre_offset 0
        count(src, dst, 0, 0, cuts, counts)
        assert counts.tolist() == [[0, 1, 0, 2], [0, 1, 1, 0]]
        counts = np.zeros((2, 6), np.int64)  # the group's sources from neuron 2, targets from 1
        count(src, dst, 2, 1, cuts, counts)
        assert counts.tolist() == [[0, 0, 0, 1, 0, 1], [0, 0, 0, 1, 1, 1]]


def test_usable_cores_falls_back_where_affinity_is_unknown(monkeypatch):
    import os

    from spikeflow import _checks

    assert _checks.usable_cores() >= 1
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)  # as on macOS
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert _checks.usable_cores() == 1

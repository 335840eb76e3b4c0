"""The simulator under hostile input: indices that would reach the compiled loop out of
range, masks and floats where indices belong, duplicated neurons, populations of another
network, several rules at once. Each gets a clear error naming the argument, never a crash
or a silently different result."""

import numpy as np
import pytest

from spikeflow.neurons import LIFParams
from spikeflow.sim import Network, Selection

needs_fast = pytest.mark.skipif(Network().fast_unsupported_reason() is not None, reason="no fast backend")


def _net(backend="fast"):  # noqa: ANN001, ANN202
    net = Network(dt_ms=0.1, seed=2, backend=backend)
    a = net.population(10, LIFParams(dt_ms=0.1), name="a")
    b = net.population(5, LIFParams(dt_ms=0.1), name="b")
    return net, a, b


@pytest.mark.parametrize(
    "indices, error, message",
    [
        (np.array([0, 10**8]), ValueError, r"indices of 'a' \(parts\[0\]\) must lie in \[0, 9\].*100000000"),
        (np.array([3, -1]), ValueError, r"must lie in \[0, 9\].*got index -1"),
        (np.array([10]), ValueError, r"got index 10"),
        (np.array([True, False] * 5), TypeError, r"got a boolean array \(a mask\); use numpy.flatnonzero"),
        (np.array([0.0, 1.7]), TypeError, r"must be integer indices, got dtype float64.*never rounded"),
        (np.array([1, 2, 1]), ValueError, r"lists neuron 1 of 'a' more than once"),
    ],
)
def test_a_hostile_selection_is_refused_where_it_is_made(indices, error, message):
    _, a, _ = _net()
    with pytest.raises(error, match=message):
        Selection([(a, indices)])


def test_selections_refuse_bad_parts_and_repeated_neurons():
    net, a, b = _net()
    with pytest.raises(TypeError, match=r"parts\[0\] must be a \(Population, indices\) pair"):
        Selection([("a", [0])])
    with pytest.raises(ValueError, match="lists neuron 0 of 'a' more than once"):
        a | a
    with pytest.raises(ValueError, match="lists neuron 3 of 'a' more than once"):
        a[:5] | b | a[3:]
    with pytest.raises(ValueError, match="lists neuron 0 of 'a' more than once"):
        a[[0, 0, 1]]
    assert len(a[:5] | a[5:]) == 10 and len(a[-2:]) == 2 and a[-1].parts[0][1].tolist() == [9]
    mask = np.zeros(10, bool)
    mask[[2, 7]] = True
    assert a[mask].parts[0][1].tolist() == [2, 7]  # a mask of the population's size selects
    with pytest.raises(ValueError, match="a boolean mask of 'a' must have 10 values, got shape"):
        a[mask[:4]]
    with pytest.raises(TypeError, match="indices of 'a' must be integers, got dtype float64"):
        a[np.array([0.5])]
    with pytest.raises(IndexError, match=r"index out of range for 'a' \(10 neurons\)"):
        a[[3, 12]]
    with pytest.raises(ValueError, match="assignment destination is read-only"):
        a[:3].parts[0][1][0] = 10**8  # indices cannot be changed after the checks


@needs_fast
def test_the_fast_loop_never_sees_an_index_out_of_range_even_behind_the_apis_back():
    # the reported crash: an all-to-all connection onto neuron 10**8 of a 5-neuron population
    net, a, b = _net()
    with pytest.raises(ValueError, match="must lie in"):
        net.connect(a, Selection([(b, np.array([0, 10**8]))]), rule="all_to_all")
    # indices changed after the public checks are caught in front of the compiled loop
    net.connect(a, b, rule="all_to_all", weight=0.1)
    net.projections[0].dst[3] = 60000  # (unsigned 2-byte indices: NumPy itself refuses 10**8)
    with pytest.raises(ValueError, match=r"targets of the synapses 'a' -> 'b' must lie in \[0, 4\]"):
        net.run(1.0, progress=False)
    net, a, b = _net()
    net.connect(a, b, rule="all_to_all", weight=0.1)
    net.projections[0].src[0] = 65535
    with pytest.raises(ValueError, match=r"sources of the synapses 'a' -> 'b' must lie in \[0, 9\]"):
        net.run(1.0, progress=False)
    net, a, b = _net()
    net.connect(a, b, rule="all_to_all", weight=0.1)
    net.projections[0]._src = np.array([-7] + [0] * 49)  # replaced by a signed array
    with pytest.raises(ValueError, match=r"sources of the synapses 'a' -> 'b' must lie in \[0, 9\]"):
        net.run(1.0, progress=False)
    from spikeflow.learning.plasticity import STDP

    cases = (("by_pre", 10**6, "by_pre of the plastic synapses 'a' -> 'b' must lie"),
             ("dst", -1, "targets of the plastic synapses 'a' -> 'b' must lie"))  # fmt: skip
    for field, value, message in cases:
        net, a, b = _net()
        proj = net.connect_plastic(a, b, STDP(a_plus=0.01, a_minus=0.01), rule="all_to_all", weight=0.1)
        getattr(proj, field)[0] = value
        with pytest.raises(ValueError, match=message):
            net.run(1.0, progress=False)
    net, a, b = _net()
    sel = b[:3]
    net.record_state(sel, "v")
    sel.parts = ((b, np.array([10**8])),)  # a record_state read out of bounds, once
    with pytest.raises(ValueError, match=r"indices of 'b' in a monitor must lie in \[0, 4\]"):
        net.run(1.0, progress=False)


@pytest.mark.parametrize("backend", ["reference", pytest.param("fast", marks=needs_fast)])
def test_connect_refuses_masks_floats_several_rules_and_other_networks(backend):
    net, a, b = _net(backend)
    with pytest.raises(TypeError, match=r"pairs\[0\] \(presynaptic indices\) must be integer indices, got"):
        net.connect(a, b, pairs=([0.0, 1.9], [0, 1]))
    with pytest.raises(TypeError, match=r"pairs\[1\] \(postsynaptic indices\).*boolean array"):
        net.connect(a, b, pairs=([0, 1, 2, 3, 4], [True, False, True, False, True]))
    with pytest.raises(ValueError, match=r"pairs\[0\] \(presynaptic indices\) must lie in \[0, 9\].*-1"):
        net.connect(a, b, pairs=([-1], [0]))
    with pytest.raises(TypeError, match="pairs must be a \\(pre indices, post indices\\) pair"):
        net.connect(a, b, pairs=np.zeros((3, 2), int))
    with pytest.raises(ValueError, match=r"give one connectivity rule, got p=1.0, indegree=1"):
        net.connect(a, b, p=1.0, indegree=1)
    other, c, _ = _net(backend)
    for call in (
        lambda: net.connect(c, b, p=0.5),
        lambda: net.connect(a, c[:2], p=0.5),
        lambda: net.poisson_input(c, n_inputs=3, rate_hz=5.0, weight=0.1),
        lambda: net.noise_input(c, std=0.1),
        lambda: net.record_spikes(c),
        lambda: net.record_rate(a | b | c),
        lambda: net.record_state(c, "v"),
    ):
        with pytest.raises(ValueError, match="population 'a' of another network"):
            call()
    with pytest.raises(TypeError, match="pre must be a population or selection, got list"):
        net.connect([0, 1], b, p=0.5)
    # nothing was added by the refused calls: the network still runs, with no synapses
    assert net.projections == [] and net.drives == [] and net.monitors == []
    net.run(1.0, progress=False)


def test_run_durations_seeds_and_sizes_that_cannot_work_are_refused_before_running():
    with pytest.raises(ValueError, match="seed must be >= 0, got -1"):
        Network(seed=-1)
    with pytest.raises(TypeError, match="seed must be a non-negative int, got float 1.5"):
        Network(seed=1.5)
    net, a, b = _net("reference")
    with pytest.raises(ValueError, match=r"duration_ms=0.04 is less than half a step \(dt_ms=0.1\)"):
        net.run(0.04, progress=False)
    with pytest.raises(ValueError, match=r"more than the 9.01e\+15 a network can run"):
        net.run(2.0**70, progress=False)  # would have run for ever
    with pytest.warns(UserWarning, match=r"duration_ms=0.25 is not a multiple of dt_ms=0.1; running 2 steps"):
        net.run(0.25, progress=False)
    assert net.step_count == 2
    # memory that cannot exist is refused with the bytes needed, before it is allocated
    big = Network(dt_ms=0.1)
    c = big.population(10_000, LIFParams(dt_ms=0.1))
    big.connect(c, c, indegree=1, delay_ms=1e7)
    with pytest.raises(ValueError, match=r"ring buffers of a 100000000-step delay .* would need 14.6 TiB"):
        big.run(1.0, progress=False)
    rec = Network(dt_ms=0.1)
    d = rec.population(100_000, LIFParams(dt_ms=0.1))
    rec.record_state(d, "v")
    with pytest.raises(ValueError, match=r"recording the state monitors over 10000000 steps .* 7.3 TiB"):
        rec.run(1e6, progress=False)
    assert rec.step_count == 0 and d.buffer is not None


def test_the_reference_backends_state_does_not_grow_a_chain_of_wrappers():
    # A field that the step passed through unchanged came back as an array based on a tensor
    # based on the previous array: one more link each step, never freed (185 MiB per
    # simulated second on 4000 COBA neurons). Now no earlier step's array stays alive.
    import gc
    import weakref

    from spikeflow.neurons import CondLIFParams

    net = Network(dt_ms=0.1, seed=1, backend="reference")
    a = net.population(50, CondLIFParams(dt_ms=0.1))
    net.poisson_input(a, n_inputs=100, rate_hz=20.0, weight=1.5)
    net.run(1.0, progress=False)
    earlier = [weakref.ref(field) for field in a.state]
    net.run(5.0, progress=False)
    gc.collect()
    alive = [k for k, ref in enumerate(earlier) if ref() is not None and ref() is not a.state[k]]
    assert alive == [], f"arrays of fields {[a.state._fields[k] for k in alive]} are kept alive"

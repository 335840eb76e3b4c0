"""The cortical microcircuit (Potjans & Diesmann 2014) and what it needs of the simulator:
the ``fixed_total_number`` rule and per-synapse delays."""

from __future__ import annotations

import hashlib
import json
import math
import subprocess
import sys

import numpy as np
import pytest

from spikeflow.cli import main as cli_main
from spikeflow.models import microcircuit as mc
from spikeflow.neurons import LIFParams
from spikeflow.sim import Network
from spikeflow.sim import connect as rules


# ------------------------------------------------------------------ the simulator's part
def test_per_synapse_delays_arrive_at_their_own_steps():
    """``delay_ms`` as one value per pair: each synapse's spike arrives after its own delay,
    rounded to the nearest step, on both backends."""
    arrivals = {}
    for backend in ("fast", "reference"):
        net = Network(dt_ms=0.1, seed=0, backend=backend)
        pre = net.population(1, LIFParams(tau_mem_ms=10.0, dt_ms=0.1), name="pre")
        post = net.population(4, LIFParams(tau_mem_ms=1e9, dt_ms=0.1, v_th=100.0), name="post")
        pre.set_state("v", 1.5)  # fires at step 0
        delays = np.array([0.1, 0.7, 0.31, 2.0])
        n = net.connect(pre, post, pairs=([0, 0, 0, 0], [0, 1, 2, 3]), weight=[1.0, 2.0, 3.0, 4.0],
                        delay_ms=delays)  # fmt: skip
        assert n == 4
        v = net.record_state(post, "v")
        net.run(3.0, progress=False)
        arrivals[backend] = [int(np.flatnonzero(v.values[:, k] > 0)[0]) for k in range(4)]
        np.testing.assert_allclose(v.values[-1], [1.0, 2.0, 3.0, 4.0])
    assert arrivals["fast"] == arrivals["reference"] == [1, 7, 3, 20]


def test_per_synapse_delays_are_checked():
    net = Network(dt_ms=0.1)
    a, b = net.population(3, LIFParams(dt_ms=0.1)), net.population(3, LIFParams(dt_ms=0.1))
    with pytest.raises(ValueError, match="below one step"):
        net.connect(a, b, pairs=([0, 1], [1, 2]), delay_ms=[0.04, 1.0])
    with pytest.raises(ValueError, match=r"one delay per pair, \(2,\)"):
        net.connect(a, b, pairs=([0, 1], [1, 2]), delay_ms=[1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="NaN or infinite"):
        net.connect(a, b, pairs=([0, 1], [1, 2]), delay_ms=[1.0, math.nan])
    with pytest.raises(ValueError, match="needs pairs="):
        net.connect(a, b, p=0.5, delay_ms=[1.0, 1.0])


def test_the_fast_loops_synapse_arrays_are_checked_against_free_memory(monkeypatch):
    """A network whose packed synapses would not fit is refused, with the bytes needed,
    before they are allocated (here: 40 000 synapses against 100 kB)."""
    from spikeflow import _checks

    net = Network(dt_ms=0.1, backend="fast")
    pop = net.population(200, LIFParams(dt_ms=0.1))
    net.connect(pop, pop, rule="all_to_all", weight=0.1)
    monkeypatch.setattr(_checks, "available_memory", lambda: 100_000)
    with pytest.raises(ValueError, match=r"fast loop's arrays of 40000 synapses would need .* more than the "
                       r"97.7 KiB of memory available; use fewer synapses"):
        net.run(1.0, progress=False)


def test_fixed_total_number_draws_exactly_that_many_uniform_pairs():
    rng = np.random.default_rng(0)
    pre, post = rules.fixed_total_number(50, 40, 200_000, rng)
    assert pre.size == post.size == 200_000 and pre.dtype == np.int32
    counts = np.bincount(pre, minlength=50)
    assert counts.min() > 3600 and counts.max() < 4400  # 4000 each, binomial spread ~ 62
    pre, post = rules.fixed_total_number(5, 5, 10_000, np.random.default_rng(1), autapses=False)
    assert not np.any(pre == post) and set(np.unique(pre)) == set(range(5))
    net = Network(dt_ms=0.1, seed=2)
    pop = net.population(30, LIFParams(dt_ms=0.1))
    assert net.connect(pop, pop, total=500, autapses=False) == 500
    with pytest.raises(ValueError, match="give one connectivity rule"):
        net.connect(pop, pop, total=5, p=0.1)


# ------------------------------------------------------------------ the model's tables
def test_full_scale_sizes_and_weights_are_the_papers():
    p = mc.MicrocircuitParams()
    assert int(p.neurons().sum()) == 77_169
    total = int(p.synapses().sum())
    assert 2.9e8 < total < 3.1e8  # "about 0.3 billion synapses"
    assert p.psc_per_psp() * 0.15 == pytest.approx(87.81, abs=0.01)  # the 87.8 pA of the paper
    w, w_ext, dc = p.weights_pA()
    assert w[0, 2] == pytest.approx(2 * w_ext) and w[0, 1] == pytest.approx(-4 * w_ext)
    assert not dc.any()  # full scale, Poisson input: no compensation
    # the DC alternative carries the background's mean current: J tau K_ext nu
    dc = mc.MicrocircuitParams(poisson_input=False).weights_pA()[2]
    np.testing.assert_allclose(dc, 87.81 * 0.5e-3 * mc.EXTERNAL_INDEGREE * 8.0, rtol=1e-3)
    with pytest.raises(ValueError, match=r"N_scaling must lie in \(0, 1\]"):
        mc.MicrocircuitParams(N_scaling=2.0)


def test_a_microcircuit_that_would_not_fit_is_refused_before_it_is_built(monkeypatch):
    from spikeflow import _checks

    p = mc.MicrocircuitParams()
    assert 3.5e9 < p.memory_bytes() < 4.2e9  # measured: 3.78 GB at full scale
    monkeypatch.setattr(_checks, "available_memory", lambda: 2**30)
    with pytest.raises(ValueError, match=r"microcircuit at N_scaling=1, K_scaling=1 \(298880968 synapses\) "
                       r"would need 3.\d GiB .* more than the 1.0 GiB of memory available; lower the scale"):
        mc.build(p)


def test_down_scaling_compensates_the_lost_mean_input():
    """With in-degrees scaled by k the weights grow by 1 / sqrt(k), so each population's mean
    input (recurrent at the full model's rates, and external) plus its DC equals the full
    model's."""
    k = 0.25
    full, scaled = mc.MicrocircuitParams(), mc.MicrocircuitParams(N_scaling=0.5, K_scaling=k)
    tau = 0.5e-3

    def mean_input(p: mc.MicrocircuitParams) -> np.ndarray:
        w, w_ext, dc = p.weights_pA()
        indegree = p.full_synapses() * p.K_scaling / mc.FULL_NEURONS[:, None]
        rec = tau * np.sum(w * indegree * mc.FULL_MEAN_RATES, axis=1)
        return rec + tau * w_ext * mc.EXTERNAL_INDEGREE * p.K_scaling * 8.0 + dc

    np.testing.assert_allclose(mean_input(scaled), mean_input(full), rtol=1e-12)


# ------------------------------------------------------------------ the network
def _digest(seed: int, threads: int = 2) -> str:
    """SHA-256 of a 0.03-scale network's synapses (drawn on ``threads`` threads), initial
    potentials, the fast backend's packed synapse arrays and the spikes of its first 100 ms."""
    net, pops = mc.build(mc.MicrocircuitParams(N_scaling=0.03, K_scaling=0.03), seed=seed, threads=threads)
    h = hashlib.sha256()
    for proj in net.projections:
        for a in (proj.src, proj.dst, proj.weight, np.array([proj.delay])):
            h.update(np.ascontiguousarray(a).tobytes())
    for pop in net.populations:
        h.update(pop.state.v.tobytes())
    spikes = net.record_spikes(pops[0] | pops[2] | pops[7])
    net.build()
    for a in net._fast_synapses[1][:7]:
        h.update(np.ascontiguousarray(a).tobytes())
    net.run(100.0, progress=False)
    h.update(spikes.times_ms.tobytes() + spikes.senders.tobytes())
    return h.hexdigest()


def test_the_build_is_the_same_for_a_seed_on_one_and_two_threads():
    """Every draw is seeded by the seed, the projection and the chunk, never by the order of
    work or the thread count: the same network drawn on one thread in a one-thread process
    (Numba, OpenMP and BLAS at 1) as on two here; another seed gives another network."""
    import os

    code = "from tests.test_microcircuit import _digest; print(_digest(5, threads=1))"
    names = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
    env = {**os.environ, **{name: "1" for name in names}}
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env,
                         cwd=root)  # fmt: skip
    assert out.stdout.strip() == _digest(5) != _digest(6)


# measured over seeds 1-10 at scale 0.05 (200 ms warm-up, 500 ms recorded): per population
# the lowest and highest mean rate (Hz); the test's seed (11) is not among them. Re-measured
# when fixed_total_number began to draw per source (multinomial counts, then targets) and
# the synapses in chunks of their own streams: the same distribution, other networks
BAND_SEEDS_1_10 = {
    "L23E": (0.149, 0.265), "L23I": (0.938, 1.288), "L4E": (2.960, 3.420), "L4I": (3.504, 3.781),
    "L5E": (4.463, 5.397), "L5I": (6.189, 6.792), "L6E": (0.458, 0.564), "L6I": (5.633, 6.041),
}  # fmt: skip


def test_the_down_scaled_model_fires_in_the_band_of_its_seeds():
    """At scale 0.05 (3 858 neurons, 0.75 million synapses) every population's mean rate lies
    within the band seeds 1-10 span, widened by a third either way, and the inhibitory
    populations fire faster than the excitatory ones of their layer, as in the paper."""
    result = mc.run_microcircuit(0.05, duration_ms=500.0, warmup_ms=200.0, seed=11, progress=False)
    stats = result.statistics()
    rates = {name: p["rate_hz"] for name, p in stats["populations"].items()}
    for name, (lo, hi) in BAND_SEEDS_1_10.items():
        assert 0.67 * lo <= rates[name] <= 1.33 * hi, (name, rates[name])
    for layer in ("L23", "L4", "L5", "L6"):
        assert rates[layer + "I"] > rates[layer + "E"]
    assert stats["neurons"] == 3858 and stats["synapses"] == int(result.params.synapses().sum())
    assert 0.0 < stats["populations"]["L4E"]["cv_isi"] < 1.5


def test_simulate_microcircuit_writes_its_json_before_any_figure(tmp_path, capsys):
    out = tmp_path / "mc"
    argv = ["simulate", "microcircuit", "--scale", "0.03", "--duration-ms", "200", "--warmup-ms", "50",
            "--json", "--quiet", "--no-plot", "--out", str(out)]  # fmt: skip
    assert cli_main(argv) == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    saved = json.loads((out / "microcircuit.json").read_text())
    assert set(printed["populations"]) == set(mc.POPULATIONS) == set(saved["populations"])
    assert printed["real_time_factor"] > 0 and "figure" not in printed and printed["thalamic_input"] is False
    with pytest.raises(SystemExit):  # argparse: a scale above the full model
        cli_main(["simulate", "microcircuit", "--scale", "1.5", "--quiet"])
    assert "expected a number in (0, 1]" in capsys.readouterr().err


def test_the_thalamic_pulse_drives_layer_4_and_6_in_its_window():
    """The optional thalamic input (the reference's stimulus): 902 sources firing at
    120 Hz for 10 ms, onto L4 and L6 only; the targets fire more in the window than
    before it, L2/3 and L5 receive no thalamic synapse."""
    with pytest.raises(ValueError, match="th_neurons must be >= 1, got 0"):
        mc.MicrocircuitParams(thalamic_input=True, th_neurons=0)
    with pytest.raises(ValueError, match="th_rate_hz"):
        mc.MicrocircuitParams(thalamic_input=True, th_rate_hz=-1.0)
    p = mc.MicrocircuitParams(N_scaling=0.05, K_scaling=0.05, thalamic_input=True, th_start_ms=300.0)
    k_th = p.thalamic_synapses()
    assert k_th[[0, 1, 4, 5]].tolist() == [0, 0, 0, 0] and k_th[[2, 3, 6, 7]].min() > 0
    spikes = p.thalamic_spikes(seed=3)
    n = sum(s.size for s in spikes)
    assert len(spikes) == 902 and abs(n - 902 * 1.2) < 5 * np.sqrt(902 * 1.2)  # 1.2 spikes each
    assert min(s.min() for s in spikes if s.size) >= 300.0 and max(s.max() for s in spikes if s.size) < 310.0
    net, pops = mc.build(p, seed=3)
    assert net.populations[-1].name == "TH" and len(pops) == 8
    th = [g for g in net.projections if g.pre.name == "TH"]
    assert sum(g.size for g in th) == int(k_th.sum())
    assert {g.post.name for g in th} == {"L4E", "L4I", "L6E", "L6I"}
    mons = {pop.name: net.record_spikes(pop) for pop in pops}
    net.run(340.0, progress=False)
    for name in ("L4E", "L4I", "L6E", "L6I"):
        t = mons[name].times_ms
        before = np.sum((t >= 250.0) & (t < 300.0)) / 50.0
        during = np.sum((t >= 301.5) & (t < 313.5)) / 12.0
        assert during > 2 * before + 1, (name, before, during)

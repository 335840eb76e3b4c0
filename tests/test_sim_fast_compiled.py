"""The ahead-of-time compiled loop (spikeflow.sim.fast_compiled): present where the install
built it, the same spikes, potentials and weights as the Numba JIT loop, no Numba import,
checked arguments, and never used when built from other sources."""

import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from spikeflow.learning import plasticity as P
from spikeflow.neurons import AdExParams, CondLIFParams, CubaLIFParams, HHParams, IzhikevichParams, LIFParams
from spikeflow.sim import Network, PoissonSource, SpikeTimes, fast_compiled, fast_packing, fast_runner

compiled = fast_compiled.load()
needs_compiled = pytest.mark.skipif(compiled is None, reason=f"no compiled loop: {fast_compiled.status()}")
needs_numba = pytest.mark.skipif(importlib.util.find_spec("numba") is None, reason="needs Numba")


def test_the_install_built_the_compiled_loop_where_required():
    # `make test` (CI) sets this: a build that silently fell back to the JIT must fail there
    if os.environ.get("SPIKEFLOW_REQUIRE_COMPILED_LOOP") != "1":
        pytest.skip("SPIKEFLOW_REQUIRE_COMPILED_LOOP is not set")
    assert compiled is not None, fast_compiled.status()
    assert fast_compiled.status() == "compiled ahead of time"
    for name, cpu in fast_compiled.tiers():  # the modules for other CPUs, and what they need
        module = importlib.import_module(f"spikeflow.sim.{name}")
        assert module.source_digest() == fast_compiled.source_digest()
        if cpu is not None:
            needs = fast_compiled.flags_mask(frozenset(fast_compiled.LEVEL_FLAGS.get(cpu, ())))
            assert module.cpu_flags_mask() == needs and (cpu != "generic" or needs == 0)


def _every_model_network(seed: int):
    """Six neuron models, two kinds of source, static synapses with two delays, a
    reward-modulated plastic projection, injected currents and all three monitors."""
    dt = 0.025
    net = Network(dt_ms=dt, seed=seed, backend="fast")
    poisson = net.population(80, PoissonSource(40.0), name="poisson")
    times = net.population(3, SpikeTimes([[2.0, 30.0, 31.0], [10.0], [50.0, 90.0]]), name="times")
    cond = net.population(30, CondLIFParams(E_L=-70.0, V_th=-54.0, dt_ms=dt), name="cond")
    cuba = net.population(30, CubaLIFParams(dt_ms=dt), name="cuba")
    lif = net.population(20, LIFParams(tau_mem_ms=10.0, dt_ms=dt, refractory_ms=1.0), name="lif")
    izh = net.population(4, IzhikevichParams(dt_ms=dt), name="izh")
    adex = net.population(4, AdExParams(dt_ms=dt, substeps=1), name="adex")
    hh = net.population(3, HHParams(dt_ms=dt), name="hh")
    net.connect(poisson, cond, p=0.3, weight=2.0, receptor="exc", delay_ms=0.5)
    net.connect(cond, cond | cuba, p=0.2, weight=3.0, receptor="inh", delay_ms=1.0)
    net.connect(poisson, cuba, p=0.4, weight=4.0, delay_ms=0.5)
    net.connect(lif, lif, p=0.3, weight=0.2, delay_ms=1.0)
    net.poisson_input(lif, n_inputs=30, rate_hz=50.0, weight=0.3)
    rule = P.RewardSTDP(P.STDP(a_plus=0.01, a_minus=0.012, w_max=5.0), tau_eligibility_ms=50.0)
    plastic = net.connect_plastic(poisson, cond, rule, p=0.2, weight=1.0)
    net.schedule_reward(40.0, 1.0)
    net.step_current(izh, [0.0, 5.0, 10.0, 20.0], start_ms=5.0)
    net.step_current(adex, [0.0, 500.0, 800.0, 1500.0], start_ms=5.0)
    net.step_current(hh, [2.0, 8.0, 15.0], start_ms=5.0)
    spikes = net.record_spikes(net.populations[0] | times | cond | cuba | lif | izh | adex | hh)
    rate = net.record_rate(cond | cuba)
    v = net.record_state(cond[:3] | hh | adex[:2], "v", every=4)
    return net, spikes, rate, v, plastic


@needs_compiled
@needs_numba
def test_compiled_and_jit_loops_give_identical_results(monkeypatch):
    out = {}
    for loop in ("compiled", "jit"):
        if loop == "jit":
            for module in (fast_runner, fast_packing):
                monkeypatch.setattr(module, "compiled_loop", lambda total: None)
        net, spikes, rate, v, plastic = _every_model_network(seed=3)
        net.run(60.0, progress=False)
        net.run(40.0, progress=False)  # continuing
        out[loop] = (spikes.times_ms, spikes.senders, rate.counts, v.values, plastic.weights)
    senders = out["compiled"][1]
    # every model fired (population offsets: 80 poisson, 3 times, 30 cond, 30 cuba, 20 lif, 4, 4, 3)
    edges = np.cumsum([0, 80, 3, 30, 30, 20, 4, 4, 3])
    assert (np.histogram(senders, edges)[0] > 0).all()
    assert not np.array_equal(out["compiled"][4], np.ones_like(out["compiled"][4]))  # weights moved
    for a, b in zip(out["compiled"], out["jit"]):
        np.testing.assert_array_equal(a, b)


def _tier_loops() -> dict:
    """The compiled modules of every tier present (module name: CompiledLoop)."""
    loops = {}
    for name, _ in fast_compiled.tiers():
        try:
            loops[name] = fast_compiled.CompiledLoop(importlib.import_module(f"spikeflow.sim.{name}"))
        except ImportError:
            pass
    return loops


@needs_compiled
def test_every_cpu_tier_gives_the_same_spikes(monkeypatch):
    out = {}
    loops = _tier_loops()
    if len(loops) < 2:
        pytest.skip(f"only {list(loops)} built")
    for name, loop in loops.items():
        for module in (fast_runner, fast_packing):
            monkeypatch.setattr(module, "compiled_loop", lambda total, loop=loop: loop)
        net, spikes, rate, v, plastic = _every_model_network(seed=4)
        net.run(60.0, progress=False)
        out[name] = (spikes.times_ms, spikes.senders, rate.counts, v.values, plastic.weights)
    host = out.pop(fast_compiled.MODULE)
    assert host[0].size > 500
    for other in out.values():
        for a, b in zip(host[:3] + host[4:], other[:3] + other[4:]):  # spikes, rates, weights
            np.testing.assert_array_equal(a, b)
        # potentials: bit for bit, except Hodgkin-Huxley's (columns 3-5), whose exponentials
        # come from the vector math library on one and the scalar libm on another (last bits)
        np.testing.assert_array_equal(host[3][:, [0, 1, 2, 6, 7]], other[3][:, [0, 1, 2, 6, 7]])
        np.testing.assert_allclose(host[3][:, 3:6], other[3][:, 3:6], rtol=0, atol=1e-9)


@needs_compiled
@needs_compiled
@pytest.mark.parametrize("lam", [0.0, 0.042, 0.5, 2.3, 8.0, 30.0])
def test_inverse_poisson_is_numpys_binary_search(lam):
    """The compiled (and the JIT) inversion of a Poisson table gives NumPy's
    ``weight * searchsorted(cdf, u, side="right")`` exactly, at the table's ends too, for
    means where the first eight entries decide and where the scan beyond them does."""
    from spikeflow.sim.fast_draws import inverse_poisson
    from spikeflow.sim.sources import poisson_cdf

    cdf = poisson_cdf(lam)
    u = np.random.default_rng(3).random(50_000)
    u[:4] = [0.0, np.nextafter(1.0, 0.0), cdf[0], cdf[min(7, cdf.size - 1)]]
    want = np.multiply(np.searchsorted(cdf, u, side="right"), 0.37)
    for run in (compiled.inverse_poisson, inverse_poisson):
        got = u.copy()
        run(cdf, got, 0.37)
        np.testing.assert_array_equal(got, want)
    with pytest.raises(TypeError, match="argument 'u' must be a C-contiguous float64 array"):
        compiled.inverse_poisson(cdf, u[::2], 1.0)


def test_compiled_loop_checks_its_arguments():
    n = 4
    with pytest.raises(TypeError, match="expected 10 arguments, got 2"):
        compiled.run_steps(1, 0)
    targets = np.zeros(3, np.uint32)
    cursor = np.zeros((1, n), np.int64)  # one part of the targets: [0, n)
    cuts = np.array([0, n], np.int64)
    empty, empty32 = np.zeros(0), np.zeros(0, np.float32)
    kinds = np.zeros(3, np.uint16)
    i4 = np.zeros(3, np.int32)
    args = [i4, i4, 0, 0, cuts, cursor, targets, kinds, 0, -1, empty, empty, empty32, empty32]
    compiled.place_synapses(*args)  # valid: three synapses of source 0 to target 0
    assert cursor[0, 0] == 3
    bad = list(args)
    bad[6] = np.zeros(3, np.int64)
    with pytest.raises(TypeError, match="argument 'targets' must be a C-contiguous uint32 array"):
        compiled.place_synapses(*bad)
    bad = list(args)
    bad[5] = np.zeros((1, 2 * n), np.int64)[:, ::2]
    with pytest.raises(TypeError, match=r"'cursor' .*\(C-contiguous: False\)"):
        compiled.place_synapses(*bad)
    bad = list(args)
    bad[8] = 1.5
    with pytest.raises(TypeError, match="argument 'kind' must be a int64 scalar, got 1.5"):
        compiled.place_synapses(*bad)
    # src and dst of another integer type are converted, not misread
    cursor[:] = [0, 2, 3, 3]  # where each source's synapses start
    compiled.place_synapses(np.array([0, 0, 1], np.int16), np.array([2, 1, 0], np.uint8), *args[2:])
    assert cursor.tolist() == [[2, 3, 3, 3]] and targets.tolist() == [2, 1, 0]
    # unsigned 2-byte indices (populations of up to 65 536 neurons) run without a conversion,
    # and float32 weights per synapse are placed as given
    cursor[:] = [0, 2, 3, 3]
    w32 = np.zeros(3, np.float32)
    u2 = np.uint16
    given = np.array([0.5, 1.5, 2.5], np.float32)
    compiled.place_synapses(np.array([1, 0, 0], u2), np.array([0, 2, 1], u2), 0, 0, cuts, cursor, targets,
                            kinds, 7, -1, empty, empty, w32, given)  # fmt: skip
    assert targets.tolist() == [2, 1, 0] and w32.tolist() == [1.5, 2.5, 0.5] and kinds.tolist() == [7] * 3
    # two parts by target, [0, 2) and [2, 4): source 0's target 2 goes to part 1's slots
    two = np.array([[0, 1, 2, 2], [2, 3, 3, 3]], np.int64)
    src, dst, cuts2 = np.array([0, 0, 1], u2), np.array([2, 1, 0], u2), np.array([0, 2, 4], np.int64)
    compiled.place_synapses(src, dst, 0, 0, cuts2, two, targets, kinds, 1, 1, empty, empty, empty32, empty32)
    assert targets[2] == 2 and two.tolist() == [[0, 1, 2, 2], [3, 3, 3, 3]]  # part 1 only
    compiled.place_synapses(src, dst, 0, 0, cuts2, two, targets, kinds, 1, 0, empty, empty, empty32, empty32)
    assert targets.tolist() == [1, 0, 2] and two.tolist() == [[1, 2, 2, 2], [3, 3, 3, 3]]  # then part 0
    assert fast_compiled.place_index(np.dtype(np.uint16), np.dtype(np.uint32)) == "uint32"
    assert fast_compiled.place_index(np.dtype(np.int32), np.dtype(np.uint16)) == "int64"


@needs_compiled
def test_a_loop_built_from_other_sources_is_not_used(monkeypatch):
    try:
        monkeypatch.setattr(fast_compiled, "source_digest", lambda: -1)
        assert fast_compiled.load(refresh=True) is None
        assert "built from other sources" in fast_compiled.status()
        monkeypatch.undo()

        def unreadable() -> int:
            raise FileNotFoundError("fast_cpu.py")

        monkeypatch.setattr(fast_compiled, "source_digest", unreadable)
        assert fast_compiled.load(refresh=True) is None and "cannot read" in fast_compiled.status()
        monkeypatch.undo()
        monkeypatch.setenv("SPIKEFLOW_FAST_LOOP", "jit")
        assert fast_compiled.load(refresh=True) is None and "SPIKEFLOW_FAST_LOOP" in fast_compiled.status()
    finally:
        monkeypatch.undo()
        assert fast_compiled.load(refresh=True) is not None


def test_cpu_flags_are_read_and_compared(tmp_path):
    x86 = tmp_path / "cpuinfo_x86"
    x86.write_text("processor\t: 0\nflags\t\t: fpu pni avx avx2 fma\n\nprocessor\t: 1\nflags\t\t: fpu\n")
    arm = tmp_path / "cpuinfo_arm"
    arm.write_text("processor\t: 0\nFeatures\t: fp asimd sve\nCPU part\t: 0xd0c\n")
    assert fast_compiled.cpu_flags(x86) == {"fpu", "pni", "avx", "avx2", "fma"}  # the first line only
    assert fast_compiled.cpu_flags(arm) == {"fp", "asimd", "sve"}
    assert fast_compiled.cpu_flags(tmp_path / "absent") is None
    mask = fast_compiled.flags_mask(fast_compiled.cpu_flags(x86))
    assert bin(mask).count("1") == 4  # fpu is not a code-generation extension
    assert fast_compiled.missing_flags(mask, frozenset({"pni", "avx", "fma"})) == ["avx2"]
    assert fast_compiled.missing_flags(mask, frozenset({"pni", "avx", "avx2", "fma", "sse4_2"})) == []
    assert fast_compiled.missing_flags(mask, None) == []  # nothing to check against
    assert fast_compiled.flags_mask(None) == 0
    assert [n for n, _ in fast_compiled.tiers("x86_64")] == [
        "_fast_loop",
        "_fast_loop_x86_64_v3",
        "_fast_loop_generic",
    ]
    assert [cpu for _, cpu in fast_compiled.tiers("aarch64")] == [None, "generic"]


@needs_compiled
def test_a_loop_built_for_a_cpu_with_more_extensions_is_not_used(monkeypatch):
    mask = compiled.module.cpu_flags_mask()
    here = fast_compiled.cpu_flags()
    if not mask or here is None:
        pytest.skip("the compiled loop records no CPU extensions (generic build, or no /proc/cpuinfo)")
    assert fast_compiled.missing_flags(mask, here) == []  # built on (a CPU like) this one
    loops = _tier_loops()
    v3 = "_fast_loop_x86_64_v3"
    if set(loops) != {fast_compiled.MODULE, v3, fast_compiled.GENERIC_MODULE} or "avx512f" not in here:
        pytest.skip(f"needs the three x86-64 tiers built on an AVX-512 machine, have {list(loops)}")
    real_import = importlib.import_module
    try:
        # an AVX2 machine: the x86-64-v3 loop; one without AVX2: the generic loop
        for lacking, expected, kind in (("avx512f", v3, "x86-64-v3 CPUs"), ("avx2", "_generic", "any CPU")):
            monkeypatch.setattr(fast_compiled, "cpu_flags", lambda lacking=lacking: here - {lacking})
            loop = fast_compiled.load(refresh=True)
            assert loop is not None and loop.module.__name__.endswith(expected)
            assert fast_compiled.status().startswith(f"compiled ahead of time for {kind}")
            assert f"built for a CPU with {lacking}, which this CPU lacks" in fast_compiled.status()
        monkeypatch.setattr(
            fast_compiled.importlib, "import_module",
            lambda name: real_import(name + "_absent") if name.endswith("_generic") else real_import(name),
        )  # fmt: skip
        assert fast_compiled.load(refresh=True) is None  # none left: the JIT
        status = fast_compiled.status()
        assert status.startswith("Numba JIT") and "which this CPU lacks" in status and "_absent" in status
    finally:
        monkeypatch.undo()
        assert fast_compiled.load(refresh=True) is not None


_SCRIPT = """
import json, sys
from spikeflow.models.coba import run_coba
from spikeflow.sim import fast_compiled
stats = run_coba(400, 50.0, seed=3, progress=False, backend="fast").statistics()
print(json.dumps({"numba": "numba" in sys.modules, "torch": "torch" in sys.modules,
                  "loop": fast_compiled.status(), "n_spikes": stats["n_spikes"]}))
"""


@needs_compiled
def test_a_simulation_on_the_compiled_loop_imports_neither_numba_nor_torch():
    out = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"numba": False, "torch": False, "loop": "compiled ahead of time",
                      "n_spikes": result["n_spikes"]}  # fmt: skip
    assert result["n_spikes"] > 20

"""The cortical microcircuit of Potjans & Diesmann (2014): 77 169 current-based LIF neurons
in eight populations (layers 2/3, 4, 5 and 6, excitatory and inhibitory) under 1 mm^2 of
cortex, about 0.3 billion synapses, Poisson background input. Written from the paper's
tables (its Table 5 and the connection-probability table); the conventions of the
reference PyNEST implementation (Potjans & Diesmann; van Albada et al.) are followed
where the paper leaves a choice open, and said so where they are.

Neurons: NEST's ``iaf_psc_exp`` (``C_m`` 250 pF, ``tau_m`` 10 ms, ``tau_syn`` 0.5 ms for
both receptors, ``E_L`` = ``V_reset`` = -65 mV, ``V_th`` -50 mV, 2 ms refractory), here
the built-in :class:`~spikeflow.neurons.CubaLIFParams` (the same linear system, integrated
exactly), whose currents are in units of potential: a current ``I`` (pA) is ``R I`` (mV)
with ``R = tau_m / C_m`` (40 MOhm).

Connections: between source population ``j`` and target population ``i`` a fixed total
number of synapses ``K_ij = log(1 - p_ij) / log(1 - 1 / (N_i N_j))`` (the number that
connects a given pair with probability ``p_ij`` when drawn independently, multapses
allowed), each with a source and a target drawn uniformly (``fixed_total_number``).
Weights: a PSC amplitude of 87.8 pA (the current whose PSP peaks at 0.15 mV), twice that
from L4E to L2/3E, ``g = -4`` times it from inhibitory sources, normally distributed with
a relative standard deviation of 0.1 and redrawn where the sign flips. Delays: 1.5 ms
(excitatory) and 0.75 ms (inhibitory) means, relative standard deviation 0.5, redrawn
below one step, rounded to the step (0.1 ms), and given to the network one step longer:
the current of a spike emitted in step ``t`` starts, as in NEST's ``iaf_psc_exp``, at the
spike's time plus the delay, which for a model that takes its input at the start of a step
(CubaLIF) is the ring slot ``t + d + 1`` (a single synapse's PSP is NEST's to the last digit
so, one step later without). External input: ``K_ext`` Poisson trains of
8 Hz per neuron with the 87.8 pA weight, or their mean as a DC current
(``poisson_input=False``).

Scaling: ``N_scaling`` scales the population sizes, ``K_scaling`` the in-degrees (the
synapse counts by both); with ``K_scaling < 1`` the weights grow by ``1 / sqrt(K_scaling)``
(keeping the input's variance) and the mean input lost is given back as a DC current per
population, computed from the full network's mean rates (the reference's compensation).

Initial potentials: normal per population with the reference's "optimized" means and
standard deviations (which avoid the synchronous transient), or ``V0="original"``
(-58 mV, 10 mV for all). Every draw comes from a stream of its own, seeded by the seed
and the projection (or population): the network is the same whatever the order of
construction or the number of threads.
"""

from __future__ import annotations

import math
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import _checks
from ..neurons import CubaLIFParams
from ..sim import Network, SpikeTimes
from ..sim import connect as rules

POPULATIONS = ("L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I")

#: connection probabilities from the thalamic population (the reference's optional
#: stimulus) to each population
TH_CONNECTION_PROBABILITY = np.array([0.0, 0.0, 0.0983, 0.0619, 0.0, 0.0, 0.0512, 0.0196])

#: neurons per population at full scale
FULL_NEURONS = np.array([20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948])

#: connection probabilities ``[target, source]`` (rows and columns in :data:`POPULATIONS` order)
CONNECTION_PROBABILITY = np.array([
    [0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
    [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
    [0.0077, 0.0059, 0.0497, 0.1350, 0.0067, 0.0003, 0.0453, 0.0],
    [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
    [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
    [0.0548, 0.0269, 0.0257, 0.0022, 0.0600, 0.3158, 0.0086, 0.0],
    [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],
    [0.0364, 0.0010, 0.0034, 0.0005, 0.0277, 0.0080, 0.0658, 0.1443],
])  # fmt: skip

#: external (background) in-degrees at full scale
EXTERNAL_INDEGREE = np.array([1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100])

#: mean rates (Hz) of the full-scale network in the reference implementation: used only for
#: the DC compensation of down-scaled in-degrees
FULL_MEAN_RATES = np.array([0.943, 3.026, 4.368, 5.882, 7.733, 8.664, 1.096, 7.851])

#: the reference's "optimized" initial potentials: mean and standard deviation (mV)
V0_OPTIMIZED = (
    np.array([-68.28, -63.16, -63.33, -63.45, -63.11, -61.66, -66.72, -61.43]),
    np.array([5.36, 4.57, 4.74, 4.94, 4.94, 4.55, 5.46, 4.48]),
)
V0_ORIGINAL = (-58.0, 10.0)


@dataclass(frozen=True)
class MicrocircuitParams:
    """The model's parameters (defaults: the paper's).

    Attributes:
        N_scaling: population sizes relative to the full model, in (0, 1].
        K_scaling: in-degrees relative to the full model, in (0, 1].
        dt_ms: step (ms).
        poisson_input: Poisson background (``True``) or its mean as a DC current.
        bg_rate_hz: rate of each background train (Hz).
        psp_exc_mV: peak of the excitatory PSP the weight is set from (mV).
        g: relative inhibitory weight.
        weight_rel_std, delay_rel_std: relative standard deviations of weights and delays.
        delay_exc_ms, delay_inh_ms: mean delays from excitatory and inhibitory sources (ms).
        V0: ``"optimized"`` or ``"original"`` initial potentials.
        C_m (pF), tau_m_ms, tau_syn_ms (ms), E_L, V_th, V_reset (mV), t_ref_ms (ms): the neurons.
        thalamic_input: add the thalamic population (the reference's optional stimulus):
            ``th_neurons`` sources (not scaled with ``N_scaling``, as in the reference),
            each firing a Poisson train of ``th_rate_hz`` from ``th_start_ms`` for
            ``th_duration_ms``, connected by ``fixed_total_number`` with the probabilities
            ``TH_CONNECTION_PROBABILITY`` (to L4 and L6), the excitatory weight (PSP
            ``psp_exc_mV``) and delays of mean ``delay_th_ms``. Its synapse counts scale
            with ``N_scaling * K_scaling`` like every other (each target keeps its
            in-degree times ``K_scaling``).
    """

    N_scaling: float = 1.0
    K_scaling: float = 1.0
    dt_ms: float = 0.1
    poisson_input: bool = True
    bg_rate_hz: float = 8.0
    psp_exc_mV: float = 0.15
    g: float = -4.0
    weight_rel_std: float = 0.1
    delay_exc_ms: float = 1.5
    delay_inh_ms: float = 0.75
    delay_rel_std: float = 0.5
    V0: str = "optimized"
    C_m: float = 250.0
    tau_m_ms: float = 10.0
    tau_syn_ms: float = 0.5
    E_L: float = -65.0
    V_th: float = -50.0
    V_reset: float = -65.0
    t_ref_ms: float = 2.0
    thalamic_input: bool = False
    th_neurons: int = 902
    th_rate_hz: float = 120.0
    th_start_ms: float = 700.0
    th_duration_ms: float = 10.0
    delay_th_ms: float = 1.5

    def __post_init__(self) -> None:
        for name in ("N_scaling", "K_scaling"):
            value = _checks.positive(name, getattr(self, name))
            if value > 1.0:
                raise ValueError(f"{name} must lie in (0, 1] (a fraction of the full model), got {value!r}")
        for name in ("dt_ms", "bg_rate_hz", "psp_exc_mV", "delay_exc_ms", "delay_inh_ms", "C_m", "tau_m_ms",
                     "tau_syn_ms"):  # fmt: skip
            _checks.positive(name, getattr(self, name))
        for name in ("weight_rel_std", "delay_rel_std", "t_ref_ms"):
            _checks.non_negative(name, getattr(self, name))
        _checks.real("g", self.g)
        _checks.choice("V0", self.V0, ("optimized", "original"))
        _checks.positive_int("th_neurons", self.th_neurons)
        for name in ("th_rate_hz", "th_start_ms", "th_duration_ms"):
            _checks.non_negative(name, getattr(self, name))
        _checks.positive("delay_th_ms", self.delay_th_ms)
        if self.tau_syn_ms == self.tau_m_ms:
            raise ValueError("tau_syn_ms must differ from tau_m_ms (the PSP-to-PSC conversion divides by it)")
        if min(self.neurons()) < 1:
            raise ValueError(f"N_scaling={self.N_scaling} leaves a population without neurons")

    # ----- sizes --------------------------------------------------------------------------
    def neurons(self) -> np.ndarray:
        """Neurons per population, ``[8]``."""
        return np.round(FULL_NEURONS * self.N_scaling).astype(np.int64)

    @staticmethod
    def full_synapses() -> np.ndarray:
        """Synapses ``[target, source]`` of the full model (real numbers, before rounding)."""
        pairs = np.outer(FULL_NEURONS, FULL_NEURONS).astype(np.float64)
        return np.log(1.0 - CONNECTION_PROBABILITY) / np.log((pairs - 1.0) / pairs)

    def synapses(self) -> np.ndarray:
        """Synapses ``[target, source]`` at this scale (integers)."""
        return np.round(self.full_synapses() * self.N_scaling * self.K_scaling).astype(np.int64)

    def thalamic_synapses(self) -> np.ndarray:
        """Synapses from the thalamic population onto each population, ``[8]`` (integers):
        the full model's (``TH_CONNECTION_PROBABILITY`` between ``th_neurons`` sources and
        the full populations) times ``N_scaling * K_scaling``."""
        pairs = FULL_NEURONS.astype(np.float64) * self.th_neurons
        full = np.log(1.0 - TH_CONNECTION_PROBABILITY) / np.log((pairs - 1.0) / pairs)
        return np.round(full * self.N_scaling * self.K_scaling).astype(np.int64)

    def thalamic_spikes(self, seed: int) -> list[np.ndarray]:
        """The thalamic neurons' spike times (ms): in each step of the stimulus window a
        spike with probability ``th_rate_hz * dt`` (a Poisson train on the grid), from a
        stream of the seed's own."""
        rng = np.random.default_rng([seed, 2014, 97])
        steps = int(round(self.th_duration_ms / self.dt_ms))
        first = int(round(self.th_start_ms / self.dt_ms))
        fired = rng.random((self.th_neurons, steps)) < self.th_rate_hz * self.dt_ms * 1e-3
        return [(first + np.flatnonzero(row)) * self.dt_ms for row in fired]

    def external_indegree(self) -> np.ndarray:
        """Background trains per neuron, ``[8]``."""
        return np.round(EXTERNAL_INDEGREE * self.K_scaling).astype(np.int64)

    # ----- weights, delays, input -------------------------------------------------------------
    def psc_per_psp(self) -> float:
        """The PSC amplitude (pA) of an exponential current whose PSP peaks at 1 mV."""
        tm, ts, c = self.tau_m_ms, self.tau_syn_ms, self.C_m
        sub = 1.0 / (ts - tm)
        pre = tm * ts / c * sub
        frac = (tm / ts) ** sub
        return 1.0 / (pre * (frac**tm - frac**ts))

    def full_weights_pA(self) -> tuple[np.ndarray, float]:
        """Mean PSC amplitudes (pA) ``[target, source]`` and the background's, at full scale."""
        psc = self.psp_exc_mV * self.psc_per_psp()
        row = np.array([psc if name.endswith("E") else self.g * psc for name in POPULATIONS])
        w = np.tile(row, (len(POPULATIONS), 1))
        w[0, 2] *= 2.0  # L4E -> L2/3E doubled
        return w, psc

    def weights_pA(self) -> tuple[np.ndarray, float, np.ndarray]:
        """Mean PSC amplitudes ``[target, source]`` and the background's (pA) at this scale,
        and the DC current per population (pA): the background's mean where
        ``poisson_input`` is off, plus the compensation of down-scaled in-degrees."""
        w, w_ext = self.full_weights_pA()
        k = self.K_scaling
        tau = self.tau_syn_ms * 1e-3  # s: mean current of PSCs at rate nu is J tau nu
        dc = np.zeros(len(POPULATIONS))
        if not self.poisson_input:
            dc += tau * w_ext * EXTERNAL_INDEGREE * self.bg_rate_hz
        if k != 1.0:
            indegree = self.full_synapses() / FULL_NEURONS[:, None]
            lost = 1.0 - math.sqrt(k)
            dc += tau * lost * np.sum(w * indegree * FULL_MEAN_RATES, axis=1)
            if self.poisson_input:
                dc += tau * lost * w_ext * EXTERNAL_INDEGREE * self.bg_rate_hz
            w, w_ext = w / math.sqrt(k), w_ext / math.sqrt(k)
        return w, w_ext, dc

    def resistance(self) -> float:
        """``tau_m / C_m`` (GOhm): pA to the mV of :class:`CubaLIFParams`' currents."""
        return self.tau_m_ms / self.C_m

    def neuron_params(self, dc_pA: float) -> CubaLIFParams:
        """One population's neurons, a DC current ``dc_pA`` shifting their resting potential
        by ``R dc`` (the same dynamics as NEST's ``I_e``)."""
        return CubaLIFParams(
            tau_m_ms=self.tau_m_ms, tau_ex_ms=self.tau_syn_ms, tau_in_ms=self.tau_syn_ms,
            E_L=self.E_L + self.resistance() * dc_pA, V_th=self.V_th, V_reset=self.V_reset,
            t_ref_ms=self.t_ref_ms, dt_ms=self.dt_ms,
        )  # fmt: skip


    def memory_bytes(self) -> int:
        """The peak memory a build and run of this model takes on the fast backend, estimated:
        12 bytes a synapse (the loop's packed arrays, 10: a 4-byte target, a 2-byte group, a
        float32 weight; and the part of the drawn groups not yet packed when the packing
        peaks) and 300 MiB for the rest (measured: 3.78 GB at full scale, 1.20 GB at
        scale 0.5; the estimate says 3.90 and 1.21)."""
        return int(self.synapses().sum()) * 12 + 300 * 2**20

    def tables(self) -> dict:
        """The model as plain numbers (JSON-ready): sizes, synapse counts ``[target][source]``,
        mean weights (pA), mean delays by source (ms), DC currents (pA), background
        in-degrees, initial potentials and the neuron parameters; what another simulator
        needs to build the same model (``benchmarks/peers/nest_microcircuit.py``)."""
        w, w_ext, dc = self.weights_pA()
        if self.V0 == "optimized":
            v0_mean, v0_std = V0_OPTIMIZED[0].tolist(), V0_OPTIMIZED[1].tolist()
        else:
            v0_mean, v0_std = [V0_ORIGINAL[0]] * len(POPULATIONS), [V0_ORIGINAL[1]] * len(POPULATIONS)
        delays = [self.delay_exc_ms if name.endswith("E") else self.delay_inh_ms for name in POPULATIONS]
        return {
            "populations": list(POPULATIONS), "neurons": self.neurons().tolist(),
            "synapses": self.synapses().tolist(), "weights_pA": w.tolist(), "weight_ext_pA": w_ext,
            "dc_pA": dc.tolist(), "external_indegree": self.external_indegree().tolist(),
            "delay_means_ms": delays, "weight_rel_std": self.weight_rel_std,
            "delay_rel_std": self.delay_rel_std,
            "poisson_input": self.poisson_input, "bg_rate_hz": self.bg_rate_hz, "V0_mean": v0_mean,
            "V0_std": v0_std, "dt_ms": self.dt_ms, "C_m": self.C_m, "tau_m_ms": self.tau_m_ms,
            "tau_syn_ms": self.tau_syn_ms, "E_L": self.E_L, "V_th": self.V_th, "V_reset": self.V_reset,
            "t_ref_ms": self.t_ref_ms, "N_scaling": self.N_scaling, "K_scaling": self.K_scaling,
        }  # fmt: skip


def _redrawn_normal(rng: np.random.Generator, mean: float, std: float, n: int, low: float,
                    high: float) -> np.ndarray:  # fmt: skip
    """``n`` normal draws, each redrawn until it lies in ``[low, high]`` (NEST's ``redraw``)."""
    x = rng.normal(mean, std, n)
    bad = np.flatnonzero((x < low) | (x > high))
    for _ in range(1000):
        if not bad.size:
            return x
        x[bad] = rng.normal(mean, std, bad.size)
        bad = bad[(x[bad] < low) | (x[bad] > high)]
    raise ValueError(f"normal({mean}, {std}) draws stay outside [{low}, {high}]: check the distribution")


# synapses drawn at a time: each projection is drawn in chunks of this size (the last one
# smaller), each from a stream of its own, so the draws are independent of the number of
# threads and their temporary arrays (about 60 bytes a synapse) stay near 250 MB
CHUNK_SYNAPSES = 2**22


def projection_stream(seed: int, target: int, source: int, chunk: int = 0) -> np.random.Generator:
    """The random stream of chunk ``chunk`` of the projection ``source -> target``
    (population indices)."""
    return np.random.default_rng([seed, 2014, target, source, chunk])


def _draw(net: Network, source: Any, target: Any, params: MicrocircuitParams, mean: float, d_mean: float,
          r: float, rng: np.random.Generator, count: int) -> list:  # fmt: skip
    """One chunk of the projection ``source -> target``: ``count`` synapses drawn uniformly
    (``fixed_total_number``) from ``rng``, their weights normal around ``mean`` (pA,
    signed) and their delays around ``d_mean`` (ms), as the network's synapse groups
    (:meth:`~spikeflow.sim.Network.connection_groups`, not yet added)."""
    src, dst = rules.fixed_total_number(source.n, target.n, count, rng)
    bounds = (0.0, math.inf) if mean > 0 else (-math.inf, 0.0)
    weight = _redrawn_normal(rng, mean, abs(mean) * params.weight_rel_std, count, *bounds)
    delay = _redrawn_normal(rng, d_mean, d_mean * params.delay_rel_std, count, params.dt_ms, math.inf)
    # one step more than NEST's delay: NEST adds an arriving spike to the synaptic current
    # at the end of its step, after the potential's update; CubaLIF takes the input at the
    # start of the step (before it), so the same onset of the current, spike time + delay,
    # is one ring slot later here (see the module docstring)
    delay += params.dt_ms
    np.abs(weight, out=weight)
    weight *= r
    return net.connection_groups(source, target, pairs=(src, dst), weight=weight,
                                 receptor="exc" if mean > 0 else "inh", delay_ms=delay)  # fmt: skip


def _add(net: Network, drawn: Any, progress: Any) -> None:
    """Add one prepared chunk of synapses (a future of :func:`_draw`'s groups)."""
    count = net.add_groups(drawn.result())
    if progress is not None:
        progress(count)


def build(params: MicrocircuitParams, seed: int = 1, backend: str = "auto", progress: Any = None,
          threads: int | None = None) -> tuple[Network, list]:  # fmt: skip
    """The network: ``(Network, populations in POPULATIONS order)``; ``progress(count)`` is
    called after each chunk of synapses with its synapse count. The synapses are drawn and
    grouped on ``threads`` threads (default: the cores this process may use), chunk by
    chunk, and added in order: the network does not depend on the thread count. Weights
    are stored in float32 (``Network(weight_dtype=)``)."""
    n = params.neurons()
    k = params.synapses()
    _checks.allocation(
        f"the microcircuit at N_scaling={params.N_scaling:g}, K_scaling={params.K_scaling:g} "
        f"({int(k.sum())} synapses)", params.memory_bytes(), "lower the scale",
    )  # fmt: skip
    threads = _checks.usable_cores() if threads is None else _checks.positive_int("threads", threads)
    w, w_ext, dc = params.weights_pA()
    r = params.resistance()
    net = Network(dt_ms=params.dt_ms, seed=seed, backend=backend, weight_dtype="float32")
    pops = [net.population(int(n[i]), params.neuron_params(dc[i]), name=name)
            for i, name in enumerate(POPULATIONS)]  # fmt: skip
    sources = list(pops)
    projections = []  # (target, source index, weight (pA), mean delay (ms), synapse counts)
    for i in range(len(POPULATIONS)):
        for j in range(len(POPULATIONS)):
            d_mean = params.delay_exc_ms if POPULATIONS[j].endswith("E") else params.delay_inh_ms
            projections.append((i, j, w[i, j], d_mean, int(k[i, j])))
    if params.thalamic_input:  # the sources after the eight populations: their indices stay
        th = net.population(params.th_neurons, SpikeTimes(params.thalamic_spikes(seed)), name="TH")
        sources.append(th)
        w_th = params.psp_exc_mV * params.psc_per_psp() / math.sqrt(params.K_scaling)
        for i, count in enumerate(params.thalamic_synapses()):
            projections.append((i, len(POPULATIONS), w_th, params.delay_th_ms, int(count)))
    with ThreadPoolExecutor(max_workers=threads) as pool:
        drawn: deque = deque()
        for i, j, mean, d_mean, total in projections:
            for c, lo in enumerate(range(0, total, CHUNK_SYNAPSES)):
                # at most `threads` chunks prepared ahead of the one being added
                rng = projection_stream(seed, i, j, c)
                count = min(CHUNK_SYNAPSES, total - lo)
                drawn.append(pool.submit(_draw, net, sources[j], pops[i], params, mean, d_mean, r, rng,
                                         count))  # fmt: skip
                while len(drawn) > threads or (drawn and drawn[0].done()):
                    _add(net, drawn.popleft(), progress)
        while drawn:
            _add(net, drawn.popleft(), progress)
    if params.poisson_input:
        for i, pop in enumerate(pops):
            n_ext = int(params.external_indegree()[i])
            if n_ext > 0:
                net.poisson_input(pop, n_inputs=n_ext, rate_hz=params.bg_rate_hz, weight=w_ext * r)
    for i, pop in enumerate(pops):
        rng = np.random.default_rng([seed, 2014, 99, i])
        mean, std = (V0_OPTIMIZED[0][i], V0_OPTIMIZED[1][i]) if params.V0 == "optimized" else V0_ORIGINAL
        pop.set_state("v", rng.normal(mean, std, pop.n))
    return net, pops


@dataclass
class MicrocircuitRun:
    """A run's spikes per population and its timings.

    Attributes:
        params: the model's parameters; seed: the seed.
        times_ms, senders: per population, the spike times (ms, from the start of the
            recording, after the warm-up) and senders (index in the population).
        neurons: population sizes; synapses: the synapse count.
        warmup_ms, duration_ms: the unrecorded warm-up and the recorded time (ms).
        build_s, warmup_s, run_s: wall times of the build, the warm-up and the recorded
            run (s).
    """

    params: MicrocircuitParams
    seed: int
    times_ms: dict = field(default_factory=dict)
    senders: dict = field(default_factory=dict)
    neurons: dict = field(default_factory=dict)
    synapses: int = 0
    warmup_ms: float = 0.0
    duration_ms: float = 0.0
    build_s: float = 0.0
    warmup_s: float = 0.0
    run_s: float = 0.0

    def rates_hz(self, name: str) -> np.ndarray:
        """Each neuron's rate (Hz) over the recorded time, ``[neurons]``."""
        counts = np.bincount(self.senders[name], minlength=self.neurons[name])
        return counts / (self.duration_ms * 1e-3)

    def cvs(self, name: str) -> np.ndarray:
        """The CV of the inter-spike intervals of each neuron with at least 3 spikes."""
        t, s = self.times_ms[name], self.senders[name]
        order = np.lexsort((t, s))
        t, s = t[order], s[order]
        same = s[1:] == s[:-1]
        isi, owner = np.diff(t)[same], s[1:][same]
        n = self.neurons[name]
        count = np.bincount(owner, minlength=n)
        mean = np.bincount(owner, isi, n) / np.maximum(count, 1)
        var = np.bincount(owner, (isi - mean[owner]) ** 2, n) / np.maximum(count, 1)
        keep = count >= 2
        return np.sqrt(var[keep]) / mean[keep]

    def synchrony(self, name: str, bin_ms: float = 3.0, subset: int = 1000) -> float:
        """Variance over mean of the spike count of the first ``subset`` neurons in bins of
        ``bin_ms`` (the paper's synchrony measure); NaN without spikes."""
        keep = self.senders[name] < subset
        bins = int(self.duration_ms // bin_ms)
        counts = np.bincount((self.times_ms[name][keep] // bin_ms).astype(np.int64), minlength=bins)[:bins]
        return float(counts.var() / counts.mean()) if counts.mean() > 0 else float("nan")

    def statistics(self) -> dict:
        """Per population ``rate_hz`` (mean over neurons), ``cv_isi`` (mean over neurons with
        at least 3 spikes), ``synchrony`` and ``spikes``; the totals, the timings and the
        loop's real-time factor (wall time of the recorded run per simulated second)."""
        per = {}
        for name in POPULATIONS:
            cvs = self.cvs(name)
            per[name] = {
                "neurons": int(self.neurons[name]),
                "rate_hz": float(self.rates_hz(name).mean()),
                "cv_isi": float(cvs.mean()) if cvs.size else float("nan"),
                "synchrony": self.synchrony(name),
                "spikes": int(self.times_ms[name].size),
            }
        return {
            "populations": per,
            "neurons": int(sum(self.neurons.values())),
            "synapses": int(self.synapses),
            "spikes": int(sum(p["spikes"] for p in per.values())),
            "N_scaling": self.params.N_scaling,
            "K_scaling": self.params.K_scaling,
            "seed": self.seed,
            "warmup_ms": self.warmup_ms,
            "duration_ms": self.duration_ms,
            "build_s": self.build_s,
            "warmup_s": self.warmup_s,
            "run_s": self.run_s,
            "real_time_factor": self.run_s / (self.duration_ms * 1e-3),
        }


def run_microcircuit(
    scale: float = 0.1,
    duration_ms: float = 1000.0,
    warmup_ms: float = 500.0,
    seed: int = 1,
    k_scale: float | None = None,
    backend: str = "auto",
    progress: bool = True,
    **changes: Any,
) -> MicrocircuitRun:
    """Build the microcircuit at ``scale`` (``N_scaling``; ``K_scaling`` = ``k_scale``,
    default ``scale``), run ``warmup_ms`` unrecorded, then ``duration_ms`` recorded;
    ``changes`` replace other :class:`MicrocircuitParams` fields."""
    from .._progress import ProgressBar

    k_scale = scale if k_scale is None else k_scale
    params = MicrocircuitParams(N_scaling=scale, K_scaling=k_scale, **changes)
    _checks.non_negative("warmup_ms", warmup_ms)
    _checks.positive("duration_ms", duration_ms)
    start = time.perf_counter()
    total = int(params.synapses().sum())
    total += int(params.thalamic_synapses().sum()) if params.thalamic_input else 0
    bar = ProgressBar(total, "build (synapses)", enabled=progress)
    net, pops = build(params, seed, backend, bar.update)
    net.build()
    bar.close()
    build_s = time.perf_counter() - start
    result = MicrocircuitRun(params, seed, warmup_ms=warmup_ms, duration_ms=duration_ms, build_s=build_s)
    result.synapses = int(sum(p.size for p in net.projections))
    start = time.perf_counter()
    if warmup_ms > 0:
        net.run(warmup_ms, progress=progress)
    result.warmup_s = time.perf_counter() - start
    monitors = [net.record_spikes(pop) for pop in pops]
    start = time.perf_counter()
    net.run(duration_ms, progress=progress)
    result.run_s = time.perf_counter() - start
    for pop, mon in zip(pops, monitors):
        result.times_ms[pop.name] = mon.times_ms - warmup_ms
        result.senders[pop.name] = mon.senders
        result.neurons[pop.name] = pop.n
    return result

"""Solving the distal reward problem (Izhikevich 2007, Fig. 1).

800 excitatory (regular spiking) and 200 inhibitory (fast spiking) Izhikevich neurons,
1 ms steps; each neuron projects to 100 random targets (excitatory ones to any neuron,
inhibitory ones to excitatory neurons only) with 1 ms delays. Excitatory synapses start
at 1 and follow reward-modulated STDP
(:meth:`spikeflow.learning.plasticity.RewardSTDP.izhikevich2007`: bounds [0, 4]);
inhibitory ones are fixed at -1. Every neuron receives a random current uniform in
[-6.5, 6.5] each step. One excitatory synapse ``n1 -> n2`` is chosen and set to 0; each
time ``n2`` fires within 10 ms after ``n1``, a reward (dopamine +0.5) is delivered after
a random delay of 1 to 3 s — long after the pairing, while the network keeps firing
about 1 spike per neuron per second and thousands of other pairings happen in between.

Result (paper): the eligibility trace bridges the delay, and the chosen synapse grows to
the maximum while the other synapses stay near their mean.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .. import _checks
from ..learning.plasticity import RewardSTDP
from ..neurons import IzhikevichParams
from ..sim import Network


@dataclass
class DistalRewardResult:
    """Outcome of :func:`run_distal_reward`. ``times_s [samples]``; ``chosen [samples]``:
    the chosen synapse's weight; ``others_mean [samples]``: the mean of all other
    excitatory weights; ``final_weights [synapses]``; ``reward_times_s``; ``wall_s``."""

    times_s: np.ndarray
    chosen: np.ndarray
    others_mean: np.ndarray
    others_p99: np.ndarray
    final_weights: np.ndarray
    chosen_index: int
    reward_times_s: list[float]
    wall_s: float

    def rank_of_chosen(self) -> float:
        """Fraction of the other excitatory synapses weaker than the chosen one at the end."""
        others = np.delete(self.final_weights, self.chosen_index)
        return float((others < self.final_weights[self.chosen_index]).mean())


def run_distal_reward(
    duration_s: float = 3600.0,
    seed: int = 1,
    sample_s: float = 10.0,
    reward: float = 0.5,
    progress: bool = False,
) -> DistalRewardResult:
    """Simulate the network for ``duration_s`` seconds (the paper shows one hour);
    ``reward`` is the dopamine of one reward (0.5 in the paper)."""
    start = time.perf_counter()
    duration_ms = _checks.positive("duration_s", duration_s) * 1000.0
    chunk = 1000.0  # ms: rewards come >= 1 s after the pairing, so a pairing found after a chunk is in time
    every = max(int(round(_checks.positive("sample_s", sample_s) * 1000.0 / chunk)), 1)
    net, exc, _, (proj, proj_ei) = build_network(seed, plastic=True)
    rng = np.random.default_rng(seed)
    chosen = 0  # synapse index within proj (its pre is n1, its post n2)
    n1, n2 = int(proj.src[chosen]), int(proj.dst[chosen])
    proj.w[chosen] = 0.0
    mon_n1, mon_n2 = net.record_spikes(exc[[n1]]), net.record_spikes(exc[[n2]])
    times, chosen_w, others_mean, others_p99, rewards = [], [], [], [], []
    last_n1 = -np.inf
    seen1 = seen2 = 0
    n_chunks = int(round(duration_ms / chunk))
    for k in range(n_chunks):
        net.run(chunk, progress=False)
        t1, t2 = mon_n1.times_ms, mon_n2.times_ms
        new1, new2 = t1[seen1:], t2[seen2:]
        seen1, seen2 = t1.size, t2.size
        events = sorted([(t, 1) for t in new1] + [(t, 2) for t in new2])
        for t, who in events:
            if who == 1:
                last_n1 = t
            elif 0 < t - last_n1 < 10.0:
                due = t + 1000.0 + float(rng.integers(1, 2001))
                net.schedule_reward(due, reward)
                rewards.append(due / 1000.0)
        if (k + 1) % every == 0 or k + 1 == n_chunks:
            w = proj.w
            others = np.delete(w, chosen)
            times.append(net.time_ms / 1000.0)
            chosen_w.append(w[chosen])
            others_mean.append(others.mean())
            others_p99.append(np.percentile(others, 99))
        if progress and (k + 1) % 60 == 0:
            mean = others_mean[-1] if others_mean else float("nan")
            print(
                f"  {net.time_ms / 1000:.0f} s: chosen synapse {proj.w[chosen]:.2f}, others' mean {mean:.3f}"
            )
    final = np.concatenate([proj.w, proj_ei.w])
    return DistalRewardResult(
        np.array(times), np.array(chosen_w), np.array(others_mean), np.array(others_p99), final, chosen,
        rewards, time.perf_counter() - start,
    )  # fmt: skip


def build_network(seed: int = 1, plastic: bool = True) -> tuple:
    """The network of the module docstring: ``(net, exc, inh, projections)``, where
    ``projections`` are the plastic ``exc -> exc`` and ``exc -> inh`` projections (with
    ``plastic=False`` the same connections are static and ``projections`` is empty)."""
    net = Network(dt_ms=1.0, seed=seed)
    exc = net.population(800, IzhikevichParams.pattern("regular_spiking", dt_ms=1.0, substeps=2), name="exc")
    inh = net.population(200, IzhikevichParams.pattern("fast_spiking", dt_ms=1.0, substeps=2), name="inh")
    projections = []
    for post, outdegree in ((exc, 80), (inh, 20)):
        if plastic:
            rule = RewardSTDP.izhikevich2007()
            projections.append(
                net.connect_plastic(exc, post, rule, outdegree=outdegree, weight=1.0, delay_ms=1.0)
            )
        else:
            net.connect(exc, post, outdegree=outdegree, weight=1.0, delay_ms=1.0)
    net.connect(inh, exc, outdegree=100, weight=1.0, receptor="inh", delay_ms=1.0)
    net.noise_input(exc | inh, std=13.0 / np.sqrt(12.0), distribution="uniform")
    return net, exc, inh, tuple(projections)


def mean_rate_hz(duration_s: float = 5.0, seed: int = 1) -> float:
    """Mean firing rate (Hz) of the untrained network (static weights of 1) over
    ``duration_s`` seconds."""
    net, exc, inh, _ = build_network(seed, plastic=False)
    m = net.record_spikes(exc | inh)
    net.run(_checks.positive("duration_s", duration_s) * 1000.0, progress=False)
    return len(m.times_ms) / 1000 / duration_s

"""The CUBA network of Brette et al. (2007), benchmark 2: 4000 current-based LIF neurons
(80 % excitatory), p = 0.02, exponential synaptic currents (5 ms excitatory, 10 ms
inhibitory) with jumps of 1.62 mV and -9 mV, rest at -49 mV above the -50 mV threshold,
reset to -60 mV, 5 ms refractory, initial potentials uniform between reset and
threshold. ``neurons`` scales the network with 80 inputs per neuron kept.
"""

from __future__ import annotations

import time

import torch

from .. import _checks
from ..neurons import CubaLIFParams
from ..sim import Network
from .coba import COBAResult


def run_cuba(
    neurons: int = 4000, duration_ms: float = 1000.0, seed: int = 1, dt_ms: float = 0.1, progress: bool = True
) -> COBAResult:
    """Build and run the CUBA network; returns its spike monitor and timings."""
    _checks.positive_int("neurons", neurons)
    if neurons < 10:
        raise ValueError(f"neurons must be >= 10 for an 80/20 split, got {neurons}")
    start = time.perf_counter()
    params = CubaLIFParams(dt_ms=dt_ms)
    net = Network(dt_ms=dt_ms, seed=seed)
    n_exc = int(round(0.8 * neurons))
    exc = net.population(n_exc, params, name="exc")
    inh = net.population(neurons - n_exc, params, name="inh")
    p = min(1.0, 0.02 * 4000 / neurons)
    net.connect(exc, exc | inh, p=p, weight=60 * 0.27 / 10, delay_ms=dt_ms)
    net.connect(inh, exc | inh, p=p, weight=20 * 4.5 / 10, receptor="inh", delay_ms=dt_ms)
    gen = torch.Generator().manual_seed(seed)
    for pop in (exc, inh):
        pop.set_state("v", -60.0 + 10.0 * torch.rand(pop.n, generator=gen, dtype=torch.float64))
    spikes = net.record_spikes(exc | inh)
    net.run(dt_ms, progress=False)
    build_s = time.perf_counter() - start
    start = time.perf_counter()
    net.run(duration_ms - dt_ms, progress=progress)
    return COBAResult(spikes, neurons, duration_ms, build_s, time.perf_counter() - start)

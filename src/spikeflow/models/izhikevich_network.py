"""The 1000-neuron network of Izhikevich (2003), "Simple model of spiking neurons",
Fig. 3: 800 excitatory neurons (regular spiking to chattering, ``r`` uniform in [0, 1]:
``c = -65 + 15 r^2``, ``d = 8 - 6 r^2``) and 200 inhibitory ones (fast spiking to
low-threshold spiking: ``a = 0.02 + 0.08 r``, ``b = 0.25 - 0.05 r``), all-to-all with
weights ``0.5 U(0, 1)`` from excitatory and ``-U(0, 1)`` from inhibitory neurons, a
random thalamic input ``5 N(0, 1)`` (excitatory) and ``2 N(0, 1)`` (inhibitory) each
millisecond, and 1 ms steps made of two 0.5 ms Euler steps of ``v``.
"""

from __future__ import annotations

import time

import numpy as np

from .. import _checks
from ..neurons import IzhikevichParams
from ..sim import Network
from .coba import NetworkRun, run_timed


def run_izhikevich_network(
    neurons: int = 1000,
    duration_ms: float = 1000.0,
    seed: int = 1,
    progress: bool = True,
    backend: str = "auto",
) -> NetworkRun:
    """Build and run the network (``neurons`` split 80/20) on ``backend`` (``"auto"``,
    ``"fast"`` or ``"reference"``). One seed drives everything: the network's NumPy
    generator draws the neurons' ``r`` (excitatory, then inhibitory), then the weights."""
    _checks.positive_int("neurons", neurons)
    if neurons < 10:
        raise ValueError(f"neurons must be >= 10 for an 80/20 split, got {neurons}")
    start = time.perf_counter()
    net = Network(dt_ms=1.0, seed=seed, backend=backend)
    n_exc = int(round(0.8 * neurons))
    n_inh = neurons - n_exc
    re, ri = net.rng.random(n_exc), net.rng.random(n_inh)
    common = {"dt_ms": 1.0, "substeps": 2}
    exc_params = IzhikevichParams(
        a=np.full(n_exc, 0.02), b=np.full(n_exc, 0.2), c=-65.0 + 15.0 * re**2, d=8.0 - 6.0 * re**2, **common
    )
    inh_params = IzhikevichParams(
        a=0.02 + 0.08 * ri, b=0.25 - 0.05 * ri, c=np.full(n_inh, -65.0), d=np.full(n_inh, 2.0), **common
    )
    exc = net.population(n_exc, exc_params, name="exc")
    inh = net.population(n_inh, inh_params, name="inh")
    for pre, scale, receptor in ((exc, 0.5, "exc"), (inh, 1.0, "inh")):
        for post in (exc, inh):
            w = scale * net.rng.random(pre.n * post.n)
            net.connect(pre, post, rule="all_to_all", weight=w, receptor=receptor, delay_ms=1.0)
    net.noise_input(exc, std=5.0)
    net.noise_input(inh, std=2.0)
    return run_timed(net, duration_ms, start, progress)

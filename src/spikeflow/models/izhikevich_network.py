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
from .._lazy import torch
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
    ``"fast"`` or ``"reference"``)."""
    _checks.positive_int("neurons", neurons)
    if neurons < 10:
        raise ValueError(f"neurons must be >= 10 for an 80/20 split, got {neurons}")
    start = time.perf_counter()
    gen = torch.Generator().manual_seed(seed)
    n_exc = int(round(0.8 * neurons))
    n_inh = neurons - n_exc
    re = torch.rand(n_exc, generator=gen, dtype=torch.float64)
    ri = torch.rand(n_inh, generator=gen, dtype=torch.float64)
    common = {"dt_ms": 1.0, "substeps": 2}
    exc_params = IzhikevichParams(
        a=torch.full((n_exc,), 0.02, dtype=torch.float64), b=torch.full((n_exc,), 0.2, dtype=torch.float64),
        c=-65.0 + 15.0 * re**2, d=8.0 - 6.0 * re**2, **common,
    )  # fmt: skip
    inh_params = IzhikevichParams(
        a=0.02 + 0.08 * ri, b=0.25 - 0.05 * ri, c=torch.full((n_inh,), -65.0, dtype=torch.float64),
        d=torch.full((n_inh,), 2.0, dtype=torch.float64), **common,
    )  # fmt: skip
    net = Network(dt_ms=1.0, seed=seed, backend=backend)
    exc = net.population(n_exc, exc_params, name="exc")
    inh = net.population(n_inh, inh_params, name="inh")
    rng = np.random.default_rng(seed)
    for pre, scale, receptor in ((exc, 0.5, "exc"), (inh, 1.0, "inh")):
        for post in (exc, inh):
            w = scale * rng.random(pre.n * post.n)
            net.connect(pre, post, rule="all_to_all", weight=w, receptor=receptor, delay_ms=1.0)
    net.noise_input(exc, std=5.0)
    net.noise_input(inh, std=2.0)
    return run_timed(net, duration_ms, start, progress)

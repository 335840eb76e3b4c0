"""Brunel's (2000) sparse network of excitatory and inhibitory LIF neurons with delta
synapses, in the four regimes of his Fig. 8.

``N_E = 4 N_I`` neurons (10 000 and 2 500 at full size), each receiving ``C_E = 0.1 N_E``
excitatory and ``C_I = C_E / 4`` inhibitory connections (fixed in-degree) of strength
``J = 0.1 mV`` and ``-g J``, with delay ``D = 1.5 ms``, and ``C_E`` external Poisson inputs
of rate ``nu_ext = eta nu_thr``, where ``nu_thr = theta / (J C_E tau)`` is the rate that
brings the mean input to threshold. Neurons: ``tau = 20 ms``, ``theta = 20 mV``,
``V_r = 10 mV``, refractory 2 ms; dt 0.1 ms.
"""

from __future__ import annotations

import time

from .. import _checks
from ..neurons import LIFParams
from ..sim import Network
from .coba import NetworkRun, run_timed

#: (g, eta) of the regimes of Brunel (2000), Fig. 8 A-D
REGIMES = {
    "SR": (3.0, 2.0),  # synchronous regular
    "AI": (5.0, 2.0),  # asynchronous irregular
    "SIfast": (6.0, 4.0),  # synchronous irregular, fast oscillation
    "SIslow": (4.5, 0.9),  # synchronous irregular, slow oscillation
}


def run_brunel(
    regime: str = "AI",
    neurons: int = 12500,
    duration_ms: float = 1000.0,
    seed: int = 1,
    progress: bool = True,
    backend: str = "auto",
) -> NetworkRun:
    """Build and run Brunel's network in ``regime`` (``SR``, ``AI``, ``SIfast``, ``SIslow``)
    on ``backend`` (``"auto"``, ``"fast"`` or ``"reference"``)."""
    _checks.choice("regime", regime, list(REGIMES))
    _checks.positive_int("neurons", neurons)
    if neurons < 50:
        raise ValueError(f"neurons must be >= 50 for a network with 10 % connectivity, got {neurons}")
    g, eta = REGIMES[regime]
    dt, J, tau, theta = 0.1, 0.1, 20.0, 20.0
    n_exc = int(round(0.8 * neurons))
    c_exc = max(int(round(0.1 * n_exc)), 1)
    c_inh = max(c_exc // 4, 1)
    nu_thr_hz = theta / (J * c_exc * tau) * 1e3
    start = time.perf_counter()
    params = LIFParams(tau_mem_ms=tau, dt_ms=dt, v_th=theta, v_reset=10.0, reset="value", refractory_ms=2.0)
    net = Network(dt_ms=dt, seed=seed, backend=backend)
    exc = net.population(n_exc, params, name="exc")
    inh = net.population(neurons - n_exc, params, name="inh")
    net.connect(exc, exc | inh, indegree=c_exc, weight=J, delay_ms=1.5)
    net.connect(inh, exc | inh, indegree=c_inh, weight=g * J, receptor="inh", delay_ms=1.5)
    net.poisson_input(exc | inh, n_inputs=c_exc, rate_hz=eta * nu_thr_hz, weight=J)
    for pop in (exc, inh):  # one seed drives everything: the draws follow the connections'
        pop.set_state("v", theta * net.rng.random(pop.n))
    return run_timed(net, duration_ms, start, progress)

"""The COBA network of Brette et al. (2007), benchmark 1 (Vogels & Abbott 2005):
4000 conductance-based LIF neurons, 80 % excitatory, random connections with p = 0.02,
excitatory and inhibitory conductance jumps of 6 nS and 67 nS (0.6 and 6.7 times the
leak conductance of 10 nS), self-sustained activity from random initial potentials and
conductances as in the original script. ``neurons`` scales the network; the connection
probability is scaled so that each neuron keeps 80 inputs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .. import _checks
from ..analysis import spiketrains as S
from ..neurons import CondLIFParams
from ..sim import Network, SpikeMonitor


@dataclass
class NetworkRun:
    """The spike monitor, size, duration and timings of a network run (any model here)."""

    spikes: SpikeMonitor
    n_neurons: int
    duration_ms: float
    build_s: float
    run_s: float

    def statistics(self) -> dict:
        """Mean rate (Hz), mean CV of ISI (neurons with >= 3 spikes; population std as
        :func:`spikeflow.analysis.spiketrains.cv`), Fano factor of the population count in
        10 ms bins, synchrony chi of 10 ms-binned counts (both NaN for a run shorter than
        two bins, 20 ms). Vectorised over neurons: one sort of all spikes by neuron and time."""
        n = self.n_neurons
        t, s = self.spikes.by_neuron()
        same = s[1:] == s[:-1]  # consecutive spikes of one neuron: its ISIs
        isi, owner = np.diff(t)[same], s[1:][same]
        n_isi = np.bincount(owner, minlength=n)
        mean = np.bincount(owner, isi, n) / np.maximum(n_isi, 1)
        var = np.bincount(owner, (isi - mean[owner]) ** 2, n) / np.maximum(n_isi, 1)
        with_cv = n_isi >= 2
        cvs = np.sqrt(var[with_cv]) / mean[with_cv]
        n_bins = int(np.floor(self.duration_ms / 10.0 + 1e-9))  # a last partial bin is dropped
        idx = np.floor(t / 10.0 + 1e-9).astype(np.int64)
        keep = idx < n_bins
        counts = np.bincount(idx[keep] * n + s[keep], minlength=n_bins * n).reshape(n_bins, n)
        pop = counts.sum(axis=1)
        binned = n_bins >= 2  # a variance over bins needs two of them
        return {
            "mean_rate_hz": float(len(t) / n / self.duration_ms * 1e3),
            "cv_isi": float(np.mean(cvs)) if cvs.size else float("nan"),
            "fano_factor": float(pop.var() / pop.mean()) if binned and pop.mean() > 0 else float("nan"),
            "synchrony_chi": S.synchrony_chi(counts.astype(float)) if binned else float("nan"),
            "n_spikes": int(len(t)),
            "build_s": self.build_s,
            "run_s": self.run_s,
        }


COBA_WEIGHTS_NS = (6.0, 67.0)  # excitatory and inhibitory conductance jumps


def coba_params(dt_ms: float = 0.1) -> CondLIFParams:
    """COBA's neuron: C_m 200 pF, g_L 10 nS, E_L -60 mV, threshold -50 mV, reset -60 mV,
    5 ms refractory, reversal potentials 0 and -80 mV, synaptic time constants 5 and 10 ms."""
    return CondLIFParams(
        C_m=200.0, g_L=10.0, E_L=-60.0, V_th=-50.0, V_reset=-60.0, t_ref_ms=5.0, E_ex=0.0,
        E_in=-80.0, tau_syn_ex_ms=5.0, tau_syn_in_ms=10.0, dt_ms=dt_ms,
    )  # fmt: skip


def brette_network(  # noqa: ANN201
    params,  # noqa: ANN001
    neurons: int,
    w_exc: float,
    w_inh: float,
    dt_ms: float,
    seed: int,
    backend: str = "auto",
    pairs: tuple | None = None,
):
    """The random E/I network of Brette et al. (2007): ``neurons`` of ``params``, 80 %
    excitatory, connection probability 0.02 at 4000 neurons (scaled to keep 80 inputs),
    weights ``w_exc`` and ``w_inh`` (>= 0; inhibition by receptor), one-step delays,
    simulated on ``backend`` (see :class:`~spikeflow.sim.Network`). ``pairs`` replaces the
    random draw by given connections ``((exc_src, exc_dst), (inh_src, inh_dst))``: sources
    index their population, targets the whole network (excitatory neurons first), as
    another simulator exported them. Returns ``(network, excitatory, inhibitory)``."""
    _checks.positive_int("neurons", neurons)
    if neurons < 10:
        raise ValueError(f"neurons must be >= 10 for an 80/20 split, got {neurons}")
    net = Network(dt_ms=dt_ms, seed=seed, backend=backend)
    n_exc = int(round(0.8 * neurons))
    exc = net.population(n_exc, params, name="exc")
    inh = net.population(neurons - n_exc, params, name="inh")
    p = min(1.0, 0.02 * 4000 / neurons)
    for k, (pop, weight, receptor) in enumerate(((exc, w_exc, "exc"), (inh, w_inh, "inh"))):
        rule = {"p": p} if pairs is None else {"pairs": pairs[k]}
        net.connect(pop, exc | inh, **rule, weight=weight, receptor=receptor, delay_ms=dt_ms)
    return net, exc, inh


def run_timed(net: Network, duration_ms: float, started: float, progress: bool) -> NetworkRun:
    """Record every neuron, run ``duration_ms`` and time it: building the projections
    (:meth:`Network.build`) counts as build time, from ``started``
    (``time.perf_counter()``); every step, with the drawing of its inputs, as run time."""
    selection = net.populations[0]
    for pop in net.populations[1:]:
        selection = selection | pop
    spikes = net.record_spikes(selection)
    net.build()
    build_s = time.perf_counter() - started
    start = time.perf_counter()
    net.run(duration_ms, progress=progress)
    return NetworkRun(spikes, len(selection), duration_ms, build_s, time.perf_counter() - start)


def run_coba(
    neurons: int = 4000,
    duration_ms: float = 1000.0,
    seed: int = 1,
    dt_ms: float = 0.1,
    progress: bool = True,
    backend: str = "auto",
    params: object = None,
) -> NetworkRun:
    """Build and run the COBA network (``duration_ms`` ms of steps of ``dt_ms``) on
    ``backend`` (``"auto"``, ``"fast"`` or ``"reference"``); returns its spike monitor and
    timings. ``params`` replaces COBA's :class:`CondLIFParams` by another model with the
    state variables ``v``, ``g_ex``, ``g_in`` and two receptors (a specification's, for
    example, to compare integrators)."""
    start = time.perf_counter()
    params = coba_params(dt_ms) if params is None else params
    net, exc, inh = brette_network(params, neurons, *COBA_WEIGHTS_NS, dt_ms, seed, backend)
    # initial state of Brette et al.'s (2007) script: V = E_L + N(-5, 5) mV, and
    # conductances N(4, 1.5) and N(20, 12) in units of g_L (10 nS), clipped at 0
    rng = net.rng  # one seed drives everything: the draws follow the connections'
    for pop in (exc, inh):
        noise = rng.standard_normal((3, pop.n))
        pop.set_state("v", -60.0 + noise[0] * 5.0 - 5.0)
        pop.set_state("g_ex", np.maximum((noise[1] * 1.5 + 4.0) * 10.0, 0.0))
        pop.set_state("g_in", np.maximum((noise[2] * 12.0 + 20.0) * 10.0, 0.0))
    return run_timed(net, duration_ms, start, progress)

"""Competitive Hebbian learning through STDP (Song, Miller & Abbott 2000).

One conductance-based integrate-and-fire neuron (tau_m = 20 ms, rest -70 mV, threshold
-54 mV, reset -60 mV, excitatory reversal 0 mV, inhibitory -70 mV, 5 ms synapses)
receives ``n_inputs`` excitatory Poisson trains through synapses with additive STDP
(``A+ = 0.005 g_max``, ``A-/A+ = 1.05``, 20 ms windows, bounds ``[0, g_max]``) and
``n_inputs / 5`` inhibitory Poisson trains at 10 Hz through fixed synapses. Every weight
starts at ``g_max``. The paper's ``g_max = 0.015`` and inhibitory ``0.05`` are in units of
the leak conductance (10 nS here); a smaller ``n_inputs`` scales both by
``1000 / n_inputs`` so that the summed drive stays the same.

Result (paper, Fig. 1-2): the weights split into two groups, near 0 and near ``g_max``
(a bimodal distribution), and the output rate ends up nearly independent of the input
rate, because the synapses compete: more input means more, weaker synapses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _checks
from ..learning.plasticity import song2000
from ..neurons import CondLIFParams
from ..sim import Network, PoissonSource


@dataclass
class SongResult:
    """Outcome of :func:`run_song2000`: final weights as fractions of ``g_max``
    ``[n_inputs]``, and the output rate (Hz) of each ``window_s`` window."""

    input_rate_hz: float
    weights: np.ndarray
    output_rate_hz: np.ndarray
    window_s: float
    wall_s: float

    def histogram(self, bins: int = 10) -> np.ndarray:
        """Synapse counts in ``bins`` equal bins of ``[0, 1] g_max``."""
        return np.histogram(self.weights, bins=bins, range=(0.0, 1.0))[0]

    def bimodal(self) -> bool:
        """U-shaped: both end tenths of the weight range hold more synapses than the
        middle tenths on average."""
        h = self.histogram()
        return bool(min(h[0], h[-1]) > h[1:-1].mean())


def run_song2000(
    input_rate_hz: float = 10.0, duration_s: float = 1000.0, n_inputs: int = 1000, dt_ms: float = 0.1,
    a_plus: float = 0.005, window_s: float = 10.0, seed: int = 0, progress: bool = False,
) -> SongResult:  # fmt: skip
    """Simulate the Song, Miller & Abbott (2000) neuron for ``duration_s`` seconds of
    excitatory input at ``input_rate_hz`` (see the module docstring)."""
    import time

    _checks.positive("input_rate_hz", input_rate_hz)
    _checks.positive_int("n_inputs", n_inputs)
    windows = int(round(_checks.positive("duration_s", duration_s) / _checks.positive("window_s", window_s)))
    scale = 1000.0 / n_inputs
    g_max = 0.015 * 10.0 * scale  # nS
    net = Network(dt_ms=dt_ms, seed=seed)
    neuron = net.population(
        1,
        CondLIFParams(
            C_m=200.0,
            g_L=10.0,
            E_L=-70.0,
            E_ex=0.0,
            E_in=-70.0,
            V_th=-54.0,
            V_reset=-60.0,
            t_ref_ms=0.0,
            tau_syn_ex_ms=5.0,
            tau_syn_in_ms=5.0,
            dt_ms=dt_ms,
        ),  # fmt: skip
        name="neuron",
    )
    exc = net.population(n_inputs, PoissonSource(input_rate_hz), name="excitatory inputs")
    inh = net.population(max(n_inputs // 5, 1), PoissonSource(10.0), name="inhibitory inputs")
    proj = net.connect_plastic(
        exc, neuron, song2000(w_max=g_max, a_plus=a_plus), rule="all_to_all", weight=g_max
    )
    net.connect(inh, neuron, rule="all_to_all", weight=0.05 * 10.0 * scale, receptor="inh")
    spikes = net.record_spikes(neuron)
    rates = np.zeros(windows)
    start = time.perf_counter()
    for k in range(windows):
        before = len(spikes.times_ms)
        net.run(window_s * 1000.0, progress=progress)
        rates[k] = (len(spikes.times_ms) - before) / window_s
    return SongResult(input_rate_hz, proj.weights / g_max, rates, window_s, time.perf_counter() - start)

"""The network simulator: :class:`Network`, populations and selections, spike sources,
sparse delayed projections (static or plastic), Poisson inputs and monitors (spikes,
state variables, population rate)."""

from .monitors import RateMonitor
from .network import Network, Population, Selection, SpikeMonitor, StateMonitor
from .plastic import PlasticProjection
from .sources import PoissonSource, SpikeTimes

__all__ = [
    "Network",
    "PlasticProjection",
    "PoissonSource",
    "RateMonitor",
    "Population",
    "Selection",
    "SpikeMonitor",
    "SpikeTimes",
    "StateMonitor",
]

"""The network simulator: :class:`Network`, populations and selections, spike sources,
sparse delayed projections (static or plastic), Poisson inputs and monitors (spikes,
state variables, population rate)."""

from .monitors import RateMonitor, SpikeMonitor, StateMonitor
from .network import Network
from .plastic import PlasticProjection
from .populations import Population, Selection
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

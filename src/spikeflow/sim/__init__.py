"""The network simulator: :class:`Network`, populations and selections, sparse delayed
projections, Poisson inputs and monitors (reference torch backend)."""

from .network import Network, Population, Selection, SpikeMonitor, StateMonitor

__all__ = ["Network", "Population", "Selection", "SpikeMonitor", "StateMonitor"]

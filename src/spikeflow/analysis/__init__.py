"""Analysis of networks and spike trains."""

from .ops import ann_macs_per_sample, synaptic_events_per_sample

__all__ = ["ann_macs_per_sample", "synaptic_events_per_sample"]

"""Analysis of networks and spike trains: operation counts, spike-train statistics and
distances (spike times in ms, rates in Hz). The operation counts (:mod:`.ops`, which
imports torch) load on first use."""

from .._lazy import lazy_attributes
from . import distances, spiketrains
from .distances import coincidence_factor, van_rossum, victor_purpura
from .spiketrains import (
    binned_rate,
    cross_correlogram,
    cv,
    cv2,
    fano_factor,
    instantaneous_rate,
    isi,
    lv,
    mean_rate,
    psth,
    spike_times,
    sttc,
    synchrony_chi,
)

__getattr__, __dir__ = lazy_attributes(
    __name__,
    {
        "ann_macs_per_sample": ".ops:ann_macs_per_sample",
        "synaptic_events_per_sample": ".ops:synaptic_events_per_sample",
    },
)

__all__ = [
    "ann_macs_per_sample",
    "binned_rate",
    "coincidence_factor",
    "cross_correlogram",
    "cv",
    "cv2",
    "distances",
    "fano_factor",
    "instantaneous_rate",
    "isi",
    "lv",
    "mean_rate",
    "psth",
    "spike_times",
    "spiketrains",
    "sttc",
    "synaptic_events_per_sample",
    "synchrony_chi",
    "van_rossum",
    "victor_purpura",
]

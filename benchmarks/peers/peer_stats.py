"""Statistics shared by the peer scripts (each runs in a peer environment, with this
folder on its path): the mean CV of ISI, computed as spikeflow's networks do."""

from __future__ import annotations

import numpy as np


def mean_cv(times_ms: np.ndarray, senders: np.ndarray) -> float | None:
    """Mean over neurons with >= 3 spikes of std / mean of their ISIs (population std);
    None without such a neuron."""
    cvs = []
    for k in np.unique(senders):
        isi = np.diff(np.sort(times_ms[senders == k]))
        if isi.size >= 2:
            cvs.append(isi.std() / isi.mean())
    return float(np.mean(cvs)) if cvs else None

"""Exchange with Neo (the electrophysiology data model used by Elephant and many file
readers): spike rasters and state traces to a ``neo.Block``, and spike trains from Neo
back to spike times or to a spike raster that drives a network.

Install with ``pip install 'spikeflow[io]'`` (Neo and quantities).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from .. import _checks
from ..analysis.spiketrains import spike_times


def _neo():  # noqa: ANN202
    try:
        import neo
        import quantities as pq
    except ImportError as err:
        raise ImportError("Neo export needs neo and quantities: pip install 'spikeflow[io]'") from err
    return neo, pq


def _as_trains(name: str, spikes: Any, dt_ms: float, t_start_ms: float) -> list[np.ndarray]:
    if isinstance(spikes, torch.Tensor | np.ndarray):
        return spike_times(spikes, dt_ms, t_start_ms)
    trains = [np.asarray(t, dtype=np.float64) for t in spikes]
    if any(t.ndim != 1 for t in trains):
        raise ValueError(f"spikes[{name!r}] must be a raster [T, neurons] or a list of 1-D time arrays")
    return trains


def to_neo(
    spikes: Mapping[str, Any],
    dt_ms: float,
    *,
    states: Mapping[str, tuple[torch.Tensor | np.ndarray, str]] | None = None,
    t_start_ms: float = 0.0,
    t_stop_ms: float | None = None,
    name: str = "spikeflow",
) -> Any:
    """A ``neo.Block`` with one ``Segment`` holding the recordings.

    Args:
        spikes: ``{population: raster [T, neurons] (0/1) or list of spike-time arrays (ms)}``.
            Each neuron becomes a ``SpikeTrain`` annotated with ``population`` and ``neuron``;
            each population also gets a ``neo.Group`` of its trains.
        dt_ms: step of the rasters and traces (ms).
        states: ``{name: (trace [T, neurons], unit)}``, e.g. ``{"v": (v, "mV")}``; each
            becomes an ``AnalogSignal`` sampled every ``dt_ms`` (unit ``"dimensionless"``
            for unitless training variables).
        t_start_ms, t_stop_ms: the recording window (default end: that of the longest
            raster or trace; given spike times only, ``t_stop_ms`` is required, since the
            last spike is not the end of the recording).
        name: the block's name.
    """
    neo, pq = _neo()
    dt_ms = _checks.positive("dt_ms", dt_ms)
    trains = {pop: _as_trains(pop, s, dt_ms, t_start_ms) for pop, s in spikes.items()}
    steps = [s.shape[0] for s in spikes.values() if isinstance(s, torch.Tensor | np.ndarray)]
    steps += [np.asarray(tr[0]).shape[0] for tr in (states or {}).values()]
    if t_stop_ms is None:
        if not steps:  # ending the trains at the last spike would overstate every rate
            raise ValueError(
                "t_stop_ms is needed when the spikes are given as spike times and no raster or trace "
                "gives the recording's length; expected the end of the recording (ms)"
            )
        t_stop_ms = t_start_ms + max(steps) * dt_ms
    last = max([float(t.max()) for ts in trains.values() for t in ts if t.size] + [-math.inf])
    if last >= t_stop_ms:
        raise ValueError(f"t_stop_ms={t_stop_ms!r} is not after the last spike ({last!r} ms)")
    block = neo.Block(name=name)
    seg = neo.Segment(name="run")
    block.segments.append(seg)
    for pop, ts in trains.items():
        group = neo.Group(name=pop)
        for j, t in enumerate(ts):
            st = neo.SpikeTrain(
                t * pq.ms, t_start=t_start_ms * pq.ms, t_stop=t_stop_ms * pq.ms,
                name=f"{pop}[{j}]", population=pop, neuron=j,
            )  # fmt: skip
            seg.spiketrains.append(st)
            group.add(st)
        block.groups.append(group)
    for key, (trace, unit) in (states or {}).items():
        a = trace.detach().cpu().numpy() if isinstance(trace, torch.Tensor) else np.asarray(trace)
        if a.ndim == 1:
            a = a[:, None]
        if a.ndim != 2:
            raise ValueError(f"states[{key!r}] must have shape [T, neurons], got {a.shape}")
        seg.analogsignals.append(
            neo.AnalogSignal(
                a, units=unit, sampling_period=dt_ms * pq.ms, t_start=t_start_ms * pq.ms, name=key
            )
        )
    return block


def from_neo(obj: Any) -> list[np.ndarray]:
    """Spike times (ms) of every ``SpikeTrain`` in a Neo ``Block``, ``Segment``, ``Group``
    or list of ``SpikeTrain`` (in that order)."""
    neo, pq = _neo()
    if isinstance(obj, neo.Block):
        trains = [st for seg in obj.segments for st in seg.spiketrains]
    elif isinstance(obj, neo.Segment | neo.Group):
        trains = list(obj.spiketrains)
    elif isinstance(obj, Sequence) and all(isinstance(s, neo.SpikeTrain) for s in obj):
        trains = list(obj)
    else:
        raise TypeError(
            f"obj must be a neo Block, Segment, Group or a list of SpikeTrain, got {type(obj).__name__}"
        )
    return [np.sort(st.rescale(pq.ms).magnitude.astype(np.float64)) for st in trains]


def spike_raster(
    trains: Sequence[np.ndarray], dt_ms: float, num_steps: int, t_start_ms: float = 0.0
) -> torch.Tensor:
    """A 0/1 raster ``[num_steps, len(trains)]`` with each spike in the step that contains
    it (step ``k`` covers ``[t_start + k dt, t_start + (k + 1) dt)``); spikes outside the
    window are dropped, two spikes in one step count once. Use it as a spike-generator
    input, e.g. for spike trains imported from Neo."""
    dt_ms = _checks.positive("dt_ms", dt_ms)
    _checks.positive_int("num_steps", num_steps)
    raster = torch.zeros(num_steps, len(trains))
    for j, t in enumerate(trains):
        idx = np.floor((np.asarray(t, dtype=np.float64) - t_start_ms) / dt_ms + 1e-9).astype(np.int64)
        idx = idx[(idx >= 0) & (idx < num_steps)]
        raster[torch.as_tensor(idx), j] = 1.0
    return raster

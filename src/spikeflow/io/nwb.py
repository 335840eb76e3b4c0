"""Neurodata Without Borders (NWB) files of simulations: spikes in the ``Units`` table
(one unit per neuron, with its population and index as columns) and recorded states as
``TimeSeries`` with units. Written atomically; read back with :func:`read_nwb`.

Checksums: each unit carries the SHA-256 of its spike times (with its population and
index) in the column ``spike_times_sha256``, and each state trace the SHA-256 of its
data (with its name, dtype and shape) in its ``comments``; :func:`read_nwb` recomputes
them and refuses a file whose data no longer match (a bit flipped on disk, an edit by
another tool). Files without these (written elsewhere or by an earlier spikeflow) are
read without the check.

Install with ``pip install 'spikeflow[io]'`` (pynwb; nwbinspector to check files).
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .. import _checks
from .._atomic import write_atomically
from .neo_io import _as_trains

CHECKSUM_COLUMN = "spike_times_sha256"  # of the Units table
_STATE_CHECKSUM = "spikeflow-sha256:"  # prefix of a TimeSeries' comments


def spike_digest(population: str, index: int, times_s: np.ndarray) -> str:
    """SHA-256 (hex) of one unit: its population, index and spike times (s, float64)."""
    h = hashlib.sha256(f"{population}\0{index}\0".encode())
    h.update(np.ascontiguousarray(times_s, dtype="<f8").tobytes())
    return h.hexdigest()


def state_digest(name: str, data: np.ndarray) -> str:
    """SHA-256 (hex) of one state trace: its name, dtype, shape and bytes."""
    data = np.ascontiguousarray(data)
    h = hashlib.sha256(f"{name}\0{data.dtype.str}\0{data.shape}\0".encode())
    h.update(data.tobytes())
    return h.hexdigest()


def _pynwb():  # noqa: ANN202
    try:
        import pynwb
    except ImportError as err:
        raise ImportError("NWB files need pynwb: pip install 'spikeflow[io]'") from err
    return pynwb


def write_nwb(
    path: str | os.PathLike,
    spikes: Mapping[str, Any],
    dt_ms: float,
    *,
    states: Mapping[str, tuple[torch.Tensor | np.ndarray, str]] | None = None,
    t_start_ms: float = 0.0,
    session_description: str = "spikeflow simulation",
    identifier: str | None = None,
    session_start_time: datetime | None = None,
    subject_id: str = "spikeflow-model",
    species: str | None = None,
    experimenter: str | list[str] | None = None,
    institution: str | None = None,
    lab: str | None = None,
) -> Path:
    """Write spikes and states to an NWB file (HDF5), atomically.

    Args:
        path: file to write (``.nwb``); its folder is created if missing.
        spikes: ``{population: raster [T, neurons] or list of spike-time arrays (ms)}``.
        dt_ms: step of rasters and traces (ms).
        states: ``{name: (trace [T, neurons], unit)}`` (e.g. ``("mV")``; NWB stores the
            unit string as given, with ``conversion`` 1).
        t_start_ms: time of the first step (ms).
        session_description, identifier, session_start_time: NWB session metadata
            (defaults: a fixed description, a random UUID, now in UTC).
        subject_id: the NWB ``Subject`` (here, the simulated model), which NWB archives
            require.
        species: the subject's species as a Latin binomial (``"Mus musculus"``) or an
            NCBI taxonomy link, for a model of that species' tissue; DANDI requires one
            (nwbinspector reports it missing otherwise).
        experimenter: who ran the simulation (``"Last, First"``, or a list of them);
            institution, lab: where. NWB session metadata, checked by nwbinspector.
    """
    pynwb = _pynwb()
    dt_ms = _checks.positive("dt_ms", dt_ms)
    start = session_start_time or datetime.now(timezone.utc)
    if start.tzinfo is None:
        raise ValueError("session_start_time must be timezone-aware (NWB requires it)")
    nwb = pynwb.NWBFile(
        session_description=session_description,
        identifier=identifier or str(uuid.uuid4()),
        session_start_time=start,
        experiment_description="spiking network simulated with spikeflow",
        keywords=["simulation", "spiking neural network", "spikeflow"],
        experimenter=[experimenter] if isinstance(experimenter, str) else experimenter,
        institution=institution,
        lab=lab,
        # a simulated network has no sex ("U": unknown) and comes into being when the
        # run starts, which is the date of birth NWB asks for
        subject=pynwb.file.Subject(
            subject_id=subject_id,
            description="simulated spiking network (spikeflow)",
            sex="U",
            date_of_birth=start,
            species=species,
        ),
    )
    # spike times lie on the dt grid: that is their resolution (s)
    nwb.units = pynwb.misc.Units(name="units", description="simulated neurons", resolution=dt_ms / 1e3)
    nwb.add_unit_column(name="population", description="population the neuron belongs to")
    nwb.add_unit_column(name="neuron_index", description="index of the neuron in its population")
    nwb.add_unit_column(
        name=CHECKSUM_COLUMN, description="SHA-256 of the population, index and spike times (s, float64)"
    )
    for pop, s in spikes.items():
        for j, t in enumerate(_as_trains(pop, s, dt_ms, t_start_ms)):
            t = np.asarray(t, dtype=np.float64)
            if t.size and (not np.isfinite(t).all() or t.min() < 0):
                bad = t[~np.isfinite(t) | (t < 0)][0]
                raise ValueError(
                    f"spikes[{pop!r}] neuron {j}: spike times must be finite and >= 0 ms, got {float(bad)!r}"
                )
            seconds = t / 1e3
            nwb.add_unit(spike_times=seconds, population=pop, neuron_index=j,
                         **{CHECKSUM_COLUMN: spike_digest(pop, j, seconds)})  # fmt: skip
    for key, (trace, unit) in (states or {}).items():
        a = trace.detach().cpu().numpy() if isinstance(trace, torch.Tensor) else np.asarray(trace)
        if a.ndim not in (1, 2):
            raise ValueError(f"states[{key!r}] must have shape [T] or [T, neurons], got {a.shape}")
        nwb.add_acquisition(
            pynwb.TimeSeries(
                name=key,
                data=a,
                unit=unit,
                rate=1e3 / dt_ms,
                starting_time=t_start_ms / 1e3,
                description=f"simulated state variable {key!r}, one column per neuron",
                comments=_STATE_CHECKSUM + state_digest(key, a),
            )
        )

    def write(tmp: str) -> None:
        with pynwb.NWBHDF5IO(tmp, "w") as io:
            io.write(nwb)

    return write_atomically(path, write)


@dataclass
class NWBContent:
    """What :func:`read_nwb` returns.

    Attributes:
        spikes: ``{population: [spike times (ms) per neuron, in neuron order]}``.
        states: ``{name: (array [T, neurons], unit, dt_ms, t_start_ms)}``.
        identifier, session_description: the file's metadata.
    """

    spikes: dict[str, list[np.ndarray]]
    states: dict[str, tuple[np.ndarray, str, float, float]]
    identifier: str
    session_description: str


def read_nwb(path: str | os.PathLike) -> NWBContent:
    """Read spikes and states from an NWB file written by :func:`write_nwb` (or any NWB
    file with a Units table; units without a ``population`` column go to ``"units"``).

    Raises:
        FileNotFoundError: no file at ``path``.
        ValueError: a unit's spike times or a state trace do not match the checksum
            :func:`write_nwb` stored with them (the file was corrupted or edited).
    """
    pynwb = _pynwb()
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no NWB file at {str(path)!r}")
    spikes: dict[str, dict[int, np.ndarray]] = {}
    states = {}
    with pynwb.NWBHDF5IO(str(path), "r") as io:
        nwb = io.read()
        if nwb.units is not None:
            cols = nwb.units.colnames
            for i in range(len(nwb.units)):
                pop = str(nwb.units["population"][i]) if "population" in cols else "units"
                idx = int(nwb.units["neuron_index"][i]) if "neuron_index" in cols else i
                seconds = np.asarray(nwb.units.get_unit_spike_times(i), dtype=np.float64)
                saved = nwb.units[CHECKSUM_COLUMN][i] if CHECKSUM_COLUMN in cols else None
                if saved is not None and saved != spike_digest(pop, idx, seconds):
                    raise ValueError(
                        f"{str(path)!r} is corrupt: the spike times of unit {i} ({pop!r} neuron {idx}) do not"
                        " match the checksum written with them"
                    )
                spikes.setdefault(pop, {})[idx] = seconds * 1e3
        for name, obj in nwb.acquisition.items():
            if isinstance(obj, pynwb.TimeSeries) and obj.rate is not None:
                raw = np.asarray(obj.data[:])
                saved = (obj.comments or "").removeprefix(_STATE_CHECKSUM)
                if saved != (obj.comments or "") and saved != state_digest(name, raw):
                    raise ValueError(
                        f"{str(path)!r} is corrupt: the state trace {name!r} does not match the checksum"
                        " written with it"
                    )
                data = raw * obj.conversion
                states[name] = (data, obj.unit, 1e3 / obj.rate, obj.starting_time * 1e3)
        ident, desc = nwb.identifier, nwb.session_description
    ordered = {pop: [d[k] for k in sorted(d)] for pop, d in spikes.items()}
    return NWBContent(ordered, states, ident, desc)

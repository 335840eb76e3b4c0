"""Neo and NWB exchange: round trips with equal content; NWB files pass nwbinspector."""

from datetime import datetime, timezone

import numpy as np
import pytest
import torch

from spikeflow.io import from_neo, read_nwb, spike_raster, to_neo, write_nwb


def _recording():
    g = torch.Generator().manual_seed(0)
    exc = (torch.rand(200, 5, generator=g) < 0.05).float()
    inh = (torch.rand(200, 3, generator=g) < 0.1).float()
    v = torch.randn(200, 4, generator=g, dtype=torch.float64) * 5 - 65
    return {"exc": exc, "inh": inh}, {"v": (v, "mV")}


def test_neo_round_trip():
    neo = pytest.importorskip("neo")
    pq = pytest.importorskip("quantities")
    spikes, states = _recording()
    block = to_neo(spikes, dt_ms=0.1, states=states, t_start_ms=5.0)
    seg = block.segments[0]
    assert len(seg.spiketrains) == 8 and [g.name for g in block.groups] == ["exc", "inh"]
    st = seg.spiketrains[6]
    assert st.annotations["population"] == "inh" and st.annotations["neuron"] == 1
    assert float(st.t_stop.rescale(pq.ms)) == pytest.approx(5.0 + 200 * 0.1)
    sig = seg.analogsignals[0]
    assert sig.units == pq.mV and float(sig.sampling_period.rescale(pq.ms)) == pytest.approx(0.1)
    np.testing.assert_array_equal(sig.magnitude, states["v"][0].numpy())
    # back: spike times, then a raster equal to the original
    trains = from_neo(block)
    raster = spike_raster(trains, dt_ms=0.1, num_steps=200, t_start_ms=5.0)
    assert torch.equal(raster, torch.cat([spikes["exc"], spikes["inh"]], dim=1))
    assert isinstance(block, neo.Block)


def test_spike_raster_rules():
    r = spike_raster([np.array([0.0, 0.05, 0.99, 1.0, 5.0])], dt_ms=1.0, num_steps=3)
    assert r[:, 0].tolist() == [1.0, 1.0, 0.0]  # 0.0/0.05/0.99 share step 0; 5.0 is outside


def test_nwb_round_trip_and_inspector(tmp_path):
    pytest.importorskip("pynwb")
    spikes, states = _recording()
    start = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    path = write_nwb(
        tmp_path / "run.nwb", spikes, dt_ms=0.1, states=states, identifier="test-run",
        session_start_time=start,
    )  # fmt: skip
    content = read_nwb(path)
    assert content.identifier == "test-run"
    assert sorted(content.spikes) == ["exc", "inh"]
    for pop, raster in spikes.items():
        expected = [0.1 * np.nonzero(raster[:, j].numpy())[0] for j in range(raster.shape[1])]
        for got, want in zip(content.spikes[pop], expected, strict=True):
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)
    data, unit, dt, t0 = content.states["v"]
    np.testing.assert_array_equal(data, states["v"][0].numpy())
    assert unit == "mV" and dt == pytest.approx(0.1) and t0 == 0.0

    inspector = pytest.importorskip("nwbinspector")
    messages = list(inspector.inspect_nwbfile(nwbfile_path=str(path)))
    critical = [m for m in messages if m.importance.name == "CRITICAL"]
    assert critical == [], [m.message for m in critical]
    # with the metadata DANDI asks for, nwbinspector has nothing to report
    full = write_nwb(tmp_path / "full.nwb", spikes, dt_ms=0.1, states=states, species="Mus musculus",
                     experimenter="Doe, Jane", institution="Example University", lab="Modelling")  # fmt: skip
    assert [m.message for m in inspector.inspect_nwbfile(nwbfile_path=str(full))] == []
    assert read_nwb(full).spikes.keys() == content.spikes.keys()


def test_bad_input(tmp_path):
    pytest.importorskip("pynwb")
    spikes, _ = _recording()
    with pytest.raises(ValueError, match="session_start_time must be timezone-aware"):
        write_nwb(tmp_path / "x.nwb", spikes, 0.1, session_start_time=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="dt_ms must be > 0, got 0.0"):
        write_nwb(tmp_path / "x.nwb", spikes, 0.0)
    for bad, shown in ((float("nan"), "nan"), (-2.0, "-2.0")):
        with pytest.raises(ValueError, match=rf"spikes\['exc'\] neuron 1: .* >= 0 ms, got {shown}"):
            write_nwb(tmp_path / "x.nwb", {"exc": [np.array([1.0]), np.array([3.0, bad])]}, 0.1)
    with pytest.raises(FileNotFoundError, match="no NWB file at"):
        read_nwb(tmp_path / "missing.nwb")
    assert not list(tmp_path.iterdir())  # nothing half-written was left behind
    with pytest.raises(TypeError, match="obj must be a neo Block"):
        pytest.importorskip("neo")
        from_neo(42)


def _flip_one_bit(path, dataset, index):
    """Flip the lowest mantissa bit of ``dataset[index]`` in the HDF5 file, in place."""
    h5py = pytest.importorskip("h5py")
    with h5py.File(path, "r+") as f:
        data = f[dataset]
        value = np.array(data[index])
        bits = value.view(np.uint64 if value.dtype.itemsize == 8 else np.uint32)
        data[index] = (bits ^ 1).view(value.dtype)


def test_nwb_checksums_catch_a_flipped_bit(tmp_path):
    pytest.importorskip("pynwb")
    spikes, states = _recording()
    path = write_nwb(tmp_path / "run.nwb", spikes, dt_ms=0.1, states=states)
    read_nwb(path)  # intact: reads
    for dataset, index, what in (
        ("units/spike_times", 3, r"the spike times of unit \d+ \('exc' neuron \d+\)"),
        ("acquisition/v/data", (17, 2), r"the state trace 'v'"),
    ):
        broken = tmp_path / f"broken_{what[9:14]}.nwb"
        broken.write_bytes(path.read_bytes())
        _flip_one_bit(broken, dataset, index)
        with pytest.raises(ValueError, match=rf"is corrupt: {what} do(es)? not match the checksum"):
            read_nwb(broken)


def test_to_neo_needs_the_end_of_a_recording_given_as_spike_times():
    neo = pytest.importorskip("neo")
    pq = pytest.importorskip("quantities")
    trains = {"exc": [np.array([1.0, 2.0]), np.array([5.0])]}
    # ending the trains at the last spike made rates too high: the end must be given
    with pytest.raises(ValueError, match="t_stop_ms is needed when the spikes are given as spike times"):
        to_neo(trains, dt_ms=0.1)
    with pytest.raises(ValueError, match=r"t_stop_ms=4.0 is not after the last spike \(5.0 ms\)"):
        to_neo(trains, dt_ms=0.1, t_stop_ms=4.0)
    block = to_neo(trains, dt_ms=0.1, t_stop_ms=1000.0)
    st = block.segments[0].spiketrains[0]
    assert isinstance(block, neo.Block) and float(st.t_stop.rescale(pq.ms)) == 1000.0

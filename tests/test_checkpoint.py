"""Checkpoints: round trip, atomic writes, validation, no pickle."""

import pytest
import torch
from torch import nn

import spikeflow as sf
from spikeflow.io import CheckpointError, load_checkpoint, save_checkpoint

pytest.importorskip("safetensors")


def _net(tau=10.0):
    return nn.Sequential(nn.Linear(4, 6), sf.nn.LIF(tau_mem_ms=tau, stateful=True), nn.Linear(6, 2))


def test_round_trip_restores_parameters_and_held_state(tmp_path):
    torch.manual_seed(0)
    a = _net()
    x = torch.rand(5, 3, 4) * 3
    a(x)  # the LIF now holds a state
    path = save_checkpoint(a, tmp_path / "model.safetensors", metadata={"note": "trained"})
    b = _net()
    header = load_checkpoint(b, path)
    assert header["note"] == "trained" and header["format"] == "spikeflow-checkpoint"
    for (k, va), (_, vb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert torch.equal(va, vb), k
    assert torch.equal(a(x), b(x))  # same weights and same carried-over state


def test_mismatched_neuron_parameters_are_refused(tmp_path):
    path = save_checkpoint(_net(tau=10.0), tmp_path / "m.safetensors")
    # the field that differs is named, with both values, and no other field
    expected = r"neuron layer '1' has other parameters: tau_mem_ms: checkpoint 10.0, module 20.0$"
    with pytest.raises(CheckpointError, match=expected):
        load_checkpoint(_net(tau=20.0), path)


def test_wrong_shapes_are_refused(tmp_path):
    path = save_checkpoint(nn.Linear(3, 2), tmp_path / "m.safetensors")
    with pytest.raises(CheckpointError, match="does not fit the module"):
        load_checkpoint(nn.Linear(4, 2), path)


def test_not_a_checkpoint_and_corrupt_files(tmp_path):
    from safetensors.torch import save_file

    other = tmp_path / "other.safetensors"
    save_file({"w": torch.zeros(2)}, str(other))
    with pytest.raises(CheckpointError, match="is not a spikeflow checkpoint"):
        load_checkpoint(nn.Linear(1, 2), other)
    corrupt = tmp_path / "bad.safetensors"
    corrupt.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json")
    with pytest.raises(CheckpointError, match="not a readable safetensors file"):
        load_checkpoint(nn.Linear(1, 2), corrupt)
    with pytest.raises(FileNotFoundError, match="no checkpoint at"):
        load_checkpoint(nn.Linear(1, 2), tmp_path / "missing.safetensors")


def test_future_format_version_is_refused(tmp_path):
    from safetensors.torch import save_file

    path = tmp_path / "future.safetensors"
    save_file({"weight": torch.zeros(2, 1), "bias": torch.zeros(2)}, str(path),
              metadata={"format": "spikeflow-checkpoint", "format_version": "99"})  # fmt: skip
    with pytest.raises(CheckpointError, match="format version 99; this spikeflow .* reads versions 1, 2"):
        load_checkpoint(nn.Linear(1, 2), path)


def test_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = save_checkpoint(nn.Linear(2, 2), tmp_path / "m.safetensors")
    before = path.read_bytes()
    import safetensors.torch

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(safetensors.torch, "save_file", boom)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(nn.Linear(2, 2), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.safetensors"]  # no temp left


def test_bad_arguments():
    with pytest.raises(TypeError, match="module must be a torch.nn.Module, got dict"):
        save_checkpoint({}, "x.safetensors")
    with pytest.raises(TypeError, match="metadata must map str to str"):
        save_checkpoint(nn.Linear(1, 1), "x.safetensors", metadata={"epoch": 3})


def test_a_flipped_bit_or_a_changed_tensor_is_refused(tmp_path):
    path = save_checkpoint(nn.Linear(4, 3), tmp_path / "m.safetensors")
    data = bytearray(path.read_bytes())
    data[-3] ^= 0x10  # a bit in the last tensor's data
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="is corrupt: its tensors do not match the checksum"):
        load_checkpoint(nn.Linear(4, 3), path)


def test_a_tensor_of_another_dtype_is_refused_not_cast(tmp_path):
    path = save_checkpoint(nn.Linear(2, 2).double(), tmp_path / "m.safetensors")
    with pytest.raises(CheckpointError, match=r"tensor '(bias|weight)' is torch.float64 in the checkpoint"):
        load_checkpoint(nn.Linear(2, 2), path)
    load_checkpoint(nn.Linear(2, 2).double(), path)


def test_a_killed_save_leaves_no_temporary_file_after_the_next_save(tmp_path):
    import subprocess
    import sys
    import textwrap

    target = tmp_path / "m.safetensors"
    # a writer killed (SIGKILL: no finally runs) in the middle of its write
    script = textwrap.dedent(f"""
        import os, signal, safetensors.torch, torch
        from spikeflow.io import save_checkpoint
        def die(*args, **kwargs):
            os.kill(os.getpid(), signal.SIGKILL)
        safetensors.torch.save_file = die
        save_checkpoint(torch.nn.Linear(2, 2), {str(target)!r})
    """)
    for _ in range(3):
        done = subprocess.run([sys.executable, "-c", script], timeout=120)
        assert done.returncode == -9
    # each save removed the files of the writers killed before it: one is left, not three
    assert len(list(tmp_path.glob(".m.safetensors.*.tmp.safetensors"))) == 1
    save_checkpoint(nn.Linear(2, 2), target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.safetensors"]

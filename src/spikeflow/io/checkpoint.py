"""Checkpoints of trained modules in the safetensors format.

A checkpoint holds a module's ``state_dict`` (parameters, buffers and, for stateful
layers, the held neuron state) and a small text header: a format tag, a format version,
the spikeflow version, the module's class and the frozen parameters of every neuron
layer, and a SHA-256 checksum over every tensor's name, dtype, shape and bytes, verified
on load (a flipped bit is an error, not a silently different network). Files are written
atomically (:mod:`spikeflow._atomic`), so an interrupted save never leaves a truncated
checkpoint, and a killed one's temporary file is removed by the next save. Loading never
unpickles anything: safetensors stores raw tensors only; a tensor whose dtype differs
from the module's is refused, not cast.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .._atomic import write_atomically
from .._version import __version__

FORMAT = "spikeflow-checkpoint"
FORMAT_VERSION = 2  # 2: with the tensors' checksum; version 1 files (none) are still read
READS = ("1", "2")


class CheckpointError(ValueError):
    """A file is not a readable spikeflow checkpoint, or does not fit the module."""


def _safetensors():  # noqa: ANN202
    try:
        from safetensors import torch as st
    except ImportError as err:
        raise ImportError("checkpoints need safetensors: pip install 'spikeflow[io]'") from err
    return st


def _neuron_params(module: nn.Module) -> dict[str, Any]:
    from ..nn._base import NeuronLayer

    out = {}
    for name, m in module.named_modules():
        if isinstance(m, NeuronLayer):
            from ..neurons.spec import SpecParams

            if isinstance(m.params, SpecParams):  # a specification model: its identity and values
                p, spec = m.params, m.params.spec
                fields = {"model": spec.name, "specification": spec.digest(), **p.values, "dt_ms": p.dt_ms,
                          "surrogate": p.surrogate, "surrogate_slope": p.surrogate_slope,
                          "detach_reset": p.detach_reset}  # fmt: skip
            else:
                fields = dataclasses.asdict(m.params)
            out[name or "."] = {"class": type(m.params).__name__, **fields}
    return out


def tensors_digest(tensors: dict[str, torch.Tensor]) -> str:
    """SHA-256 (hex) over every tensor's name, dtype, shape and bytes, in name order."""
    h = hashlib.sha256()
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        h.update(f"{name}\0{t.dtype}\0{list(t.shape)}\0".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def save_checkpoint(
    module: nn.Module, path: str | os.PathLike, metadata: dict[str, str] | None = None
) -> Path:
    """Save ``module``'s state to ``path`` (``.safetensors``) atomically.

    Args:
        module: any ``nn.Module``.
        path: the file to write; its folder is created if missing.
        metadata: extra text fields to store in the header (str to str).

    Returns the path written.
    """
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    extra = dict(metadata or {})
    bad = {k: v for k, v in extra.items() if not (isinstance(k, str) and isinstance(v, str))}
    if bad:
        raise TypeError(f"metadata must map str to str, got {bad!r}")
    st = _safetensors()
    # safetensors rejects shared or non-contiguous storage: store independent copies
    tensors = {k: v.detach().cpu().contiguous().clone() for k, v in module.state_dict().items()}
    header = {
        **extra,
        "format": FORMAT,
        "format_version": str(FORMAT_VERSION),
        "spikeflow_version": __version__,
        "module_class": f"{type(module).__module__}.{type(module).__qualname__}",
        "neuron_params": json.dumps(_neuron_params(module), sort_keys=True),
        "tensors_sha256": tensors_digest(tensors),
    }
    return write_atomically(path, lambda tmp: st.save_file(tensors, tmp, metadata=header))


def read_checkpoint(path: str | os.PathLike) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Read and validate a checkpoint: returns ``(tensors, header)``."""
    st = _safetensors()
    from safetensors import safe_open

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {str(path)!r}")
    try:
        with safe_open(str(path), framework="pt") as fh:
            header = dict(fh.metadata() or {})
        tensors = st.load_file(str(path))
    except Exception as err:  # safetensors raises its own error types for corrupt files
        raise CheckpointError(f"{str(path)!r} is not a readable safetensors file: {err}") from err
    if header.get("format") != FORMAT:
        raise CheckpointError(f"{str(path)!r} is not a spikeflow checkpoint (no format tag {FORMAT!r})")
    version = header.get("format_version", "?")
    if version not in READS:
        raise CheckpointError(
            f"{str(path)!r} has checkpoint format version {version}; this spikeflow "
            f"({__version__}) reads versions {', '.join(READS)}"
        )
    if version != "1":
        saved = header.get("tensors_sha256")
        if saved is None or saved != tensors_digest(tensors):
            raise CheckpointError(
                f"{str(path)!r} is corrupt: its tensors do not match the checksum saved with them "
                "(a changed or damaged file); restore it from a copy"
            )
    return tensors, header


def load_checkpoint(module: nn.Module, path: str | os.PathLike, *, strict: bool = True) -> dict[str, str]:
    """Load a checkpoint written by :func:`save_checkpoint` into ``module``.

    Checks the format tag and version, that the neuron parameters stored with it match
    the module's (a layer built with another time constant would silently compute
    something else), and, with ``strict``, that the tensor names match.

    Returns the header (including any user metadata).
    """
    tensors, header = read_checkpoint(path)
    saved = json.loads(header.get("neuron_params", "{}"))
    current = _neuron_params(module)
    for name in sorted(set(saved) | set(current)):
        old, new = saved.get(name), current.get(name)
        if old == new:
            continue
        if old is None or new is None:
            where = "the module" if old is None else "the checkpoint"
            raise CheckpointError(f"neuron layer {name!r} is only in {where}")
        if isinstance(old, dict) and isinstance(new, dict):
            diffs = [f"{k}: checkpoint {old.get(k, '(absent)')!r}, module {new.get(k, '(absent)')!r}"
                     for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]  # fmt: skip
            raise CheckpointError(f"neuron layer {name!r} has other parameters: {'; '.join(diffs)}")
        raise CheckpointError(f"neuron layer {name!r}: checkpoint has {old!r}, the module has {new!r}")
    own = module.state_dict()
    for name, t in tensors.items():
        if name in own and own[name] is not None and t.dtype != own[name].dtype:
            raise CheckpointError(
                f"tensor {name!r} is {t.dtype} in the checkpoint and {own[name].dtype} in the module; "
                "convert the module (module.to(dtype)) before loading, nothing is cast silently"
            )
    try:
        module.load_state_dict(tensors, strict=strict)
    except RuntimeError as err:
        raise CheckpointError(f"checkpoint does not fit the module: {err}") from err
    return header

"""Data exchange and persistence: checkpoints (safetensors, written atomically), Neo
blocks and NWB files. Each format's package is imported only when used."""

from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .neo_io import from_neo, spike_raster, to_neo
from .nwb import NWBContent, read_nwb, write_nwb

__all__ = [
    "CheckpointError",
    "NWBContent",
    "from_neo",
    "load_checkpoint",
    "read_nwb",
    "save_checkpoint",
    "spike_raster",
    "to_neo",
    "write_nwb",
]

"""Data exchange and persistence: checkpoints (safetensors, written atomically), Neo
blocks, NWB files and NIR graphs. Each format's package is imported only when used."""

from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .neo_io import from_neo, spike_raster, to_neo
from .nir_io import TimeFold, export_nir, import_nir, write_nir
from .nwb import NWBContent, read_nwb, write_nwb

__all__ = [
    "CheckpointError",
    "NWBContent",
    "TimeFold",
    "export_nir",
    "from_neo",
    "import_nir",
    "load_checkpoint",
    "read_nwb",
    "save_checkpoint",
    "spike_raster",
    "to_neo",
    "write_nir",
    "write_nwb",
]

"""Data exchange and persistence: checkpoints (safetensors, written atomically)."""

from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint

__all__ = ["CheckpointError", "load_checkpoint", "save_checkpoint"]

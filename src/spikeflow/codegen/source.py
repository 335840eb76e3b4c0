"""Generated source files: written once to the cache directory under a name that holds a
hash of their text (an edited generator or specification never reuses stale code), then
imported from there, so that Numba caches its compiled code beside them and ``spikeflow
show-code`` can print exactly what runs.

The cache directory is ``$SPIKEFLOW_CACHE_DIR``, else ``$XDG_CACHE_HOME/spikeflow``, else
``~/.cache/spikeflow``; where it cannot be written, a per-process temporary directory is
used (the code then compiles again in every process).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
from pathlib import Path
from types import ModuleType

from .._atomic import write_atomically

_loaded: dict[str, ModuleType] = {}
_fallback: list[Path] = []


def cache_dir() -> Path:
    """Where generated source is written."""
    if os.environ.get("SPIKEFLOW_CACHE_DIR"):
        return Path(os.environ["SPIKEFLOW_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "spikeflow"


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if not path.exists() or path.read_text() != text:
        write_atomically(path, lambda tmp: Path(tmp).write_text(text))
    return path


def load(kind: str, text: str) -> ModuleType:
    """The module of generated source ``text`` (``kind`` names it: ``"torch_lif"``...),
    written to the cache directory and imported once per process."""
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    name = f"spikeflow_gen_{kind}_{digest}"
    if name in _loaded:
        return _loaded[name]
    try:
        path = _write(cache_dir(), f"{name}.py", text)
    except OSError:
        if not _fallback:
            _fallback.append(Path(tempfile.mkdtemp(prefix="spikeflow-gen-")))
        path = _write(_fallback[0], f"{name}.py", text)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # Numba's cache finds a module by its name
    spec.loader.exec_module(module)
    _loaded[name] = module
    return module

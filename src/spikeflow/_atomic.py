"""Files written whole or not at all: every file spikeflow writes (checkpoints, NWB, NIR,
figures, generated source) goes to a temporary file beside its target, is flushed to
disk and then renamed over the target, so an interrupted write never leaves a truncated
file where the user's was.

The temporary file is named ``.<target name>.<pid>.<random>.tmp<target's suffix>``
(``.run.nwb.123.ab_c.tmp.nwb``: writers that look at the extension, such as pynwb, see
the target's). One left behind by a
process that was killed (no ``finally`` runs on SIGKILL) is removed by the next write to
the same target once its process is gone, so killed saves do not pile up.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists but is not ours, or cannot tell: leave its file alone
    return True


def remove_stale(path: Path) -> list[Path]:
    """Remove the temporary files of earlier writes to ``path`` whose process has ended;
    returns the files removed."""
    removed = []
    for tmp in path.parent.glob(f".{path.name}.*.tmp{path.suffix}"):
        parts = tmp.name[len(path.name) + 2 :].split(".")
        if len(parts) >= 3 and parts[0].isdigit() and not _alive(int(parts[0])):
            try:
                tmp.unlink()
                removed.append(tmp)
            except OSError:
                pass
    return removed


def write_atomically(path: str | os.PathLike, write: Callable[[str], None]) -> Path:
    """Call ``write(temporary path)`` to produce the file, then move it over ``path``.

    The folder is created if missing; stale temporary files of ``path`` are removed
    first; on any failure (an exception, KeyboardInterrupt) the temporary file is removed
    and ``path`` is untouched. Returns ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp" + path.suffix,
                               dir=path.parent)  # fmt: skip
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path

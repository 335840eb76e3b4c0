"""A dependency-free progress bar for long CLI work (written to stderr)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """Text progress bar: ``label |#####.....| 12/30 [3.1s] loss=0.12``.

    On a terminal it redraws one line; elsewhere (logs, CI) it prints at most about
    ten lines. ``enabled=False`` makes every call a no-op.

    Args:
        total: number of units of work (>= 1).
        label: text before the bar.
        stream: where to write (default ``sys.stderr``).
        enabled: draw anything at all.
    """

    def __init__(
        self, total: int, label: str = "", stream: TextIO | None = None, enabled: bool = True
    ) -> None:
        self.total = max(int(total), 1)
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self.count = 0
        self.start = time.perf_counter()
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_printed = -1

    def update(self, n: int = 1, **info: float | str) -> None:
        """Advance by ``n`` units and show ``info`` (for example ``loss=0.12``)."""
        self.count = min(self.count + n, self.total)
        if not self.enabled:
            return
        decile = 10 * self.count // self.total
        if not self._tty and decile == self._last_printed and self.count < self.total:
            return
        self._last_printed = decile
        width = 30
        done = width * self.count // self.total
        extras = " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in info.items())
        line = (
            f"{self.label} |{'#' * done}{'.' * (width - done)}| {self.count}/{self.total} "
            f"[{time.perf_counter() - self.start:.1f}s] {extras}".rstrip()
        )
        if self._tty:
            self.stream.write("\r" + line + ("\n" if self.count >= self.total else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        """Finish the line on a terminal if the work stopped early."""
        if self.enabled and self._tty and self.count < self.total:
            self.stream.write("\n")
            self.stream.flush()

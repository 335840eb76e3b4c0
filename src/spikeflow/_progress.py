"""Progress bars for long CLI work and simulations: tqdm's, written to stderr."""

from __future__ import annotations

import sys
from typing import TextIO


class ProgressBar:
    """A tqdm bar, ``label:  40%|####      | 12/30 [00:03<00:04, loss=0.12]``.

    ``enabled=False`` makes every call a no-op (nothing is drawn).

    Args:
        total: number of units of work (>= 1).
        label: text before the bar.
        stream: where to write (default ``sys.stderr``).
        enabled: draw anything at all.
    """

    def __init__(
        self, total: int, label: str = "", stream: TextIO | None = None, enabled: bool = True
    ) -> None:
        from tqdm import tqdm

        self._bar = tqdm(
            total=max(int(total), 1), desc=label, file=stream if stream is not None else sys.stderr,
            disable=not enabled, mininterval=0.5, dynamic_ncols=True, ascii=True,
        )  # fmt: skip

    def update(self, n: int = 1, **info: float | str) -> None:
        """Advance by ``n`` units and show ``info`` (for example ``loss=0.12``)."""
        if info:
            shown = {k: f"{v:.4g}" if isinstance(v, float) else str(v) for k, v in info.items()}
            self._bar.set_postfix(shown, refresh=False)
        self._bar.update(n)

    def close(self) -> None:
        """Finish the bar (its line stays)."""
        self._bar.close()

"""What the CPU (Numba) and GPU (Triton) kernels share: the surrogate codes and the
unified reset expression ``v = u - (z r) (c + k (u - v_reset))``, which equals the
reference's reset exactly for the 0/1 flags ``r`` and ``k`` (subtract: r=1, k=0,
c=v_th-v_reset; value: r=1, k=1, c=0; none: r=0)."""

from __future__ import annotations

SURROGATE_CODES = {
    "fast_sigmoid": 0,
    "arctan": 1,
    "sigmoid": 2,
    "triangle": 3,
    "straight_through": 4,
}


def reset_flags(reset: str, v_th: float, v_reset: float) -> tuple[float, float, float]:
    """``(r, k, c)`` of the unified reset expression for a reset mode."""
    if reset == "subtract":
        return 1.0, 0.0, v_th - v_reset
    if reset == "value":
        return 1.0, 1.0, 0.0
    return 0.0, 0.0, 0.0

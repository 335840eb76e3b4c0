"""What the generated Triton (GPU) kernels share (:mod:`spikeflow.codegen.triton_backend`):
the surrogate gradient of each shape, by code (:data:`spikeflow.kernels.conventions.SURROGATE_CODES`:
0 fast sigmoid, 1 arctan, 2 sigmoid, 3 triangle, 4 straight-through), at the distance to
threshold ``h`` with slope ``k``.

Status: tested against the reference through Triton's interpreter (``TRITON_INTERPRET=1``,
on CPU tensors) only; no GPU was available to this work (see ``docs/benchmarks.md``).
"""

from __future__ import annotations

import triton
import triton.language as tl


@triton.jit
def _surrogate(h, KIND: tl.constexpr, k, halfpi):
    if KIND == 0:
        d = 1.0 + k * tl.abs(h)
        s = 1.0 / (d * d)
    elif KIND == 1:
        w = halfpi * k * h
        s = (k / 2.0) / (1.0 + w * w)
    elif KIND == 2:
        e = 1.0 / (1.0 + tl.exp(-k * h))
        s = k * e * (1.0 - e)
    elif KIND == 3:
        s = k * tl.maximum(1.0 - k * tl.abs(h), 0.0)
    else:
        s = h * 0.0 + 1.0
    return s

"""Fused multi-step kernels and the dispatcher that picks them.

The pure-torch ``step`` of each model in :mod:`spikeflow.neurons` is the reference and
the fallback; :func:`fused_sequence` runs a whole ``[T, batch, *features]`` sequence in
one kernel call when one exists for the model, device and dtype, and returns ``None``
otherwise. The kernels are generated from the model's specification
(:mod:`spikeflow.codegen.fused`: the LIF, synaptic LIF, ALIF, CubaLIF, LI and any
specification model); the hand-written biophysical models (CondLIF, AdEx, Izhikevich,
Hodgkin-Huxley) have none and run the reference loop. CPU kernels need Numba
(``pip install 'spikeflow[fast]'``), CUDA kernels Triton (tested through Triton's
interpreter, not yet on a GPU). Large output and scratch buffers are cached and reused
once freed (:mod:`spikeflow.kernels.buffers`; ``set_buffer_cache_limit(0)`` turns that
off).
"""

from __future__ import annotations

import importlib.util
from typing import Any

import torch

from . import threads
from .buffers import buffer_cache_limit, cached_bytes, set_buffer_cache_limit
from .conventions import SURROGATE_CODES

__all__ = [
    "buffer_cache_limit",
    "cached_bytes",
    "fused_linear_sequence",
    "fused_sequence",
    "numba_available",
    "set_buffer_cache_limit",
    "triton_available",
    "unsupported_reason",
]

_SURROGATES = tuple(SURROGATE_CODES)  # the surrogate shapes the kernels know


def numba_available() -> bool:
    """Whether the CPU kernels can run (Numba is installed)."""
    return importlib.util.find_spec("numba") is not None


def triton_available() -> bool:
    """Whether the GPU kernels can run (Triton is installed)."""
    return importlib.util.find_spec("triton") is not None


def _spec_of(coeffs: Any) -> Any:
    """The specification of a specification model's coefficients, else ``None``."""
    return getattr(getattr(coeffs, "params", None), "spec", None)


def unsupported_reason(model: str, x: torch.Tensor, coeffs: Any) -> str | None:
    """Why no fused kernel can run this sequence of ``model`` (its name, for the message),
    or ``None`` if one can."""
    spec = _spec_of(coeffs)
    if spec is None:
        return f"no fused kernel for the {model!r} model (it is not generated from a specification)"
    from ..codegen import fused

    return fused.unsupported_reason(spec, x, coeffs)


def fused_sequence(model: str, x: torch.Tensor, state: Any, coeffs: Any) -> tuple[torch.Tensor, Any] | None:
    """Run ``model`` over ``x [T, batch, *features]`` from ``state`` in one fused call.

    Returns ``(outputs [T, ...], final_state)``, or ``None`` when no kernel applies (see
    :func:`unsupported_reason`).
    """
    spec = _spec_of(coeffs)
    if spec is None:
        return None
    from ..codegen import fused

    return fused.fused_sequence(spec, x, state, coeffs)


def fused_linear_sequence(
    model: str,
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    state: Any,
    coeffs: Any,
) -> tuple[torch.Tensor, Any] | None:
    """Run ``model`` over ``x @ weight.T + bias`` for ``x [T, batch, *, in]`` in one fused
    call that runs in time chunks and recomputes the currents in the backward pass
    instead of keeping them (see :mod:`spikeflow.kernels.fused_linear`), with the
    generated kernels of the model's specification and fixed parameters (learnable ones
    take the layer's unfused path).

    Returns ``(spikes [T, ..., out], final_state)``, or ``None`` when no kernel applies.
    """
    if x.device.type != "cpu" or weight.dtype != x.dtype or weight.device != x.device:
        return None
    if bias is not None and bias.dtype != x.dtype:
        return None
    spec = _spec_of(coeffs)
    if spec is None:
        return None
    from ..codegen import fused
    from .fused_linear import FusedLinearNeuron, SpecNeuron

    if fused.unsupported_reason(spec, x, coeffs) is not None:
        return None
    if any(isinstance(v, torch.Tensor) for v in coeffs.values):
        return None
    fields = fused.kernel_state(spec, coeffs)
    threads.before_launch()
    neuron = SpecNeuron(spec, coeffs, x.dtype)
    out = FusedLinearNeuron.apply(x, weight, bias, neuron, *(getattr(state, f) for f in fields))
    return out[0], state._replace(**dict(zip(fields, out[1:])))

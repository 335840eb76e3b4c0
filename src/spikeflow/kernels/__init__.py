"""Fused multi-step kernels and the dispatcher that picks them.

The pure-torch ``step`` of each model in :mod:`spikeflow.neurons` is the reference and
the fallback; :func:`fused_sequence` runs a whole ``[T, batch, *features]`` sequence in
one kernel call when one exists for the model, device and dtype, and returns ``None``
otherwise. CPU kernels need Numba (``pip install 'spikeflow[fast]'``), CUDA kernels
Triton (:mod:`spikeflow.kernels.gpu_triton`; tested through Triton's interpreter, not yet
on a GPU). Large output and
scratch buffers are cached and reused once freed (:mod:`spikeflow.kernels.buffers`;
``set_buffer_cache_limit(0)`` turns that off).
"""

from __future__ import annotations

import importlib.util
from typing import Any

import torch

from . import threads
from .buffers import buffer_cache_limit, cached_bytes, set_buffer_cache_limit
from .conventions import per_coeffs

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

_SURROGATES = ("fast_sigmoid", "arctan", "sigmoid", "triangle", "straight_through")
# the hand-written kernels (the LIF's and synaptic LIF's are generated from their
# specifications: spikeflow.codegen.fused)
_MODELS = ("alif",)
_CPU_FUNCTION = {"alif": "FusedALIF"}  # in fused_cpu
_KERNEL_STATE = {"alif": ("v", "a")}  # what a kernel carries


def numba_available() -> bool:
    """Whether the CPU kernels can run (Numba is installed)."""
    return importlib.util.find_spec("numba") is not None


def triton_available() -> bool:
    """Whether the GPU kernels can run (Triton is installed)."""
    return importlib.util.find_spec("triton") is not None


def _spec_of(coeffs: Any) -> Any:
    """The specification of a specification model's coefficients, else ``None``."""
    return getattr(getattr(coeffs, "params", None), "spec", None)


def _membrane(coeffs: Any) -> Any:
    return getattr(coeffs, "membrane", coeffs)


_reasons: dict = {}  # (model, id(coeffs), device type, dtype) -> (coeffs, reason)


def unsupported_reason(model: str, x: torch.Tensor, coeffs: Any) -> str | None:
    """Why no fused kernel can run this sequence, or ``None`` if one can (remembered per
    coefficients object, which a layer passes unchanged on every call)."""
    spec = _spec_of(coeffs)
    if spec is not None:  # a specification model (the LIF): its generated kernels
        from ..codegen import fused

        return fused.unsupported_reason(spec, x, coeffs)
    forked = threads.fork_reason() if x.device.type == "cpu" else None
    if forked is not None:
        return forked
    key = (model, id(coeffs), x.device.type, x.dtype)
    return per_coeffs(_reasons, key, coeffs, lambda: _reason(model, x, coeffs))


def _reason(model: str, x: torch.Tensor, coeffs: Any) -> str | None:
    if model not in _MODELS:
        return f"no fused kernel for the {model!r} model"
    if x.device.type not in ("cpu", "cuda"):
        return f"no fused kernel for device {x.device.type!r} (CPU and CUDA only)"
    if x.dtype not in (torch.float32, torch.float64):
        return f"fused kernels take float32 or float64, got {x.dtype}"
    m = _membrane(coeffs)
    if m.refractory_steps > 0:
        return "fused kernels do not model refractory periods"
    if m.spike.name not in _SURROGATES:
        return f"no fused kernel for the custom surrogate {m.spike.name!r}"
    values = list(m[:5]) + ([] if m is coeffs else list(coeffs[1:]))
    if any(isinstance(v, torch.Tensor) for v in values):
        return "fused kernels take fixed parameters (learn_tau/learn_threshold use the reference)"
    if x.device.type == "cuda" and not triton_available():
        return "Triton is not installed (pip install triton)"
    if x.device.type == "cpu" and not numba_available():
        return "Numba is not installed (pip install 'spikeflow[fast]')"
    return None


def fused_sequence(model: str, x: torch.Tensor, state: Any, coeffs: Any) -> tuple[torch.Tensor, Any] | None:
    """Run ``model`` over ``x [T, batch, *features]`` from ``state`` in one fused call.

    Returns ``(outputs [T, ...], final_state)``, or ``None`` when no kernel applies (see
    :func:`unsupported_reason`).
    """
    spec = _spec_of(coeffs)
    if spec is not None:
        from ..codegen import fused

        return fused.fused_sequence(spec, x, state, coeffs)
    if unsupported_reason(model, x, coeffs) is not None:
        return None
    if x.device.type == "cuda":  # Triton; tested through its interpreter only (no GPU here)
        from .gpu_triton import triton_sequence

        return triton_sequence(model, x, state, coeffs)
    from . import fused_cpu

    threads.before_launch()
    names = _KERNEL_STATE[model]
    tensors = [getattr(state, k) for k in names]
    fn = getattr(fused_cpu, _CPU_FUNCTION[model])
    if torch.is_grad_enabled() and (x.requires_grad or any(t.requires_grad for t in tensors)):
        z, *final = fn.apply(x, *tensors, coeffs)
    else:
        z, *final = fn.infer(x, tensors, coeffs)
    return z, state._replace(**dict(zip(names, final)))


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
    instead of keeping them (see :mod:`spikeflow.kernels.fused_linear`). ``coeffs`` of a
    specification model (the LIF's: a :class:`~spikeflow.codegen.runtime.SpecCoeffs`) run
    its generated kernels, those of the ALIF the hand-written ones.

    Returns ``(spikes [T, ..., out], final_state)``, or ``None`` when no kernel applies.
    """
    if x.device.type != "cpu" or weight.dtype != x.dtype or weight.device != x.device:
        return None
    if bias is not None and bias.dtype != x.dtype:
        return None
    from .fused_linear import FusedLinearNeuron, HandNeuron, SpecNeuron

    spec = _spec_of(coeffs)
    if spec is not None:
        from ..codegen import fused

        if fused.unsupported_reason(spec, x, coeffs) is not None:
            return None
        if any(isinstance(v, torch.Tensor) for v in coeffs.values):  # learnable: the unfused path
            return None
        fields = fused.kernel_state(spec, coeffs)
        neuron: Any = SpecNeuron(spec, coeffs, x.dtype)
    else:
        if unsupported_reason(model, x, coeffs) is not None:
            return None
        from . import fused_cpu

        fields = _KERNEL_STATE[model]
        neuron = HandNeuron(getattr(fused_cpu, _CPU_FUNCTION[model]), coeffs, x.dtype)
    threads.before_launch()
    out = FusedLinearNeuron.apply(x, weight, bias, neuron, *(getattr(state, f) for f in fields))
    return out[0], state._replace(**dict(zip(fields, out[1:])))

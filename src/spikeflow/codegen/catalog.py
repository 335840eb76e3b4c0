"""The models spikeflow runs and the backends that run each: what ``spikeflow models``
prints. Hand-written models are asked the same questions their users' code asks (can
the network simulator's fast backend run a population of it, does a fused kernel apply),
so the table cannot drift from the code; models defined by a specification have all
four backends generated. The LIF, the current-based LIF and the leaky integrator
(``lif``, ``cuba_lif``, ``li``) are specifications behind their parameter classes
(``LIFParams``, ...): listed as such, with the backends their classes reach."""

from __future__ import annotations

import importlib.util
from dataclasses import fields, is_dataclass
from typing import Any

BACKENDS = ("reference", "fast_sim", "fused_cpu", "fused_gpu")


def _hand_written() -> list[tuple[str, Any]]:
    from ..neurons import (
        adex,
        alif,
        cond_lif,
        cuba_lif,
        hodgkin_huxley,
        izhikevich,
        leaky_integrator,
        lif,
        synaptic_lif,
    )

    modules = (
        lif,
        synaptic_lif,
        alif,
        cuba_lif,
        cond_lif,
        adex,
        izhikevich,
        hodgkin_huxley,
        leaky_integrator,
    )
    return [(m.MODEL.name, m) for m in modules]


def _hand_written_backends(module: Any) -> list[str]:
    import torch

    from ..sim import Network

    params = module.MODEL.params_cls()
    dt = getattr(params, "dt_ms", 0.1)
    found = ["reference"]
    net = Network(dt_ms=dt, backend="auto")
    try:
        net.population(1, params)
    except TypeError:  # not a model of the network simulator (a training layer's model only)
        pass
    else:
        if net.fast_unsupported_reason() is None:
            found.append("fast_sim")
    x = torch.zeros((2, 1))
    coeffs = params.coeffs()
    if hasattr(module, "spec"):  # a parameter class in front of a specification: generated kernels
        from .fused import unsupported_reason

        if unsupported_reason(coeffs.params.spec, x, coeffs) is None:  # (the same limits on GPU)
            found.append("fused_cpu")
            if importlib.util.find_spec("triton") is not None:
                found.append("fused_gpu")
    return found


def _spec_backends() -> list[str]:
    found = ["reference"]
    if importlib.util.find_spec("numba") is not None:
        found += ["fast_sim", "fused_cpu"]
    if importlib.util.find_spec("triton") is not None:
        found.append("fused_gpu")
    return found


def models() -> list[dict]:
    """One entry per model: ``name``, ``kind`` (``"hand-written"`` or ``"specification"``),
    ``parameters`` (name -> ``{"default", "unit"}``), ``state`` (variable names) and
    ``backends`` (of :data:`BACKENDS`, those that run it here)."""
    from ..neurons.spec import registered

    out = []
    for name, module in _hand_written():
        params = module.MODEL.params_cls
        entries = (
            {f.name: {"default": f.default, "unit": None} for f in fields(params)}
            if is_dataclass(params)
            else {}
        )
        state = list(module.MODEL.state_cls._fields)
        kind = "specification" if hasattr(module, "spec") else "hand-written"
        out.append(
            {"name": name, "kind": kind, "parameters": entries, "state": state,
             "backends": _hand_written_backends(module)}
        )  # fmt: skip
    for name, spec in sorted(registered().items()):
        entries = {k: {"default": p.default, "unit": p.unit} for k, p in spec.parameters.items()}
        out.append(
            {"name": name, "kind": "specification", "parameters": entries, "state": list(spec.state),
             "integrator": spec.integrator, "backends": _spec_backends(), "doc": spec.doc}
        )  # fmt: skip
    return out


SHOW_BACKENDS = {
    "reference": "torch",
    "fast_sim": "numba_sim",
    "fused_cpu": "numba_train",
    "fused_gpu": "triton",
}


def show_code(name: str, backend: str) -> str:
    """The generated source of model ``name`` for ``backend`` (one of :data:`BACKENDS`)."""
    from ..neurons.spec import class_specs, get, registered
    from .runtime import generated_text

    if backend not in SHOW_BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(SHOW_BACKENDS)}, got {backend!r}")
    for model_spec in class_specs():
        if name == model_spec.name:
            return generated_text(model_spec, SHOW_BACKENDS[backend])
    if name not in registered():
        hand = [n for n, _ in _hand_written()]
        if name in hand:
            raise ValueError(
                f"{name!r} is a hand-written model (not yet generated from a specification); models with "
                f"generated code: {', '.join(sorted(registered()))}"
            )
    return generated_text(get(name), SHOW_BACKENDS[backend])

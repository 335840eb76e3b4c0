"""The neurons of Brette et al.'s (2007) COBA and CUBA benchmarks written as
specifications (:mod:`spikeflow.neurons.spec`), so that the networks of
:mod:`spikeflow.models.coba` and :mod:`spikeflow.models.cuba` run at any integrator
(``run_coba(params=brette_neuron("coba", "rk4").params())``). COBA's parameters are those of
:func:`spikeflow.models.coba.coba_params`; CUBA's neuron is the built-in CubaLIF's
specification (:func:`spikeflow.neurons.cuba_lif.spec`) at another integrator.
"""

from __future__ import annotations

from ..neurons.spec import ModelSpec, define_model

FIELDS = {
    "coba": dict(
        parameters={"C_m": (200.0, "pF"), "g_L": (10.0, "nS"), "E_L": (-60.0, "mV"), "E_ex": (0.0, "mV"),
                    "E_in": (-80.0, "mV"), "tau_ex_ms": (5.0, "ms"), "tau_in_ms": (10.0, "ms"),
                    "V_th": (-50.0, "mV"), "V_reset": (-60.0, "mV"),
                    "t_ref_ms": (5.0, "ms", "", "non_negative")},
        state={"v": "mV", "g_ex": "nS", "g_in": "nS"},
        equations="""dv/dt = (g_L * (E_L - v) + g_ex * (E_ex - v) + g_in * (E_in - v)) / C_m
                     dg_ex/dt = -g_ex / tau_ex_ms
                     dg_in/dt = -g_in / tau_in_ms""",
        receptors={"exc": "g_ex += x", "inh": "g_in -= x"},
    ),
}  # fmt: skip
COMMON = dict(threshold="v >= V_th", reset="v = V_reset", refractory="t_ref_ms", initial={"v": "E_L"})


def _cuba_fields() -> dict:
    """CUBA's neuron: the built-in current-based LIF's specification
    (:func:`spikeflow.neurons.cuba_lif.spec`), field by field (written once, there)."""
    from dataclasses import fields

    from ..neurons import cuba_lif

    base, own = cuba_lif.spec(), ("name", "integrator", "doc")
    return {f.name: getattr(base, f.name) for f in fields(base) if f.name not in own}
INTEGRATORS = {"cuba": ("exact", "exp_euler", "euler", "rk4"), "coba": ("exp_euler", "euler", "rk4")}


def brette_neuron(network: str, integrator: str, **changes: object) -> ModelSpec:
    """The neuron of ``network`` (``"coba"`` or ``"cuba"``) as a registered specification
    integrated by ``integrator`` (one of :data:`INTEGRATORS` of that network), named
    ``brette_<network>_<integrator>``; ``changes`` replace fields of the specification
    (e.g. ``refractory=None``; the name then gets ``_custom``)."""
    if network not in INTEGRATORS:
        raise ValueError(f"network must be 'coba' or 'cuba', got {network!r}")
    if integrator not in INTEGRATORS[network]:
        raise ValueError(
            f"integrator for {network} must be one of {INTEGRATORS[network]}, got {integrator!r}"
        )
    name = f"brette_{network}_{integrator}" + ("_custom" if changes else "")
    base = _cuba_fields() if network == "cuba" else {**FIELDS[network], **COMMON}
    return define_model(name, **{**base, "integrator": integrator, **changes})

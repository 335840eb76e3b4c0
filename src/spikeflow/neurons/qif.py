"""Quadratic integrate-and-fire neuron (Ermentrout & Kopell 1986; Latham et al. 2000), in
the dimensional form of Izhikevich (2007, ch. 8), defined by its specification alone;
NEST units (mV, ms, pA, nS, pF)::

    C_m dV/dt = k (V - E_L) (V - V_c) + I_e + I

``E_L`` is the stable rest, ``V_c`` the critical potential above which the neuron fires
without input. A spike when ``V >= V_peak``; then ``V = V_reset``, held for ``t_ref_ms``.
The input is a current (pA) held over the step. Integrator: RK4. Defaults: Izhikevich's
(2007) regular-spiking cortical cell without its recovery variable.
"""

from .spec import Parameter, define_model

SPEC = define_model(
    "qif",
    parameters={
        "C_m": Parameter(100.0, "pF", "membrane capacitance", "positive"),
        "k": Parameter(0.7, "nS/mV", "curvature of the I-V relation", "positive"),
        "E_L": Parameter(-60.0, "mV", "resting potential"),
        "V_c": Parameter(-40.0, "mV", "critical potential"),
        "V_peak": Parameter(35.0, "mV", "spike cut-off"),
        "V_reset": Parameter(-50.0, "mV", "potential after a spike"),
        "t_ref_ms": Parameter(0.0, "ms", "refractory period", "non_negative"),
        "I_e": Parameter(0.0, "pA", "constant external current"),
    },
    state={"v": "mV"},
    equations="dv/dt = (k * (v - E_L) * (v - V_c) + I_e + I) / C_m",
    threshold="v >= V_peak",
    reset="v = V_reset",
    refractory="t_ref_ms",
    input=("I", "pA"),
    initial={"v": "E_L"},
    integrator="rk4",
    checks=("V_c > E_L", "V_peak > V_c", "V_peak > V_reset"),
    threshold_parameter="V_peak",
    doc="Quadratic integrate-and-fire (Latham et al. 2000; Izhikevich 2007)",
)

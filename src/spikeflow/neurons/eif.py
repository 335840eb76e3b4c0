"""Exponential integrate-and-fire neuron (Fourcaud-Trocme, Hansel, van Vreeswijk & Brunel
2003), defined by its specification alone; NEST units (mV, ms, pA, nS, pF)::

    C_m dV/dt = -g_L (V - E_L) + g_L Delta_T exp((V - V_T) / Delta_T) + I_e + I

A spike when ``V >= V_peak``; then ``V = V_reset``, held for ``t_ref_ms``. The input is a
current (pA) held over the step. Integrator: RK4. Defaults: the AdEx cell of Brette &
Gerstner (2005) without adaptation, cut at ``V_peak = V_T + 5 Delta_T`` (-40.4 mV), where
the upstroke is already steep (the spike time then moves by about 0.1 ms against a
cut at 0 mV, and RK4 at ``dt_ms = 0.1`` stays stable).
"""

from .spec import Parameter, define_model

SPEC = define_model(
    "eif",
    parameters={
        "C_m": Parameter(281.0, "pF", "membrane capacitance", "positive"),
        "g_L": Parameter(30.0, "nS", "leak conductance", "positive"),
        "E_L": Parameter(-70.6, "mV", "leak reversal potential"),
        "Delta_T": Parameter(2.0, "mV", "slope factor of the spike upstroke", "positive"),
        "V_T": Parameter(-50.4, "mV", "threshold of the exponential term"),
        "V_peak": Parameter(-40.4, "mV", "spike cut-off"),
        "V_reset": Parameter(-70.6, "mV", "potential after a spike"),
        "t_ref_ms": Parameter(0.0, "ms", "refractory period", "non_negative"),
        "I_e": Parameter(0.0, "pA", "constant external current"),
    },
    state={"v": "mV"},
    equations="dv/dt = (-g_L * (v - E_L) + g_L * Delta_T * exp((v - V_T) / Delta_T) + I_e + I) / C_m",
    threshold="v >= V_peak",
    reset="v = V_reset",
    refractory="t_ref_ms",
    input=("I", "pA"),
    initial={"v": "E_L"},
    integrator="rk4",
    checks=("V_peak > V_T", "V_peak > V_reset"),
    threshold_parameter="V_peak",
    doc="Exponential integrate-and-fire (Fourcaud-Trocme et al. 2003)",
)

COMMENT
Threshold, reset and refractory clamp for a passive compartment: together with `pas`
and two ExpSyn conductances it makes the conductance-based LIF neuron of the COBA
benchmark (Brette et al. 2007) in NEURON, for spikeflow's benchmarks/peers/neuron_coba.py.
When v crosses vth upwards the mechanism emits an event, sets v to vreset and clamps it
there through a large conductance for tref; then it releases the clamp.
ENDCOMMENT

NEURON {
    POINT_PROCESS IFReset
    RANGE vth, vreset, tref, gclamp
    NONSPECIFIC_CURRENT i
}

UNITS {
    (mV) = (millivolt)
    (nA) = (nanoamp)
    (uS) = (microsiemens)
}

PARAMETER {
    vth = -50 (mV)
    vreset = -60 (mV)
    tref = 5 (ms)
    gclamp = 1000 (uS)
}

ASSIGNED {
    v (mV)
    i (nA)
    g (uS)
}

INITIAL {
    g = 0
    net_send(0, 1)
}

BREAKPOINT {
    i = g * (v - vreset)
}

NET_RECEIVE (w) {
    if (flag == 1) {
        WATCH (v > vth) 2
    } else if (flag == 2) {
        net_event(t)
        v = vreset
        g = gclamp
        net_send(tref, 3)
    } else if (flag == 3) {
        v = vreset
        g = 0
    }
}

"""Property-based tests of the public API (hypothesis, bounded): whatever the arguments,
parameter classes, layers, network construction and the decoders either work or raise
ValueError/TypeError, never another exception (no OverflowError, IndexError,
AttributeError, ZeroDivisionError, crash or hang)."""

import dataclasses
import math
import os

import numpy as np
import pytest
import torch

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from spikeflow import encoding, neurons  # noqa: E402
from spikeflow.sim import Network  # noqa: E402

EXAMPLES = int(os.environ.get("SPIKEFLOW_API_EXAMPLES", 60))  # 1500 each pass in 7 s
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
PARAMS = [neurons.LIFParams, neurons.SynapticLIFParams, neurons.ALIFParams, neurons.LIParams,
          neurons.CubaLIFParams, neurons.CondLIFParams, neurons.AdExParams, neurons.IzhikevichParams,
          neurons.HHParams]  # fmt: skip
ODD = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-1e300, 1e300),
    st.integers(-(2**70), 2**70),
    st.booleans(),
    st.none(),
    st.text(max_size=5),
    st.sampled_from(["subtract", "value", "none", "delta", "current", "exp", "alpha", "rk4", "exp_euler"]),
)


@SETTINGS
@given(st.sampled_from(PARAMS), st.data())
def test_parameter_classes_accept_or_raise_value_or_type_errors(cls, data):
    names = [f.name for f in dataclasses.fields(cls)]
    chosen = data.draw(st.lists(st.sampled_from(names), max_size=3, unique=True))
    kwargs = {n: data.draw(ODD) for n in chosen}
    try:
        cls(**kwargs).coeffs()  # what an instance derives raises only these too
    except (ValueError, TypeError):
        return


@SETTINGS
@given(
    dt=ODD,
    seed=ODD,
    n=st.one_of(st.integers(-3, 50), st.integers(10**13, 2**70), ODD.filter(lambda v: type(v) is not int)),
    duration=st.one_of(st.floats(0.0, 3.0), ODD),
    p=st.one_of(st.floats(-0.5, 1.5), ODD),
    weight=ODD,
    delay=st.one_of(st.floats(-1.0, 3.0), ODD),
)
def test_network_construction_and_runs_accept_or_raise_value_or_type_errors(dt, seed, n, duration, p, weight,
                                                                              delay):  # fmt: skip
    try:
        net = Network(dt_ms=dt, seed=seed, backend="reference")
        a = net.population(n, neurons.LIFParams(dt_ms=net.dt_ms))
        net.connect(a, a, p=p, weight=weight, delay_ms=delay)
        net.record_spikes(a)
        if isinstance(duration, float) and math.isfinite(duration) and duration > 10.0:
            duration = 10.0  # bounded in time: at most 10 ms
        net.run(duration, progress=False)
    except (ValueError, TypeError):
        return
    except UserWarning:  # pragma: no cover - warnings are not errors here
        return


@SETTINGS
@given(
    shape=st.lists(st.integers(0, 4), min_size=0, max_size=3),
    fill=st.sampled_from([0.0, 1.0, math.nan, math.inf]),
    as_list=st.booleans(),
)
def test_decoders_accept_or_raise_value_or_type_errors(shape, fill, as_list):
    x = torch.full(shape, fill)
    arg = x.tolist() if as_list else x
    for decode in (encoding.latency_decode, encoding.first_spike_time, encoding.isi_rate, encoding.spike_rate,
                   encoding.spike_count, encoding.population_decode, encoding.max_membrane,
                   lambda s: encoding.delta_decode(s, 0.5)):  # fmt: skip
        try:
            decode(arg)
        except (ValueError, TypeError):
            pass


def test_the_properties_above_are_not_vacuous():
    # each of them does reach the successful path for ordinary arguments
    p = neurons.LIFParams(tau_mem_ms=5.0, v_th=5.0)
    _, state = neurons.lif.step(torch.zeros(1), neurons.lif.init_state((1,), p)._replace(v=torch.ones(1)), p)
    assert float(state.v) == pytest.approx(np.exp(-0.2), rel=1e-6)  # one step's decay (float32)
    net = Network(dt_ms=0.1, seed=1, backend="reference")
    a = net.population(5, neurons.LIFParams(dt_ms=0.1))
    net.connect(a, a, p=0.5, weight=0.2, delay_ms=0.2)
    net.run(1.0, progress=False)
    assert net.step_count == 10

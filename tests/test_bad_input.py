"""Bad input gets a ValueError/TypeError naming the argument, the value and the expectation."""

import pytest
import torch

import spikeflow as sf
from spikeflow import encoding
from spikeflow.learning import losses
from spikeflow.neurons import ALIFParams, LIFParams, LIParams, SynapticLIFParams


@pytest.mark.parametrize(
    "cls,kw,match",
    [
        (LIFParams, {"tau_mem_ms": -1.0}, r"tau_mem_ms must be > 0, got -1.0"),
        (LIFParams, {"tau_mem_ms": 0}, r"tau_mem_ms must be > 0, got 0.0"),
        (LIFParams, {"dt_ms": 0.0}, r"dt_ms must be > 0, got 0.0"),
        (SynapticLIFParams, {"tau_syn_ms": -2.0}, r"tau_syn_ms must be > 0, got -2.0"),
        (ALIFParams, {"tau_adapt_ms": 0.0}, r"tau_adapt_ms must be > 0, got 0.0"),
        (ALIFParams, {"beta_adapt": -0.1}, r"beta_adapt must be >= 0, got -0.1"),
        (LIParams, {"tau_mem_ms": -5.0}, r"tau_mem_ms must be > 0, got -5.0"),
        (LIFParams, {"v_th": 0.0, "v_reset": 0.5}, r"v_th must be above v_reset, got v_th=0.0"),
        (LIFParams, {"v_th": 1.0, "v_reset": 1.0}, r"v_th must be above v_reset"),
        (LIFParams, {"refractory_ms": -1.0}, r"refractory_ms must be >= 0, got -1.0"),
        (LIFParams, {"refractory_ms": 0.1, "dt_ms": 1.0}, r"refractory_ms=0.1 is shorter"),
        (LIFParams, {"reset": "zero"}, r"reset must be one of .*got 'zero'"),
        (LIFParams, {"input_mode": "voltage"}, r"input_mode must be one of .*got 'voltage'"),
        (LIFParams, {"surrogate": "softplus"}, r"surrogate must be one of .*got 'softplus'"),
        (LIFParams, {"tau_mem_ms": float("nan")}, r"tau_mem_ms must be finite, got nan"),
        (SynapticLIFParams, {"input_mode": "current"}, r"input_mode must be 'delta' for Syn"),
    ],
)
def test_bad_parameters(cls, kw, match):
    with pytest.raises(ValueError, match=match):
        cls(**kw)


def test_parameter_of_wrong_type():
    with pytest.raises(TypeError, match=r"tau_mem_ms must be a real number, got str '10'"):
        LIFParams(tau_mem_ms="10")


def test_layer_rejects_wrong_rank():
    with pytest.raises(ValueError, match=r"x must have at least 2 dimensions, got shape \(5,\)"):
        sf.nn.LIF()(torch.zeros(5))


def test_layer_rejects_zero_time_steps():
    with pytest.raises(ValueError, match=r"x must have at least one time step \(T >= 1\)"):
        sf.nn.LIF()(torch.zeros(0, 2, 3))


def test_layer_rejects_integer_dtype():
    with pytest.raises(TypeError, match=r"x must have a floating-point dtype, got torch.int64"):
        sf.nn.ALIF()(torch.zeros(3, 2, 4, dtype=torch.int64))


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_layer_rejects_nan_and_inf(bad):
    x = torch.zeros(3, 2, 4)
    x[1, 0, 2] = bad
    with pytest.raises(ValueError, match=r"x contains 1 NaN or infinite value\(s\)"):
        sf.nn.SynapticLIF()(x)


@pytest.mark.parametrize("bad", [float("-inf"), float("inf")])
def test_finite_check_tells_overflowing_sums_from_infinities(bad):
    # the finiteness check sums the input first: a sum that overflows from finite values
    # must pass, one +inf beside a -inf (sum NaN) or beside huge values must not
    x = torch.full((3, 2, 4), 3e38)
    sf.nn.LIF()(x)
    x[0, 1, 1] = bad
    with pytest.raises(ValueError, match=r"x contains 1 NaN or infinite value\(s\)"):
        sf.nn.LIF()(x)


def test_nan_in_passed_state_is_rejected():
    st = sf.neurons.LIFState(torch.full((2, 3), float("nan")), torch.zeros(2, 3))
    with pytest.raises(ValueError, match=r"state.v contains 6 NaN"):
        sf.nn.LIFCell()(torch.zeros(2, 3), st)


def test_recurrent_layer_rejects_wrong_feature_count():
    with pytest.raises(ValueError, match=r"x must have 7 features .* got shape \(4, 2, 5\)"):
        sf.nn.RecurrentLIF(7, 3)(torch.zeros(4, 2, 5))


def test_layer_rejects_params_and_keywords_together():
    with pytest.raises(TypeError, match="pass either params or keyword parameters"):
        sf.nn.LIF(LIFParams(), tau_mem_ms=3.0)
    with pytest.raises(TypeError, match="params must be a LIFParams, got ALIFParams"):
        sf.nn.LIF(ALIFParams())


def test_layer_size_must_be_positive():
    with pytest.raises(ValueError, match="size must be >= 1, got 0"):
        sf.nn.LIF(size=0, learn_tau=True)


def test_encoders_reject_bad_input():
    with pytest.raises(ValueError, match=r"num_steps must be >= 1, got 0"):
        encoding.rate(torch.rand(3), 0)
    with pytest.raises(ValueError, match=r"x must lie in \[0, 1\], got values in \[0, 2\]"):
        encoding.rate(torch.tensor([0.0, 2.0]), 5)
    with pytest.raises(ValueError, match=r"rates_hz must be >= 0 Hz, got minimum -1"):
        encoding.poisson(torch.tensor([-1.0]), 5, dt_ms=1.0)
    with pytest.raises(ValueError, match=r"dt_ms must be > 0, got -1.0"):
        encoding.poisson(torch.tensor([1.0]), 5, dt_ms=-1.0)
    with pytest.raises(ValueError, match=r"method must be one of .*got 'exp'"):
        encoding.latency(torch.rand(3), 5, method="exp")
    with pytest.raises(ValueError, match=r"x contains 1 NaN"):
        encoding.rate(torch.tensor([0.5, float("nan")]), 5)
    with pytest.raises(ValueError, match=r"high must be above low"):
        encoding.population_rates(torch.rand(3), 5, low=1.0, high=0.0)
    with pytest.raises(ValueError, match=r"threshold must be > 0, got 0.0"):
        encoding.delta(torch.rand(5, 2), 0.0)


def test_losses_reject_bad_targets():
    out = torch.zeros(5, 4, 3)
    with pytest.raises(ValueError, match=r"target must have shape \[batch\] = \(4,\)"):
        losses.ce_count_loss(out, torch.zeros(3, dtype=torch.long))
    with pytest.raises(TypeError, match=r"target must hold integer class indices, got dtype torch.float32"):
        losses.ce_count_loss(out, torch.zeros(4))
    with pytest.raises(ValueError, match=r"target class indices must lie in \[0, 2\], got \[0, 3\]"):
        losses.ce_membrane_loss(out, torch.tensor([0, 1, 2, 3]))
    with pytest.raises(ValueError, match=r"v must have 3 dimensions, got shape \(4, 3\)"):
        losses.ce_membrane_loss(torch.zeros(4, 3), torch.zeros(4, dtype=torch.long))
    with pytest.raises(ValueError, match=r"reduce must be one of .*got 'min'"):
        losses.ce_membrane_loss(out, torch.zeros(4, dtype=torch.long), reduce="min")


def test_digits_config_validation():
    from spikeflow.models import DigitsConfig

    with pytest.raises(ValueError, match="epochs must be >= 1, got 0"):
        DigitsConfig(epochs=0)
    with pytest.raises(ValueError, match="lr must be > 0, got -0.1"):
        DigitsConfig(lr=-0.1)


@pytest.mark.parametrize(
    "make, kwargs, match",
    [
        (LIFParams, {"tau_mem": 5.0}, r"LIFParams has no parameter 'tau_mem'; did you mean 'tau_mem_ms'\?"),
        (ALIFParams, {"tau_adapt": 5.0}, r"did you mean 'tau_adapt_ms'\?"),
        (lambda **kw: sf.nn.LIF(**kw), {"vth": 0.5}, r"has no parameter 'vth'; did you mean 'v_th'\?"),
        (lambda **kw: sf.nn.SynapticLIF(**kw), {"tau_syn": 5.0}, r"did you mean 'tau_syn_ms'\?"),
    ],
)
def test_misspelled_parameters_name_the_closest_field(make, kwargs, match):
    with pytest.raises(TypeError, match=match):
        make(**kwargs)


def test_a_two_dimensional_input_is_refused_where_it_has_no_reading():
    # [T, batch] is a valid input to an elementwise layer; a layer with per-neuron
    # parameters or a recurrent layer needs features, and took [T, features] silently
    assert sf.nn.LIF()(torch.rand(20, 64)).shape == (20, 64)
    for layer in (sf.nn.LIF(size=64, learn_tau=True), sf.nn.RecurrentLIF(64, 32)):
        with pytest.raises(ValueError, match=r"x must be \[T, batch, features\] .* x.unsqueeze\(1\)"):
            layer(torch.rand(20, 64))
        assert layer(torch.rand(20, 1, 64)).shape[:2] == (20, 1)


@pytest.mark.parametrize(
    "decode", [encoding.latency_decode, encoding.first_spike_time, encoding.isi_rate,
               lambda s: encoding.delta_decode(s, 0.5), encoding.spike_rate, encoding.spike_count,
               encoding.population_decode],
)  # fmt: skip
@pytest.mark.parametrize("bad", [[[0.0, 1.0]], torch.tensor(1.0), torch.zeros(0), torch.zeros(0, 3)])
def test_decoders_give_clear_errors_for_lists_empty_and_0d_input(decode, bad):
    if decode is encoding.spike_count and isinstance(bad, torch.Tensor) and bad.dim() and bad.numel() == 0:
        assert (decode(bad) == 0).all() and decode(bad).shape == bad.shape[1:]  # no steps: zero spikes
        return
    with pytest.raises((TypeError, ValueError), match="spikes must"):
        decode(bad)


@pytest.mark.parametrize("module", ["lif", "alif", "synaptic_lif", "leaky_integrator", "izhikevich", "adex",
                                    "hodgkin_huxley", "cuba_lif", "cond_lif"])  # fmt: skip
def test_a_models_step_refuses_numpy_and_a_state_of_another_shape(module):
    import importlib

    import numpy as np

    m = importlib.import_module(f"spikeflow.neurons.{module}")
    params = m.MODEL.params_cls()
    state = m.init_state((4, 3), params.coeffs(), torch.float64)
    x = torch.zeros(4, 3, dtype=torch.float64)
    m.step(x, state, params.coeffs())  # the right shapes work
    with pytest.raises(TypeError, match="x must be a torch.Tensor, got ndarray"):
        m.step(np.zeros((4, 3)), state, params.coeffs())
    small = m.init_state((3,), params.coeffs(), torch.float64)  # broadcastable, and silently used
    with pytest.raises(ValueError, match=r"state\.\w+ has shape \(3,\), the input \(4, 3\); expected"):
        m.step(x, small, params.coeffs())


@pytest.mark.parametrize(
    "make",
    [
        lambda: LIParams(tau_mem_ms=1e-308).coeffs(),  # 1 / tau overflows
        lambda: sf.nn.LI(tau_mem_ms=1e-308),
        lambda: sf.neurons.leaky_integrator.spec("current").params(tau_mem_ms=5e-324).coeffs(),
    ],
)
def test_extreme_parameters_get_a_value_error_not_an_overflow(make):
    # these raised OverflowError from inside the generated constants (the propagator of
    # a time constant of 1e-308 ms); a model whose step overflows while it runs stops
    # with FloatingPointError naming the step and neuron (tests/test_sim.py)
    with pytest.raises(ValueError, match=r"give a per-step constant .* that is not a finite float64"):
        make()

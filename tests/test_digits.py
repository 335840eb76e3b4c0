"""The demo's acceptance: the default digits network reaches >= 0.975 test accuracy."""

from spikeflow.models import DigitsConfig, train_digits


def test_default_digits_network_reaches_target_accuracy():
    result = train_digits(DigitsConfig())
    assert result.test_accuracy >= 0.975, result.summary()
    assert len(result.history.epochs) == 30
    assert result.history.epochs[-1].loss < result.history.epochs[0].loss
    assert 0.5 < result.spikes_per_neuron < 25  # sparse, but active

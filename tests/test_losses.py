import pytest
import torch
import torch.nn.functional as F

from spikeflow.learning import losses


def test_ce_count_loss_uses_counts_as_logits():
    s = torch.zeros(4, 2, 3)
    s[:, 0, 1] = 1
    s[:2, 1, 2] = 1
    y = torch.tensor([1, 0])
    expected = F.cross_entropy(torch.tensor([[0.0, 4, 0], [0, 0, 2]]), y)
    assert losses.ce_count_loss(s, y) == pytest.approx(float(expected))


@pytest.mark.parametrize("reduce", ["max", "mean", "last", "per_step"])
def test_ce_membrane_loss_reductions(reduce):
    v = torch.randn(5, 4, 3)
    y = torch.tensor([0, 2, 1, 1])
    got = losses.ce_membrane_loss(v, y, reduce=reduce)
    if reduce == "per_step":
        expected = torch.stack([F.cross_entropy(v[t], y) for t in range(5)]).mean()
    else:
        logits = {"max": v.amax(0), "mean": v.mean(0), "last": v[-1]}[reduce]
        expected = F.cross_entropy(logits, y)
    assert float(got) == pytest.approx(float(expected), rel=1e-6)


def test_mse_count_loss_targets():
    s = torch.zeros(10, 1, 2)
    s[:8, 0, 0] = 1
    s[:2, 0, 1] = 1
    assert float(losses.mse_count_loss(s, torch.tensor([0]))) == pytest.approx(0.0)
    assert float(losses.mse_count_loss(s, torch.tensor([1]))) == pytest.approx(36.0)


def test_differentiable_first_spike_time_value_and_gradient():
    s = torch.zeros(5, 3)
    s[3, 0] = s[4, 0] = s[1, 1] = 1
    s.requires_grad_(True)
    t = losses.differentiable_first_spike_time(s)
    assert t.tolist() == [3.0, 1.0, 5.0]
    t.sum().backward()
    # an earlier spike of a later-firing neuron would make it fire earlier
    assert s.grad[1, 0] < 0


def test_first_spike_time_loss_prefers_target_firing_first():
    s = torch.zeros(6, 1, 2)
    s[1, 0, 0] = 1
    s[4, 0, 1] = 1
    good = losses.first_spike_time_loss(s, torch.tensor([0]))
    bad = losses.first_spike_time_loss(s, torch.tensor([1]))
    assert good < bad


def test_activity_regularizer():
    s = torch.zeros(10, 2, 4)
    s[:5] = 1  # rate 0.5 everywhere
    assert float(losses.activity_regularizer(s)) == pytest.approx(0.5)
    assert float(losses.activity_regularizer(s, max_rate=0.3)) == pytest.approx(0.04)
    assert float(losses.activity_regularizer(s, min_rate=0.7)) == pytest.approx(0.04)
    assert float(losses.activity_regularizer(s, target_rate=0.25)) == pytest.approx(0.0625)


def test_accuracy():
    scores = torch.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    assert losses.accuracy(scores, torch.tensor([1, 0, 0])) == pytest.approx(2 / 3)
    counts = torch.zeros(3, 3, 2)
    counts[:, :, 1] = 1
    assert losses.accuracy(counts, torch.tensor([1, 1, 0])) == pytest.approx(2 / 3)

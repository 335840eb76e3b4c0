"""ANN-to-SNN conversion: batch-norm folding, normalisation, errors, agreement on digits."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from spikeflow.learning import supervised
from spikeflow.learning.convert import convert, fold_batchnorm
from spikeflow.models.digits import load_digits_split


def _train(model, x, y, epochs):
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    supervised.fit_classifier(
        model, x, y, encode=lambda b, _g: b, loss_fn=F.cross_entropy, scores=lambda o: o,
        epochs=epochs, batch_size=64, optimizer=opt, generator=g,
    )  # fmt: skip
    return model.eval()


@pytest.fixture(scope="module")
def digits():
    return load_digits_split()


def _randomize_bn(bn):
    with torch.no_grad():
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2)
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-0.5, 0.5)
    return bn.eval()


def test_fold_batchnorm_linear_and_conv():
    lin, bn = nn.Linear(5, 4), _randomize_bn(nn.BatchNorm1d(4))
    x = torch.randn(10, 5)
    torch.testing.assert_close(fold_batchnorm(lin, bn)(x), bn(lin(x)))
    conv, bn2 = nn.Conv2d(2, 3, 3, bias=False), _randomize_bn(nn.BatchNorm2d(3))
    x = torch.randn(4, 2, 6, 6)
    torch.testing.assert_close(fold_batchnorm(conv, bn2)(x), bn2(conv(x)), rtol=1e-5, atol=1e-5)


def test_rates_follow_normalised_activations():
    torch.manual_seed(1)
    net = nn.Sequential(nn.Linear(6, 40), nn.ReLU(), nn.Linear(40, 3)).eval()
    x = torch.rand(50, 6)
    snn = convert(net, x, percentile=100.0)
    T = 400
    run = snn.run(x, T)
    with torch.no_grad():
        a = torch.relu(net[0](x)) / snn.scales[0]
    assert float(a.max()) == pytest.approx(1.0)  # the 100th percentile is the maximum
    expected = a.clamp(max=1).sum(1) * T
    # each neuron's count is within one spike of rate * T (reset by subtraction)
    assert bool(((run.spike_counts[0] - expected).abs() <= 40 + 1e-3).all())
    # and the time-averaged output approaches the ANN's output
    torch.testing.assert_close(snn(x, T), net(x), atol=0.05, rtol=0)


def test_converted_mlp_matches_ann_on_digits(digits):
    x_tr, x_te, y_tr, y_te = digits
    net = nn.Sequential(
        nn.Linear(64, 128), nn.BatchNorm1d(128), nn.ReLU(), nn.Dropout(0.1), nn.Linear(128, 10)
    )
    net = _train(net, x_tr, y_tr, 15)
    with torch.no_grad():
        ann_pred = net(x_te).argmax(1)
    run = convert(net, x_tr).run(x_te, 64)
    pred = run.predictions(64)
    ann_acc = float((ann_pred == y_te).float().mean())
    snn_acc = float((pred == y_te).float().mean())
    assert ann_acc > 0.95
    assert abs(snn_acc - ann_acc) <= 0.01
    assert float((pred == ann_pred).float().mean()) >= 0.99
    # starting from 0 (Rueckauer et al.) one step is far too few: the test can fail
    short = convert(net, x_tr, initial_potential=0.0).run(x_te, 1).predictions(1)
    assert float((short == y_te).float().mean()) < snn_acc - 0.05


def test_converted_cnn_with_pooling_matches_ann_on_digits(digits):
    x_tr, x_te, y_tr, y_te = (t.view(-1, 1, 8, 8) if t.dim() == 2 else t for t in digits)
    net = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.AvgPool2d(2),
        nn.Flatten(), nn.Linear(128, 10),
    )  # fmt: skip
    net = _train(net, x_tr, y_tr, 15)
    with torch.no_grad():
        ann_pred = net(x_te).argmax(1)
    pred = convert(net, x_tr).run(x_te, 64).predictions(64)
    assert float((pred == ann_pred).float().mean()) >= 0.98


def test_model_is_not_modified():
    net = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.ReLU(), nn.Linear(3, 2)).eval()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    convert(net, torch.rand(8, 4))
    for k, v in net.state_dict().items():
        assert torch.equal(v, before[k]), k


@pytest.mark.parametrize(
    "layers,match",
    [
        ([nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(2, 2)],
         r"layer 2 \(MaxPool2d\) cannot be converted; supported layers: Linear, Conv2d"),
        ([nn.Linear(4, 3), nn.Sigmoid(), nn.Linear(3, 2)], r"layer 1 \(Sigmoid\) cannot be converted"),
        ([nn.Linear(4, 3), nn.ReLU(), nn.BatchNorm1d(3), nn.Linear(3, 2)],
         r"layer 2 \(BatchNorm1d\) cannot be converted: batch norm must directly follow"),
        ([nn.Linear(4, 3), nn.ReLU()], r"must end with a weighted"),
    ],
)  # fmt: skip
def test_unconvertible_layers_are_named(layers, match):
    with pytest.raises(ValueError, match=match):
        convert(nn.Sequential(*layers), torch.rand(8, 4))


def test_bad_arguments():
    net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    with torch.no_grad():
        net[0].bias.fill_(-10.0)
    with pytest.raises(ValueError, match="ReLU 0 is silent on all calibration data"):
        convert(net, torch.rand(8, 4))
    with torch.no_grad():
        net[0].bias.fill_(1.0)
    with pytest.raises(ValueError, match=r"percentile must lie in \(0, 100\], got 0.0"):
        convert(net, torch.rand(8, 4), percentile=0.0)
    with pytest.raises(TypeError, match="model must be an nn.Sequential, got Linear"):
        convert(nn.Linear(4, 2), torch.rand(8, 4))
    run = convert(net, torch.rand(8, 4)).run(torch.rand(3, 4), 10)
    with pytest.raises(ValueError, match=r"num_steps must be <= the simulated 10 steps, got 11"):
        run.predictions(11)

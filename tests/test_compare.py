"""spikeflow compare and the operation counts behind it."""

import json

import pytest
import torch
from torch import nn

from spikeflow import cli
from spikeflow.analysis import ann_macs_per_sample, synaptic_events_per_sample


def test_ann_macs_of_mlp_and_cnn():
    mlp = nn.Sequential(nn.Linear(64, 256), nn.SELU(), nn.Linear(256, 10))
    assert ann_macs_per_sample(mlp, torch.zeros(5, 64)) == 64 * 256 + 256 * 10
    cnn = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 2))
    assert ann_macs_per_sample(cnn, torch.zeros(2, 1, 8, 8)) == 4 * 6 * 6 * 9 + 144 * 2


def test_synaptic_events_count_spikes_times_fan_out():
    s = torch.zeros(5, 2, 3)
    s[0, 0, 0] = s[3, 0, 2] = s[4, 1, 1] = 1
    assert synaptic_events_per_sample(s, 10) == pytest.approx(3 * 10 / 2)


def test_compare_json(capsys):
    assert cli.main(["compare", "--epochs", "3", "--json", "--quiet"]) == 0
    payload = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    for key in (
        "ann_accuracy",
        "snn_accuracy",
        "ann_macs_per_sample",
        "snn_synaptic_events_per_sample",
    ):
        assert key in payload
    assert payload["ann_macs_per_sample"] == 64 * 256 + 256 * 10
    assert payload["ann_parameters"] == payload["snn_parameters"] == 64 * 256 + 256 + 256 * 10 + 10
    assert payload["ann_accuracy"] > 0.8 and payload["snn_accuracy"] > 0.8
    # every input spike reaches 256 hidden neurons: events exceed 256 per sample
    assert payload["snn_synaptic_events_per_sample"] > 256

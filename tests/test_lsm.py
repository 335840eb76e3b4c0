"""Liquid state machine: the 3-D distance-dependent E/I liquid, the two tasks (fast
variants) and the echo state reference."""

import numpy as np
import pytest
import torch

from spikeflow.models.lsm import (
    EchoStateNetwork,
    LiquidStateMachine,
    LSMConfig,
    grid_for,
    jittered_templates,
    memory_capacity,
    template_classification,
)


def test_liquid_structure():
    lsm = LiquidStateMachine(LSMConfig(n=540), seed=0)
    assert grid_for(540) == (15, 6, 6) and lsm.positions.shape == (540, 3)
    assert abs(lsm.inhibitory.mean() - 0.2) < 0.01
    w = (lsm.w_exc + lsm.w_inh).numpy()
    assert (lsm.w_exc.numpy()[:, lsm.inhibitory] == 0).all() and (
        lsm.w_inh.numpy()[:, ~lsm.inhibitory] == 0
    ).all()
    assert (np.diag(w) == 0).all()
    # connection probability falls with distance as exp(-(D / lambda)^2)
    d = np.sqrt(((lsm.positions[:, None] - lsm.positions[None]) ** 2).sum(-1)).T  # [post, pre]
    near = (w != 0)[(d > 0) & (d <= 1.0)].mean()
    far = (w != 0)[(d > 2.5) & (d <= 3.5)].mean()
    assert near > 5 * far > 0
    with pytest.raises(ValueError, match="multiple of 15"):
        LSMConfig(n=100)


def test_templates_are_jittered_copies():
    x, labels = jittered_templates(3, 40, jitter_ms=0.0, seed=1)
    same = [k for k in range(40) if labels[k] == labels[0]]
    assert len(same) > 1 and torch.equal(x[:, same[0]], x[:, same[1]])
    y, _ = jittered_templates(3, 40, jitter_ms=4.0, seed=1)
    assert not torch.equal(y[:, same[0]], y[:, same[1]])


def test_lsm_classifies_jittered_templates_well_above_chance():
    torch.manual_seed(0)
    acc = template_classification(LiquidStateMachine(LSMConfig(n=135), seed=0), train=240, test=120)
    assert acc > 0.6  # chance is 1/8


def test_memory_capacity_of_liquid_and_echo_state_network():
    total, per_delay = memory_capacity(LiquidStateMachine(LSMConfig(n=135), seed=0), bins=600, max_delay=10)
    assert 0.5 < total < 10 and per_delay[0] > 0.2 and per_delay[0] > per_delay[5]
    esn_total, esn_per = memory_capacity(EchoStateNetwork(10, 1), bins=1200, max_delay=20)
    assert 5 < esn_total <= 10.5  # a reservoir of n units remembers at most about n steps
    assert esn_per[0] > 0.95

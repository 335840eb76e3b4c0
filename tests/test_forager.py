"""The spiking forager: it learns from scratch by reward-modulated STDP, its weights save
and load, and bad input is refused."""

import json

import numpy as np
import pytest
import torch

from spikeflow.envs.forage import Arena, ForageConfig
from spikeflow.io.checkpoint import CheckpointError, save_checkpoint
from spikeflow.models.forager import (
    ForagerConfig,
    SpikingForager,
    load_forager,
    run_policy,
    save_forager,
    train_and_compare,
)


def test_insects_learn_to_forage_from_scratch():
    """Fast variant of `spikeflow forage` (10 insects, 6 learning episodes of 300 steps):
    with frozen weights they find at least three times the random walk's food, far more
    than before learning."""
    torch.set_num_threads(1)
    r = train_and_compare(seeds=10, episodes=6, eval_episodes=2, env=ForageConfig(max_steps=300), seed=0)
    s = r.summary()
    assert s["food_learned_median"] >= 3 * max(s["food_random_median"], 0.5)
    assert s["food_learned_median"] > s["food_before_learning_median"] + 2
    # what was learned: receptors of the stronger side drive the turn toward it
    n = r.agent.config.n_receptors
    w = r.agent.weight.mean(0)
    left_side, right_side = slice(0, n), slice(n, 2 * n)
    assert w[0, left_side].mean() > w[2, left_side].mean()
    assert w[2, right_side].mean() > w[0, right_side].mean()


def test_weights_save_load_and_act_the_same(tmp_path):
    agent = SpikingForager(ForagerConfig(n_hidden=8), batch=3, seed=5)
    arena = Arena(ForageConfig(max_steps=40), batch=3, seed=1)
    run_policy("spiking", 1, arena, agent, learn=True)
    path = save_forager(agent, tmp_path / "f.safetensors")
    back = load_forager(path)
    assert back.config == agent.config and back.batch == 3
    torch.testing.assert_close(back.weight, agent.weight, rtol=0, atol=0)
    odour = Arena(ForageConfig(), batch=3, seed=2).sense()
    agent.gen.manual_seed(9)
    back.gen.manual_seed(9)
    agent.reset_state()
    np.testing.assert_array_equal(agent.act(odour, learn=False), back.act(odour, learn=False))
    # a checkpoint of something else is refused by name
    save_checkpoint(torch.nn.Linear(2, 2), tmp_path / "other.safetensors")
    with pytest.raises(CheckpointError, match="no forager"):
        load_forager(tmp_path / "other.safetensors")


def test_a_forager_header_cannot_ask_for_an_allocation_its_tensors_do_not_have(tmp_path):
    import dataclasses

    agent = SpikingForager(ForagerConfig(n_hidden=8), batch=2)
    config = dataclasses.asdict(agent.config)
    cases = (({"batch": 10**9}, r"weight: file \(2, 3, 22\), configuration \(1000000000, 3, 22\)"),
             ({"n_hidden": 10**6}, "w_rec: file"),
             ({"batch": -1}, "not a configuration: batch must be >= 1"),
             ({"n_hiden": 8}, "not a configuration"))  # fmt: skip
    for change, message in cases:
        header = json.dumps({**config, "batch": 2, **change})
        path = save_checkpoint(agent, tmp_path / "f.safetensors", metadata={"forager_config": header})
        with pytest.raises(CheckpointError, match=message):
            load_forager(path)  # refused before an agent of that size is built


def test_bad_input():
    agent = SpikingForager(batch=2)
    with pytest.raises(ValueError, match="odour must be"):
        agent.act(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="needs an agent"):
        run_policy("spiking", 1, Arena(ForageConfig(max_steps=5), batch=2))
    with pytest.raises(ValueError, match="learning_rate"):
        ForagerConfig(learning_rate=-1.0)


def test_cli_forage_json(tmp_path, capsys):
    from spikeflow.cli import main

    out = tmp_path / "forage"
    args = ["forage", "--seeds", "4", "--episodes", "2", "--eval-episodes", "1", "--steps", "60"]
    assert main([*args, "--out", str(out), "--json", "--quiet"]) == 0
    payload = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    for key in ("food_learned_median", "food_random_median", "food_braitenberg_median", "seeds"):
        assert key in payload
    assert payload["seeds"] == 4
    for name in ("forage_learning.png", "forage_trajectory.png", "forage_episode.gif", "forager.safetensors"):
        assert (out / name).stat().st_size > 0

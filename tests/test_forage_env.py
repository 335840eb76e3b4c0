"""The foraging arena: gymnasium API, rendering, bad actions, and the reference agents."""

import numpy as np
import pytest

from spikeflow.envs.forage import LEFT, RIGHT, Arena, ForageConfig, braitenberg
from spikeflow.models.forager import run_policy

gym = pytest.importorskip("gymnasium")


def test_gym_api_and_render():
    import spikeflow.envs  # noqa: F401  registers the environment

    env = gym.make("spikeflow/Forage-v0", render_mode="rgb_array")
    obs, info = env.reset(seed=3)
    assert obs.shape == (2,) and obs.dtype == np.float32 and env.observation_space.contains(obs)
    total, steps, truncated = 0.0, 0, False
    while not truncated:
        obs, reward, terminated, truncated, _ = env.step(env.action_space.sample())
        total += reward
        steps += 1
        assert not terminated
    assert steps == ForageConfig().max_steps and total >= 0
    img = env.render()
    assert img.shape == (240, 240, 3) and img.dtype == np.uint8 and img.std() > 0
    obs2, _ = env.reset(seed=3)
    np.testing.assert_array_equal(obs2, env.reset(seed=3)[0])  # seeded resets repeat
    with pytest.raises(ValueError, match="action must be"):
        env.unwrapped.step(3)


def test_antennae_sense_the_side_of_the_food():
    arena = Arena(ForageConfig(n_food=1), batch=1, seed=0)
    arena.pos[:] = [50.0, 50.0]
    arena.heading[:] = 0.0  # facing +x; left antenna is at +y
    arena.food[:] = [[60.0, 58.0]]
    left, right = arena.sense()[0]
    assert left > right
    np.testing.assert_array_equal(braitenberg(arena.sense()), [LEFT])
    arena.food[:] = [[60.0, 42.0]]
    np.testing.assert_array_equal(braitenberg(arena.sense()), [RIGHT])


def test_eating_respawns_food_and_walls_hold():
    arena = Arena(ForageConfig(n_food=1), batch=1, seed=1)
    arena.pos[:] = [50.0, 50.0]
    arena.heading[:] = 0.0
    arena.food[:] = [[51.0, 50.0]]
    assert arena.step(np.array([1]))[0] == 1.0
    assert np.linalg.norm(arena.food[0, 0] - arena.pos[0]) > 0  # moved elsewhere
    arena.pos[:] = [99.5, 50.0]
    for _ in range(5):
        arena.step(np.array([1]))
    assert arena.pos[0, 0] <= 100.0
    with pytest.raises(ValueError, match="actions must be"):
        arena.step(np.array([5]))


def test_braitenberg_vehicle_beats_the_random_walk():
    random, _ = run_policy("random", 1, Arena(ForageConfig(), batch=40, seed=2))
    vehicle, _ = run_policy("braitenberg", 1, Arena(ForageConfig(), batch=40, seed=2))
    assert np.median(vehicle) >= 3 * max(np.median(random), 1.0)

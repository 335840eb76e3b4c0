"""A spiking insect that learns to forage by reward-modulated STDP alone.

Circuit (each insect of a batch has its own plastic weights; one network step = 1 ms):

* **receptors**: for each antenna ``n_receptors`` Poisson neurons driven by the contrast
  between the antennae, ``d = (c_left - c_right) / (c_left + c_right)`` (divisive
  normalisation, as lateral inhibition between the two antennal lobes gives): a
  left-antenna neuron fires at ``rate_max_hz * clip(g_k * d, 0, 1)``, a right-antenna
  neuron at ``rate_max_hz * clip(-g_k * d, 0, 1)``, with gains ``g_k`` spread
  logarithmically from 2 to 40 (weak and strong gradients); plus ``n_tonic`` neurons at a
  constant rate;
* a **recurrent layer** of ``n_hidden`` LIF neurons with fixed random input and recurrent
  weights (a small reservoir that mixes the two antennae over time);
* three **motor neurons** (LIF) for left, forward and right, with mutual inhibition and
  noise, so that an untrained insect moves at random. They integrate for
  ``steps_per_action`` ms; the one with the most spikes wins and fires the motor command
  (one spike of the winner, the corollary discharge that the motor neurons' own STDP
  sees).

Learning: the weights from receptors and recurrent layer to the motor neurons start
random and change only by reward-modulated STDP
(:func:`spikeflow.learning.plasticity.reward_stdp_step`): input spikes of the window
followed by the motor command make a pre-before-post pair, whose STDP goes into an
eligibility trace (``tau_eligibility_ms``, about one action); the reward that follows
the action turns eligibility into weight change. The reward is the food eaten plus
``odour_reward`` times the sign of the change of the odour the antennae sense (an
insect's dopamine neurons respond to rising attractive odour), minus its running mean.
There is no backpropagation, no map and no hand-set sensor-to-motor weight.

Time constants matter: the eligibility and the STDP window must span one action, not
several, or the credit of one action is smeared over its neighbours and the insect
learns nothing (measured: with a 50 ms eligibility over 10 ms actions it stays at the
random walk's food).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .. import _checks
from ..envs.forage import Arena, ForageConfig, braitenberg
from ..learning.plasticity import STDP, RewardSTDP, init_reward_state, reward_stdp_step
from ..neurons import lif


@dataclass(frozen=True)
class ForagerConfig:
    """Agent parameters (times in ms; weights in units of the motor threshold)."""

    n_receptors: int = 6
    n_tonic: int = 2
    n_hidden: int = 16
    rate_max_hz: float = 200.0
    tonic_hz: float = 50.0
    steps_per_action: int = 10
    tau_mem_ms: float = 10.0
    motor_noise: float = 0.5
    lateral_inhibition: float = 2.0
    w_max: float = 1.0
    a_plus: float = 0.02
    a_minus: float = 0.01
    tau_stdp_ms: float = 10.0
    tau_eligibility_ms: float = 15.0
    learning_rate: float = 0.06  # per ms: 0.3 per half-window step of 5 ms
    odour_reward: float = 0.5
    baseline_tau_actions: float = 100.0

    def __post_init__(self) -> None:
        for name in ("n_receptors", "n_tonic", "n_hidden", "steps_per_action"):
            _checks.positive_int(name, getattr(self, name))
        for name in ("rate_max_hz", "tau_mem_ms", "w_max", "tau_stdp_ms", "tau_eligibility_ms"):
            _checks.positive(name, getattr(self, name))
        _checks.positive("baseline_tau_actions", self.baseline_tau_actions)
        for name in ("tonic_hz", "motor_noise", "lateral_inhibition", "a_plus", "a_minus", "learning_rate"):
            _checks.non_negative(name, getattr(self, name))
        _checks.non_negative("odour_reward", self.odour_reward)


class SpikingForager(nn.Module):
    """A batch of ``batch`` independent spiking insects (see the module docstring).

    Buffers (saved by :func:`spikeflow.io.save_checkpoint`): ``weight`` — the plastic
    weights ``[batch, 3, n_inputs]`` (motor x (receptors, tonic, recurrent layer));
    ``w_in [n_sensory, n_hidden]`` and ``w_rec [n_hidden, n_hidden]`` — the fixed random
    recurrent layer.
    """

    def __init__(self, config: ForagerConfig = ForagerConfig(), batch: int = 1, seed: int = 0) -> None:
        super().__init__()
        self.config = c = config
        self.batch = _checks.positive_int("batch", batch)
        self.gen = torch.Generator().manual_seed(seed)
        g, f64 = self.gen, torch.float64
        self.n_sensory = 2 * c.n_receptors + c.n_tonic
        self.n_inputs = self.n_sensory + c.n_hidden
        self.gain = torch.logspace(math.log10(2.0), math.log10(40.0), c.n_receptors, dtype=f64)
        w_in = (torch.rand(self.n_sensory, c.n_hidden, generator=g, dtype=f64) < 0.3).to(f64) * 0.6
        w_rec = torch.randn(c.n_hidden, c.n_hidden, generator=g, dtype=f64) * 0.25
        w_rec = w_rec * (torch.rand(c.n_hidden, c.n_hidden, generator=g, dtype=f64) < 0.3)
        self.register_buffer("w_in", w_in)
        self.register_buffer("w_rec", w_rec)
        self.register_buffer(
            "weight", 0.25 * c.w_max * torch.rand(batch, 3, self.n_inputs, generator=g, dtype=f64)
        )
        stdp = STDP(a_plus=c.a_plus, a_minus=c.a_minus, tau_plus_ms=c.tau_stdp_ms, tau_minus_ms=c.tau_stdp_ms,
                    w_max=c.w_max)  # fmt: skip
        self.rule = RewardSTDP(stdp, tau_eligibility_ms=c.tau_eligibility_ms, tau_reward_ms=0.0,
                               learning_rate=c.learning_rate)  # fmt: skip
        # both layers' neurons: the library's LIF, threshold 1, reset by subtraction, 1 ms steps
        self.neuron = lif.LIFParams(tau_mem_ms=c.tau_mem_ms, dt_ms=1.0, v_th=1.0, v_reset=0.0).coeffs()
        self.lateral = c.lateral_inhibition * (1.0 - torch.eye(3, dtype=f64))
        self.reset_state()

    @staticmethod
    def buffer_shapes(config: ForagerConfig, batch: int) -> dict[str, tuple[int, ...]]:
        """The shapes of the saved buffers of an agent of ``config`` and ``batch``, computed
        without building it (so a file's header can be checked before anything is allocated)."""
        n_sensory = 2 * config.n_receptors + config.n_tonic
        return {
            "w_in": (n_sensory, config.n_hidden),
            "w_rec": (config.n_hidden, config.n_hidden),
            "weight": (batch, 3, n_sensory + config.n_hidden),
        }

    def reset_state(self) -> None:
        """Clear membrane potentials, traces and the reward baseline (weights are kept)."""
        B, c, f64 = self.batch, self.config, torch.float64
        self.hidden = lif.init_state((B, c.n_hidden), self.neuron, f64)
        self.z_hidden = torch.zeros(B, c.n_hidden, dtype=f64)
        self.motor = lif.init_state((B, 3), self.neuron, f64)
        self.z_motor = torch.zeros(B, 3, dtype=f64)
        self.plastic = init_reward_state(self.n_inputs, 3, (B,), f64)
        self.baseline = torch.zeros(B, dtype=f64)

    def receptor_rates(self, odour: np.ndarray) -> torch.Tensor:
        """Firing rates (Hz) ``[B, n_sensory]`` for antenna concentrations ``[B, 2]``."""
        c = self.config
        x = torch.as_tensor(np.asarray(odour), dtype=torch.float64)
        if tuple(x.shape) != (self.batch, 2):
            raise ValueError(f"odour must be [batch, 2] = [{self.batch}, 2], got {list(x.shape)}")
        d = (x[:, 0] - x[:, 1]) / (x.sum(1) + 1e-12)
        contrast = torch.stack([d, -d], 1)[:, :, None] * self.gain  # [B, 2, n]
        receptors = c.rate_max_hz * contrast.clamp(0.0, 1.0)
        tonic = torch.full((self.batch, c.n_tonic), c.tonic_hz, dtype=torch.float64)
        return torch.cat([receptors.reshape(self.batch, -1), tonic], 1)

    def act(self, odour: np.ndarray, reward: torch.Tensor | None = None, learn: bool = True) -> np.ndarray:
        """Run one action window on ``odour [B, 2]`` and return the actions ``[B]`` (0 left,
        1 forward, 2 right). With ``learn``, ``reward [B]`` (the reward that followed the
        previous action) is delivered and the window's STDP is recorded."""
        c = self.config
        p = self.receptor_rates(odour) * 1e-3
        counts = torch.zeros(self.batch, 3, dtype=torch.float64)
        seen = torch.zeros(self.batch, self.n_inputs, dtype=torch.float64)
        for _ in range(c.steps_per_action):
            z_in = (torch.rand(p.shape, generator=self.gen, dtype=torch.float64) < p).to(torch.float64)
            drive = z_in @ self.w_in + self.z_hidden @ self.w_rec
            self.z_hidden, self.hidden = lif.step(drive, self.hidden, self.neuron)
            pre = torch.cat([z_in, self.z_hidden], 1)
            seen = torch.maximum(seen, pre)
            noise = c.motor_noise * torch.randn(self.batch, 3, generator=self.gen, dtype=torch.float64)
            drive = torch.einsum("bji,bi->bj", self.weight, pre) - self.z_motor @ self.lateral + noise
            self.z_motor, self.motor = lif.step(drive, self.motor, self.neuron)
            counts += self.z_motor
        jitter = torch.rand(self.batch, 3, generator=self.gen, dtype=torch.float64) * 0.5
        action = torch.argmax(counts + jitter, 1)  # most spikes wins; ties at random
        if learn:
            half = 0.5 * c.steps_per_action  # ms: inputs, then the motor command
            r = reward if reward is not None else 0.0
            silent = torch.zeros(self.batch, 3, dtype=torch.float64)
            self.weight, self.plastic = reward_stdp_step(
                self.rule, self.plastic, seen, silent, self.weight, r, half
            )
            command = torch.nn.functional.one_hot(action, 3).to(torch.float64)
            self.weight, self.plastic = reward_stdp_step(
                self.rule, self.plastic, torch.zeros_like(seen), command, self.weight, 0.0, half
            )
        return action.numpy()

    def reward(self, food: np.ndarray, before: np.ndarray, after: np.ndarray) -> torch.Tensor:
        """The learning signal ``[B]``: food eaten plus ``odour_reward`` times the sign of
        the change of the mean antenna odour (``before``/``after`` ``[B, 2]``), minus its
        running mean (a reward prediction error)."""
        c = self.config
        rise = np.sign(np.asarray(after).mean(1) - np.asarray(before).mean(1))
        r = torch.as_tensor(np.asarray(food) + c.odour_reward * rise, dtype=torch.float64)
        error = r - self.baseline
        self.baseline = self.baseline + (r - self.baseline) / c.baseline_tau_actions
        return error

    def config_json(self) -> str:
        """The configuration as JSON (stored with saved weights)."""
        return json.dumps({**asdict(self.config), "batch": self.batch}, sort_keys=True)


def run_policy(
    policy: str, episodes: int, arena: Arena, agent: SpikingForager | None = None, learn: bool = False,
    record: bool = False,
) -> tuple[np.ndarray, list]:  # fmt: skip
    """Run ``episodes`` episodes of ``policy`` (``"random"``, ``"braitenberg"`` or
    ``"spiking"`` with ``agent``, learning when ``learn``) in ``arena`` (one insect per
    arena of the batch). Returns food per episode ``[episodes, batch]`` and, with
    ``record``, the last episode's states ``(positions [steps + 1, B, 2], headings
    [steps + 1, B], food [steps + 1, B, n_food, 2])`` for :func:`render_episode`."""
    _checks.choice("policy", policy, ("random", "braitenberg", "spiking"))
    if policy == "spiking" and (agent is None or agent.batch != arena.batch):
        raise ValueError("the spiking policy needs an agent with one insect per arena")
    steps = arena.config.max_steps
    food = np.zeros((episodes, arena.batch))
    positions = np.zeros((steps + 1, arena.batch, 2))
    headings = np.zeros((steps + 1, arena.batch))
    foods = np.zeros((steps + 1, *arena.food.shape))
    if agent is not None:
        agent.reset_state()
    for e in range(episodes):
        arena.reset()
        last = record and e == episodes - 1
        odour, reward = arena.sense(), None
        positions[0], headings[0], foods[0] = arena.pos, arena.heading, arena.food
        for t in range(steps):
            if policy == "random":
                actions = arena.rng.integers(0, 3, arena.batch)
            elif policy == "braitenberg":
                actions = braitenberg(odour)
            else:
                actions = agent.act(odour, reward, learn)
            eaten = arena.step(actions)
            after = arena.sense()
            if agent is not None and learn:
                reward = agent.reward(eaten, odour, after)
            food[e] += eaten
            odour = after
            if last:
                positions[t + 1], headings[t + 1], foods[t + 1] = arena.pos, arena.heading, arena.food
    return food, [positions, headings, foods] if record else []


def render_episode(env: ForageConfig, states: list, insect: int, every: int = 1) -> list[np.ndarray]:
    """RGB frames of ``insect`` from the states recorded by :func:`run_policy`."""
    positions, headings, foods = states
    arena = Arena(env, batch=1, seed=0)
    frames = []
    for t in range(0, positions.shape[0], every):
        arena.pos, arena.heading, arena.food = (
            positions[t, insect : insect + 1],
            headings[t, insect : insect + 1],
            foods[t, insect : insect + 1],
        )
        frames.append(arena.render(0))
    return frames


@dataclass
class ForageResult:
    """Outcome of :func:`train_and_compare`: food per episode, ``[episodes, seeds]``."""

    learning: np.ndarray
    learned: np.ndarray
    random: np.ndarray
    braitenberg: np.ndarray
    states: list
    agent: SpikingForager
    env: ForageConfig

    def typical_insect(self) -> int:
        """The insect whose food in the recorded (last evaluation) episode is the median."""
        last = self.learned[-1]
        return int(np.argsort(last)[len(last) // 2])

    def summary(self) -> dict:
        """Medians over seeds of the mean food per evaluation episode."""

        def med(x: np.ndarray) -> float:
            return float(np.median(x.mean(0)))

        return {
            "food_learned_median": med(self.learned),
            "food_random_median": med(self.random),
            "food_braitenberg_median": med(self.braitenberg),
            "food_before_learning_median": float(np.median(self.learning[0])),
            "learning_curve_median": [float(v) for v in np.median(self.learning, 1)],
            "seeds": int(self.learned.shape[1]),
        }


def train_and_compare(
    seeds: int = 20, episodes: int = 10, eval_episodes: int = 5, env: ForageConfig | None = None,
    config: ForagerConfig | None = None, seed: int = 0,
) -> ForageResult:  # fmt: skip
    """Train ``seeds`` insects from scratch for ``episodes`` episodes, then evaluate them
    with frozen weights on new arenas beside the random walk and the Braitenberg vehicle
    (arenas drawn from the same seed for all three)."""
    env, config = env or ForageConfig(), config or ForagerConfig()
    _checks.positive_int("seeds", seeds)
    _checks.positive_int("episodes", episodes)
    _checks.positive_int("eval_episodes", eval_episodes)
    agent = SpikingForager(config, batch=seeds, seed=seed)
    learning, _ = run_policy("spiking", episodes, Arena(env, seeds, seed=seed), agent, learn=True)
    evaluation_seed = seed + 10_000
    learned, states = run_policy(
        "spiking", eval_episodes, Arena(env, seeds, seed=evaluation_seed), agent, learn=False, record=True
    )
    random, _ = run_policy("random", eval_episodes, Arena(env, seeds, seed=evaluation_seed))
    vehicle, _ = run_policy("braitenberg", eval_episodes, Arena(env, seeds, seed=evaluation_seed))
    return ForageResult(learning, learned, random, vehicle, states, agent, env)


def save_forager(agent: SpikingForager, path: str | Path) -> Path:
    """Save the agent's weights and configuration atomically (safetensors)."""
    from ..io.checkpoint import save_checkpoint

    return save_checkpoint(agent, path, metadata={"forager_config": agent.config_json()})


def load_forager(path: str | Path) -> SpikingForager:
    """Rebuild a :class:`SpikingForager` saved by :func:`save_forager` (configuration and
    tensor shapes are validated; nothing is unpickled)."""
    from ..io.checkpoint import CheckpointError, read_checkpoint

    tensors, header = read_checkpoint(path)
    if "forager_config" not in header:
        raise CheckpointError(f"{str(path)!r} holds no forager (no forager_config in its header)")
    try:
        fields = json.loads(header["forager_config"])
        batch = _checks.positive_int("batch", fields.pop("batch"))
        config = ForagerConfig(**fields)
    except (ValueError, TypeError, KeyError, AttributeError) as err:
        raise CheckpointError(f"{str(path)!r}: its forager_config is not a configuration: {err}") from None
    # the header's sizes are checked against the file's own tensors before an agent is built
    # (a header alone could otherwise ask for any allocation)
    expected = SpikingForager.buffer_shapes(config, batch)
    got = {k: tuple(v.shape) for k, v in tensors.items()}
    if expected == got:
        agent = SpikingForager(config, batch=batch)
        expected = {k: tuple(v.shape) for k, v in agent.state_dict().items()}
    if expected != got:
        diffs = [f"{k}: file {got.get(k, '(absent)')}, configuration {expected.get(k, '(absent)')}"
                 for k in sorted(set(expected) | set(got)) if expected.get(k) != got.get(k)]  # fmt: skip
        raise CheckpointError(f"{str(path)!r}: tensors do not match the configuration: {'; '.join(diffs)}")
    agent.load_state_dict({k: v.to(torch.float64) for k, v in tensors.items()})
    return agent

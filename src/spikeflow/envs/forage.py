"""A foraging arena: an insect with two antennae looks for food by smell.

The arena is a square of side ``size`` (arbitrary length units) with ``n_food`` food
sources. Each source emits an odour that falls off as a Gaussian of width
``odour_sigma``; the concentration anywhere is the sum over sources. The insect has a
position and a heading; its two antennae sit ``antenna_length`` ahead of it at
``+-antenna_angle_deg`` from the heading, and it senses only the concentration at each
antenna, so the direction of the gradient is available only through their difference.
Each step it turns left, goes forward or turns right (turning also moves it a little
forward); walls stop it. A source within ``eat_radius`` is eaten (reward 1) and
reappears at a random place. An episode is ``max_steps`` steps.

:class:`Arena` simulates a batch of independent arenas with NumPy (used by the learning
code, which trains many insects at once); :class:`ForageEnv` is the standard gymnasium
environment around one arena (registered as ``spikeflow/Forage-v0``).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from .. import _checks

LEFT, FORWARD, RIGHT = 0, 1, 2


@dataclass(frozen=True)
class ForageConfig:
    """Arena parameters (lengths in arena units, angles in degrees)."""

    size: float = 100.0
    n_food: int = 3
    odour_sigma: float = 15.0
    antenna_length: float = 4.0
    antenna_angle_deg: float = 40.0
    step_length: float = 1.5
    turn_deg: float = 25.0
    eat_radius: float = 4.0
    max_steps: int = 500

    def __post_init__(self) -> None:
        for name in ("size", "odour_sigma", "antenna_length", "step_length", "eat_radius"):
            _checks.positive(name, getattr(self, name))
        _checks.positive_int("n_food", self.n_food)
        _checks.positive_int("max_steps", self.max_steps)
        if not 0 < self.antenna_angle_deg < 90:
            raise ValueError(f"antenna_angle_deg must be in (0, 90), got {self.antenna_angle_deg}")
        if not 0 < self.turn_deg <= 90:
            raise ValueError(f"turn_deg must be in (0, 90], got {self.turn_deg}")


class Arena:
    """``batch`` independent arenas. State: ``pos [B, 2]``, ``heading [B]`` (radians),
    ``food [B, n_food, 2]``; :meth:`sense` gives the antenna concentrations ``[B, 2]``
    (left, right) and :meth:`step` applies actions ``[B]`` (0 left, 1 forward, 2 right)
    and returns the food eaten ``[B]``."""

    def __init__(self, config: ForageConfig = ForageConfig(), batch: int = 1, seed: int | None = 0) -> None:
        self.config = config
        self.batch = _checks.positive_int("batch", batch)
        self.rng = np.random.default_rng(seed)
        self.reset()

    def _place(self, shape: tuple[int, ...]) -> np.ndarray:
        margin = 0.05 * self.config.size
        return self.rng.uniform(margin, self.config.size - margin, (*shape, 2))

    def reset(self) -> None:
        """New food places, insects in the middle with random headings."""
        self.pos = np.full((self.batch, 2), self.config.size / 2)
        self.heading = self.rng.uniform(-math.pi, math.pi, self.batch)
        self.food = self._place((self.batch, self.config.n_food))
        self.steps = 0

    def concentration(self, points: np.ndarray, food: np.ndarray | None = None) -> np.ndarray:
        """Odour at ``points [B, K, 2]`` -> ``[B, K]`` (from ``food [B, n_food, 2]``, by
        default the arenas' own)."""
        food = self.food if food is None else food
        d2 = ((points[:, :, None, :] - food[:, None, :, :]) ** 2).sum(-1)
        return np.exp(-d2 / (2 * self.config.odour_sigma**2)).sum(-1)

    def antennae(self) -> np.ndarray:
        """Antenna tip positions ``[B, 2 (left, right), 2]``."""
        c = self.config
        a = math.radians(c.antenna_angle_deg)
        angles = self.heading[:, None] + np.array([a, -a])[None, :]
        return self.pos[:, None, :] + c.antenna_length * np.stack([np.cos(angles), np.sin(angles)], -1)

    def sense(self) -> np.ndarray:
        """Concentration at the left and right antenna, ``[B, 2]``."""
        return self.concentration(self.antennae())

    def step(self, actions: np.ndarray) -> np.ndarray:
        """Move every insect by its action; returns the food eaten ``[B]`` (0 or more)."""
        actions = np.asarray(actions)
        if actions.shape != (self.batch,) or not np.isin(actions, (LEFT, FORWARD, RIGHT)).all():
            raise ValueError(
                f"actions must be {self.batch} values in {{0, 1, 2}} (left, forward, right), got {actions!r}"
            )
        c = self.config
        turn = np.where(actions == LEFT, 1.0, np.where(actions == RIGHT, -1.0, 0.0)) * math.radians(
            c.turn_deg
        )
        self.heading = (self.heading + turn + math.pi) % (2 * math.pi) - math.pi
        length = np.where(actions == FORWARD, c.step_length, 0.5 * c.step_length)
        move = length[:, None] * np.stack([np.cos(self.heading), np.sin(self.heading)], -1)
        self.pos = np.clip(self.pos + move, 0.0, c.size)
        dist = np.linalg.norm(self.food - self.pos[:, None, :], axis=-1)
        eaten = dist < c.eat_radius
        if eaten.any():
            self.food[eaten] = self._place((int(eaten.sum()),))
        self.steps += 1
        return eaten.sum(1).astype(np.float64)

    def render(self, b: int = 0, pixels: int = 240) -> np.ndarray:
        """An RGB image ``[pixels, pixels, 3]`` (uint8) of arena ``b``: odour in green,
        food in yellow, the insect in red with its antennae in white."""
        c = self.config
        grid = (np.arange(pixels) + 0.5) * c.size / pixels
        xx, yy = np.meshgrid(grid, grid[::-1])
        pts = np.stack([xx.ravel(), yy.ravel()], -1)[None]
        odour = self.concentration(pts, self.food[b : b + 1])[0].reshape(pixels, pixels)
        img = np.zeros((pixels, pixels, 3), dtype=np.float64)
        img[..., 1] = 0.15 + 0.6 * np.clip(odour, 0, 1)
        img[..., 2] = 0.15

        def disc(x: float, y: float, r: float, colour: tuple[float, float, float]) -> None:
            mask = (xx - x) ** 2 + (yy - y) ** 2 <= r**2
            img[mask] = colour

        for fx, fy in self.food[b]:
            disc(fx, fy, c.eat_radius * 0.6, (1.0, 0.9, 0.1))
        for ax, ay in self.antennae()[b]:
            disc(ax, ay, max(c.size / pixels, 0.6), (1.0, 1.0, 1.0))
        disc(*self.pos[b], 1.8, (0.9, 0.15, 0.1))
        return (img * 255).astype(np.uint8)


def _gym():  # noqa: ANN202
    try:
        import gymnasium
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("the foraging environment needs gymnasium: pip install 'spikeflow[gym]'") from err
    return gymnasium


@functools.cache
def make_env_class():  # noqa: ANN201
    """The gymnasium environment class (built lazily so that spikeflow imports without
    gymnasium)."""
    gym = _gym()
    spaces = gym.spaces

    class ForageEnv(gym.Env):
        """``spikeflow/Forage-v0``: observation ``[2]`` float32 (odour at the left and right
        antenna), actions ``Discrete(3)`` (0 left, 1 forward, 2 right), reward = food eaten
        in the step, truncated after ``config.max_steps`` steps. ``render_mode="rgb_array"``
        returns an image of the arena."""

        metadata = {"render_modes": ["rgb_array"], "render_fps": 20}

        def __init__(self, config: ForageConfig | None = None, render_mode: str | None = None) -> None:
            self.config = config or ForageConfig()
            if render_mode not in (None, "rgb_array"):
                raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
            self.render_mode = render_mode
            self.observation_space = spaces.Box(0.0, float(self.config.n_food), shape=(2,), dtype=np.float32)
            self.action_space = spaces.Discrete(3)
            self.arena = Arena(self.config, 1, seed=None)

        def reset(self, *, seed: int | None = None, options: dict | None = None):  # noqa: ANN201
            super().reset(seed=seed)
            self.arena.rng = self.np_random
            self.arena.reset()
            return self.arena.sense()[0].astype(np.float32), {"food": 0}

        def step(self, action):  # noqa: ANN001, ANN201
            if not self.action_space.contains(action):
                raise ValueError(f"action must be 0 (left), 1 (forward) or 2 (right), got {action!r}")
            reward = float(self.arena.step(np.array([int(action)]))[0])
            obs = self.arena.sense()[0].astype(np.float32)
            truncated = self.arena.steps >= self.config.max_steps
            return obs, reward, False, truncated, {}

        def render(self):  # noqa: ANN201
            return self.arena.render(0) if self.render_mode == "rgb_array" else None

    return ForageEnv


def register() -> None:
    """Register ``spikeflow/Forage-v0`` with gymnasium (idempotent)."""
    gym = _gym()
    if "spikeflow/Forage-v0" not in gym.registry:
        gym.register("spikeflow/Forage-v0", entry_point="spikeflow.envs.forage:ForageEnv")


def __getattr__(name: str):  # noqa: ANN202
    if name == "ForageEnv":  # the entry point gymnasium resolves
        return make_env_class()
    raise AttributeError(name)


def braitenberg(odour: np.ndarray, threshold: float = 0.05) -> np.ndarray:
    """The hand-wired reference agent (a Braitenberg vehicle): turn toward the antenna
    with the stronger odour when their relative difference exceeds ``threshold``, else go
    forward. ``odour [B, 2]`` -> actions ``[B]``."""
    odour = np.asarray(odour, dtype=np.float64)
    diff = (odour[:, 0] - odour[:, 1]) / (odour.sum(1) + 1e-12)
    return np.where(diff > threshold, LEFT, np.where(diff < -threshold, RIGHT, FORWARD))

"""The network's external inputs: Poisson and noise drives, step and arbitrary injected
currents, and the per-chunk sum of them that both simulator backends read
(:meth:`NetworkInputs.drive_chunk`). A mixin of :class:`~spikeflow.sim.Network`, which
holds ``dt_ms``, ``seed``, ``drives``, ``step_count`` and the selection check ``_own``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .. import _checks
from ..neurons import adex, hodgkin_huxley, izhikevich
from .populations import Population, Selection, as_array
from .sources import NoiseInput, PoissonInput, WaveformInput

if TYPE_CHECKING:  # pragma: no cover
    from .._lazy import torch

MAX_STEPS = 2**53  # steps a network runs at most: step counts and times (steps x dt) stay exact


class NetworkInputs:
    """Methods of :class:`~spikeflow.sim.Network` that add and draw its external inputs."""

    def poisson_input(
        self, target: Selection, n_inputs: int, rate_hz: float, weight: float, receptor: str = "exc"
    ) -> None:
        """Drive each neuron of ``target`` with ``n_inputs`` independent Poisson trains of
        ``rate_hz``, each spike adding ``weight`` to its input (their sum is a Poisson
        process of rate ``n_inputs * rate_hz``: its count per step is drawn, see
        :class:`~spikeflow.sim.sources.PoissonInput`)."""
        self._own("target", target)
        _checks.positive_int("n_inputs", n_inputs)
        rate = _checks.non_negative("rate_hz", rate_hz)
        w = _checks.non_negative("weight", weight) * (
            1.0 if _checks.choice("receptor", receptor, ("exc", "inh")) == "exc" else -1.0
        )
        lam = n_inputs * rate * self.dt_ms * 1e-3  # mean count per step
        self.drives.append(PoissonInput(target.parts, lam, w, self.seed, len(self.drives)))

    def noise_input(
        self, target: Selection, std: float, mean: float = 0.0, distribution: str = "normal"
    ) -> None:
        """Add an independent input ``mean + std * xi`` to each neuron of ``target`` at
        every step, with ``xi`` standard normal or (``distribution="uniform"``) uniform
        with unit variance (for example Izhikevich's random thalamic current)."""
        self._own("target", target)
        kind = _checks.choice("distribution", distribution, ("normal", "uniform"))
        mean, std = _checks.real("mean", mean), _checks.non_negative("std", std)
        noise = NoiseInput(target.parts, mean, std, kind, self.seed, len(self.drives))
        self.drives.append(noise)

    def step_current(
        self, target: Selection, amplitude: float | Sequence[float], start_ms: float = 0.0,
        stop_ms: float | None = None,
    ) -> None:  # fmt: skip
        """Inject a constant current ``amplitude`` (the model's current unit: pA for AdEx,
        uA/cm^2 for Hodgkin-Huxley, the input unit of Izhikevich and of current-input LIF;
        one value for all, or one per neuron of ``target``) into ``target`` from
        ``start_ms`` until ``stop_ms`` (None: for ever)."""
        start = self._input_step("start_ms", start_ms)
        stop = None if stop_ms is None else self._input_step("stop_ms", stop_ms)
        if stop is not None and stop <= start:
            raise ValueError(f"stop_ms={stop_ms} must be after start_ms={start_ms}")
        self._check_current_target(target)
        amp = np.asarray(amplitude, dtype=np.float64)
        if amp.ndim > 1 or (amp.ndim == 1 and amp.size != len(target)) or not np.isfinite(amp).all():
            raise ValueError(
                f"amplitude must be one finite value or {len(target)} (one per neuron), got {amplitude!r}"
            )
        values = np.broadcast_to(amp, (1, len(target))).copy()
        self.drives.append(WaveformInput(target.parts, values, start, stop))

    def current_input(
        self, target: Selection, values: np.ndarray | torch.Tensor, start_ms: float = 0.0
    ) -> None:
        """Inject an arbitrary current waveform into ``target``: ``values`` is ``[steps]``
        (the same for every neuron) or ``[steps, len(target)]``, one row per step of
        ``dt_ms`` from ``start_ms`` (units as in :meth:`step_current`)."""
        start = self._input_step("start_ms", start_ms)
        self._check_current_target(target)
        v = as_array(values)
        if v.ndim == 1:
            v = np.repeat(v[:, None], len(target), axis=1)
        if v.ndim != 2 or v.shape[1] != len(target) or v.shape[0] < 2:
            raise ValueError(
                f"values must be [steps] or [steps, {len(target)}] with at least 2 steps, got {list(v.shape)}"
            )
        if not np.isfinite(v).all():
            raise ValueError("values contain NaN or infinite entries")
        self.drives.append(WaveformInput(target.parts, v, start, None))

    def _input_step(self, name: str, time_ms: float) -> int:
        time_ms = _checks.non_negative(name, time_ms)
        if time_ms / self.dt_ms > MAX_STEPS:
            raise ValueError(f"{name}={time_ms:g} is more than the {MAX_STEPS:.3g} steps a network can run")
        step = int(round(time_ms / self.dt_ms))
        if step < self.step_count:
            raise ValueError(f"{name}={time_ms} is in the past (the network is at {self.time_ms:g} ms)")
        return step

    def _check_current_target(self, target: Selection) -> None:
        self._own("target", target)
        for pop, _ in target.parts:
            spec = getattr(pop.params, "spec", None)  # (also a class in front of one: LIFParams)
            current = pop.module in (izhikevich, adex, hodgkin_huxley) or (
                spec is not None and spec.input_kind == "current"
            )
            if not current:
                model = type(pop.params).__name__
                raise ValueError(
                    f"population {pop.name!r} ({model}) does not take a current as input (its input is "
                    "a conductance, a synaptic jump or a voltage jump); use its I_e parameter for a "
                    "constant current, or input_mode='current' for LIF"
                )

    def drive_chunk(self, t0: int, k: int) -> dict[Population, np.ndarray]:
        """The Poisson and noise inputs and injected currents of steps ``t0 .. t0 + k - 1``
        summed per population, ``[k, n]`` (possibly views of cached draws: read them only;
        both backends take their inputs from here, so the same seed gives the same input)."""
        out: dict[Population, np.ndarray] = {}
        owned = set()  # populations whose array here is ours to add into
        for drive in self.drives:
            values, start = drive.chunk(t0, k), 0
            for pop, idx, count in drive.layout:
                part = values[:, start : start + count]
                start += count
                if idx is None and pop not in out:
                    out[pop] = part  # a view: copied before anything is added to it
                    continue
                if pop not in owned:
                    out[pop] = out[pop].copy() if pop in out else np.zeros((k, pop.n))
                    owned.add(pop)
                if idx is None:
                    out[pop] += part
                else:
                    out[pop][:, idx] += part
        return out


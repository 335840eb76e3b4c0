"""Liquid state machines (Maass, Natschlaeger & Markram 2002) and an echo state network
of the same size for reference.

The liquid: ``n`` current-based LIF neurons on a 3-D grid (15 x a x b, unit spacing),
20 % inhibitory at random. Neurons ``a -> b`` connect with probability
``C[type(a), type(b)] * exp(-(D(a, b) / lambda)**2)`` (``C_EE = 0.3``, ``C_EI = 0.2``,
``C_IE = 0.4``, ``C_II = 0.1``, ``lambda = 2``); weights are Gamma-distributed with
means ``A_EE = 30``, ``A_EI = 60``, ``A_IE = A_II = -19`` nA (coefficient of variation
0.7), times ``weight_scale`` and times ``in_degree_ref`` over the mean number of
excitatory inputs per neuron (which grows from 3.7 to 6.6 between 135 and 1080 neurons
as more neurons lie inside the grid; without this the 1080-neuron liquid falls into slow
up and down states and forgets its input). Neurons: membrane time constant 30 ms, resistance 1 MOhm,
threshold 15 mV, reset 13.5 mV, refractory 2 ms, background current drawn uniformly in
[13.5, 14.5] nA, exponential synaptic currents (3 ms excitatory, 6 ms inhibitory). The
paper's dynamic (depressing/facilitating) synapses and per-type delays are not modelled:
synapses are static and every spike arrives one step (1 ms) later; ``weight_scale``
compensates for the missing depression (chosen so that the liquid fires at a few Hz to
tens of Hz, not in runaway).

Readout: spikes filtered by an exponential of ``readout_tau_ms`` (30 ms), sampled at the
readout times, fitted by ridge regression with cross-validated regularisation
(:func:`spikeflow.learning.readout.fit_ridge`).

Tasks: :func:`memory_capacity` (recall of a random input ``k`` steps back; total
capacity = sum over ``k`` of the squared test correlation) and
:func:`template_classification` (which of ``n_classes`` Poisson spike-pattern templates,
each spike jittered, a trial came from).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from .. import _checks
from ..learning.readout import fit_ridge
from ..neurons import lif

GRIDS = {135: (15, 3, 3), 270: (15, 6, 3), 540: (15, 6, 6), 1080: (15, 12, 6)}


def grid_for(n: int) -> tuple[int, int, int]:
    """The grid of ``n`` neurons: Maass's columns of 15 x a x b (``a * b = n / 15``)."""
    if n in GRIDS:
        return GRIDS[n]
    if n % 15:
        raise ValueError(f"n must be a multiple of 15 (columns of 15 x a x b), got {n}")
    m = n // 15
    a = max(d for d in range(1, int(math.isqrt(m)) + 1) if m % d == 0)
    return 15, m // a, a


@dataclass(frozen=True)
class LSMConfig:
    """Liquid parameters (see the module docstring; currents in nA, times in ms)."""

    n: int = 135
    frac_inh: float = 0.2
    lam: float = 2.0
    weight_scale: float = 0.1
    in_degree_ref: float = 4.0
    input_fraction: float = 0.3
    input_weight: float = 18.0
    input_gain: float = 20.0
    tau_syn_exc_ms: float = 3.0
    tau_syn_inh_ms: float = 6.0
    readout_tau_ms: float = 30.0
    noise_na: float = 0.2
    dt_ms: float = 1.0

    def __post_init__(self) -> None:
        grid_for(_checks.positive_int("n", self.n))
        _checks.probability("frac_inh", self.frac_inh)
        _checks.probability("input_fraction", self.input_fraction)
        for name in ("lam", "tau_syn_exc_ms", "tau_syn_inh_ms", "readout_tau_ms", "dt_ms", "in_degree_ref"):
            _checks.positive(name, getattr(self, name))
        for name in ("weight_scale", "input_weight", "input_gain", "noise_na"):
            _checks.non_negative(name, getattr(self, name))


def _gamma_factors(rng: np.random.Generator, shape: tuple[int, ...], cv: float = 0.7) -> np.ndarray:
    """Gamma-distributed factors of mean 1 and coefficient of variation ``cv``."""
    k = 1 / cv**2
    return rng.gamma(k, 1 / k, shape)


class LiquidStateMachine:
    """A liquid (see the module docstring), simulated in batches with torch.

    Attributes:
        w_exc, w_inh: ``[n, n]`` (post, pre) excitatory and inhibitory weights (nA, the
        inhibitory ones <= 0); inhibitory: bool ``[n]``; positions: ``[n, 3]``.
    """

    def __init__(self, config: LSMConfig = LSMConfig(), seed: int = 0) -> None:
        self.config = c = config
        rng = np.random.default_rng(seed)
        shape = grid_for(c.n)
        self.positions = np.stack(np.meshgrid(*[np.arange(s) for s in shape], indexing="ij"), -1).reshape(
            -1, 3
        )
        n = c.n
        self.inhibitory = np.zeros(n, dtype=bool)
        self.inhibitory[rng.choice(n, int(round(c.frac_inh * n)), replace=False)] = True
        t = self.inhibitory.astype(int)  # 0 exc, 1 inh
        prob_c = np.array([[0.3, 0.2], [0.4, 0.1]])  # [pre type, post type]
        mean_w = np.array([[30.0, 60.0], [-19.0, -19.0]])
        d2 = ((self.positions[:, None, :] - self.positions[None, :, :]) ** 2).sum(-1)  # [pre, post]
        p = prob_c[t[:, None], t[None, :]] * np.exp(-d2 / c.lam**2)
        np.fill_diagonal(p, 0.0)
        connected = rng.random((n, n)) < p
        w = _gamma_factors(rng, (n, n)) * mean_w[t[:, None], t[None, :]] * c.weight_scale
        w = np.where(connected, w, 0.0).T  # [post, pre]
        # interior neurons of bigger grids have more neighbours: keep the mean recurrent drive
        in_degree = max((w[:, t == 0] != 0).sum(1).mean(), 1e-9)
        w *= c.in_degree_ref / in_degree
        self.w_exc = torch.tensor(np.where(w > 0, w, 0.0), dtype=torch.float32)
        self.w_inh = torch.tensor(np.where(w < 0, w, 0.0), dtype=torch.float32)
        self.background = torch.tensor(rng.uniform(13.5, 14.5, n), dtype=torch.float32)
        self.receives_input = rng.random(n) < c.input_fraction
        self.params = lif.LIFParams(
            tau_mem_ms=30.0, dt_ms=c.dt_ms, v_th=15.0, v_reset=13.5, reset="value", refractory_ms=2.0,
            input_mode="current", r_mem=1.0,
        )  # fmt: skip
        self.generator = torch.Generator().manual_seed(seed)

    def input_weights(self, channels: int, seed: int = 0) -> torch.Tensor:
        """Weights ``[n, channels]`` (nA) from input spike channels: each channel reaches
        the input-receiving neurons with probability 0.5, Gamma-distributed around
        ``input_weight``."""
        rng = np.random.default_rng(seed)
        w = _gamma_factors(rng, (self.config.n, channels)) * self.config.input_weight
        mask = (rng.random((self.config.n, channels)) < 0.5) & self.receives_input[:, None]
        return torch.tensor(np.where(mask, w, 0.0), dtype=torch.float32)

    def run(
        self, steps: int, spikes: torch.Tensor | None = None, w_in: torch.Tensor | None = None,
        current: torch.Tensor | None = None, sample_every: int = 1, batch: int = 1,
    ) -> tuple[torch.Tensor, float]:  # fmt: skip
        """Simulate ``steps`` steps from rest for a batch of trials.

        Args:
            spikes: input spikes ``[steps, batch, channels]`` (with ``w_in``), or None.
            current: analog input ``[steps, batch]`` (dimensionless), injected into the
                input-receiving neurons as ``input_gain`` nA per unit, or None.
            sample_every: the readout is sampled after every ``sample_every``-th step.

        Returns:
            ``(features [samples, batch, n], mean rate in Hz)``: the filtered spike trains.
        """
        c = self.config
        if spikes is not None:
            batch = spikes.shape[1]
        elif current is not None:
            batch = current.shape[1]
        coeffs = self.params.coeffs()
        state = lif.init_state((batch, c.n), coeffs, torch.float32)
        state = state._replace(v=13.5 + 1.5 * torch.rand(batch, c.n, generator=self.generator))
        i_exc = torch.zeros(batch, c.n)
        i_inh = torch.zeros(batch, c.n)
        z = torch.zeros(batch, c.n)
        trace = torch.zeros(batch, c.n)
        d_exc, d_inh = math.exp(-c.dt_ms / c.tau_syn_exc_ms), math.exp(-c.dt_ms / c.tau_syn_inh_ms)
        d_read = math.exp(-c.dt_ms / c.readout_tau_ms)
        gate = torch.tensor(self.receives_input, dtype=torch.float32) * c.input_gain
        samples, total = [], 0.0
        for t in range(steps):
            i_exc = d_exc * i_exc + z @ self.w_exc.T
            i_inh = d_inh * i_inh + z @ self.w_inh.T
            if spikes is not None:
                i_exc = i_exc + spikes[t] @ w_in.T
            x = self.background + i_exc + i_inh
            if c.noise_na:
                x = x + c.noise_na * torch.randn(batch, c.n, generator=self.generator)
            if current is not None:
                x = x + current[t][:, None] * gate
            z, state = lif.step(x, state, coeffs)
            trace = d_read * trace + z
            total += float(z.sum())
            if (t + 1) % sample_every == 0:
                samples.append(trace.clone())
        rate = total / (batch * c.n * steps * c.dt_ms * 1e-3)
        return torch.stack(samples), rate


class EchoStateNetwork:
    """A leaky echo state network (Jaeger 2001) as the reference reservoir:
    ``x <- (1 - leak) x + leak * tanh(W x + W_in u)``, with ``W`` sparse (10 %) Gaussian
    scaled to ``spectral_radius``, ``W_in`` uniform in ``[-input_scaling, input_scaling]``."""

    def __init__(self, n: int, inputs: int, spectral_radius: float = 0.9, input_scaling: float = 0.5,
                 leak: float = 1.0, seed: int = 0) -> None:  # fmt: skip
        rng = np.random.default_rng(seed)
        w = rng.standard_normal((n, n)) * (rng.random((n, n)) < 0.1)
        w *= spectral_radius / max(abs(np.linalg.eigvals(w)))
        self.w = torch.tensor(w, dtype=torch.float32)
        self.w_in = torch.tensor(rng.uniform(-input_scaling, input_scaling, (n, inputs)), dtype=torch.float32)
        self.leak = _checks.probability("leak", leak)

    def run(self, u: torch.Tensor) -> torch.Tensor:
        """States ``[T, batch, n]`` for inputs ``u [T, batch, inputs]``."""
        x = torch.zeros(u.shape[1], self.w.shape[0])
        out = []
        for t in range(u.shape[0]):
            x = (1 - self.leak) * x + self.leak * torch.tanh(x @ self.w.T + u[t] @ self.w_in.T)
            out.append(x)
        return torch.stack(out)


def _capacity(features: np.ndarray, u: np.ndarray, max_delay: int, washout: int) -> np.ndarray:
    """Squared test correlation of ridge recall of ``u[t - k]``, k = 0..max_delay - 1."""
    t = np.arange(washout + max_delay, u.size)
    x = features[t]
    y = np.stack([u[t - k] for k in range(max_delay)], 1)
    split = int(0.7 * t.size)
    model = fit_ridge(x[:split], y[:split])
    pred = model.predict(x[split:])
    r = [np.corrcoef(pred[:, k], y[split:, k])[0, 1] for k in range(max_delay)]
    return np.nan_to_num(np.square(r))


def memory_capacity(
    reservoir: LiquidStateMachine | EchoStateNetwork, bins: int | None = None, bin_ms: int = 10,
    max_delay: int = 30, washout: int = 50, seed: int = 0,
) -> tuple[float, np.ndarray]:  # fmt: skip
    """Short-term memory capacity: the input is a random value ``u ~ U(-1, 1)`` per bin
    (held for ``bin_ms`` ms as an input current of the liquid; one step of the echo
    state network); a ridge readout of the state at the end of bin ``t`` recalls
    ``u[t - k]`` (``k = 0``: the bin that just ended). The capacity of delay ``k`` is the
    squared correlation of recall and target on the last 30 % of the bins (the readout is
    fitted on the first 70 %). Returns ``(total capacity, capacity per delay k = 0 ..
    max_delay - 1)``. ``bins`` defaults to ``max(1500, 3 n)`` so that the readout is fitted
    on more samples than the reservoir has neurons."""
    n = reservoir.config.n if isinstance(reservoir, LiquidStateMachine) else reservoir.w.shape[0]
    bins = max(1500, 3 * n) if bins is None else _checks.positive_int("bins", bins)
    u = np.random.default_rng(seed).uniform(-1, 1, bins)
    if isinstance(reservoir, LiquidStateMachine):
        steps = int(bin_ms / reservoir.config.dt_ms)
        current = torch.tensor(np.repeat(u, steps), dtype=torch.float32)[:, None]
        feats, _ = reservoir.run(bins * steps, current=current, sample_every=steps)
    else:
        feats = reservoir.run(torch.tensor(u, dtype=torch.float32)[:, None, None])
    mc = _capacity(feats[:, 0].numpy().astype(np.float64), u, max_delay, washout)
    return float(mc.sum()), mc


def jittered_templates(
    n_classes: int, trials: int, channels: int = 4, rate_hz: float = 20.0, duration_ms: int = 200,
    jitter_ms: float = 4.0, seed: int = 0,
) -> tuple[torch.Tensor, np.ndarray]:  # fmt: skip
    """The 2002 paper's classification input: ``n_classes`` Poisson templates of
    ``channels`` spike trains (``rate_hz``, ``duration_ms``); each trial is a template
    with every spike moved by Gaussian jitter (``jitter_ms``). Returns spikes
    ``[duration_ms, trials, channels]`` (1 ms bins) and labels ``[trials]``."""
    rng = np.random.default_rng(seed)
    templates = [
        [np.flatnonzero(rng.random(duration_ms) < rate_hz * 1e-3) for _ in range(channels)]
        for _ in range(n_classes)
    ]
    labels = rng.integers(0, n_classes, trials)
    x = torch.zeros(duration_ms, trials, channels)
    for k, label in enumerate(labels):
        for ch, times in enumerate(templates[label]):
            moved = np.rint(times + rng.normal(0, jitter_ms, times.size)).astype(int)
            moved = moved[(moved >= 0) & (moved < duration_ms)]
            x[moved, k, ch] = 1.0
    return x, labels


def template_classification(
    reservoir: LiquidStateMachine | EchoStateNetwork, n_classes: int = 8, train: int = 400, test: int = 200,
    jitter_ms: float = 8.0, seed: int = 0,
) -> float:  # fmt: skip
    """Test accuracy of a ridge readout (one-hot targets) of the reservoir state at the
    end of a jittered template (:func:`jittered_templates`)."""
    spikes, labels = jittered_templates(n_classes, train + test, jitter_ms=jitter_ms, seed=seed)
    if isinstance(reservoir, LiquidStateMachine):
        feats, _ = reservoir.run(
            spikes.shape[0], spikes=spikes, w_in=reservoir.input_weights(spikes.shape[2], seed)
        )
    else:
        feats = reservoir.run(spikes)
    x = feats[-1].numpy().astype(np.float64)
    y = np.eye(n_classes)[labels]
    model = fit_ridge(x[:train], y[:train])
    return float((model.predict(x[train:]).argmax(1) == labels[train:]).mean())

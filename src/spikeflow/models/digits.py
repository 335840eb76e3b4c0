"""The digits classifier of ``spikeflow demo``: a 64-256-10 LIF network trained with
surrogate gradients on scikit-learn's 8x8 handwritten digits (1797 real samples that
ship with scikit-learn; no download).

Pipeline: pixel intensities scaled to [0, 1] are rate-coded (Bernoulli) over
``num_steps`` steps, pass ``Linear(64, 256) -> LIF -> Linear(256, 10) -> LI`` and are
classified by the time-averaged readout potential (cross-entropy on it).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import torch
from torch import nn

from .. import _checks, encoding
from ..analysis.ops import synaptic_events_per_sample
from ..learning import supervised
from ..learning.losses import accuracy, ce_membrane_loss
from ..nn import LI, LIF


@dataclass(frozen=True)
class DigitsConfig:
    """Hyper-parameters of the digits task (defaults are the demo's).

    Attributes:
        epochs: passes over the 1437 training samples.
        batch_size: samples per optimiser step.
        lr: Adam learning rate (cosine-annealed to 0 over the epochs).
        num_steps: T, time steps of the rate code.
        hidden: hidden LIF neurons.
        tau_mem_ms: membrane time constant of hidden and readout neurons (ms, dt = 1 ms).
        seed: seed of initialisation, shuffling and spike encoding.
        test_size: fraction held out for testing (split with ``random_state=0``).
    """

    epochs: int = 30
    batch_size: int = 64
    lr: float = 2e-3
    num_steps: int = 25
    hidden: int = 256
    tau_mem_ms: float = 10.0
    seed: int = 0
    test_size: float = 0.2

    def __post_init__(self) -> None:
        _checks.positive_int("epochs", self.epochs)
        _checks.positive_int("batch_size", self.batch_size)
        _checks.positive("lr", self.lr)
        _checks.positive_int("num_steps", self.num_steps)
        _checks.positive_int("hidden", self.hidden)
        _checks.positive("tau_mem_ms", self.tau_mem_ms)
        if not isinstance(self.seed, int) or isinstance(self.seed, bool):
            raise TypeError(f"seed must be an int, got {self.seed!r}")
        if not 0 < self.test_size < 1:
            raise ValueError(f"test_size must lie in (0, 1), got {self.test_size!r}")


def load_digits_split(test_size: float = 0.2):
    """scikit-learn's digits scaled to [0, 1], split 80/20 with ``random_state=0``.

    Returns ``(x_train [N, 64], x_test [M, 64], y_train [N], y_test [M])`` as float32 and
    int64 tensors.
    """
    try:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
    except ImportError as err:  # pragma: no cover - exercised only without the extra
        raise ImportError("the digits data needs scikit-learn: pip install 'spikeflow[data]'") from err
    x, y = load_digits(return_X_y=True)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=test_size, random_state=0)
    f = lambda a: torch.tensor(a / 16.0, dtype=torch.float32)  # noqa: E731
    return f(x_tr), f(x_te), torch.tensor(y_tr), torch.tensor(y_te)


class DigitsSNN(nn.Module):
    """``Linear(64, hidden) -> LIF -> Linear(hidden, 10) -> LI`` on ``[T, batch, 64]`` spikes.

    ``forward`` returns the readout potential ``[T, batch, 10]``;
    :meth:`forward_with_hidden` also returns the hidden spikes ``[T, batch, hidden]``.
    """

    def __init__(self, hidden: int = 256, tau_mem_ms: float = 10.0) -> None:
        super().__init__()
        self.fc1 = nn.Linear(64, hidden)
        self.lif = LIF(tau_mem_ms=tau_mem_ms)
        self.fc2 = nn.Linear(hidden, 10)
        self.readout = LI(tau_mem_ms=tau_mem_ms)

    def forward_with_hidden(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Readout potential and hidden spikes for input spikes ``x [T, batch, 64]``."""
        hidden = self.lif(self.fc1(x))
        return self.readout(self.fc2(hidden)), hidden

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_with_hidden(x)[0]


def readout_scores(v: torch.Tensor) -> torch.Tensor:
    """Class scores from the readout potential: its mean over time, ``[batch, 10]``."""
    return v.mean(0)


@dataclass
class DigitsResult:
    """Outcome of :func:`train_digits`.

    Attributes:
        model: the trained network.
        history: training curve.
        test_accuracy: accuracy on the held-out 20 % (fraction).
        spikes_per_neuron: mean hidden spikes per neuron per test sample.
        synaptic_events_per_sample: spike deliveries per test sample: input spikes times
            the hidden size plus hidden spikes times 10 (counted from the actual spikes).
        train_s: wall time of training (s).
        config: the hyper-parameters used.
        x_test, y_test: the held-out data (for figures).
    """

    model: DigitsSNN
    history: supervised.History
    test_accuracy: float
    spikes_per_neuron: float
    synaptic_events_per_sample: float
    train_s: float
    config: DigitsConfig
    x_test: torch.Tensor
    y_test: torch.Tensor

    def summary(self) -> dict:
        """Numbers of the run as a JSON-ready dict."""
        return {
            "test_accuracy": self.test_accuracy,
            "spikes_per_neuron": self.spikes_per_neuron,
            "synaptic_events_per_sample": self.synaptic_events_per_sample,
            "train_s": self.train_s,
            "final_loss": self.history.epochs[-1].loss,
            "config": asdict(self.config),
        }


def train_digits(config: DigitsConfig | None = None, on_epoch=None) -> DigitsResult:  # noqa: ANN001
    """Train and test the digits SNN; deterministic for a given ``config.seed``.

    Args:
        config: hyper-parameters (defaults: the demo's).
        on_epoch: optional callback receiving each
            :class:`~spikeflow.learning.supervised.EpochRecord`.
    """
    config = config or DigitsConfig()
    x_tr, x_te, y_tr, y_te = load_digits_split(config.test_size)
    torch.manual_seed(config.seed)
    model = DigitsSNN(config.hidden, config.tau_mem_ms)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, config.epochs)
    generator = torch.Generator().manual_seed(config.seed)

    def encode(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
        return encoding.rate(x, config.num_steps, generator=g)

    start = time.perf_counter()
    history = supervised.fit_classifier(
        model,
        x_tr,
        y_tr,
        encode=encode,
        loss_fn=lambda v, y: ce_membrane_loss(v, y, reduce="mean"),
        scores=readout_scores,
        epochs=config.epochs,
        batch_size=config.batch_size,
        optimizer=optimizer,
        scheduler=scheduler,
        generator=generator,
        on_epoch=on_epoch,
    )
    train_s = time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        test_gen = torch.Generator().manual_seed(config.seed + 1)
        spikes_in = encode(x_te, test_gen)
        v, hidden = model.forward_with_hidden(spikes_in)
    return DigitsResult(
        model=model,
        history=history,
        test_accuracy=accuracy(readout_scores(v), y_te),
        spikes_per_neuron=float(hidden.sum(0).mean()),
        synaptic_events_per_sample=synaptic_events_per_sample(spikes_in, config.hidden)
        + synaptic_events_per_sample(hidden, 10),
        train_s=train_s,
        config=config,
        x_test=x_te,
        y_test=y_te,
    )

"""The second-generation baseline on the digits task: a self-normalizing MLP (64-256-10,
SELU, alpha dropout, LeCun-normal init) trained on the same split as the spiking
network of :mod:`spikeflow.models.digits`, and the side-by-side comparison of the two
behind ``spikeflow compare``.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F

from .. import _checks
from ..analysis.ops import ann_macs_per_sample
from ..learning import supervised
from ..learning.losses import accuracy
from ..nn.selu import SelfNormalizingMLP
from .digits import DigitsConfig, load_digits_split, train_digits


@dataclass(frozen=True)
class SeluDigitsConfig:
    """Hyper-parameters of the SELU baseline.

    Attributes:
        epochs, batch_size: training passes and samples per Adam step.
        lr: Adam learning rate (cosine-annealed); 1e-2 was the best of a small sweep
            (1e-3, 3e-3, 1e-2; 30 or 60 epochs; dropout 0, 0.05, 0.1) over seeds 0-2.
        hidden: hidden SELU units.
        dropout: alpha-dropout probability after the hidden layer.
        seed: initialisation and shuffling seed.
    """

    epochs: int = 30
    batch_size: int = 64
    lr: float = 1e-2
    hidden: int = 256
    dropout: float = 0.05
    seed: int = 0

    def __post_init__(self) -> None:
        _checks.positive_int("epochs", self.epochs)
        _checks.positive_int("batch_size", self.batch_size)
        _checks.positive("lr", self.lr)
        _checks.positive_int("hidden", self.hidden)


@dataclass
class SeluDigitsResult:
    """Outcome of :func:`train_selu_digits` (accuracy as a fraction, MACs per sample)."""

    model: SelfNormalizingMLP
    history: supervised.History
    test_accuracy: float
    macs_per_sample: int
    train_s: float
    config: SeluDigitsConfig


def train_selu_digits(config: SeluDigitsConfig | None = None) -> SeluDigitsResult:
    """Train and test the SELU MLP on the digits split of the demo."""
    config = config or SeluDigitsConfig()
    x_tr, x_te, y_tr, y_te = load_digits_split()
    torch.manual_seed(config.seed)  # alpha dropout draws from the global generator
    g = torch.Generator().manual_seed(config.seed)
    model = SelfNormalizingMLP(64, [config.hidden], 10, dropout=config.dropout, generator=g)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, config.epochs)
    start = time.perf_counter()
    history = supervised.fit_classifier(
        model,
        x_tr,
        y_tr,
        encode=lambda x, _g: x,
        loss_fn=F.cross_entropy,
        scores=lambda out: out,
        epochs=config.epochs,
        batch_size=config.batch_size,
        optimizer=optimizer,
        scheduler=scheduler,
        generator=g,
    )
    train_s = time.perf_counter() - start
    scores = supervised.predict(model, x_te, encode=lambda x, _g: x, scores=lambda o: o)
    return SeluDigitsResult(
        model=model,
        history=history,
        test_accuracy=accuracy(scores, y_te),
        macs_per_sample=ann_macs_per_sample(model, x_te[:1]),
        train_s=train_s,
        config=config,
    )


def _parameters(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def compare_on_digits(epochs: int = 30, seed: int = 0, on_epoch=None) -> dict:  # noqa: ANN001
    """Train both networks on the same digits split and count their work per sample.

    Returns a JSON-ready dict with ``ann_accuracy``, ``snn_accuracy``,
    ``ann_macs_per_sample``, ``snn_synaptic_events_per_sample``, parameter counts,
    training times and the SNN's spikes per hidden neuron.
    """
    ann = train_selu_digits(SeluDigitsConfig(epochs=epochs, seed=seed))
    snn = train_digits(DigitsConfig(epochs=epochs, seed=seed), on_epoch=on_epoch)
    return {
        "ann_accuracy": ann.test_accuracy,
        "snn_accuracy": snn.test_accuracy,
        "ann_macs_per_sample": ann.macs_per_sample,
        "snn_synaptic_events_per_sample": snn.synaptic_events_per_sample,
        "ann_parameters": _parameters(ann.model),
        "snn_parameters": _parameters(snn.model),
        "snn_spikes_per_neuron": snn.spikes_per_neuron,
        "snn_time_steps": snn.config.num_steps,
        "ann_train_s": ann.train_s,
        "snn_train_s": snn.train_s,
        "ann_config": asdict(ann.config),
        "snn_config": asdict(snn.config),
    }

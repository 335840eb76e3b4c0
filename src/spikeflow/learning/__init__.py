"""Learning: losses and metrics, training loops, and local plasticity rules (STDP,
triplet STDP, reward-modulated STDP). The losses (torch) load on first use."""

from .._lazy import lazy_attributes
from . import plasticity
from .plasticity import STDP, RewardSTDP, pfister2006, song2000

_LOSSES = ("accuracy", "activity_regularizer", "ce_count_loss", "ce_membrane_loss", "first_spike_time_loss")
__getattr__, __dir__ = lazy_attributes(
    __name__,
    {"losses": ".losses", "convert": ".convert", "readout": ".readout", "supervised": ".supervised",
     **{name: f".losses:{name}" for name in (*_LOSSES, "mse_count_loss")}},
)  # fmt: skip

__all__ = [
    "STDP",
    "RewardSTDP",
    "accuracy",
    "activity_regularizer",
    "ce_count_loss",
    "ce_membrane_loss",
    "first_spike_time_loss",
    "losses",
    "mse_count_loss",
    "pfister2006",
    "plasticity",
    "song2000",
]

"""Learning: losses and metrics, training loops, and local plasticity rules (STDP,
triplet STDP, reward-modulated STDP)."""

from . import losses, plasticity
from .losses import (
    accuracy,
    activity_regularizer,
    ce_count_loss,
    ce_membrane_loss,
    first_spike_time_loss,
    mse_count_loss,
)
from .plasticity import STDP, RewardSTDP, pfister2006, song2000

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

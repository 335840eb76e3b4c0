"""Learning: losses and metrics, training loops (and, later, local plasticity rules)."""

from . import losses
from .losses import (
    accuracy,
    activity_regularizer,
    ce_count_loss,
    ce_membrane_loss,
    first_spike_time_loss,
    mse_count_loss,
)

__all__ = [
    "accuracy",
    "activity_regularizer",
    "ce_count_loss",
    "ce_membrane_loss",
    "first_spike_time_loss",
    "losses",
    "mse_count_loss",
]

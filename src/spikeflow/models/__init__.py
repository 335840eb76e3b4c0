"""Reference networks and tasks. Each model is its own module (``spikeflow.models.coba``,
``...digits``, ...); the digits task's names are re-exported here on first use."""

from .._lazy import lazy_attributes

_DIGITS = ("DigitsConfig", "DigitsResult", "DigitsSNN", "load_digits_split", "train_digits")
__getattr__, __dir__ = lazy_attributes(__name__, {name: f".digits:{name}" for name in _DIGITS})

__all__ = list(_DIGITS)

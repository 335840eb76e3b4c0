"""Reference networks and tasks. Each model is its own module (``spikeflow.models.coba``,
``...digits``, ...), loaded on first use (``spikeflow.models.coba`` works after ``import
spikeflow``); the digits task's names are re-exported here."""

from .._lazy import lazy_attributes

_DIGITS = ("DigitsConfig", "DigitsResult", "DigitsSNN", "load_digits_split", "train_digits")
MODULES = ("brette_neurons", "brunel", "coba", "cuba", "digits", "distal_reward", "forager", "grasshopper",
           "izhikevich_network", "lsm", "selu_digits", "song2000")  # fmt: skip
__getattr__, __dir__ = lazy_attributes(
    __name__, {**{name: f".{name}" for name in MODULES}, **{name: f".digits:{name}" for name in _DIGITS}}
)

__all__ = list(_DIGITS)

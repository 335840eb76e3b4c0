"""Reference networks and tasks."""

from .digits import DigitsConfig, DigitsResult, DigitsSNN, load_digits_split, train_digits

__all__ = ["DigitsConfig", "DigitsResult", "DigitsSNN", "load_digits_split", "train_digits"]

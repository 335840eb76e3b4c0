"""spikeflow: spiking neural networks in PyTorch.

Subpackages: :mod:`spikeflow.neurons` (pure dynamics), :mod:`spikeflow.nn`
(trainable layers), :mod:`spikeflow.surrogate`, :mod:`spikeflow.encoding`,
:mod:`spikeflow.learning` (losses, metrics, training loops), :mod:`spikeflow.models`
(reference networks and tasks), :mod:`spikeflow.plot` (figures, needs matplotlib).
"""

from . import analysis, encoding, learning, neurons, nn, sim, surrogate
from ._version import __version__

__all__ = ["__version__", "analysis", "encoding", "learning", "neurons", "nn", "sim", "surrogate"]

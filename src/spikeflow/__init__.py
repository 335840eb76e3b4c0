"""spikeflow: spiking neural networks in PyTorch.

Subpackages: :mod:`spikeflow.neurons` (pure dynamics), :mod:`spikeflow.nn`
(trainable layers), :mod:`spikeflow.surrogate`, :mod:`spikeflow.encoding`,
:mod:`spikeflow.learning` (losses, metrics, training loops), :mod:`spikeflow.sim` (the
network simulator), :mod:`spikeflow.analysis`, :mod:`spikeflow.models` (reference
networks and tasks), :mod:`spikeflow.plot` (figures, needs matplotlib).

Subpackages load on first use (``spikeflow.nn`` imports torch; a network simulation on
the fast CPU backend does not need it, see :mod:`spikeflow._lazy`).
"""

import sys as _sys

from ._lazy import lazy_attributes
from ._version import __version__

_SUBPACKAGES = ("analysis", "encoding", "learning", "neurons", "nn", "sim", "surrogate")
# also reached as attributes, but not by ``from spikeflow import *`` (plot needs matplotlib,
# io and envs their optional packages)
_ON_DEMAND = ("codegen", "envs", "io", "kernels", "models", "plot")
__getattr__, __dir__ = lazy_attributes(__name__, {name: f".{name}" for name in (*_SUBPACKAGES, *_ON_DEMAND)})

if "gymnasium" in _sys.modules:  # gymnasium first: its make() finds spikeflow/Forage-v0 from here on
    _gym = _sys.modules["gymnasium"]
    if "spikeflow/Forage-v0" not in _gym.registry:
        _gym.register("spikeflow/Forage-v0", entry_point="spikeflow.envs.forage:ForageEnv")

__all__ = ["__version__", *_SUBPACKAGES]

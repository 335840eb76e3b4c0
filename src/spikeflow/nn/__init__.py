"""Trainable spiking layers (``torch.nn.Module``), single-step and multi-step.

Multi-step layers are time-major: ``[T, batch, *features]`` in and out.
"""

from .. import surrogate as _surrogate
from ._base import NeuronLayer, RecurrentLayer, RecurrentState
from .layers import (
    ALIF,
    LI,
    LIF,
    AdEx,
    AdExCell,
    ALIFCell,
    CondLIF,
    CondLIFCell,
    CubaLIF,
    CubaLIFCell,
    HodgkinHuxley,
    HodgkinHuxleyCell,
    Izhikevich,
    IzhikevichCell,
    LICell,
    LIFCell,
    RecurrentALIF,
    RecurrentALIFCell,
    RecurrentCubaLIF,
    RecurrentLIF,
    RecurrentLIFCell,
    RecurrentSynapticLIF,
    RecurrentSynapticLIFCell,
    SynapticLIF,
    SynapticLIFCell,
)
from .linear import LinearALIF, LinearLIF, LinearNeuronLayer, LinearSynapticLIF
from .spec_layers import RecurrentSpecLayer, SpecCell, SpecLayer

__all__ = [
    "RecurrentSpecLayer",
    "SpecCell",
    "SpecLayer",
    "ALIF",
    "AdEx",
    "AdExCell",
    "CondLIF",
    "CondLIFCell",
    "CubaLIF",
    "CubaLIFCell",
    "HodgkinHuxley",
    "HodgkinHuxleyCell",
    "Izhikevich",
    "IzhikevichCell",
    "LI",
    "LIF",
    "ALIFCell",
    "LICell",
    "LIFCell",
    "LinearALIF",
    "LinearLIF",
    "LinearNeuronLayer",
    "LinearSynapticLIF",
    "NeuronLayer",
    "RecurrentALIF",
    "RecurrentALIFCell",
    "RecurrentCubaLIF",
    "RecurrentLIF",
    "RecurrentLIFCell",
    "RecurrentLayer",
    "RecurrentState",
    "RecurrentSynapticLIF",
    "RecurrentSynapticLIFCell",
    "SynapticLIF",
    "SynapticLIFCell",
]

_surrogate.prepare()  # the spike functions' autograd classes, before any torch.compile

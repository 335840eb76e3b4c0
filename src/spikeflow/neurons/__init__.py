"""Neuron models: one module per model, each holding a frozen parameter dataclass
(units in its docs), a ``NamedTuple`` state and a pure ``step(x, state, params)``.

These ``step`` functions are the single source of truth for the dynamics: the
trainable layers in :mod:`spikeflow.nn` and the kernels call them or are tested
against them.

Models defined by a specification (:mod:`spikeflow.neurons.spec`; built in: ``eif``,
``qif``, and the leaky integrator behind :class:`LIParams`; and any the user defines with
:func:`define_model`) have every backend generated from it by :mod:`spikeflow.codegen`.
Their modules import SymPy when first used (the
generator's), so they are registered on first access: :func:`get` and
:func:`registered` load them.
"""

from .. import _checks
from . import adex, alif, cond_lif, cuba_lif, hodgkin_huxley, izhikevich, leaky_integrator, lif, synaptic_lif
from ._base import MembraneParams, NeuronModel
from .adex import AdExParams, AdExState
from .alif import ALIFParams, ALIFState
from .cond_lif import CondLIFParams, CondLIFState
from .cuba_lif import CubaLIFParams, CubaLIFState
from .hodgkin_huxley import HHParams, HHState
from .izhikevich import IzhikevichParams, IzhikevichState
from .leaky_integrator import LIParams, LIState
from .lif import LIFParams, LIFState
from .spec import ModelSpec, Parameter, SpecParams, define_model, get, register, registered
from .synaptic_lif import SynapticLIFParams, SynapticLIFState

for _cls in (AdExParams, ALIFParams, CondLIFParams, CubaLIFParams, HHParams, IzhikevichParams, LIParams,
             LIFParams, SynapticLIFParams):  # fmt: skip
    _checks.suggest_fields(_cls)  # a misspelled keyword names the closest field
del _cls

__all__ = [
    "ModelSpec",
    "Parameter",
    "SpecParams",
    "define_model",
    "get",
    "register",
    "registered",
    "ALIFParams",
    "AdExParams",
    "AdExState",
    "CondLIFParams",
    "CondLIFState",
    "CubaLIFParams",
    "CubaLIFState",
    "HHParams",
    "HHState",
    "IzhikevichParams",
    "IzhikevichState",
    "adex",
    "cond_lif",
    "cuba_lif",
    "hodgkin_huxley",
    "izhikevich",
    "ALIFState",
    "LIFParams",
    "LIFState",
    "LIParams",
    "LIState",
    "MembraneParams",
    "NeuronModel",
    "SynapticLIFParams",
    "SynapticLIFState",
    "alif",
    "leaky_integrator",
    "lif",
    "synaptic_lif",
]

"""Trainable neuron layers: for each model a multi-step layer, its single-step
``...Cell`` twin, and recurrent variants of both.

Multi-step layers take ``x`` of shape ``[T, batch, *features]`` (time-major) and return
the outputs of every step, same shape (spikes as 0/1 floats; the leaky integrator
returns its potential). They start from rest on every call unless ``stateful=True``
or a ``state`` is passed. Cells take ``[batch, *features]`` and return
``(output, new_state)``.

Recurrent layers add ``W_in x[t] + W_rec out[t-1]`` (two ``nn.Linear``) before the
neuron; their input's last dimension is ``input_size`` and the output has
``hidden_size`` features.

All layers share the constructor arguments of
:class:`~spikeflow.nn._base.NeuronLayer` (``params`` or its fields as keywords,
``size``, ``learn_tau``, ``learn_threshold``, ``stateful``, ``record``,
``check_inputs``); recurrent ones take ``input_size, hidden_size`` first.
"""

from __future__ import annotations

from typing import Any

from ..neurons import (
    adex,
    alif,
    cond_lif,
    cuba_lif,
    hodgkin_huxley,
    izhikevich,
    leaky_integrator,
    lif,
    synaptic_lif,
)
from ._base import NeuronLayer, RecurrentLayer


class _LIFModel:
    """The LIF (:func:`spikeflow.neurons.lif.spec`, one specification per reset and input
    mode): generated kernels, refractory period and learnable time constant and threshold
    included."""

    model = lif.MODEL

    def learned_coeffs(self, c: Any) -> Any:
        names = [*(("tau_mem_ms",) if self.learn_tau else ()), *(("v_th",) if self.learn_threshold else ())]
        return self.params.coeffs({n: getattr(self, n) for n in names})


class _SynapticLIFModel:
    """The synaptic LIF (:func:`spikeflow.neurons.synaptic_lif.spec`): generated kernels,
    refractory period and learnable time constants and threshold included."""

    model = synaptic_lif.MODEL
    tau_fields = ("tau_mem_ms", "tau_syn_ms")

    def learned_coeffs(self, c: Any) -> Any:
        names = [*(self.tau_fields if self.learn_tau else ()), *(("v_th",) if self.learn_threshold else ())]
        return self.params.coeffs({n: getattr(self, n) for n in names})


class _ALIFModel:
    """The ALIF (:func:`spikeflow.neurons.alif.spec`): generated kernels, refractory period
    and learnable time constants and threshold included."""

    model = alif.MODEL
    tau_fields = ("tau_mem_ms", "tau_adapt_ms")

    def learned_coeffs(self, c: Any) -> Any:
        names = [*(self.tau_fields if self.learn_tau else ()), *(("v_th",) if self.learn_threshold else ())]
        return self.params.coeffs({n: getattr(self, n) for n in names})


class _LIModel:
    """The leaky integrator (:func:`spikeflow.neurons.leaky_integrator.spec`): generated
    kernels, learnable time constants included."""

    model = leaky_integrator.MODEL

    def learned_coeffs(self, c: Any) -> Any:
        return self.params.coeffs({"tau_mem_ms": self.tau_mem_ms})


class _CubaLIFModel:
    """The current-based LIF (:func:`spikeflow.neurons.cuba_lif.spec`): generated kernels,
    refractory period and learnable time constants and threshold included."""

    model = cuba_lif.MODEL
    tau_fields = ("tau_m_ms", "tau_ex_ms", "tau_in_ms")
    threshold_field = "V_th"

    def learned_coeffs(self, c: Any) -> Any:
        names = [*(self.tau_fields if self.learn_tau else ()), *(("V_th",) if self.learn_threshold else ())]
        return self.params.coeffs({n: getattr(self, n) for n in names})


class CubaLIF(_CubaLIFModel, NeuronLayer):
    """Multi-step current-based LIF with excitatory and inhibitory exponential currents
    (NEST's ``iaf_psc_exp``): input ``[T, batch, *features]`` in mV (jumps of the
    excitatory current where positive, of the inhibitory one where negative), spikes out;
    see :class:`~spikeflow.neurons.CubaLIFParams`. Trainable: ``learn_tau`` learns
    ``tau_m_ms``, ``tau_ex_ms`` and ``tau_in_ms``, ``learn_threshold`` ``V_th``."""


class CubaLIFCell(_CubaLIFModel, NeuronLayer):
    """Single-step current-based LIF: returns ``(spikes, CubaLIFState)``."""

    multi_step = False


class RecurrentCubaLIF(_CubaLIFModel, RecurrentLayer):
    """Multi-step recurrent current-based LIF (``W_in x[t] + W_rec z[t-1]`` per step; on
    CPU fused, :mod:`spikeflow.kernels.fused_recurrent`)."""


class LIF(_LIFModel, NeuronLayer):
    """Multi-step LIF layer: ``[T, batch, *features]`` inputs to spikes of the same shape.

    Parameters are those of :class:`~spikeflow.neurons.LIFParams` (``tau_mem_ms``,
    ``dt_ms``, ``v_th``, ``reset``, ``surrogate``...), given as ``params=`` or keywords.

    Example::

        layer = spikeflow.nn.LIF(tau_mem_ms=10.0, v_th=1.0)
        spikes = layer(torch.rand(25, 8, 100))   # [T=25, batch=8, 100 neurons]
    """


class LIFCell(_LIFModel, NeuronLayer):
    """Single-step LIF: ``forward(x [batch, *features], state=None) -> (spikes, LIFState)``."""

    multi_step = False


class RecurrentLIF(_LIFModel, RecurrentLayer):
    """Multi-step recurrent LIF: ``[T, batch, input_size] -> [T, batch, hidden_size]`` spikes."""


class RecurrentLIFCell(_LIFModel, RecurrentLayer):
    """Single-step recurrent LIF: returns ``(spikes, RecurrentState)``."""

    multi_step = False


class SynapticLIF(_SynapticLIFModel, NeuronLayer):
    """Multi-step current-based synaptic LIF (second order); see
    :class:`~spikeflow.neurons.SynapticLIFParams`. ``learn_tau`` learns both
    ``tau_mem_ms`` and ``tau_syn_ms``."""


class SynapticLIFCell(_SynapticLIFModel, NeuronLayer):
    """Single-step synaptic LIF: returns ``(spikes, SynapticLIFState)``."""

    multi_step = False


class RecurrentSynapticLIF(_SynapticLIFModel, RecurrentLayer):
    """Multi-step recurrent synaptic LIF."""


class RecurrentSynapticLIFCell(_SynapticLIFModel, RecurrentLayer):
    """Single-step recurrent synaptic LIF."""

    multi_step = False


class ALIF(_ALIFModel, NeuronLayer):
    """Multi-step adaptive-threshold LIF (Bellec et al. 2018); see
    :class:`~spikeflow.neurons.ALIFParams`. ``learn_tau`` learns ``tau_mem_ms`` and
    ``tau_adapt_ms``."""


class ALIFCell(_ALIFModel, NeuronLayer):
    """Single-step ALIF: returns ``(spikes, ALIFState)``."""

    multi_step = False


class RecurrentALIF(_ALIFModel, RecurrentLayer):
    """Multi-step recurrent ALIF (the LSNN layer of Bellec et al. 2018)."""


class RecurrentALIFCell(_ALIFModel, RecurrentLayer):
    """Single-step recurrent ALIF."""

    multi_step = False


class LI(_LIModel, NeuronLayer):
    """Multi-step non-spiking leaky integrator (readout): returns the potential
    ``[T, batch, *features]``; see :class:`~spikeflow.neurons.LIParams`."""


class LICell(_LIModel, NeuronLayer):
    """Single-step leaky integrator: returns ``(v, LIState)``."""

    multi_step = False


class _FixedParameters:
    """Biophysical models: parameters in physical units, not registered for learning."""

    learnable = False


class CondLIF(_FixedParameters, NeuronLayer):
    """Multi-step conductance-based LIF (NEST ``iaf_cond_exp``/``iaf_cond_alpha``); input:
    conductance increments (nS), excitatory where positive; see
    :class:`~spikeflow.neurons.cond_lif.CondLIFParams`."""

    model = cond_lif.MODEL


class CondLIFCell(_FixedParameters, NeuronLayer):
    """Single-step conductance-based LIF."""

    model = cond_lif.MODEL
    multi_step = False


class AdEx(_FixedParameters, NeuronLayer):
    """Multi-step adaptive exponential IF (Brette & Gerstner 2005); input current (pA)."""

    model = adex.MODEL


class AdExCell(_FixedParameters, NeuronLayer):
    """Single-step AdEx."""

    model = adex.MODEL
    multi_step = False


class Izhikevich(_FixedParameters, NeuronLayer):
    """Multi-step Izhikevich (2003) neuron; input current."""

    model = izhikevich.MODEL


class IzhikevichCell(_FixedParameters, NeuronLayer):
    """Single-step Izhikevich neuron."""

    model = izhikevich.MODEL
    multi_step = False


class HodgkinHuxley(_FixedParameters, NeuronLayer):
    """Multi-step Hodgkin-Huxley (1952) neuron; input current (uA/cm^2)."""

    model = hodgkin_huxley.MODEL


class HodgkinHuxleyCell(_FixedParameters, NeuronLayer):
    """Single-step Hodgkin-Huxley neuron."""

    model = hodgkin_huxley.MODEL
    multi_step = False

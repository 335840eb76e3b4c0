"""Feed-forward spiking layers: ``Linear(in, out)`` followed by a multi-step neuron.

``LinearLIF(in_features, out_features, ...)`` computes what ``nn.Sequential(
nn.Linear(...), spikeflow.nn.LIF(...))`` does. With ``recompute=True``, and always under
``torch.no_grad()``, on CPU (float32 or float64, Numba installed) the product and the
neuron run fused in time chunks (:mod:`spikeflow.kernels.fused_linear`): neither the
currents nor their gradient are kept for the whole sequence, so training holds only the
spike output, for one more matrix product per call. Otherwise (training without
``recompute``, or on GPU, with learnable time constants,
refractory periods, ``record=True``, ``backend="reference"``) it runs the Linear and then
the neuron layer's usual path. Both give the same spikes and gradients.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from .. import _checks, kernels
from ._base import NeuronLayer
from .layers import _ALIFModel, _LIFModel, _SynapticLIFModel


class LinearNeuronLayer(NeuronLayer):
    """Base of the feed-forward layers: ``neuron(x @ W.T + b)`` over time.

    Args:
        in_features: features of the input (its last dimension).
        out_features: number of neurons.
        params, learn_tau, ...: as for :class:`~spikeflow.nn.NeuronLayer`; per-neuron
            learnable parameters have shape ``[out_features]``.
        bias: whether the projection has a bias.
        recompute: recompute the currents ``x @ W.T + b`` in the backward pass instead
            of keeping them (fused CPU path): saves ``T x batch x out_features`` floats
            of activation memory for one more matrix product per call. Measured at
            T = 500, batch 64, 2048 -> 2048: peak memory 913 instead of 1147 MiB, and a
            forward + backward pass about 1.5x slower (``benchmarks/training.py``).

    Shapes: ``x [T, batch, *, in_features] -> spikes [T, batch, *, out_features]``; the
    state has shape ``[batch, *, out_features]``. The projection is ``self.input``
    (an ``nn.Linear``), so its weights load from and save to the same keys as a
    ``Linear`` + neuron pair would under that name.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        params: Any = None,
        *,
        bias: bool = True,
        recompute: bool = False,
        **kwargs: Any,
    ) -> None:
        _checks.positive_int("in_features", in_features)
        _checks.positive_int("out_features", out_features)
        kwargs.setdefault("size", out_features)
        super().__init__(params, **kwargs)
        self.in_features, self.out_features = in_features, out_features
        self.recompute = bool(recompute)
        self.input = nn.Linear(in_features, out_features, bias=bias)

    def state_shape(self, x0: torch.Tensor) -> tuple[int, ...]:
        return (*x0.shape[:-1], self.out_features)

    def _check_features(self, x: torch.Tensor) -> None:
        if x.shape[-1] != self.in_features:
            raise ValueError(
                f"x must have {self.in_features} features in its last dimension, got shape {tuple(x.shape)}"
            )

    def drive(self, x: torch.Tensor) -> torch.Tensor:
        self._check_features(x)
        return self.input(x)

    def _forward_sequence(self, x: torch.Tensor, state: Any) -> torch.Tensor:
        if self.check_inputs:
            _checks.time_major("x", x)
        self._check_features(x)
        # the chunked path when asked to recompute, and for inference (no gradient), where
        # its reused current buffer beats one [T, batch, out] allocation (measured 15 %
        # faster at T = 500, n = 512; equal at small T). For training without recompute a
        # fused path measured no faster than Linear and then the neuron's kernel (below).
        chunked = self.recompute or not torch.is_grad_enabled()
        fusable = chunked and self.backend != "reference" and not self.record
        if fusable and not torch.compiler.is_compiling():
            start = self._start_state(state, x[0])
            result = kernels.fused_linear_sequence(
                self.model.name, x, self.input.weight, self.input.bias, start, self.coeffs()
            )
            if result is not None:
                out, final = result
                if self.stateful:
                    self._store(final)
                return out
        return super()._forward_sequence(x, state)

    def extra_repr(self) -> str:
        base = super().extra_repr()
        head = f"{self.in_features}, {self.out_features}" + (", recompute=True" if self.recompute else "")
        return head + (f", {base}" if base else "")


class LinearLIF(_LIFModel, LinearNeuronLayer):
    """``Linear(in_features, out_features)`` then a multi-step LIF.

    Example::

        layer = spikeflow.nn.LinearLIF(64, 256, tau_mem_ms=10.0)
        spikes = layer(torch.rand(25, 32, 64))   # [T=25, batch=32, 256 neurons]
    """


class LinearSynapticLIF(_SynapticLIFModel, LinearNeuronLayer):
    """``Linear(in_features, out_features)`` then a multi-step synaptic LIF."""


class LinearALIF(_ALIFModel, LinearNeuronLayer):
    """``Linear(in_features, out_features)`` then a multi-step adaptive LIF."""

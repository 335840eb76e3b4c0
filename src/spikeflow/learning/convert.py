"""ANN-to-SNN conversion (Rueckauer et al. 2017, "Conversion of continuous-valued deep
networks to efficient event-driven networks").

A trained ReLU network built from ``Linear``, ``Conv2d``, ``AvgPool2d``, ``Flatten``,
``ReLU``, ``BatchNorm1d/2d`` (folded into the preceding Linear/Conv) and ``Dropout``
(dropped: identity at inference) becomes a network of non-leaky integrate-and-fire
neurons with reset by subtraction and threshold 1, one neuron per ReLU unit. The input
is applied as a constant current every step (analog input); the output layer does not
spike: it integrates its input, and the class is the argmax of that running sum.

Data-based normalisation: with ``lambda_l`` the ``percentile``-th percentile of the
positive activations of the l-th ReLU on calibration data (``lambda_0 = 1`` for the
input), the first weighted layer after ReLU ``l-1`` is rescaled to
``W lambda_{l-1} / lambda_l`` and every bias in that segment to ``b / lambda_l``, so a
firing rate of 1 spike per step stands for an activation of ``lambda_l``. The output
segment keeps ``lambda = 1`` (an argmax does not need it).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .. import _checks
from ..nn.layers import LIFCell

WEIGHTED = (nn.Linear, nn.Conv2d)
LINEAR_OPS = (nn.Linear, nn.Conv2d, nn.AvgPool2d, nn.Flatten)
DROPPED = (nn.Dropout, nn.Identity)
SUPPORTED = "Linear, Conv2d, AvgPool2d, Flatten, ReLU, BatchNorm1d/2d (after Linear/Conv), Dropout"


def _flatten(model: nn.Module) -> list[nn.Module]:
    if isinstance(model, nn.Sequential):
        return [m for child in model for m in _flatten(child)]
    return [model]


@torch.no_grad()
def fold_batchnorm(layer: nn.Module, bn: nn.modules.batchnorm._BatchNorm) -> nn.Module:
    """A copy of ``layer`` (Linear or Conv2d) with the eval-mode ``bn`` that follows it folded
    in: ``W' = W gamma / sigma``, ``b' = (b - mu) gamma / sigma + beta``."""
    folded = copy.deepcopy(layer)
    if folded.bias is None:
        folded.bias = nn.Parameter(torch.zeros(folded.weight.shape[0], dtype=folded.weight.dtype))
    scale = bn.running_var.add(bn.eps).rsqrt()
    if bn.affine:
        scale = scale * bn.weight
    shift = -bn.running_mean * scale + (bn.bias if bn.affine else 0.0)
    folded.weight.mul_(scale.view(-1, *[1] * (folded.weight.dim() - 1)))
    folded.bias.mul_(scale).add_(shift)
    return folded


def _segments(model: nn.Module) -> list[list[nn.Module]]:
    """Split the flattened model at its ReLUs into segments of linear operations."""
    segments: list[list[nn.Module]] = [[]]
    modules = _flatten(model)
    for i, m in enumerate(modules):
        name = f"layer {i} ({type(m).__name__})"
        if isinstance(m, nn.ReLU):
            if not segments[-1]:
                raise ValueError(f"{name} cannot be converted: a ReLU must follow a linear layer")
            segments.append([])
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            prev = segments[-1][-1] if segments[-1] else None
            if not isinstance(prev, WEIGHTED):
                raise ValueError(
                    f"{name} cannot be converted: batch norm must directly follow a Linear or Conv2d"
                    " layer to be folded into it"
                )
            segments[-1][-1] = fold_batchnorm(prev, m)
        elif isinstance(m, DROPPED):
            continue
        elif isinstance(m, LINEAR_OPS):
            if isinstance(m, nn.Conv2d) and m.padding_mode != "zeros":
                raise ValueError(f"{name} cannot be converted: padding_mode must be 'zeros'")
            segments[-1].append(copy.deepcopy(m))
        else:
            raise ValueError(f"{name} cannot be converted; supported layers: {SUPPORTED}")
    if not segments[-1] or not any(isinstance(m, WEIGHTED) for m in segments[-1]):
        raise ValueError("the network must end with a weighted (Linear or Conv2d) output layer")
    for k, seg in enumerate(segments):
        if not any(isinstance(m, WEIGHTED) for m in seg):
            raise ValueError(f"segment {k} between ReLUs has no Linear or Conv2d layer to scale")
    return segments


@dataclass
class ConversionRun:
    """Outcome of :meth:`ConvertedSNN.run`.

    Attributes:
        output_sum: running sum of the output layer's input, ``[T, batch, classes]``.
        spike_counts: total spikes of each hidden layer over the run, per layer ``[batch]``.
        hidden_spikes_per_step: per hidden layer, spikes summed over neurons at each step,
            ``[T, batch]`` (for counting synaptic events up to any T).
    """

    output_sum: torch.Tensor
    spike_counts: list[torch.Tensor]
    hidden_spikes_per_step: list[torch.Tensor]

    def predictions(self, num_steps: int) -> torch.Tensor:
        """Class predicted after the first ``num_steps`` steps, ``[batch]``."""
        _checks.positive_int("num_steps", num_steps)
        if num_steps > self.output_sum.shape[0]:
            raise ValueError(
                f"num_steps must be <= the simulated {self.output_sum.shape[0]} steps, got {num_steps}"
            )
        return self.output_sum[num_steps - 1].argmax(-1)


class ConvertedSNN(nn.Module):
    """The spiking network made by :func:`convert`: normalised linear segments with
    IF neurons between them.

    Args:
        segments: lists of linear operations (already normalised); all but the last are
            followed by IF neurons.
        scales: the ``lambda`` of each hidden layer (for reference).
        initial_potential: membrane potential at t = 0 as a fraction of the threshold.
    """

    def __init__(
        self, segments: list[list[nn.Module]], scales: list[float], initial_potential: float
    ) -> None:
        super().__init__()
        self.segments = nn.ModuleList(nn.Sequential(*seg) for seg in segments)
        self.scales = list(scales)
        self.initial_potential = _checks.real("initial_potential", initial_potential)
        self.neuron = LIFCell(tau_mem_ms=math.inf, v_th=1.0, reset="subtract", check_inputs=False)

    @torch.no_grad()
    def run(self, x: torch.Tensor, num_steps: int) -> ConversionRun:
        """Simulate ``num_steps`` steps with ``x [batch, ...]`` as a constant input current."""
        _checks.tensor("x", x, min_dim=2)
        _checks.positive_int("num_steps", num_steps)
        n_hidden = len(self.segments) - 1
        states: list = [None] * n_hidden
        total = None
        sums, counts = [], [x.new_zeros(x.shape[0]) for _ in range(n_hidden)]
        per_step: list[list[torch.Tensor]] = [[] for _ in range(n_hidden)]
        first = self.segments[0](x)  # the input current is the same at every step
        for _ in range(num_steps):
            h = first
            for k in range(n_hidden):
                if states[k] is None:
                    st = self.neuron.initial_state(h.shape, h.dtype, h.device)
                    states[k] = st._replace(v=st.v + self.initial_potential)
                h, states[k] = self.neuron(h, states[k])
                n = h.flatten(1).sum(1)
                counts[k] += n
                per_step[k].append(n)
                h = self.segments[k + 1](h)
            total = h if total is None else total + h
            sums.append(total)
        return ConversionRun(torch.stack(sums), counts, [torch.stack(p) for p in per_step])

    def forward(self, x: torch.Tensor, num_steps: int = 64) -> torch.Tensor:
        """Time-averaged output-layer input after ``num_steps`` steps, ``[batch, classes]``."""
        return self.run(x, num_steps).output_sum[-1] / num_steps


@torch.no_grad()
def convert(
    model: nn.Module,
    calibration: torch.Tensor,
    *,
    percentile: float = 99.9,
    initial_potential: float = 0.5,
) -> ConvertedSNN:
    """Convert a trained ReLU network into a :class:`ConvertedSNN`.

    Args:
        model: an ``nn.Sequential`` (nested ones are flattened) of the supported layers,
            ending with a Linear or Conv2d output layer; it is not modified.
        calibration: a batch of training inputs ``[N, ...]`` for the normalisation.
        percentile: which percentile of each layer's positive activations maps to one
            spike per step (99.9 in Rueckauer et al. 2017; 100 is the maximum).
        initial_potential: starting membrane potential as a fraction of the threshold;
            0.5 turns the rate's truncation error into a rounding error (Bu et al. 2022),
            0 is Rueckauer et al.'s choice.
    """
    _checks.tensor("calibration", calibration, min_dim=2)
    percentile = _checks.real("percentile", percentile)
    if not 0 < percentile <= 100:
        raise ValueError(f"percentile must lie in (0, 100], got {percentile}")
    if not isinstance(model, nn.Sequential):
        raise TypeError(f"model must be an nn.Sequential, got {type(model).__name__}")
    segments = [[m.eval() for m in seg] for seg in _segments(model)]
    # activation scale of each ReLU on the calibration data (the ANN's own forward pass)
    scales, h = [], calibration
    for seg in segments[:-1]:
        for m in seg:
            h = m(h)
        h = torch.relu(h)
        positive = h[h > 0]
        if positive.numel() == 0:
            raise ValueError(f"ReLU {len(scales)} is silent on all calibration data; cannot normalise it")
        scales.append(float(np.percentile(positive.double().cpu().numpy(), percentile)))
    previous = 1.0
    for seg, lam in zip(segments, [*scales, 1.0]):
        first_weighted = True
        for m in seg:
            if isinstance(m, WEIGHTED):
                if first_weighted:
                    m.weight.mul_(previous / lam)
                    first_weighted = False
                if m.bias is not None:
                    m.bias.div_(lam)
        previous = lam
    return ConvertedSNN(segments, scales, initial_potential)

"""Operation counts: multiply-accumulates of an ANN versus synaptic events of an SNN.

An ANN layer does one multiply-accumulate (MAC) per weight per sample, whatever the
input. A spiking layer does work only when a presynaptic neuron fires: each spike is
delivered to every postsynaptic target, one accumulate per synapse (a synaptic event).
"""

from __future__ import annotations

import torch
from torch import nn

from .. import _checks


@torch.no_grad()
def ann_macs_per_sample(model: nn.Module, example: torch.Tensor) -> int:
    """Multiply-accumulates per sample of the ``Linear`` and ``Conv`` layers of ``model``.

    Runs ``model(example)`` once with hooks; ``example`` is a batch ``[batch, ...]``. A
    Linear layer counts ``in_features * out_features``; a convolution counts
    ``out_elements * in_channels / groups * kernel size``. Biases and activations are not
    counted (they are additions and elementwise work).
    """
    _checks.tensor("example", example, min_dim=1)
    total = 0

    def hook(module: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
        nonlocal total
        per_sample = output[0].numel() if output.dim() > 1 else output.numel()
        if isinstance(module, nn.Linear):
            total += per_sample * module.in_features
        else:
            k = module.weight[0].numel()  # in_channels / groups * prod(kernel)
            total += per_sample * k

    layers = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)
    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, layers)]
    was_training = model.training
    try:
        model.eval()
        model(example[:1])
    finally:
        model.train(was_training)
        for h in handles:
            h.remove()
    return total


def synaptic_events_per_sample(spikes: torch.Tensor, fan_out: int) -> float:
    """Mean synaptic events per sample caused by ``spikes [T, batch, neurons]`` whose
    neurons each project to ``fan_out`` targets (a dense layer's ``out_features``)."""
    _checks.tensor("spikes", spikes, min_dim=2)
    _checks.positive_int("fan_out", fan_out)
    return float(spikes.sum()) * fan_out / spikes.shape[1]

"""A ``Linear`` layer fused with a multi-step neuron on CPU, keeping no ``[T, ..., out]``
activation but the spikes: the generated kernels of a specification model (the LIF,
synaptic LIF, ALIF, any model of :mod:`spikeflow.neurons.spec`).

``FusedLinearNeuron.apply(x, weight, bias, neuron, *state0)`` computes
``neuron(x @ weight.T + bias)`` over ``x [T, *batch, in]`` and returns the spikes
``[T, *batch, out]`` and the final state tensors. The sequence runs in time chunks of
about :data:`CHUNK_ROWS` rows (steps x batch): the chunk's input currents are one matrix
product into a reused buffer, then the neuron kernel runs over the chunk, carrying its
state. Kept for the backward pass: the input (which the caller holds anyway), the weight
and the neuron's state at each chunk start (a few vectors per chunk).

Backward, chunk by chunk in reverse time: the chunk's currents are recomputed (one more
matrix product than an unfused layer), the neuron's backward kernel turns the spike
gradient into the current gradient, which is at once folded into the weight, bias and
input gradients. Neither the currents nor their gradient ever exist for the whole
sequence, so the layer's activation memory is its spike output alone.
"""

from __future__ import annotations

from typing import Any

import torch

from . import buffers

CHUNK_ROWS = 2048  # rows (steps x batch) per chunk: large enough for an efficient product


def _np(t: torch.Tensor) -> Any:
    return t.detach().numpy()


def _empty(shape: tuple[int, ...], dtype: torch.dtype) -> torch.Tensor:
    """An uninitialised CPU tensor (see :mod:`spikeflow.kernels.buffers`)."""
    return buffers.empty(shape, dtype)


def kernel_gradient(gz: torch.Tensor, steps: int, n: int) -> torch.Tensor:
    """The output gradient as the backward kernels read it: ``[steps, n]`` C-contiguous,
    or ``[1, n]`` when it does not change over time (``.sum().backward()`` passes a
    zero-stride expansion; reading one row keeps it from being made full-size)."""
    g = gz.reshape(steps, n)  # a view for contiguous and for expanded gradients
    if steps > 1 and g.stride(0) == 0:
        return g[:1].contiguous()
    return g if g.is_contiguous() else g.contiguous()


class SpecNeuron:
    """The generated kernels of a specification model over chunks (fixed constants): the
    state as one stacked ``[S, n]`` array, the refractory counter its last row in the
    refractory variant (no gradient)."""

    def __init__(self, spec: Any, coeffs: Any, dtype: torch.dtype) -> None:
        from ..codegen import fused, runtime

        self.module = runtime.generated(spec, "numba_train")
        self.names = fused.kernel_state(spec, coeffs)
        consts, per_neuron = fused._constants(coeffs, (1,), dtype, torch.device("cpu"))
        assert not per_neuron  # (learnable parameters take the layer's unfused path)
        self.c = consts.numpy()
        self.sfx = fused.suffix(False, coeffs)
        nd, kind, slope, halfpi = fused._surrogate_args(coeffs, dtype)
        self.surrogate = (nd, kind, slope, halfpi)
        name = f"backward{self.sfx}"
        self._backward = getattr(self.module, f"{name}_{kind}", None) or getattr(self.module, f"{name}_0")
        self._forward = getattr(self.module, f"forward{self.sfx}")
        self.dtype = dtype

    def start(self, states: tuple, n: int) -> torch.Tensor:
        return torch.stack([s.detach().reshape(n).to(self.dtype) for s in states]).contiguous()

    def snapshot(self, flat: torch.Tensor) -> torch.Tensor:
        return flat.clone()

    def final(self, flat: torch.Tensor) -> list:
        return list(flat.unbind(0))

    def forward(self, cur: torch.Tensor, flat: torch.Tensor, z: torch.Tensor) -> None:
        self._forward(_np(cur), _np(flat), self.c, _np(z))

    def gradients(self, g_final: tuple, n: int, dtype: torch.dtype) -> torch.Tensor:
        zeros = torch.zeros(n, dtype=dtype)
        return torch.stack([zeros if g is None else g.reshape(n).to(dtype) for g in g_final]).contiguous()

    def backward(self, cur: torch.Tensor, start: torch.Tensor, gz: torch.Tensor, gs: torch.Tensor,
                 gi: torch.Tensor) -> None:  # fmt: skip
        from ..codegen.numba_train import backward_block as spec_block

        steps = cur.shape[0]
        gc = torch.zeros((1, 1), dtype=cur.dtype)
        block = spec_block(steps, self.module.STORED[self.sfx])
        self._backward(_np(cur), _np(start), self.c, _np(gz), _np(gs), *self.surrogate, block,
                       _np(gi), _np(gc))  # fmt: skip

    def state_gradients(self, gs: torch.Tensor) -> list:
        return [None if name == "refractory" else gs[i] for i, name in enumerate(self.names)]


def chunk_steps(batch_rows: int, num_steps: int) -> int:
    """Time steps per chunk for ``batch_rows`` rows per step."""
    return max(1, min(num_steps, -(-CHUNK_ROWS // max(batch_rows, 1))))


def _currents(x2: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None, out: torch.Tensor) -> None:
    """``out [rows, out] = x2 [rows, in] @ weight.T + bias``."""
    if bias is None:
        torch.mm(x2, weight.t(), out=out)
    else:
        torch.addmm(bias, x2, weight.t(), out=out)


class FusedLinearNeuron(torch.autograd.Function):
    """``(x [T, *b, in], weight [out, in], bias [out] | None, neuron, *state0 [*b, out])
    -> (spikes [T, *b, out], *state_T)``: exact BPTT of ``neuron(linear(x))``; ``neuron``
    a :class:`SpecNeuron`."""

    @staticmethod
    def forward(ctx, x, weight, bias, neuron, *states):  # noqa: ANN001, ANN205
        T = x.shape[0]
        n_in, n_out = weight.shape[1], weight.shape[0]
        batch = tuple(x.shape[1:-1])
        rows = x[0].numel() // n_in  # rows of one step
        n = rows * n_out
        x2 = x.detach()
        if not x2.is_contiguous():
            x2 = x2.contiguous()
        x2 = x2.reshape(T, rows, n_in)
        w, b = weight.detach(), None if bias is None else bias.detach()
        flat = neuron.start(states, n)
        tc = chunk_steps(rows, T)
        currents = _empty((tc, rows, n_out), x.dtype)
        z = _empty((T, n), x.dtype)
        starts = []
        for t0 in range(0, T, tc):
            t1 = min(T, t0 + tc)
            cur = currents[: t1 - t0]
            _currents(x2[t0:t1].reshape(-1, n_in), w, b, cur.view(-1, n_out))
            starts.append(neuron.snapshot(flat))
            neuron.forward(cur.view(t1 - t0, n), flat, z[t0:t1])
        ctx.save_for_backward(x2, w, b)
        ctx.starts, ctx.neuron = starts, neuron
        ctx.meta = (T, tc, rows, n_in, n_out, tuple(x.shape), batch)
        out_shape = (T, *batch, n_out)
        return (z.reshape(out_shape), *(s.reshape(*batch, n_out) for s in neuron.final(flat)))

    @staticmethod
    def backward(ctx, gz, *g_final):  # noqa: ANN001, ANN205
        x2, w, b = ctx.saved_tensors
        T, tc, rows, n_in, n_out, x_shape, batch = ctx.meta
        neuron = ctx.neuron
        n = rows * n_out
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        gs = neuron.gradients(g_final, n, x2.dtype)
        gw = gb = None
        gx = _empty(tuple(x2.shape), x2.dtype) if need_x else None
        currents = _empty((tc, rows, n_out), x2.dtype)
        g_cur = _empty((tc, n), x2.dtype)
        g_out = _empty((tc, n), x2.dtype) if gz is None else None
        for c in range((T + tc - 1) // tc - 1, -1, -1):
            t0 = c * tc
            t1, steps = min(T, t0 + tc), min(T, t0 + tc) - t0
            cur = currents[:steps]
            _currents(x2[t0:t1].reshape(-1, n_in), w, b, cur.view(-1, n_out))
            cur = cur.view(steps, n)
            gzc = g_out[:steps].zero_() if gz is None else kernel_gradient(gz[t0:t1], steps, n)
            gi = g_cur[:steps]
            neuron.backward(cur, ctx.starts[c], gzc, gs, gi)
            gi2 = gi.view(-1, n_out)
            if need_w:
                xc = x2[t0:t1].reshape(-1, n_in)
                gw = torch.mm(gi2.t(), xc) if gw is None else gw.addmm_(gi2.t(), xc)
            if need_b and b is not None:
                gb = gi2.sum(0) if gb is None else gb.add_(gi2.sum(0))
            if gx is not None:
                torch.mm(gi2, w, out=gx[t0:t1].view(-1, n_in))
        gx = None if gx is None else gx.reshape(x_shape)
        grads = [None if g is None else g.reshape(*batch, n_out) for g in neuron.state_gradients(gs)]
        return (gx, gw, gb, None, *grads)

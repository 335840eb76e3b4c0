"""Plastic projections: sparse synapses whose weights follow an STDP rule, event by event.

Each step, after the neurons have been updated: the four traces of the projection decay
(one multiplication per neuron), every presynaptic neuron that fired delivers its
current weights (like a static synapse, after its delay) and then depresses them by the
rule's depression term, every postsynaptic neuron that fired potentiates its incoming
weights, and finally the traces of the neurons that fired are incremented. Weights are
read and written only for synapses of neurons that fired.

Both backends run this exact sequence of floating-point operations (the fast backend in
:mod:`spikeflow.sim.fast_cpu`), so they produce the same weights.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch

from ..learning.plasticity import STDP

if TYPE_CHECKING:  # pragma: no cover
    from .network import Population

# columns of a projection's parameter row (shared with the fast backend)
(K_A2P, K_A3P, K_A2M, K_A3M, K_D1, K_DX, K_DM, K_DY, K_NEAREST, K_MULT, K_WMIN, K_WMAX, K_SIGN, K_DELAY) = (
    range(14)
)
N_PLASTIC_PARAMS = 14


def _csr(keys: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(keys, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n), out=indptr[1:])
    return indptr, order.astype(np.int64)


class PlasticProjection:
    """A projection ``pre -> post`` with STDP (made by
    :meth:`spikeflow.sim.Network.connect_plastic`).

    Attributes:
        pre, post: the populations; rule: the :class:`~spikeflow.learning.plasticity.STDP`
        rule; src, dst: ``[n_synapses]`` presynaptic and postsynaptic indices within them;
        delay: steps; sign: +1 (``receptor="exc"``) or -1 (``"inh"``).
    """

    def __init__(
        self, pre: Population, post: Population, src: np.ndarray, dst: np.ndarray, weight: np.ndarray,
        sign: float, delay: int, rule: STDP, dt_ms: float,
    ) -> None:  # fmt: skip
        self.pre, self.post, self.rule, self.delay, self.sign = pre, post, rule, delay, sign
        self.src, self.dst = src.astype(np.int64), dst.astype(np.int64)
        w = np.asarray(weight, dtype=np.float64)
        if w.size and (w.min() < rule.w_min or w.max() > rule.w_max):
            raise ValueError(
                f"initial weights span [{w.min():g}, {w.max():g}], outside the rule's bounds "
                f"[{rule.w_min:g}, {rule.w_max:g}]"
            )
        self.w = w.copy()
        self.pre_ptr, self.by_pre = _csr(self.src, pre.n)
        self.post_ptr, self.by_post = _csr(self.dst, post.n)
        self.traces = np.zeros((4, max(pre.n, post.n)))  # r1, r2 (pre); o1, o2 (post)
        self.params = self.param_row(dt_ms)

    def __len__(self) -> int:
        return self.w.size

    @property
    def weights(self) -> np.ndarray:
        """Current weights ``[n_synapses]`` (a copy; >= 0, the sign is the receptor's)."""
        return self.w.copy()

    def weight_matrix(self) -> np.ndarray:
        """Current weights as a dense ``[post.n, pre.n]`` array (sums multapses)."""
        m = np.zeros((self.post.n, self.pre.n))
        np.add.at(m, (self.dst, self.src), self.w)
        return m

    def param_row(self, dt_ms: float) -> np.ndarray:
        r = self.rule
        d1, dx, dm, dy = r.decays(dt_ms)
        return np.array(
            [r.a_plus, r.a3_plus, r.a_minus, r.a3_minus, d1, dx, dm, dy, float(r.nearest),
             float(r.multiplicative), r.w_min, r.w_max, self.sign, self.delay], dtype=np.float64,
        )  # fmt: skip

    def step(self, t: int, pre_fired: np.ndarray, post_fired: np.ndarray, post_buffer: torch.Tensor) -> None:
        """One step (reference backend): ``pre_fired``/``post_fired`` are the indices of the
        neurons of ``pre``/``post`` that fired at step ``t``."""
        p, w, tr = self.params, self.w, self.traces
        a2p, a3p, a2m, a3m = p[K_A2P], p[K_A3P], p[K_A2M], p[K_A3M]
        w_min, w_max, mult = p[K_WMIN], p[K_WMAX], p[K_MULT] > 0
        tr[0, : self.pre.n] *= p[K_D1]
        tr[1, : self.pre.n] *= p[K_DX]
        tr[2, : self.post.n] *= p[K_DM]
        tr[3, : self.post.n] *= p[K_DY]
        row = post_buffer[(t + self.delay) % post_buffer.shape[0]]
        for i in pre_fired:
            syn = self.by_pre[self.pre_ptr[i] : self.pre_ptr[i + 1]]
            if syn.size == 0:
                continue
            targets = self.dst[syn]
            row.index_add_(0, torch.from_numpy(targets), torch.from_numpy(self.sign * w[syn]))
            scale = w[syn] - w_min if mult else 1.0
            w[syn] = np.minimum(
                np.maximum(w[syn] - scale * (tr[2, targets] * (a2m + a3m * tr[1, i])), w_min), w_max
            )
        for j in post_fired:
            syn = self.by_post[self.post_ptr[j] : self.post_ptr[j + 1]]
            if syn.size == 0:
                continue
            scale = w_max - w[syn] if mult else 1.0
            w[syn] = np.minimum(
                np.maximum(w[syn] + scale * (tr[0, self.src[syn]] * (a2p + a3p * tr[3, j])), w_min), w_max
            )
        if p[K_NEAREST] > 0:
            tr[0:2, pre_fired] = 1.0
            tr[2:4, post_fired] = 1.0
        else:
            tr[0:2, pre_fired] += 1.0
            tr[2:4, post_fired] += 1.0

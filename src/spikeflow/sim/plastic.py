"""Plastic projections: sparse synapses whose weights follow an STDP rule, event by event.

Each step, after the neurons have been updated: the four traces of the projection decay
(one multiplication per neuron), every presynaptic neuron that fired delivers its
current weights (like a static synapse, after its delay) and then depresses them by the
rule's depression term, every postsynaptic neuron that fired potentiates its incoming
weights, and finally the traces of the neurons that fired are incremented. Weights are
read and written only for synapses of neurons that fired.

With a reward-modulated rule (:class:`~spikeflow.learning.plasticity.RewardSTDP`) the
STDP changes go into a per-synapse eligibility instead of the weights; the projection's
dopamine decays every step and rises by the rewards of that step
(:meth:`spikeflow.sim.Network.schedule_reward`), and every ``update_every_ms`` the
weights move by ``learning_rate * interval * (tonic + dopamine) * eligibility`` (clipped)
and the eligibility decays by the interval's factor.

Both backends run this exact sequence of floating-point operations (the fast backend in
:mod:`spikeflow.sim.fast_cpu`), so they produce the same weights.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ..learning.plasticity import STDP, RewardSTDP
from .synapses import two_receptors

if TYPE_CHECKING:  # pragma: no cover
    from .populations import Population

# columns of a projection's parameter row (shared with the fast backend)
(K_A2P, K_A3P, K_A2M, K_A3M, K_D1, K_DX, K_DM, K_DY, K_NEAREST, K_MULT, K_WMIN, K_WMAX, K_SIGN, K_DELAY,
 K_REWARD, K_LR, K_DECAY_E, K_DECAY_D, K_TONIC, K_EVERY, K_BASELINE, K_DT, K_RING) = range(23)  # fmt: skip
N_PLASTIC_PARAMS = 23


def _csr(keys: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(keys, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n), out=indptr[1:])
    return indptr, order.astype(np.int64)


class PlasticProjection:
    """A projection ``pre -> post`` with STDP or reward-modulated STDP (made by
    :meth:`spikeflow.sim.Network.connect_plastic`).

    Attributes:
        pre, post: the populations; rule: the rule; src, dst: ``[n_synapses]``
        presynaptic and postsynaptic indices within them; delay: steps; sign: +1
        (``receptor="exc"``) or -1 (``"inh"``); eligibility: ``[n_synapses]`` and
        dopamine (reward-modulated rules only).
    """

    def __init__(
        self, pre: Population, post: Population, src: np.ndarray, dst: np.ndarray, weight: np.ndarray,
        sign: float, delay: int, rule: STDP | RewardSTDP, dt_ms: float,
    ) -> None:  # fmt: skip
        self.pre, self.post, self.rule, self.delay, self.sign = pre, post, rule, delay, sign
        self.stdp = rule.stdp if isinstance(rule, RewardSTDP) else rule
        self.src, self.dst = src.astype(np.int64), dst.astype(np.int64)
        w = np.asarray(weight, dtype=np.float64)
        if w.size and (w.min() < self.stdp.w_min or w.max() > self.stdp.w_max):
            raise ValueError(
                f"initial weights span [{w.min():g}, {w.max():g}], outside the rule's bounds "
                f"[{self.stdp.w_min:g}, {self.stdp.w_max:g}]"
            )
        self.w = w.copy()
        self.eligibility = np.zeros(self.w.size)
        self.dopamine = 0.0
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
        """The rule as the numbers both backends use (columns ``K_*``)."""
        r, q = self.stdp, self.rule if isinstance(self.rule, RewardSTDP) else None
        d1, dx, dm, dy = r.decays(dt_ms)
        row = np.zeros(N_PLASTIC_PARAMS)
        row[:K_REWARD] = [r.a_plus, r.a3_plus, r.a_minus, r.a3_minus, d1, dx, dm, dy, float(r.nearest),
                          float(r.multiplicative), r.w_min, r.w_max, self.sign, self.delay]  # fmt: skip
        row[K_EVERY], row[K_DT] = 1.0, dt_ms
        row[K_RING] = 1.0 if self.sign < 0 and two_receptors(self.post) else 0.0
        if q is not None:
            every = max(int(round(q.update_every_ms / dt_ms)), 1)
            row[K_REWARD], row[K_LR], row[K_TONIC], row[K_EVERY], row[K_BASELINE] = (
                1.0,
                q.learning_rate,
                q.tonic,
                every,
                q.baseline,
            )
            row[K_DECAY_E] = math.exp(-every * dt_ms / q.tau_eligibility_ms)
            row[K_DECAY_D] = math.exp(-dt_ms / q.tau_reward_ms) if q.tau_reward_ms > 0 else 0.0
        return row

    def step(
        self,
        t: int,
        pre_fired: np.ndarray,
        post_fired: np.ndarray,
        post_buffer: np.ndarray,
        reward: float = 0.0,
    ) -> None:
        """One step (reference backend): ``pre_fired``/``post_fired`` are the indices of the
        neurons of ``pre``/``post`` that fired at step ``t``; ``reward`` is the sum of the
        rewards delivered in this step."""
        p, w, tr, e = self.params, self.w, self.traces, self.eligibility
        modulated = p[K_REWARD] > 0
        a2p, a3p, a2m, a3m = p[K_A2P], p[K_A3P], p[K_A2M], p[K_A3M]
        w_min, w_max, mult = p[K_WMIN], p[K_WMAX], p[K_MULT] > 0
        if modulated:
            self.dopamine = self.dopamine * p[K_DECAY_D] + (reward - p[K_BASELINE] if reward != 0.0 else 0.0)
        tr[0, : self.pre.n] *= p[K_D1]
        tr[1, : self.pre.n] *= p[K_DX]
        tr[2, : self.post.n] *= p[K_DM]
        tr[3, : self.post.n] *= p[K_DY]
        row = post_buffer[int(p[K_RING]), (t + self.delay) % post_buffer.shape[1]]
        for i in pre_fired:
            syn = self.by_pre[self.pre_ptr[i] : self.pre_ptr[i + 1]]
            if syn.size == 0:
                continue
            targets = self.dst[syn]
            np.add.at(row, targets, self.sign * w[syn])
            scale = w[syn] - w_min if mult else 1.0
            change = scale * (tr[2, targets] * (a2m + a3m * tr[1, i]))
            if modulated:
                e[syn] = e[syn] - change
            else:
                w[syn] = np.minimum(np.maximum(w[syn] - change, w_min), w_max)
        for j in post_fired:
            syn = self.by_post[self.post_ptr[j] : self.post_ptr[j + 1]]
            if syn.size == 0:
                continue
            scale = w_max - w[syn] if mult else 1.0
            change = scale * (tr[0, self.src[syn]] * (a2p + a3p * tr[3, j]))
            if modulated:
                e[syn] = e[syn] + change
            else:
                w[syn] = np.minimum(np.maximum(w[syn] + change, w_min), w_max)
        if p[K_NEAREST] > 0:
            tr[0:2, pre_fired] = 1.0
            tr[2:4, post_fired] = 1.0
        else:
            tr[0:2, pre_fired] += 1.0
            tr[2:4, post_fired] += 1.0
        every = int(p[K_EVERY])
        if modulated and (t + 1) % every == 0:
            rate = p[K_LR] * (every * p[K_DT]) * (p[K_TONIC] + self.dopamine)
            w[:] = np.minimum(np.maximum(w + rate * e, w_min), w_max)
            e *= p[K_DECAY_E]

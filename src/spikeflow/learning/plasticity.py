"""Spike-timing-dependent plasticity: pair and triplet STDP, and reward-modulated STDP.

One rule object serves three users:

* the simulator (:meth:`spikeflow.sim.Network.connect_plastic`), which updates the
  weights of a sparse projection event by event: a weight is touched only when its
  presynaptic or postsynaptic neuron fires, so the cost grows with spikes, not with
  synapses times steps (the traces are per neuron);
* tensor code for training-side use (:func:`stdp_update`, :func:`reward_stdp_step`):
  dense ``[post, pre]`` weight matrices, batched spikes, one call per time step;
* analysis of given spike trains (:func:`weight_change`): the exact, continuous-time
  result for two spike trains, which the tests and the pairing-protocol figure use.

The triplet rule (Pfister & Gerstner 2006) keeps two traces per presynaptic neuron
(``r1`` with ``tau_plus_ms``, ``r2`` with ``tau_x_ms``) and two per postsynaptic neuron
(``o1`` with ``tau_minus_ms``, ``o2`` with ``tau_y_ms``). A presynaptic spike depresses by
``o1 * (a2_minus + a3_minus * r2)``, a postsynaptic spike potentiates by
``r1 * (a2_plus + a3_plus * o2)``, both read *before* the spike's own trace increment. With
``a3_plus = a3_minus = 0`` it is the classic pair rule (Song, Miller & Abbott 2000).
``pairing="all_to_all"`` adds 1 to a trace at each spike; ``"nearest"`` sets it to 1.

Weight dependence: ``"additive"`` changes a weight by the amplitude times the trace, in
the projection's weight unit, and clips it to ``[w_min, w_max]`` (hard bounds; infinite
bounds are allowed); ``"multiplicative"`` makes the amplitudes fractions: potentiation is
scaled by ``(w_max - w)`` and depression by ``(w - w_min)`` (soft bounds: the weight
approaches the bounds but never crosses them; both bounds must be finite).

Time steps: in the stepped forms (simulator and tensor functions) the traces hold the
spikes of *earlier* steps; a presynaptic and a postsynaptic spike in the same step do
not form a pair. :func:`weight_change` follows the same convention for equal times.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .. import _checks
from .._lazy import torch
from ..neurons._base import state_dtype

PAIRINGS = ("all_to_all", "nearest")
WEIGHT_DEPENDENCES = ("additive", "multiplicative")


@dataclass(frozen=True)
class STDP:
    """Pair or triplet spike-timing-dependent plasticity (see the module docstring).

    Args:
        a_plus: pair potentiation amplitude ``A2+`` (weight unit when additive, a
            fraction when multiplicative), >= 0.
        a_minus: pair depression amplitude ``A2-``, >= 0.
        tau_plus_ms: presynaptic trace ``r1`` time constant (ms), > 0.
        tau_minus_ms: postsynaptic trace ``o1`` time constant (ms), > 0.
        a3_plus: triplet potentiation amplitude ``A3+`` (0 for the pair rule), >= 0.
        a3_minus: triplet depression amplitude ``A3-``, >= 0.
        tau_x_ms: slow presynaptic trace ``r2`` time constant (ms), > 0.
        tau_y_ms: slow postsynaptic trace ``o2`` time constant (ms), > 0.
        pairing: ``"all_to_all"`` or ``"nearest"``.
        weight_dependence: ``"additive"`` (hard bounds) or ``"multiplicative"`` (soft).
        w_min, w_max: weight bounds in the projection's weight unit, ``w_min < w_max``.
    """

    a_plus: float = 0.005
    a_minus: float = 0.00525
    tau_plus_ms: float = 20.0
    tau_minus_ms: float = 20.0
    a3_plus: float = 0.0
    a3_minus: float = 0.0
    tau_x_ms: float = 100.0
    tau_y_ms: float = 100.0
    pairing: str = "all_to_all"
    weight_dependence: str = "additive"
    w_min: float = 0.0
    w_max: float = 1.0

    def __post_init__(self) -> None:
        for name in ("a_plus", "a_minus", "a3_plus", "a3_minus"):
            value = _checks.real(name, getattr(self, name))
            if value < 0:
                raise ValueError(
                    f"{name} must be >= 0 (the sign of potentiation and depression is built into "
                    f"the rule), got {value}"
                )
        for name in ("tau_plus_ms", "tau_minus_ms", "tau_x_ms", "tau_y_ms"):
            _checks.time_constant(name, getattr(self, name))
        _checks.choice("pairing", self.pairing, PAIRINGS)
        _checks.choice("weight_dependence", self.weight_dependence, WEIGHT_DEPENDENCES)
        lo, hi = float(self.w_min), float(self.w_max)
        if math.isnan(lo) or math.isnan(hi) or not lo < hi:
            raise ValueError(f"weight bounds reversed or empty: w_min={lo} must be < w_max={hi}")
        if self.multiplicative and not (math.isfinite(lo) and math.isfinite(hi)):
            raise ValueError(f"multiplicative weight dependence needs finite bounds, got [{lo}, {hi}]")

    def decays(self, dt_ms: float) -> tuple[float, float, float, float]:
        """Per-step decay factors of ``(r1, r2, o1, o2)`` for a step of ``dt_ms``."""
        dt = _checks.positive("dt_ms", dt_ms)
        taus = (self.tau_plus_ms, self.tau_x_ms, self.tau_minus_ms, self.tau_y_ms)
        return tuple(math.exp(-dt / tau) for tau in taus)  # type: ignore[return-value]

    @property
    def nearest(self) -> bool:
        return self.pairing == "nearest"

    @property
    def multiplicative(self) -> bool:
        return self.weight_dependence == "multiplicative"


def song2000(w_max: float = 1.0, a_plus: float = 0.005, ratio: float = 1.05, tau_ms: float = 20.0) -> STDP:
    """Additive pair STDP of Song, Miller & Abbott (2000): ``A+ = 0.005 w_max``,
    ``A-/A+ = 1.05``, ``tau+ = tau- = 20 ms``, all-to-all pairing, hard bounds
    ``[0, w_max]`` (``a_plus`` is given as a fraction of ``w_max``)."""
    a = a_plus * w_max
    return STDP(a_plus=a, a_minus=ratio * a, tau_plus_ms=tau_ms, tau_minus_ms=tau_ms, w_max=w_max)


# Pfister & Gerstner (2006), Tables 3 and 4: (A2+, A3+, A2-, A3-, tau_x, tau_y); tau+ = 16.8 ms
# and tau- = 33.7 ms throughout. The visual-cortex rows are fits to Sjostrom et al. (2001),
# the hippocampal rows to Wang et al. (2005) and Bi & Poo (1998).
PFISTER2006 = {
    ("visual_cortex", "all_to_all", "full"): (5e-10, 6.2e-3, 7e-3, 2.3e-4, 101.0, 125.0),
    ("visual_cortex", "nearest", "full"): (8.8e-11, 5.3e-2, 6.6e-3, 3.1e-3, 714.0, 40.0),
    ("visual_cortex", "all_to_all", "minimal"): (0.0, 6.5e-3, 7.1e-3, 0.0, 101.0, 114.0),
    ("hippocampal", "all_to_all", "full"): (6.1e-3, 6.7e-3, 1.6e-3, 1.4e-3, 946.0, 27.0),
    ("hippocampal", "nearest", "full"): (4.6e-3, 9.1e-3, 3e-3, 7.5e-9, 575.0, 47.0),
}


def pfister2006(
    preparation: str = "visual_cortex",
    pairing: str = "all_to_all",
    model: str = "full",
    w_max: float = math.inf,
) -> STDP:
    """The triplet rule with a parameter set of Pfister & Gerstner (2006).

    Args:
        preparation: ``"visual_cortex"`` or ``"hippocampal"``.
        pairing: ``"all_to_all"`` or ``"nearest"``.
        model: ``"full"`` or ``"minimal"`` (visual cortex, all-to-all only).
        w_max: upper weight bound (additive, hard bounds at 0 and ``w_max``; the paper's
            protocols have none). The amplitudes are changes of a weight whose baseline is 1.
    """
    key = (preparation, pairing, model)
    if key not in PFISTER2006:
        raise ValueError(
            f"no Pfister & Gerstner (2006) parameter set for {key}; available: {list(PFISTER2006)}"
        )
    a2p, a3p, a2m, a3m, tau_x, tau_y = PFISTER2006[key]
    return STDP(
        a_plus=a2p, a_minus=a2m, a3_plus=a3p, a3_minus=a3m, tau_plus_ms=16.8, tau_minus_ms=33.7,
        tau_x_ms=tau_x, tau_y_ms=tau_y, pairing=pairing, w_max=w_max,
    )  # fmt: skip


@dataclass(frozen=True)
class RewardSTDP:
    """Reward-modulated STDP (Izhikevich 2007; Fremaux & Gerstner 2016): the STDP change
    goes into an eligibility trace ``e`` per synapse (time constant ``tau_eligibility_ms``),
    and the weight moves at the rate ``learning_rate * (tonic + d) * e`` per ms, where
    ``d`` is a reward (dopamine) trace: rewards add to it and it decays with
    ``tau_reward_ms`` (``0``: a reward acts in its own step only); ``tonic`` is a constant
    dopamine level (Izhikevich's 0.002). ``baseline`` is subtracted from each reward (for
    example a running mean of rewards, which turns reward into reward prediction error).

    In the simulator the weights follow the eligibility every ``update_every_ms`` (the
    eligibility decays over the same interval at once; Izhikevich 2007 updates every
    10 ms): the cost is synapses / ``update_every_ms`` per ms instead of synapses per step.
    """

    stdp: STDP = STDP()
    tau_eligibility_ms: float = 1000.0
    tau_reward_ms: float = 200.0
    learning_rate: float = 1.0
    baseline: float = 0.0
    tonic: float = 0.0
    update_every_ms: float = 10.0

    def __post_init__(self) -> None:
        if not isinstance(self.stdp, STDP):
            raise TypeError(f"stdp must be an STDP rule, got {type(self.stdp).__name__}")
        _checks.time_constant("tau_eligibility_ms", self.tau_eligibility_ms)
        if _checks.real("tau_reward_ms", self.tau_reward_ms) < 0:
            raise ValueError(f"tau_reward_ms must be >= 0 (0: no reward trace), got {self.tau_reward_ms}")
        if _checks.real("learning_rate", self.learning_rate) < 0:
            raise ValueError(
                f"learning_rate must be >= 0 (punishment is a negative reward), got {self.learning_rate}"
            )
        _checks.real("baseline", self.baseline)
        _checks.real("tonic", self.tonic)
        _checks.positive("update_every_ms", self.update_every_ms)

    @classmethod
    def izhikevich2007(cls, w_max: float = 4.0) -> RewardSTDP:
        """The rule of Izhikevich (2007): nearest-spike STDP with ``A+ = 0.1``,
        ``A- = 0.15``, 20 ms windows (0.95 per ms), eligibility decaying 0.99 per 10 ms, dopamine
        0.995 per ms, tonic dopamine 0.002, weights in ``[0, w_max]`` updated every 10 ms by
        ``(0.002 + DA) * e``."""
        tau_stdp = -1.0 / math.log(0.95)
        stdp = STDP(a_plus=0.1, a_minus=0.15, tau_plus_ms=tau_stdp, tau_minus_ms=tau_stdp, pairing="nearest",
                    w_max=w_max)  # fmt: skip
        return cls(
            stdp, tau_eligibility_ms=-10.0 / math.log(0.99), tau_reward_ms=-1.0 / math.log(0.995),
            learning_rate=0.1, tonic=0.002, update_every_ms=10.0,
        )  # fmt: skip


# ----------------------------------------------------------------------- tensor functions
class Traces(NamedTuple):
    """STDP traces: ``r1``, ``r2`` are ``[*batch, n_pre]``; ``o1``, ``o2`` ``[*batch, n_post]``."""

    r1: torch.Tensor
    r2: torch.Tensor
    o1: torch.Tensor
    o2: torch.Tensor


def init_traces(
    n_pre: int, n_post: int, batch: Sequence[int] = (), dtype: torch.dtype | None = None
) -> Traces:
    """Zero traces for ``n_pre`` presynaptic and ``n_post`` postsynaptic neurons."""
    dtype = state_dtype(dtype)
    pre = torch.zeros(*batch, _checks.positive_int("n_pre", n_pre), dtype=dtype)
    post = torch.zeros(*batch, _checks.positive_int("n_post", n_post), dtype=dtype)
    return Traces(pre, pre.clone(), post, post.clone())


def _potentiation_scale(rule: STDP, w):  # noqa: ANN001, ANN202
    return rule.w_max - w if rule.multiplicative else 1.0


def _depression_scale(rule: STDP, w):  # noqa: ANN001, ANN202
    return w - rule.w_min if rule.multiplicative else 1.0


def clip_weights(rule: STDP, w: torch.Tensor) -> torch.Tensor:
    """``w`` clipped to the rule's bounds ``[w_min, w_max]``."""
    return w.clamp(rule.w_min, rule.w_max)


def stdp_update(
    rule: STDP,
    traces: Traces,
    pre: torch.Tensor,
    post: torch.Tensor,
    weight: torch.Tensor,
    dt_ms: float = 1.0,
) -> tuple[torch.Tensor, Traces]:
    """One step of STDP for a dense weight matrix.

    Args:
        rule: the :class:`STDP` rule.
        traces: the traces after the previous step (:func:`init_traces`).
        pre: presynaptic spikes of this step, ``[*batch, n_pre]`` (0/1).
        post: postsynaptic spikes of this step, ``[*batch, n_post]``.
        weight: current weights ``[n_post, n_pre]`` (used by the weight dependence).
        dt_ms: the step (ms).

    Returns:
        ``(delta, traces)``: the weight change ``[n_post, n_pre]`` summed over the batch
        (not yet clipped: add it and call :func:`clip_weights`), and the new traces.
    """
    _check_spikes(traces, pre, post, weight)
    if weight.ndim != 2:
        raise ValueError(f"weight must be [n_post, n_pre] (shared by the batch), got {list(weight.shape)}")
    ltp_post, ltp_pre, ltd_post, ltd_pre, new = _pairing(rule, traces, pre, post, dt_ms)
    ltp = torch.einsum("...j,...i->ji", ltp_post, ltp_pre)
    ltd = torch.einsum("...j,...i->ji", ltd_post, ltd_pre)
    delta = _potentiation_scale(rule, weight) * ltp - _depression_scale(rule, weight) * ltd
    return delta, new


def _pairing(rule: STDP, traces: Traces, pre: torch.Tensor, post: torch.Tensor, dt_ms: float):  # noqa: ANN202
    """The factors of this step's pairings and the traces after it: synapse ``(j, i)``
    potentiates by ``ltp_post[j] * ltp_pre[i]`` and depresses by ``ltd_post[j] *
    ltd_pre[i]`` (before the weight dependence); traces decay, are read, then take this
    step's spikes. Returns ``(ltp_post, ltp_pre, ltd_post, ltd_pre, traces)``."""
    d1, dx, dm, dy = rule.decays(dt_ms)
    r1, r2, o1, o2 = traces.r1 * d1, traces.r2 * dx, traces.o1 * dm, traces.o2 * dy
    ltp_post = post * (rule.a_plus + rule.a3_plus * o2)
    ltd_pre = pre * (rule.a_minus + rule.a3_minus * r2)

    def bump(x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        return torch.where(z > 0, torch.ones_like(x), x) if rule.nearest else x + z

    return ltp_post, r1, o1, ltd_pre, Traces(bump(r1, pre), bump(r2, pre), bump(o1, post), bump(o2, post))


def _check_spikes(traces: Traces, pre: torch.Tensor, post: torch.Tensor, weight: torch.Tensor) -> None:
    for name, z, trace in (("pre", pre, traces.r1), ("post", post, traces.o1)):
        if z.shape != trace.shape:
            raise ValueError(
                f"{name} must have the shape of its traces {tuple(trace.shape)}, got {tuple(z.shape)}"
            )
    expected = (post.shape[-1], pre.shape[-1])
    if tuple(weight.shape[-2:]) != expected or weight.ndim not in (2, pre.ndim + 1):
        raise ValueError(f"weight must be [n_post, n_pre] = {list(expected)}, got {list(weight.shape)}")


class RewardState(NamedTuple):
    """State of :func:`reward_stdp_step`: STDP traces, the eligibility ``[*batch, n_post,
    n_pre]`` and the reward trace ``[*batch]``."""

    traces: Traces
    eligibility: torch.Tensor
    reward: torch.Tensor


def init_reward_state(
    n_pre: int, n_post: int, batch: Sequence[int] = (), dtype: torch.dtype | None = None
) -> RewardState:
    """Zero state for :func:`reward_stdp_step`."""
    dtype = state_dtype(dtype)
    traces = init_traces(n_pre, n_post, batch, dtype)
    return RewardState(
        traces, torch.zeros(*batch, n_post, n_pre, dtype=dtype), torch.zeros(tuple(batch), dtype=dtype)
    )


def reward_stdp_step(
    rule: RewardSTDP,
    state: RewardState,
    pre: torch.Tensor,
    post: torch.Tensor,
    weight: torch.Tensor,
    reward: float | torch.Tensor = 0.0,
    dt_ms: float = 1.0,
) -> tuple[torch.Tensor, RewardState]:
    """One step of reward-modulated STDP.

    Args:
        rule: the :class:`RewardSTDP` rule.
        state: from :func:`init_reward_state` or the previous call.
        pre, post: spikes of this step, ``[*batch, n_pre]`` and ``[*batch, n_post]``.
        weight: ``[n_post, n_pre]`` shared by the batch, or ``[*batch, n_post, n_pre]``:
            one weight matrix per batch element (independent learners).
        reward: reward delivered in this step: a scalar or one value per batch element
            (shape ``[*batch]``).
        dt_ms: the step (ms).

    Returns:
        ``(new_weight, state)``: the clipped weights after this step (shared weights move
        by the mean of the batch elements' changes) and the new state.
    """
    batch = tuple(state.reward.shape)
    r = torch.as_tensor(reward, dtype=weight.dtype)
    if r.ndim and tuple(r.shape) != batch:
        raise ValueError(
            f"reward must be a scalar or have the batch shape {list(batch)}, got {list(r.shape)}"
        )
    if not bool(torch.isfinite(r).all()):
        raise ValueError("reward contains NaN or infinite values")
    stdp = rule.stdp
    dt = _checks.positive("dt_ms", dt_ms)
    # the STDP change of each batch element goes into its own eligibility trace
    _check_spikes(state.traces, pre, post, weight)
    ltp_post, ltp_pre, ltd_post, ltd_pre, traces = _pairing(stdp, state.traces, pre, post, dt)
    ltp = ltp_post.unsqueeze(-1) * ltp_pre.unsqueeze(-2)
    ltd = ltd_post.unsqueeze(-1) * ltd_pre.unsqueeze(-2)
    change = _potentiation_scale(stdp, weight) * ltp - _depression_scale(stdp, weight) * ltd
    eligibility = state.eligibility * math.exp(-dt / rule.tau_eligibility_ms) + change
    decay_r = math.exp(-dt / rule.tau_reward_ms) if rule.tau_reward_ms > 0 else 0.0
    d = state.reward * decay_r + (r - rule.baseline)
    dw = rule.learning_rate * dt * (rule.tonic + d).reshape(*batch, 1, 1) * eligibility
    if batch and weight.ndim == 2:
        dw = dw.reshape(-1, *weight.shape).mean(0)
    return clip_weights(stdp, weight + dw), RewardState(traces, eligibility, d)


# ------------------------------------------------------------------- exact, for spike trains
def weight_change(rule: STDP, pre_ms: Sequence[float], post_ms: Sequence[float], w0: float = 1.0) -> float:
    """The weight after the spike trains ``pre_ms`` and ``post_ms`` (ms) have passed one
    synapse of weight ``w0`` under ``rule``, in continuous time (exact exponential trace
    decay between events, bounds applied after each event). A presynaptic and a
    postsynaptic spike at the same time do not form a pair (as in the stepped forms)."""
    pre = np.sort(np.asarray(pre_ms, dtype=np.float64))
    post = np.sort(np.asarray(post_ms, dtype=np.float64))
    for name, arr in (("pre_ms", pre), ("post_ms", post)):
        if arr.ndim != 1 or not np.isfinite(arr).all():
            raise ValueError(f"{name} must be a 1-D sequence of finite spike times (ms)")
    times = np.concatenate([pre, post])
    kind = np.concatenate([np.zeros(pre.size, np.int64), np.ones(post.size, np.int64)])
    order = np.lexsort((kind, times))
    w = float(np.clip(w0, rule.w_min, rule.w_max))
    r1 = r2 = o1 = o2 = 0.0
    t_last = -math.inf
    i = 0
    while i < order.size:
        t = times[order[i]]
        if t > t_last and math.isfinite(t_last):
            gap = t - t_last
            r1 *= math.exp(-gap / rule.tau_plus_ms)
            r2 *= math.exp(-gap / rule.tau_x_ms)
            o1 *= math.exp(-gap / rule.tau_minus_ms)
            o2 *= math.exp(-gap / rule.tau_y_ms)
        t_last = t
        # all events at this time read the traces as they were before any of them
        j = i
        fired_pre = fired_post = False
        while j < order.size and times[order[j]] == t:
            fired_pre |= kind[order[j]] == 0
            fired_post |= kind[order[j]] == 1
            j += 1
        if fired_pre:
            w -= _depression_scale(rule, w) * o1 * (rule.a_minus + rule.a3_minus * r2)
            w = min(max(w, rule.w_min), rule.w_max)
        if fired_post:
            w += _potentiation_scale(rule, w) * r1 * (rule.a_plus + rule.a3_plus * o2)
            w = min(max(w, rule.w_min), rule.w_max)
        if fired_pre:
            r1, r2 = (1.0, 1.0) if rule.nearest else (r1 + 1.0, r2 + 1.0)
        if fired_post:
            o1, o2 = (1.0, 1.0) if rule.nearest else (o1 + 1.0, o2 + 1.0)
        i = j
    return w


def pairing_protocol(
    rule: STDP, frequency_hz: float, delta_ms: float, n_pairs: int = 60, w0: float = 1.0
) -> float:
    """Weight change after ``n_pairs`` pre/post pairs repeated at ``frequency_hz``, the
    postsynaptic spike ``delta_ms`` after the presynaptic one (negative: before), as in
    Sjostrom et al. (2001) and Pfister & Gerstner (2006, Fig. 4)."""
    period = 1000.0 / _checks.positive("frequency_hz", frequency_hz)
    start = max(0.0, -delta_ms)
    pre = start + period * np.arange(_checks.positive_int("n_pairs", n_pairs))
    return weight_change(rule, pre, pre + delta_ms, w0) - w0

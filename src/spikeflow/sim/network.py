"""The network simulator (reference torch backend): populations of model neurons,
sparse delayed projections, Poisson inputs and monitors, advanced in steps of ``dt_ms``.

A network reads like a methods section::

    net = Network(dt_ms=0.1, seed=1)
    exc = net.population(3200, CondLIFParams(...), name="exc")
    inh = net.population(800, CondLIFParams(...), name="inh")
    net.connect(exc, exc | inh, p=0.02, weight=6.0, receptor="exc", delay_ms=0.1)
    spikes = net.record_spikes(exc | inh)
    v = net.record_state(exc[:10], "v")
    net.run(1000.0)  # ms

Units follow NEST (ms, mV, nS, pA). A projection's weight is the size of the jump its
spikes cause in the target model's input (nS for conductance-based neurons, mV for
delta-input LIF, pA for current-input models), always >= 0; ``receptor="inh"`` makes it
inhibitory (negative input, which conductance-based models route to the inhibitory
conductance).

Delays: a spike emitted at step ``t`` through a synapse of delay ``d`` steps is added to
the target's input at step ``t + d`` (ring buffers per population, as in NEST). Each
population has two rings: inhibitory spikes onto conductance- and current-based models
with two receptors go to ``buffer[1]``, everything else to ``buffer[0]``, so those models
see the two kinds of spikes of one step apart (other models only ever use ring 0).
``delay_ms`` is rounded to the nearest whole number of steps (a warning says so when it
is not a multiple of ``dt_ms``); delays below one step are refused.

State, ring buffers, selections and recordings are NumPy arrays, so a network that runs
on the fast CPU backend never imports torch (1 to 1.7 s and 220 MiB of a process, see
:mod:`spikeflow._lazy`); the reference backend wraps them as tensors (no copy) for the
models' torch ``step`` functions.
"""

from __future__ import annotations

import importlib.util
import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import _checks
from .._lazy import torch
from .._progress import ProgressBar
from ..learning.plasticity import STDP, RewardSTDP
from ..neurons import (
    adex,
    cond_lif,
    hodgkin_huxley,
    izhikevich,
)
from ..neurons.spec import SpecParams
from . import connect as rules
from .fast_builtin import BUILTIN as BUILTIN_SPECS
from .monitors import RateMonitor, SpikeMonitor, StateMonitor
from .network_inputs import MAX_STEPS, NetworkInputs
from .plastic import PlasticProjection
from .populations import MODULES, Population, Selection, check_variable
from .sources import SOURCES, Drive
from .synapses import Delivery, SynapseGroup, group_projections, two_receptors

_DTYPES = ("float32", "float64")


def _float_dtype(dtype: Any) -> np.dtype:
    """The NumPy float type of ``dtype`` (None: float64; a torch, NumPy or string float32
    or float64), without importing torch."""
    if dtype is None:
        return np.dtype(np.float64)
    name = str(dtype).removeprefix("torch.")
    if name not in _DTYPES:
        raise ValueError(f"dtype must be float32 or float64 (torch, NumPy or a string), got {dtype!r}")
    return np.dtype(name)


class Network(NetworkInputs):
    """A spiking network simulated in steps of ``dt_ms`` (see the module docstring).

    Args:
        dt_ms: step (ms), > 0.
        seed: seed of connectivity and input randomness.
        dtype: floating type of the state: float64 (default, as NEST and Brian2 use) or
            float32, as a torch or NumPy dtype or a string.
        backend: ``"auto"`` (the fast CPU backend when Numba is installed and the network
            fits it: LIF and exponential-synapse conductance LIF populations, state
            monitors of ``v`` only, float64), ``"reference"`` (torch, any model and
            device) or ``"fast"`` (refuses networks it cannot run).
        weight_dtype: the type static synapses store their weights in: float64 (default)
            or float32, which halves the memory of weights drawn per synapse (the
            cortical microcircuit's) and rounds them to 7 significant digits; both
            backends add the same rounded weights, so their spikes stay identical.
        threads: the threads the fast backend delivers spikes on (the synapses split by
            target neuron, one part a thread; the spikes are the same for any number).
            Default: the cores this process may use for networks of at least 10 million
            static synapses and no plastic ones, else 1.
    """

    def __init__(self, dt_ms: float = 0.1, seed: int = 0, dtype: Any = None, backend: str = "auto",
                 weight_dtype: Any = None, threads: int | None = None) -> None:  # fmt: skip
        self.dt_ms = _checks.positive("dt_ms", dt_ms)
        self.weight_dtype = _float_dtype(weight_dtype)
        self.threads = None if threads is None else _checks.positive_int("threads", threads)
        self.backend = _checks.choice("backend", backend, ("auto", "reference", "fast"))
        self.seed = _checks.seed("seed", seed)
        self.float_dtype = _float_dtype(dtype)
        self.rng = np.random.default_rng(seed)
        self.populations: list[Population] = []
        self.projections: list[SynapseGroup] = []
        self.plastic: list[PlasticProjection] = []
        self.rewards: dict[int, float] = {}
        self.drives: list[Drive] = []  # Poisson and noise inputs, injected currents
        self.monitors: list[SpikeMonitor | StateMonitor | RateMonitor] = []
        self.step_count = 0
        self._built: list | None = None
        self._delivery: Delivery | None = None  # the reference backend's, made from _built

    @property
    def dtype(self) -> torch.dtype:
        """The state's floating type as a torch dtype (imports torch)."""
        return getattr(torch, self.float_dtype.name)

    # ----------------------------------------------------------------- construction
    def population(self, n: int, params: Any, name: str | None = None) -> Population:
        """Add ``n`` neurons of the model whose parameters are ``params`` (a built-in model's
        parameter dataclass, or the :class:`~spikeflow.neurons.spec.SpecParams` of a model
        defined by a specification), or a spike
        source (:class:`~spikeflow.sim.sources.PoissonSource`,
        :class:`~spikeflow.sim.sources.SpikeTimes`)."""
        _checks.positive_int("n", n)
        # state, ring buffers (at least 2 x 2 rows), inputs and indices: about 10 floats a neuron
        _checks.allocation(f"a population of {n} neurons", 80 * n)
        if type(params) not in MODULES and not isinstance(params, (SpecParams, *SOURCES)):
            allowed = [c.__name__ for c in (*MODULES, SpecParams, *SOURCES)]
            raise TypeError(f"params must be one of {allowed}, got {type(params).__name__}")
        if not math.isclose(getattr(params, "dt_ms", self.dt_ms), self.dt_ms):
            raise ValueError(f"params.dt_ms={params.dt_ms} differs from the network's dt_ms={self.dt_ms}")
        pop = Population(self, n, params, name or f"pop{len(self.populations)}")
        self.populations.append(pop)
        self._built = None
        return pop

    def connect(
        self,
        pre: Selection,
        post: Selection,
        *,
        p: float | None = None,
        rule: str | None = None,
        indegree: int | None = None,
        outdegree: int | None = None,
        pairs: tuple[Sequence[int], Sequence[int]] | None = None,
        weight: float | np.ndarray = 1.0,
        receptor: str = "exc",
        delay_ms: float | np.ndarray | None = None,
        autapses: bool = True,
        total: int | None = None,
    ) -> int:
        """Connect the neurons of ``pre`` to those of ``post``; returns the synapse count.

        The rule is ``p=`` (fixed probability), ``indegree=``, ``outdegree=``,
        ``total=`` (exactly that many synapses, each pair drawn uniformly: NEST's
        ``fixed_total_number``, multapses allowed), ``rule="one_to_one"`` or
        ``"all_to_all"``, or explicit ``pairs=(pre, post)`` index lists (with ``weight``
        then a scalar or one value per pair). Selections of several populations
        (``exc | inh``) count as one list of neurons, in the order of their parts:
        explicit pairs and one-to-one index them so, an in-degree counts sources from all
        of ``pre`` and an out-degree targets in all of ``post``. ``delay_ms`` (ms)
        defaults to one step; with ``pairs=`` between two single populations it may be an
        array, one delay per pair, each rounded to the nearest step (as NEST does) and at
        least one step.
        """
        return self.add_groups(self.connection_groups(
            pre, post, p=p, rule=rule, indegree=indegree, outdegree=outdegree, pairs=pairs, weight=weight,
            receptor=receptor, delay_ms=delay_ms, autapses=autapses, total=total,
        ))  # fmt: skip

    def connection_groups(self, pre: Selection, post: Selection, **connectivity: Any) -> list[SynapseGroup]:
        """The synapse groups :meth:`connect` would add, without adding them (same keyword
        arguments); :meth:`add_groups` adds them. With ``pairs=`` it draws nothing from the
        network's random stream and changes nothing, so threads may prepare connections
        side by side (the microcircuit's build does) while one adds them in order."""
        self._own("pre", pre)
        self._own("post", post)
        pairs, delay_ms = connectivity.get("pairs"), connectivity.pop("delay_ms", None)
        per_synapse = delay_ms is not None and np.ndim(delay_ms) > 0
        delay = 1 if per_synapse else self._delay_steps(delay_ms)
        groups = []
        for pre_pop, post_pop, src, dst, weights in self._synapses(pre, post, **connectivity):
            if not per_synapse:
                groups.append(SynapseGroup(pre_pop, post_pop, delay, src, dst, weights))
                continue
            steps, order, ends = self._delay_groups(pre, post, pairs, delay_ms, src.size)
            # one gather of each array into delay order; the groups are views of it
            src, dst = src[order], dst[order]
            weights = weights[order] if weights.strides[0] else weights
            for d, a, b in zip(steps, [0, *ends[:-1]], ends):
                w = weights[a:b] if weights.strides[0] else weights[: b - a]  # one weight: a view
                groups.append(SynapseGroup(pre_pop, post_pop, d, src[a:b], dst[a:b], w))
        return groups

    def add_groups(self, groups: list[SynapseGroup]) -> int:
        """Add synapse groups made by :meth:`connection_groups` (of this network), in order;
        returns their synapse count."""
        for g in groups:
            if not isinstance(g, SynapseGroup) or g.pre.net is not self or g.post.net is not self:
                raise ValueError("add_groups takes the SynapseGroups of this network's connection_groups")
        self.projections.extend(groups)
        self._built = None
        return sum(g.size for g in groups)

    def _delay_groups(self, pre: Selection, post: Selection, pairs: Any, delay_ms: Any, n: int) -> tuple:
        """Per-synapse delays grouped: ``(delays in steps, ascending; the permutation that
        orders the synapses by delay, stably; where each delay's synapses end in it)``."""
        if pairs is None or len(pre.parts) != 1 or len(post.parts) != 1:
            raise ValueError(
                "delay_ms as an array (one delay per synapse) needs pairs= between two single populations "
                "or selections of one population each"
            )
        return rules.delay_groups(delay_ms, n, self.dt_ms)

    def connect_plastic(
        self,
        pre: Population,
        post: Population,
        plasticity: STDP,
        *,
        delay_ms: float | None = None,
        **connectivity,
    ) -> PlasticProjection:
        """Connect population ``pre`` to population ``post`` with synapses whose weights follow
        the STDP rule ``plasticity`` (:mod:`spikeflow.learning.plasticity`). The keyword
        arguments (``p=``, ``indegree=``, ``rule=``, ``pairs=``, ``weight=``,
        ``receptor=``, ...) are those of :meth:`connect`; initial weights must lie within the
        rule's bounds. Returns the :class:`~spikeflow.sim.plastic.PlasticProjection`, whose
        ``weights`` change as the network runs."""
        if not isinstance(plasticity, (STDP, RewardSTDP)):
            raise TypeError(f"plasticity must be an STDP or RewardSTDP rule, got {type(plasticity).__name__}")
        for name, sel in (("pre", pre), ("post", post)):
            if not isinstance(sel, Population):
                raise TypeError(f"{name} of a plastic projection must be a whole population, got {sel!r}")
            self._own(name, sel)
        delay = self._delay_steps(delay_ms)
        ((_, _, src, dst, weights),) = self._synapses(pre, post, **connectivity)
        sign = -1.0 if connectivity.get("receptor", "exc") == "inh" else 1.0
        proj = PlasticProjection(pre, post, src, dst, np.abs(weights), sign, delay, plasticity, self.dt_ms)
        self.plastic.append(proj)
        self._built = None
        return proj

    def _synapses(  # noqa: ANN202
        self,
        pre: Selection,
        post: Selection,
        p: float | None = None,
        rule: str | None = None,
        indegree: int | None = None,
        outdegree: int | None = None,
        pairs: tuple[Sequence[int], Sequence[int]] | None = None,
        weight: float | np.ndarray = 1.0,
        receptor: str = "exc",
        autapses: bool = True,
        total: int | None = None,
    ):
        _checks.choice("receptor", receptor, ("exc", "inh"))
        given = [f"{k}={v!r}" for k, v in (("p", p), ("rule", rule), ("indegree", indegree),
                                            ("outdegree", outdegree), ("total", total))
                 if v is not None]  # fmt: skip
        if pairs is not None:
            if not (isinstance(pairs, (tuple, list)) and len(pairs) == 2):
                got = f"{type(pairs).__name__} of length {len(pairs) if hasattr(pairs, '__len__') else '?'}"
                raise TypeError(f"pairs must be a (pre indices, post indices) pair of sequences, got {got}")
            given.append("pairs=...")
        if len(given) > 1:
            raise ValueError(f"give one connectivity rule, got {', '.join(given)}")
        w = np.asarray(weight, dtype=np.float64)
        lo, hi = (float(w.min()), float(w.max())) if w.size else (0.0, 0.0)  # NaN propagates to both
        if not (math.isfinite(lo) and math.isfinite(hi)) or lo < 0:
            bad = lo if not math.isfinite(lo) or lo < 0 else hi
            raise ValueError(f"weight must be >= 0 and finite (use receptor='inh' for inhibition), got {bad}")
        sign = 1.0 if receptor == "exc" else -1.0
        # The rule draws over whole selections where its meaning needs them (explicit pairs
        # and one-to-one index the selections as a whole; an in-degree counts sources from
        # all of pre, an out-degree targets in all of post) and over each population's part
        # otherwise (the same statistics, and the draws of single-population selections).
        pre_whole = pairs is not None or rule == "one_to_one" or indegree is not None
        post_whole = pairs is not None or rule == "one_to_one" or outdegree is not None
        out = []
        for pre_block in rules.blocks(pre, pre_whole):
            for post_block in rules.blocks(post, post_whole):
                n_pre, n_post = rules.block_size(pre_block), rules.block_size(post_block)
                if pairs is not None:
                    src, dst = rules.explicit(n_pre, n_post, *pairs)
                elif p is not None:
                    ((pre_pop, pre_idx),), ((post_pop, post_idx),) = pre_block, post_block
                    same = pre_pop is post_pop and np.array_equal(pre_idx, post_idx)
                    src, dst = rules.fixed_probability(
                        n_pre, n_post, p, self.rng, autapses=autapses or not same
                    )
                elif indegree is not None:
                    src, dst = rules.fixed_indegree(n_pre, n_post, indegree, self.rng)
                elif outdegree is not None:
                    src, dst = rules.fixed_outdegree(n_pre, n_post, outdegree, self.rng)
                elif total is not None:
                    ((pre_pop, pre_idx),), ((post_pop, post_idx),) = pre_block, post_block
                    same = pre_pop is post_pop and np.array_equal(pre_idx, post_idx)
                    src, dst = rules.fixed_total_number(
                        n_pre, n_post, total, self.rng, autapses=autapses or not same
                    )
                elif rule == "one_to_one":
                    src, dst = rules.one_to_one(n_pre, n_post)
                elif rule == "all_to_all":
                    src, dst = rules.all_to_all(n_pre, n_post)
                else:
                    raise ValueError(
                        "give a connectivity rule: p=, indegree=, outdegree=, pairs= or rule= one "
                        f"of {rules.RULES}; got rule={rule!r}"
                    )
                if w.ndim and w.size != src.size:
                    raise ValueError(f"weight has {w.size} values for {src.size} synapses")
                signed = w.astype(self.weight_dtype, copy=True)  # a fresh array, owned by the groups
                if sign < 0:
                    np.negative(signed, out=signed)
                out.extend(rules.split(pre_block, post_block, src, dst, signed))
        return out

    def schedule_reward(self, time_ms: float, amount: float) -> None:
        """Deliver ``amount`` of reward (dopamine) to every reward-modulated plastic
        projection at ``time_ms`` (rounded to a step, not in the past)."""
        step = self._input_step("time_ms", time_ms)
        self.rewards[step] = self.rewards.get(step, 0.0) + _checks.real("amount", amount)

    def _delay_steps(self, delay_ms: float | None) -> int:
        if delay_ms is None:
            return 1
        delay_ms = _checks.real("delay_ms", delay_ms)
        steps = _checks.period_steps("delay_ms", delay_ms, self.dt_ms)  # the loop keeps delays in int32
        if steps < 1:
            raise ValueError(f"delay_ms={delay_ms} is below one step (dt_ms={self.dt_ms}); expected >= dt_ms")
        if abs(steps * self.dt_ms - delay_ms) > 1e-9 * max(1.0, delay_ms):
            rounded = steps * self.dt_ms
            warnings.warn(
                f"delay_ms={delay_ms} is not a multiple of dt_ms={self.dt_ms}; rounded to {rounded:g} ms",
                stacklevel=3,
            )
        return steps

    def _own(self, name: str, selection: object) -> None:
        """Raise unless ``selection`` is a population or selection of this network."""
        if not isinstance(selection, Selection):
            raise TypeError(f"{name} must be a population or selection, got {type(selection).__name__}")
        for pop, _ in selection.parts:
            if pop.net is not self:
                raise ValueError(
                    f"{name} holds population {pop.name!r} of another network; a network connects, "
                    "drives and records only its own populations"
                )

    def record_spikes(self, selection: Selection) -> SpikeMonitor:
        """Record the spikes of ``selection`` from now on."""
        self._own("selection", selection)
        m = SpikeMonitor(selection, self.dt_ms)
        self.monitors.append(m)
        return m

    def record_rate(self, selection: Selection) -> RateMonitor:
        """Record the population rate of ``selection`` from now on: its spike count in every
        step (one integer per step, however many spikes; see
        :class:`~spikeflow.sim.monitors.RateMonitor`)."""
        self._own("selection", selection)
        m = RateMonitor(selection, self.dt_ms, self.step_count)
        self.monitors.append(m)
        return m

    def record_state(self, selection: Selection, variable: str, every: int = 1) -> StateMonitor:
        """Record state ``variable`` of ``selection`` every ``every`` steps."""
        self._own("selection", selection)
        _checks.positive_int("every", every)
        for pop, _ in selection.parts:
            check_variable(pop, variable)
        m = StateMonitor(selection, variable, every, self.dt_ms)
        self.monitors.append(m)
        return m

    # ------------------------------------------------------------------- simulation
    def _build(self) -> list[SynapseGroup]:
        built = group_projections(self.projections, self.populations)
        max_delay = max([g.delay for g in built] + [q.delay for q in self.plastic], default=1)
        need = 2 * (max_delay + 1) * sum(p.n for p in self.populations) * self.float_dtype.itemsize
        _checks.allocation(
            f"the ring buffers of a {max_delay}-step delay ({max_delay * self.dt_ms:g} ms)", need,
            "shorten the longest delay_ms or raise dt_ms",
        )  # fmt: skip
        for pop in self.populations:
            if pop.buffer is None or pop.buffer.shape[1] < max_delay + 1:
                old = pop.buffer
                pop.buffer = np.zeros((2, max_delay + 1, pop.n), dtype=self.float_dtype)
                if old is not None:  # keep spikes in flight when the network grows
                    for k in range(old.shape[1]):
                        pop.buffer[:, (self.step_count + k) % pop.buffer.shape[1]] = old[
                            :, (self.step_count + k) % old.shape[1]
                        ]
        return built

    def build(self) -> None:
        """Prepare the network without advancing it: its synapse groups and ring buffers,
        the arrays its inputs are drawn into, and on the fast backend the packed synapse
        arrays (kept until the projections change). :meth:`run` does this when needed;
        calling it first separates the build time from the simulation's."""
        if not self.populations:
            raise ValueError("the network is empty: add a population before build() or run()")
        if self._built is None:
            self._built = self._build()
        for drive in self.drives:
            drive.prepare()
        if self.backend != "reference" and self.fast_unsupported_reason() is None:
            from .fast_runner import prepare

            prepare(self)

    def run(self, duration_ms: float, progress: bool = True) -> None:
        """Advance ``duration_ms`` (rounded to whole steps); repeated calls continue."""
        if not self.populations:
            raise ValueError("the network is empty: add a population before run()")
        steps = self._run_steps(duration_ms)
        if self._built is None:
            self._built = self._build()
        self._check_recording(steps)
        reason = self.fast_unsupported_reason()
        if self.backend == "fast" and reason:
            raise ValueError(f"backend='fast' cannot run this network: {reason}")
        if self.backend != "reference" and reason is None:
            from .fast_runner import run_fast

            run_fast(self, steps, progress)
            return
        tick = max(steps // 100, 1)
        bar = ProgressBar(math.ceil(steps / tick), "simulating", enabled=progress and steps >= 1000)
        for k in range(steps):
            self._step()
            if (k + 1) % tick == 0 or k + 1 == steps:
                bar.update(1)
        bar.close()

    def _run_steps(self, duration_ms: float) -> int:
        """The whole steps of ``duration_ms``: refused when it rounds to none or to more
        than the step counter keeps exact, a warning when it is not a multiple of dt."""
        duration_ms = _checks.positive("duration_ms", duration_ms)
        steps = int(round(duration_ms / self.dt_ms))
        if steps < 1:
            raise ValueError(
                f"duration_ms={duration_ms:g} is less than half a step (dt_ms={self.dt_ms:g}) and would run "
                "no step; expected at least one step"
            )
        if self.step_count + steps > MAX_STEPS:
            raise ValueError(
                f"duration_ms={duration_ms:g} is {steps:.3g} steps of {self.dt_ms:g} ms, more than the "
                f"{MAX_STEPS:.3g} a network can run (2**53: its times in ms stay exact)"
            )
        if abs(steps * self.dt_ms - duration_ms) > 1e-9 * max(1.0, duration_ms):
            warnings.warn(
                f"duration_ms={duration_ms:g} is not a multiple of dt_ms={self.dt_ms:g}; running "
                f"{steps} steps ({steps * self.dt_ms:g} ms)",
                stacklevel=3,
            )
        return steps

    def _check_recording(self, steps: int) -> None:
        """Refuse a run whose state monitors would not fit in memory, before it starts."""
        samples = sum(
            (steps // m.every + 1) * len(m.selection) for m in self.monitors if isinstance(m, StateMonitor)
        )
        _checks.allocation(
            f"recording the state monitors over {steps} steps", 8 * samples,
            "record fewer neurons, sample with a larger every=, or run shorter pieces and save between them",
        )  # fmt: skip

    def fast_unsupported_reason(self) -> str | None:
        """Why the fast CPU backend cannot run this network, or ``None`` if it can."""

        from . import fast_compiled

        if fast_compiled.load() is None and importlib.util.find_spec("numba") is None:
            return (
                f"its loop is not compiled ({fast_compiled.status()}) and Numba is not installed "
                "(pip install 'spikeflow[fast]')"
            )
        if self.float_dtype != np.float64:
            return f"it runs in float64, the network uses {self.float_dtype}"
        for pop in self.populations:
            if pop.source or pop.module in (izhikevich, adex):
                continue
            spec = getattr(pop.params, "spec", None)
            if spec is not None:  # a model on its specification; the built-in ones are compiled
                if spec.digest() not in BUILTIN_SPECS and importlib.util.find_spec("numba") is None:
                    return (
                        f"population {pop.name!r} has a generated model, which needs Numba "
                        "(pip install 'spikeflow[fast]')"
                    )
                continue
            if pop.module is cond_lif and pop.params.synapse == "exp":
                continue
            if pop.module is hodgkin_huxley and pop.params.integrator == "exp_euler":
                continue
            model = type(pop.params).__name__
            return (
                f"population {pop.name!r} uses {model} (fast: LIF, synaptic LIF, CubaLIF, CondLIF with exp "
                "synapses, Izhikevich, AdEx, Hodgkin-Huxley with exp_euler, specification models, spike "
                "sources)"
            )
        states = {(m.variable, m.every) for m in self.monitors if isinstance(m, StateMonitor)}
        if any(var != "v" for var, _ in states) or len({every for _, every in states}) > 1:
            return "its state monitors must all record 'v' with the same 'every'"
        return None

    @staticmethod
    def _input(pop: Population, rows: np.ndarray, ext: np.ndarray | None) -> Any:
        """A step's input for ``pop`` from its two ring-buffer rows ``[2, n]`` and the
        external input: the pair ``(excitatory, inhibitory)`` for two-receptor models (the
        external input split by sign), ring 0 plus the external input otherwise (ring 1 is
        fed only for two-receptor models, see :class:`~spikeflow.sim.synapses.SynapseGroup`)."""
        if two_receptors(pop):
            if ext is None:
                return torch.from_numpy(rows[0].copy()), torch.from_numpy(rows[1].copy())
            return (
                torch.from_numpy(rows[0] + np.maximum(ext, 0.0)),
                torch.from_numpy(rows[1] + np.minimum(ext, 0.0)),
            )
        return torch.from_numpy(rows[0] + ext if ext is not None else rows[0].copy())

    def _step(self) -> None:
        t = self.step_count
        spikes: dict[Population, np.ndarray] = {}
        ext = {pop: x[0].astype(self.float_dtype) for pop, x in self.drive_chunk(t, 1).items()}
        for pop in self.populations:
            slot = t % pop.buffer.shape[1]
            x = self._input(pop, pop.buffer[:, slot], ext.get(pop))
            pop.buffer[:, slot] = 0.0
            if pop.source is not None:
                spikes[pop] = pop.source.chunk(t, 1)[0].astype(self.float_dtype)
                continue
            given = pop.state._make(map(torch.from_numpy, pop.state))
            z, state = pop.module.step(x, given, pop.coeffs)
            # a field the step passed through unchanged keeps its array: its tensor's .numpy()
            # would be a new array based on the tensor based on the old array, a chain that
            # grew by one link a step (185 MiB per simulated second on 4000 COBA neurons)
            state = state._make(
                old if new is wrapped else new.numpy() for new, wrapped, old in zip(state, given, pop.state)
            )
            bad = np.flatnonzero(~np.isfinite(state[0]))
            if bad.size:
                raise FloatingPointError(
                    f"NaN or infinite {state._fields[0]} at step {t} ({t * self.dt_ms:g} ms) in population "
                    f"{pop.name!r}, neuron {int(bad[0])}: reduce dt_ms or check the parameters and inputs"
                )
            pop.state = state
            # a non-spiking model's step returns its potential (the leaky integrator): no spikes
            spikes[pop] = z.numpy() if pop.module.MODEL.spiking else np.zeros(pop.n, self.float_dtype)
        if self._delivery is None or self._delivery.groups is not self._built:
            self._delivery = Delivery(self._built, self.populations)
        self._delivery.deliver(t, np.flatnonzero(np.concatenate([spikes[pop] for pop in self.populations])))
        reward = self.rewards.pop(t, 0.0)
        for proj in self.plastic:
            pre_fired = np.flatnonzero(spikes[proj.pre])
            post_fired = np.flatnonzero(spikes[proj.post])
            proj.step(t, pre_fired, post_fired, proj.post.buffer, reward)
        self.step_count += 1
        for m in self.monitors:
            if isinstance(m, RateMonitor):
                m._counts.append(np.array([sum(int(np.count_nonzero(spikes[pop][idx] > 0))
                                               for pop, idx in m.selection.parts)]))  # fmt: skip
            elif isinstance(m, SpikeMonitor):
                offset = 0
                for pop, idx in m.selection.parts:
                    hit = np.flatnonzero(spikes[pop][idx] > 0)
                    if hit.size:
                        m._steps.append(np.full(hit.size, t, dtype=np.int64))
                        m._ids.append(hit + offset)
                    offset += len(idx)
            elif t % m.every == 0:
                m._values.append(
                    np.concatenate([getattr(pop.state, m.variable)[idx] for pop, idx in m.selection.parts])
                )
                m._times.append(t)

    @property
    def time_ms(self) -> float:
        """Simulated time so far (ms)."""
        return self.step_count * self.dt_ms

"""Populations and selections of the network simulator: ``n`` neurons of one model (or
a spike source) with their state as NumPy arrays, and selections of neurons across
populations (``pop[10:20]``, ``exc | inh``) that connections, inputs and monitors take."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _checks
from .._lazy import is_tensor, torch
from ..neurons import (
    adex,
    cond_lif,
    cuba_lif,
    hodgkin_huxley,
    izhikevich,
    leaky_integrator,
    lif,
    synaptic_lif,
)
from .sources import SOURCES, SourceSpikes, SourceState

if TYPE_CHECKING:  # pragma: no cover
    from .network import Network

MODULES = {  # parameter dataclass -> its model's module
    m.MODEL.params_cls: m
    for m in (lif, synaptic_lif, cond_lif, cuba_lif, adex, izhikevich, hodgkin_huxley, leaky_integrator)
}


def _rest_state(pop: Population) -> Any:
    """``pop``'s model at rest as NumPy arrays: built directly where the model declares a
    resting potential (``NeuronModel.rest_v``) or NumPy rest state (``rest_arrays``), else
    from its torch ``init_state``."""
    model, n, dtype = pop.module.MODEL, pop.n, pop.net.float_dtype
    if model.rest_arrays is not None:
        state = model.rest_arrays(n, pop.coeffs, dtype)
    elif model.rest_v is not None:
        v = model.rest_v(pop.coeffs)
        state = model.state_cls(*(np.full(n, v if f == "v" else 0.0, dtype) for f in model.state_cls._fields))
    else:
        state = pop.module.init_state((n,), pop.coeffs, getattr(torch, dtype.name))
        state = model.state_cls(*(t.numpy() for t in state))
    # a parameter class in front of a specification names its own state class (LIState)
    return getattr(pop.coeffs, "state_cls", type(state))(*state)


def as_array(values: Any, dtype: np.dtype | type = np.float64) -> np.ndarray:
    """``values`` (a number, sequence, NumPy array or CPU tensor) as a NumPy array."""
    if is_tensor(values):
        values = values.detach().cpu().numpy()
    return np.asarray(values, dtype=dtype)


def check_variable(pop: Population, name: str) -> None:
    """Raise unless ``pop``'s model has the state variable ``name``."""
    if name not in pop.state._fields:
        model = type(pop.params).__name__
        raise ValueError(f"{pop.name} ({model}) has no state {name!r}; it has {pop.state._fields}")


class Selection:
    """Neurons of one or more populations: ``pop[10:20]``, ``exc | inh``.

    ``parts`` is a tuple of ``(population, indices)`` with ``indices`` a read-only int64
    NumPy array of neuron indices within the population, each in ``[0, population.n)``.
    A selection lists each neuron at most once (a duplicate would be recorded, driven or
    connected twice, which the two backends could not agree on); for several synapses
    between the same two neurons, give them as ``pairs=`` to
    :meth:`~spikeflow.sim.Network.connect`.

    Raises:
        TypeError: a part is not ``(Population, indices)``, or the indices are booleans or
            not integers.
        ValueError: an index out of range, or a neuron listed twice.
    """

    def __init__(self, parts: Sequence[tuple[Population, Any]]) -> None:
        checked = []
        for k, part in enumerate(parts):
            if not (isinstance(part, tuple) and len(part) == 2 and isinstance(part[0], Population)):
                raise TypeError(f"parts[{k}] must be a (Population, indices) pair, got {part!r}")
            pop, idx = part
            idx = _checks.indices(f"indices of {pop.name!r} (parts[{k}])", idx, pop.n)
            idx.setflags(write=False)
            checked.append((pop, idx))
        _refuse_duplicates(checked)
        self.parts: tuple[tuple[Population, np.ndarray], ...] = tuple(checked)

    def __len__(self) -> int:
        return sum(len(idx) for _, idx in self.parts)

    def __or__(self, other: Selection) -> Selection:
        if not isinstance(other, Selection):
            raise TypeError(f"can only join populations or selections, got {type(other).__name__}")
        return Selection(self.parts + other.parts)

    def __repr__(self) -> str:
        return " | ".join(f"{p.name}[{len(i)} neurons]" for p, i in self.parts)


def _refuse_duplicates(parts: list[tuple[Population, np.ndarray]]) -> None:
    """Raise ValueError naming the first neuron that ``parts`` list more than once."""
    by_pop: dict[int, list[np.ndarray]] = {}
    for pop, idx in parts:
        by_pop.setdefault(id(pop), []).append(idx)
    for pop, _ in parts:
        arrays = by_pop.pop(id(pop), None)
        if arrays is None:
            continue
        whole = np.concatenate(arrays) if len(arrays) > 1 else arrays[0]
        if whole.size < 2:
            continue
        ordered = np.sort(whole)
        same = np.flatnonzero(ordered[1:] == ordered[:-1])
        if same.size:
            raise ValueError(
                f"the selection lists neuron {int(ordered[same[0]])} of {pop.name!r} more than once; "
                "a selection holds each neuron at most once (give repeated synapses as pairs= to connect)"
            )


class Population(Selection):
    """``n`` neurons of one model; a :class:`Selection` of all of them.

    Attributes:
        name, n, params: as given; state: the model's state NamedTuple of ``[n]`` NumPy
            arrays (the network's float type; ``torch.from_numpy`` shares them).
    """

    def __init__(self, net: Network, n: int, params: Any, name: str) -> None:
        self.net, self.n, self.params, self.name = net, n, params, name
        self.source: SourceSpikes | None = None
        if isinstance(params, SOURCES):
            self.module = self.coeffs = None
            self.source = SourceSpikes(params, n, net.dt_ms, net.seed, len(net.populations))
            self.state = SourceState()
        else:
            # a built-in model's module, or a specification (it has the same MODEL, step, init_state)
            self.module = getattr(params, "spec", None) or MODULES[type(params)]
            self.coeffs = params.coeffs()
            self.state = _rest_state(self)
        self.buffer: np.ndarray | None = None  # [2, max delay + 1, n] ring buffers
        whole = np.arange(n)
        whole.setflags(write=False)
        self.parts = ((self, whole),)  # all neurons, once each: nothing to check

    def __getitem__(self, key: int | slice | Sequence[int]) -> Selection:
        """The neurons ``key`` of this population: an int, a slice, integer indices (negative
        ones count from the end, as in NumPy) or a boolean mask of ``n`` values."""
        if isinstance(key, (bool, np.bool_)):
            raise TypeError(f"index of {self.name!r} must be an int, slice, indices or a mask, got {key!r}")
        if not isinstance(key, (int, np.integer, slice)):
            key = as_array(key, None)
            if key.dtype == bool:
                if key.shape != (self.n,):
                    raise ValueError(
                        f"a boolean mask of {self.name!r} must have {self.n} values, got shape {key.shape}"
                    )
                key = np.flatnonzero(key)
            elif key.size and not np.issubdtype(key.dtype, np.integer):
                raise TypeError(f"indices of {self.name!r} must be integers, got dtype {key.dtype}")
        try:
            idx = np.arange(self.n)[key]
        except IndexError as err:
            raise IndexError(f"index out of range for {self.name!r} ({self.n} neurons): {err}") from None
        return Selection([(self, np.asarray(idx).reshape(-1))])

    def set_state(self, name: str, values: float | np.ndarray | torch.Tensor) -> None:
        """Set a state variable (e.g. random initial potentials) for all neurons: one value
        or ``[n]`` values (NumPy array, sequence or tensor)."""
        check_variable(self, name)
        values = as_array(values, self.net.float_dtype)
        if values.ndim > 1 or (values.ndim == 1 and values.size not in (1, self.n)):
            raise ValueError(f"values for {name!r} must be one value or {self.n}, got shape {values.shape}")
        self.state = self.state._replace(**{name: np.broadcast_to(values, (self.n,)).copy()})

"""Validation helpers used at the public boundary.

Every error names the argument, the value it got and what was expected, so a
user can fix the call without reading the source.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Real

import numpy as np

from ._lazy import is_tensor, torch


def positive(name: str, value: float) -> float:
    """Return ``value`` as a float if it is a finite number > 0, else raise ValueError."""
    value = real(name, value)
    if not value > 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return value


def time_constant(name: str, value: float) -> float:
    """Return ``value`` if it is > 0 (``math.inf`` allowed: no decay), else raise."""
    if isinstance(value, Real) and not isinstance(value, bool) and value == math.inf:
        return math.inf
    return positive(name, value)


def non_negative(name: str, value: float) -> float:
    """Return ``value`` as a float if it is a finite number >= 0, else raise ValueError."""
    value = real(name, value)
    if not value >= 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return value


def real(name: str, value: float) -> float:
    """Return ``value`` as a float if it is a finite real number, else raise TypeError/ValueError."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return value


def probability(name: str, value: float, *, upper_inclusive: bool = True) -> float:
    """Return ``value`` if it lies in [0, 1] (or [0, 1) when ``upper_inclusive`` is False)."""
    value = real(name, value)
    ok = 0.0 <= value <= 1.0 if upper_inclusive else 0.0 <= value < 1.0
    if not ok:
        bound = "[0, 1]" if upper_inclusive else "[0, 1)"
        raise ValueError(f"{name} must lie in {bound}, got {value!r}")
    return value


def positive_int(name: str, value: int) -> int:
    """Return ``value`` if it is an int >= 1, else raise TypeError/ValueError."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value!r}")
    return value


def choice(name: str, value: str, options: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``options``, else raise ValueError listing them."""
    if value not in options:
        raise ValueError(f"{name} must be one of {sorted(options)}, got {value!r}")
    return value


def tensor(
    name: str,
    x: object,
    *,
    min_dim: int | None = None,
    ndim: int | None = None,
    floating: bool = True,
    finite: bool = True,
) -> torch.Tensor:
    """Check that ``x`` is a tensor of the expected rank, dtype kind and finiteness.

    Args:
        name: argument name used in the error message.
        x: the value to check.
        min_dim: smallest accepted number of dimensions.
        ndim: exact number of dimensions.
        floating: require a floating-point dtype.
        finite: require every element to be finite (no NaN or inf); skipped while
            ``torch.compile`` traces, where a data-dependent check would break the graph.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if floating and not x.is_floating_point():
        raise TypeError(f"{name} must have a floating-point dtype, got {x.dtype}")
    if ndim is not None and x.dim() != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {tuple(x.shape)}")
    if min_dim is not None and x.dim() < min_dim:
        raise ValueError(f"{name} must have at least {min_dim} dimensions, got shape {tuple(x.shape)}")
    if finite and x.is_floating_point() and not torch.compiler.is_compiling():
        # A NaN or inf makes the sum non-finite; the sum is one pass without a boolean
        # temporary (torch's isfinite(x).all() is 20x slower on CPU). A sum that overflows
        # from finite values is told apart by the exact count.
        if not bool(torch.isfinite(x.sum())):
            bad = int((~torch.isfinite(x)).sum())
            if bad:
                raise ValueError(f"{name} contains {bad} NaN or infinite value(s); expected finite input")
    return x


def time_major(name: str, x: object, *, finite: bool = True, min_dim: int = 2) -> torch.Tensor:
    """Check a multi-step tensor ``[T, batch, *features]`` (``min_dim=1``: ``[T, *shape]``)
    with T >= 1."""
    x = tensor(name, x, min_dim=min_dim, finite=finite)
    if x.shape[0] == 0:
        raise ValueError(
            f"{name} must have at least one time step (T >= 1) in dim 0, got shape {tuple(x.shape)}"
        )
    return x


def indices(name: str, values: object, n: int, keep_dtype: bool = False) -> np.ndarray:
    """``values`` (a sequence, NumPy array or CPU tensor of integers) as a 1-D int64 array
    (with ``keep_dtype``, a NumPy integer array keeps its type: no copy of a large index
    array), checked to lie in ``[0, n)``; raise TypeError for booleans (a mask is not a list of
    indices) or non-integers (a float is never truncated silently), ValueError for an
    index out of range.

    Everything that reaches the simulator's compiled loop as an index passes here first,
    so the loop never reads or writes outside its arrays."""
    if is_tensor(values):
        values = values.detach().cpu().numpy()
    arr = np.asarray(values)
    if arr.dtype == bool:
        raise TypeError(
            f"{name} must be integer indices, got a boolean array (a mask); "
            "use numpy.flatnonzero(mask) for the indices where it is True"
        )
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(
            f"{name} must be integer indices, got dtype {arr.dtype} (first value {arr.ravel()[0]!r}); "
            "indices are never rounded or truncated: convert them with .astype(int) if that is meant"
        )
    if not (keep_dtype and arr.size and np.issubdtype(arr.dtype, np.integer)):
        arr = arr.astype(np.int64, copy=False)
    arr = arr.reshape(-1)
    if arr.size:
        lo, hi = int(arr.min()), int(arr.max())
        if lo < 0 or hi >= n:
            bad = lo if lo < 0 else hi
            raise ValueError(f"{name} must lie in [0, {n - 1}] ({n} neurons), got index {bad}")
    return arr


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation without swapping (psutil's
    ``virtual_memory().available``: Linux's ``MemAvailable``), or ``None`` where it cannot
    be read."""
    import psutil

    try:
        return int(psutil.virtual_memory().available)
    except (psutil.Error, OSError):
        return None


def allocation(what: str, nbytes: int, hint: str = "") -> int:
    """Return ``nbytes`` if an allocation of that size can fit in the memory available now,
    else raise ValueError naming ``what``, the bytes needed and the bytes available (so a
    size that cannot fit is refused before it is allocated, not after minutes of
    swapping or a kill by the kernel)."""
    free = available_memory()
    if free is not None and nbytes > free:
        raise ValueError(
            f"{what} would need {_size(nbytes)} ({nbytes} bytes), more than the {_size(free)} of memory "
            f"available{'; ' + hint if hint else ''}"
        )
    return nbytes



def usable_cores() -> int:
    """The CPU cores this process may run on (its affinity where the system tells it,
    Linux; else the machine's count), at least 1."""
    import os

    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def return_freed_memory() -> bool:
    """Hand memory that was freed but kept by the C allocator back to the system (glibc's
    ``malloc_trim``, for every arena); ``True`` where that ran. NumPy arrays of a few
    hundred kilobytes come from the allocator's heap, not from their own mappings, once it
    has seen larger ones freed, and their memory stays with the process after they are
    freed: a build that frees one copy of its synapses while filling another would else
    hold both. Does nothing (``False``) where the C library is not glibc."""
    import ctypes
    import ctypes.util

    if not hasattr(return_freed_memory, "libc"):
        name = ctypes.util.find_library("c")
        try:
            libc = ctypes.CDLL(name) if name else None
            return_freed_memory.libc = libc if libc is not None and hasattr(libc, "malloc_trim") else None
        except OSError:
            return_freed_memory.libc = None
    libc = return_freed_memory.libc
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True

def _size(nbytes: float) -> str:
    """``nbytes`` in the largest binary unit that keeps it at or above 1 (up to PiB)."""
    units = ("KiB", "MiB", "GiB", "TiB", "PiB")
    if nbytes < 1024:
        return f"{nbytes:.0f} bytes"
    k = min(int(math.log(nbytes, 1024)), len(units))
    return f"{nbytes / 1024**k:.1f} {units[k - 1]}"


def seed(name: str, value: object) -> int:
    """Return ``value`` if it is an int >= 0 (a NumPy integer allowed), else raise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a non-negative int, got {type(value).__name__} {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return int(value)


def unknown_names(owner: str, given: object, known: Sequence[str]) -> None:
    """Raise TypeError for the first of ``given`` not in ``known``, naming ``owner``, the
    closest known name ("did you mean") and every known one."""
    import difflib

    for name in given:
        if name in known:
            continue
        close = [k for k in known if k.lower() == str(name).lower()]
        close = close or difflib.get_close_matches(str(name), list(known), n=1, cutoff=0.6)
        close = close or [k for k in known if k.startswith(str(name)[:3])]
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise TypeError(f"{owner} has no parameter {name!r}{hint} (it has {', '.join(known)})")


def suggest_fields(cls: type) -> type:
    """Wrap dataclass ``cls``'s ``__init__`` so that a misspelled keyword gets a TypeError
    naming the closest field, instead of Python's bare "unexpected keyword argument"."""
    init = cls.__init__
    fields = tuple(cls.__dataclass_fields__)

    def __init__(self, *args, **kwargs):  # noqa: ANN001, ANN202, N807
        unknown_names(cls.__name__, kwargs, fields)
        init(self, *args, **kwargs)

    __init__.__doc__, __init__.__wrapped__ = init.__doc__, init
    cls.__init__ = __init__
    return cls


MAX_PERIOD_STEPS = 2**31 - 1  # a period in steps must fit the kernels' 32-bit counters


def period_steps(name: str, period_ms: float, dt_ms: float) -> int:
    """``period_ms`` (a refractory period, a delay) in whole steps of ``dt_ms``, rounded to
    the nearest; raise ValueError where the count is not finite or beyond 2**31 - 1."""
    ratio = period_ms / dt_ms
    if not (math.isfinite(ratio) and abs(ratio) <= MAX_PERIOD_STEPS):
        raise ValueError(
            f"{name}={period_ms!r} is {ratio:.3g} steps of dt_ms={dt_ms!r}; expected at most "
            f"{MAX_PERIOD_STEPS}"
        )
    return int(round(ratio))

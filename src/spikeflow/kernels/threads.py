"""The threads of the fused CPU kernels (Numba, ``parallel=True``): how many, and whether
they may run in this process at all.

* **How many:** torch's setting. Before each launch :func:`before_launch` sets Numba's
  thread count to ``torch.get_num_threads()`` (capped at Numba's pool size), so
  ``torch.set_num_threads`` and the CLI's ``--threads`` reach the kernels too. The
  kernels split the neurons into blocks and each neuron's arithmetic is the same on any
  thread, so results do not depend on the thread count (tested).
* **After a fork:** GNU OpenMP (Numba's ``omp`` threading layer in the PyPI wheels)
  terminates a forked child that starts a parallel region once the parent has run one;
  a fork-based ``multiprocessing.Pool`` then waits for ever on workers that die. So a
  child forked from a process that has launched the kernels on that layer does not
  launch them: :func:`fork_reason` says why, the layers run the reference step instead
  (correct, slower) and warn once with the fix: the ``"spawn"`` or ``"forkserver"``
  start method, or ``NUMBA_THREADING_LAYER=workqueue`` (fork-safe, about half as fast
  here) or ``tbb`` set before the first kernel runs.
"""

from __future__ import annotations

import os
import warnings

_state = {"launched": False, "forked_unsafe": False, "warned": False}

FORK_REASON = (
    "this process was forked from one that had run the fused CPU kernels on GNU OpenMP, which "
    "terminates a forked process that starts them; the reference step runs instead. For the fused "
    "kernels in workers, use multiprocessing.get_context('spawn') or 'forkserver', or set "
    "NUMBA_THREADING_LAYER=workqueue (or tbb) before the first kernel runs"
)


def before_launch() -> None:
    """Call before launching a parallel CPU kernel: Numba's thread count follows torch's."""
    import numba
    import torch

    wanted = torch.get_num_threads()
    n = max(1, min(wanted, numba.config.NUMBA_NUM_THREADS))
    if numba.get_num_threads() != n:
        numba.set_num_threads(n)
        # the first call starts Numba's OpenMP pool, which sets the process's OpenMP
        # thread count (torch's too, in the same libgomp) to the pool's size: give it back
        if torch.get_num_threads() != wanted:
            torch.set_num_threads(wanted)
    _state["launched"] = True


def fork_reason() -> str | None:
    """Why the parallel CPU kernels must not run in this process (``None``: they may);
    warns once where they must not."""
    if not _state["forked_unsafe"]:
        return None
    if not _state["warned"]:
        _state["warned"] = True
        warnings.warn(FORK_REASON, RuntimeWarning, stacklevel=3)
    return FORK_REASON


def _gnu_openmp() -> bool:
    """Whether Numba's parallel launches go through GNU OpenMP (only known after one ran)."""
    try:
        import numba
        from numba.np.ufunc import omppool

        return numba.threading_layer() == "omp" and getattr(omppool, "openmp_vendor", "GNU") == "GNU"
    except (ImportError, ValueError, AttributeError):
        return False


def _after_fork_in_child() -> None:
    if _state["launched"] and _gnu_openmp():
        _state["forked_unsafe"] = True
        _state["warned"] = False


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)

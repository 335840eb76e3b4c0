"""Deferred imports, so that the network simulator's fast CPU path runs without torch.

Importing torch takes 1 to 1.7 s and about 220 MiB on a 2-core machine, more than a
whole COBA run on the fast backend (which works on NumPy arrays and Numba). Modules the
simulator imports therefore bind ``torch`` to :data:`torch`, a stand-in that imports the
real module on first attribute access. On that access every ``spikeflow`` module that
holds the stand-in is rebound to the real module (so later reads are plain module
attribute reads, as fast as with ``import torch``), and the stand-in serves the
attributes from then on to anyone still holding it. Nothing is touched in
:data:`sys.modules`: a user's ``import torch`` is unaffected.

Packages whose ``__init__`` re-exports torch-using names use :func:`lazy_attributes`
(PEP 562) so that ``import spikeflow`` stays light and ``spikeflow.nn`` loads on first use.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Callable


class LazyModule(types.ModuleType):
    """A module imported on first attribute access (see the module docstring).

    Args:
        name: the absolute module name, e.g. ``"torch"``.
    """

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.__dict__["_lazy_target"] = None

    def _load(self) -> types.ModuleType:
        module = self.__dict__["_lazy_target"]
        if module is None:
            module = importlib.import_module(self.__name__)
            self.__dict__.update(module.__dict__)
            self.__dict__["_lazy_target"] = module
            _rebind(self, module)
        return module

    def __getattr__(self, attr: str):  # noqa: ANN204
        # only reached for names not (yet) copied: before the first load, or names the
        # module creates later (torch's lazily imported submodules)
        return getattr(self._load(), attr)

    def __repr__(self) -> str:
        state = "loaded" if self.__dict__["_lazy_target"] is not None else "not loaded yet"
        return f"<lazy module {self.__name__!r} ({state})>"


def _rebind(stand_in: LazyModule, module: types.ModuleType) -> None:
    """Replace ``stand_in`` by ``module`` in the globals of every loaded spikeflow module
    (a stand-in's attribute read costs about 50 ns more than a module's)."""
    for name, loaded in list(sys.modules.items()):
        if name == "spikeflow" or name.startswith("spikeflow."):
            namespace = getattr(loaded, "__dict__", {})
            for key in [k for k, v in namespace.items() if v is stand_in]:
                namespace[key] = module


torch = LazyModule("torch")


def is_tensor(x: object) -> bool:
    """``isinstance(x, torch.Tensor)`` without importing torch (no tensor exists before
    torch is imported)."""
    module = sys.modules.get("torch")
    return module is not None and isinstance(x, module.Tensor)


def lazy_attributes(package: str, exports: dict[str, str]) -> tuple[Callable, Callable]:
    """PEP 562 ``__getattr__`` and ``__dir__`` for a package that loads some names on use.

    Args:
        package: the package's ``__name__``.
        exports: attribute name -> relative module path; ``".nn"`` is the submodule
            itself, ``".ops:ann_macs_per_sample"`` one name from it.

    Returns:
        ``(__getattr__, __dir__)`` to assign at the package's module level.
    """

    def __getattr__(name: str):  # noqa: ANN202, N807
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        target, _, attr = exports[name].partition(":")
        module = importlib.import_module(target, package)
        value = getattr(module, attr) if attr else module
        globals_ = importlib.import_module(package).__dict__
        globals_[name] = value  # cached: __getattr__ is not called for it again
        return value

    def __dir__() -> list[str]:  # noqa: N807
        return sorted(set(importlib.import_module(package).__dict__) | set(exports))

    return __getattr__, __dir__

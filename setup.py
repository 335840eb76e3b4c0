"""Builds the simulator's ahead-of-time compiled loop, ``spikeflow.sim._fast_loop`` (see
``src/spikeflow/sim/fast_compiled.py``), at install; everything else is in
pyproject.toml. Where it cannot be built (no Numba in the build environment, no C
compiler) the install goes on without it and the fast backend compiles with Numba's JIT
on first use instead."""

import importlib
import os
import sys
import tempfile
import types
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

LOOP = "spikeflow.sim._fast_loop"


class BuildFastLoop(build_ext):
    """Compiles the loop with Numba's ahead-of-time compiler instead of a C compiler run
    on sources."""

    def build_extension(self, ext: Extension) -> None:
        if ext.name != LOOP:
            super().build_extension(ext)
            return
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            # Numba's on-disk cache of an earlier JIT run names the modules as installed
            # (spikeflow.sim.fast_cpu): keep this build from reading it
            os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="spikeflow-build-")
            # load the three loop modules as a package of their own: importing spikeflow
            # itself would need torch, which the build environment does not have
            package = types.ModuleType("_spikeflow_loop_build")
            package.__path__ = [str(Path(__file__).parent / "src" / "spikeflow" / "sim")]
            sys.modules[package.__name__] = package
            built = importlib.import_module(f"{package.__name__}.fast_compiled").build(target.parent)
            if built.name != target.name:
                built.replace(target)
        except Exception as exc:  # noqa: BLE001 - any failure leaves the JIT path
            self.extensions = [e for e in self.extensions if e.name != LOOP]  # nothing to copy
            print(
                f"spikeflow: the compiled simulation loop was not built ({type(exc).__name__}: {exc}); "
                "the fast backend will compile with Numba on first use",
                file=sys.stderr,
            )


setup(ext_modules=[Extension(LOOP, sources=[])], cmdclass={"build_ext": BuildFastLoop})

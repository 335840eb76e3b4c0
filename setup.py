"""Builds the simulator's ahead-of-time compiled loop at install (see
``src/spikeflow/sim/fast_compiled.py``): ``spikeflow.sim._fast_loop`` for this machine's
CPU, on x86-64 ``_fast_loop_x86_64_v3`` for CPUs with AVX2, and ``_fast_loop_generic``
for any CPU of the architecture; everything else is in pyproject.toml. Where they cannot
be built (no Numba in the build environment, no C compiler) the install goes on without
them and the fast backend compiles with Numba's JIT on first use instead."""

import importlib
import os
import sys
import tempfile
import types
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


def loop_compiler():  # noqa: ANN201
    """``spikeflow/sim/fast_compiled.py`` with its two sibling loop modules, loaded as a
    package of their own (importing spikeflow itself would need torch, which the build
    environment does not have), or ``None`` where it cannot be (no NumPy)."""
    package = types.ModuleType("_spikeflow_loop_build")
    package.__path__ = [str(Path(__file__).parent / "src" / "spikeflow" / "sim")]
    sys.modules[package.__name__] = package
    try:
        return importlib.import_module(f"{package.__name__}.fast_compiled")
    except ImportError as exc:
        print(f"spikeflow: the compiled simulation loop will not be built ({exc})", file=sys.stderr)
        return None


COMPILER = loop_compiler()
# extension: LLVM CPU (None: this machine's), the tiers fast_compiled.load() tries
LOOPS = {f"spikeflow.sim.{name}": cpu for name, cpu in COMPILER.tiers()} if COMPILER else {}


class BuildFastLoop(build_ext):
    """Compiles the loop with Numba's ahead-of-time compiler instead of a C compiler run
    on sources."""

    def build_extension(self, ext: Extension) -> None:
        if ext.name not in LOOPS:
            super().build_extension(ext)
            return
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            # Numba's on-disk cache of an earlier JIT run names the modules as installed
            # (spikeflow.sim.fast_cpu): keep this build from reading it
            os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="spikeflow-build-")
            built = COMPILER.build(target.parent, LOOPS[ext.name], ext.name.rsplit(".", 1)[1])
            if built.name != target.name:
                built.replace(target)
        except Exception as exc:  # noqa: BLE001 - any failure leaves the JIT path
            self.extensions = [e for e in self.extensions if e.name != ext.name]  # nothing to copy
            print(
                f"spikeflow: the compiled simulation loop {ext.name} was not built ({type(exc).__name__}: "
                f"{exc}); where no compiled loop is, the fast backend will compile with Numba on first use",
                file=sys.stderr,
            )


setup(ext_modules=[Extension(name, sources=[]) for name in LOOPS], cmdclass={"build_ext": BuildFastLoop})

"""The fast backend's loop compiled ahead of time, so that a simulation needs neither
Numba nor a JIT compile.

:func:`build` compiles :func:`spikeflow.sim.fast_cpu.run_steps` (every model) and the
synapse packing of :mod:`spikeflow.sim.fast_synapses` with Numba's ahead-of-time compiler into the
extension module ``spikeflow.sim._fast_loop``; ``pip install`` runs it (``setup.py``), and
``python -m spikeflow.sim.fast_compiled DIR`` runs it by hand. It is the same Numba code
as the JIT path, compiled by the same LLVM with the same options, so both give the same
spikes (tested). Importing it costs about 1 MiB and a millisecond, where importing Numba
and loading a cached JIT function cost about 130 MiB and 0.7 s.

:func:`load` returns the compiled loop when the module is present and was built from the
sources installed beside it (a digest of ``fast_cpu.py``, ``fast_updates.py``,
``fast_synapses.py``, ``fast_draws.py``, ``fast_layout.py``, the generated ``fast_builtin.py`` and
``fast_generated.py`` and this file, so an edited loop never runs stale
code), else ``None``: the fast backend then
compiles with Numba on first use, as before. ``SPIKEFLOW_FAST_LOOP=jit`` forces the JIT
path. A compiled function does not check its arguments' types (a wrong dtype would read
memory wrongly), so :class:`CompiledLoop` checks every argument against the signature it
was compiled for and raises :class:`TypeError` naming the one that does not match.

Modules for three kinds of CPU are built (:data:`TIERS`): ``_fast_loop`` for the
installing machine's CPU, using all its instruction-set extensions (AVX-512, ...);
on x86-64 ``_fast_loop_x86_64_v3`` for any CPU with AVX2 and FMA (Intel since 2013, AMD
since 2015); ``_fast_loop_generic`` for any CPU of the architecture. They give the same
spikes (tested; Hodgkin-Huxley's potentials may differ in the last bits, from the math
library's exponential); on the project's machine COBA's loop took 0.16, 0.26 and 0.43 s.
Each records the extensions it needs (:data:`CPU_FLAGS`, as Linux lists them in
``/proc/cpuinfo``; the first, those of the machine it was built on), and :func:`load`
takes the first whose extensions this CPU has: an install shared between the machines
of a cluster, a copied environment or a wheel never runs code that would kill the
process with an illegal instruction, and :func:`status` names what was missing.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import platform
import sys
from pathlib import Path

import numpy as np

MODULE = "_fast_loop"  # spikeflow.sim._fast_loop, for the installing machine's CPU
GENERIC_MODULE = "_fast_loop_generic"  # for any CPU of the architecture: the last resort
# the compiled modules load() tries, in order: (module, LLVM CPU name, None for the
# installing machine's, and the machines it is built on (platform.machine()), () for all)
TIERS = (
    (MODULE, None, ()),
    ("_fast_loop_x86_64_v3", "x86-64-v3", ("x86_64", "AMD64")),
    (GENERIC_MODULE, "generic", ()),
)
_SOURCES = ("fast_cpu.py", "fast_updates.py", "fast_synapses.py", "fast_draws.py", "fast_layout.py",
            "fast_compiled.py", "fast_builtin.py", "fast_generated.py")  # fmt: skip

# instruction-set extensions that code compiled for a CPU model may use, as Linux names
# them in /proc/cpuinfo (x86 "flags", where "pni" is SSE3 and "abm" LZCNT; Arm "Features");
# a bit each in the module's record
CPU_FLAGS = (
    "pni", "ssse3", "sse4_1", "sse4_2", "popcnt", "avx", "avx2", "fma", "f16c", "bmi1", "bmi2",
    "abm", "movbe", "adx", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl", "avx512ifma",
    "avx512vbmi", "avx512_vbmi2", "avx512_vnni", "avx512_bitalg", "avx512_vpopcntdq", "avx512_bf16",
    "avx512_fp16", "avx_vnni", "amx_tile", "asimd", "asimdhp", "asimddp", "sve", "sve2", "i8mm", "bf16",
)  # fmt: skip

# argument specs: (name, dtype, ndim) with ndim 0 for a scalar, or (name, [specs]) for a tuple
_PLASTIC = [("par", "float64", 2), ("ranges", "int64", 2), ("pre_ptr", "int64", 1),
            ("pre_ptr_off", "int64", 1), ("by_pre", "int64", 1), ("post_ptr", "int64", 1),
            ("post_ptr_off", "int64", 1), ("by_post", "int64", 1), ("src", "int64", 1),
            ("dst", "int64", 1), ("w", "float64", 1), ("traces", "float64", 3),
            ("eligibility", "float64", 1), ("dopamine", "float64", 1)]  # fmt: skip
_WORK = [("fired", "int64", 1), ("spk", "float64", 1), ("scratch", "float64", 2),
         ("scratch_bits", "int64", 1), ("scratch_scale", "float64", 1)]  # fmt: skip
RUN_STEPS = [
    ("n_steps", "int64", 0), ("t0", "int64", 0),
    ("layout", [("pop_lo", "int64", 1), ("pop_hi", "int64", 1), ("pop_code", "int64", 1),
                ("pop_params", "float64", 2), ("nparam", "float64", 2)]),
    ("cells", [("v", "float64", 1), ("g_ex", "float64", 1), ("g_in", "float64", 1),
               ("refractory", "float64", 1), ("xstate", "float64", 2)]),
    ("inputs", [("buf", "float64", 3), ("ext", "float64", 2), ("has_ext", "bool", 0)]),
    ("synapses", [("indptr", "int64", 2), ("targets", "uint32", 1), ("kinds", "uint16", 1),
                  ("weights", "float64", 1), ("weights32", "float32", 1), ("weight_mode", "int64", 0),
                  ("group_delays", "int64", 1), ("rings", "uint8", 1), ("dense", "int64", 2),
                  ("uniform_delay", "int64", 0)]),
    ("records", [("record", "int64", 1), ("rec_steps", "int64", 1), ("rec_ids", "int64", 1),
                 ("n_rec", "int64", 0), ("state_idx", "int64", 1), ("state_every", "int64", 0),
                 ("state_out", "float64", 2), ("n_state", "int64", 0)]),
    ("rewards", "float64", 1), ("plastic", _PLASTIC), ("work", _WORK),
]  # fmt: skip


def _place_spec(index: str) -> list:
    return [
        ("src", index, 1), ("dst", index, 1), ("pre_offset", "int64", 0), ("post_offset", "int64", 0),
        ("cuts", "int64", 1), ("cursor", "int64", 2), ("targets", "uint32", 1), ("kinds", "uint16", 1),
        ("kind", "int64", 0), ("only", "int64", 0), ("weights", "float64", 1), ("weight", "float64", 1),
        ("weights32", "float32", 1), ("weight32", "float32", 1),
    ]  # fmt: skip


def _count_spec(index: str) -> list:
    return [*_place_spec(index)[:5], ("counts", "int64", 2)]


# the index types place_synapses is compiled for (a group's sources and targets, both
# converted to the wider of their two types): uint16 for populations of up to 65 536 neurons
PLACE_INDEX = {"uint16": "u2", "uint32": "u4", "int64": "i8"}


# exported name: ("module.function" of this package, argument specs, return type: a tuple
# of n int64 or None)
EXPORTS = {
    "run_steps": ("fast_cpu.run_steps", RUN_STEPS, 4),
    **{f"place_synapses_{code}": ("fast_synapses.place_synapses", _place_spec(index), None)
       for index, code in PLACE_INDEX.items()},
    **{f"count_synapses_{code}": ("fast_synapses.count_synapses", _count_spec(index), None)
       for index, code in PLACE_INDEX.items()},
    "dense_sources": (
        "fast_synapses.dense_sources",
        [
            ("indptr", "int64", 2),
            ("targets", "uint32", 1),
            ("kinds", "uint16", 1),
            ("rings", "uint8", 1),
            ("dense", "int64", 2),
        ],
        None,
    ),
    "inverse_poisson": (
        "fast_draws.inverse_poisson",
        [("cdf", "float64", 1), ("u", "float64", 1), ("weight", "float64", 0)],
        None,
    ),
}


def source_digest() -> int:
    """A 60-bit digest of the loop's sources (the compiled module stores the one it was
    built from)."""
    h = hashlib.sha256()
    here = Path(__file__).parent
    for name in _SOURCES:
        h.update((here / name).read_bytes())
    return int(h.hexdigest()[:15], 16)


# the extensions of the x86-64 microarchitecture levels (as /proc/cpuinfo names them)
LEVEL_FLAGS = {
    "x86-64-v2": ("pni", "ssse3", "sse4_1", "sse4_2", "popcnt"),
    "x86-64-v3": ("pni", "ssse3", "sse4_1", "sse4_2", "popcnt", "avx", "avx2", "bmi1", "bmi2", "f16c",
                  "fma", "abm", "movbe"),
}  # fmt: skip


def tiers(machine: str | None = None) -> list[tuple[str, str | None]]:
    """The ``(module, CPU)`` pairs of :data:`TIERS` built on ``machine`` (default this
    one's ``platform.machine()``)."""
    machine = machine or platform.machine()
    return [(name, cpu) for name, cpu, machines in TIERS if not machines or machine in machines]


def cpu_flags(cpuinfo: str | os.PathLike = "/proc/cpuinfo") -> frozenset[str] | None:
    """This CPU's instruction-set extensions as the kernel lists them (the first
    ``flags`` or ``Features`` line of ``cpuinfo``), or ``None`` where that cannot be read
    (not Linux)."""
    try:
        with open(cpuinfo, encoding="ascii", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() in ("flags", "Features"):
                    return frozenset(value.split())
    except OSError:
        return None
    return None


def flags_mask(flags: frozenset[str] | None) -> int:
    """The bits of :data:`CPU_FLAGS` that ``flags`` holds (0 for ``None``)."""
    return sum(1 << i for i, name in enumerate(CPU_FLAGS) if flags and name in flags)


def missing_flags(mask: int, flags: frozenset[str] | None) -> list[str]:
    """The extensions recorded in ``mask`` that ``flags`` lacks (none when ``flags`` is
    ``None``: nothing to check against)."""
    if flags is None:
        return []
    return [name for i, name in enumerate(CPU_FLAGS) if mask >> i & 1 and name not in flags]


def _check(where: str, specs: list, values: tuple) -> None:
    """Raise TypeError unless ``values`` match ``specs`` exactly (dtype, dimensions,
    C-contiguous)."""
    if len(values) != len(specs):
        raise TypeError(f"{where}: expected {len(specs)} arguments, got {len(values)}")
    for spec, value in zip(specs, values):
        name = spec[0]
        if len(spec) == 2:  # a tuple of arrays
            _check(f"{where} argument {name!r}", spec[1], tuple(value))
            continue
        dtype, ndim = spec[1], spec[2]
        if ndim == 0:
            if dtype == "bool":
                ok = isinstance(value, (bool, np.bool_))
            elif dtype.startswith("float"):
                ok = isinstance(value, (float, np.floating))
            else:
                ok = isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
            if not ok:
                raise TypeError(f"{where}: argument {name!r} must be a {dtype} scalar, got {value!r}")
            continue
        if not (
            isinstance(value, np.ndarray)
            and value.dtype == np.dtype(dtype)
            and value.ndim == ndim
            and value.flags.c_contiguous
        ):
            got = (
                f"{value.dtype} array of shape {value.shape} (C-contiguous: {value.flags.c_contiguous})"
                if isinstance(value, np.ndarray)
                else type(value).__name__
            )
            raise TypeError(
                f"{where}: argument {name!r} must be a C-contiguous {dtype} array with {ndim} "
                f"dimension(s), got {got}"
            )


class CompiledLoop:
    """The compiled ``run_steps``, ``place_synapses``, ``count_synapses``, ``dense_sources``
    and ``inverse_poisson`` with their arguments checked (same arguments and results as the
    Numba functions')."""

    def __init__(self, module: object):
        self.module = module

    def run_steps(self, *args: object) -> tuple:
        """:func:`spikeflow.sim.fast_cpu.run_steps`, compiled; ``targets`` must be uint32."""
        _check("compiled run_steps", RUN_STEPS, args)
        return self.module.run_steps(*args)

    def dense_sources(self, *args: object) -> None:
        """:func:`spikeflow.sim.fast_synapses.dense_sources`, compiled; ``targets`` must be uint32."""
        _check("compiled dense_sources", EXPORTS["dense_sources"][1], args)
        self.module.dense_sources(*args)

    def inverse_poisson(self, cdf: np.ndarray, u: np.ndarray, weight: float) -> None:
        """:func:`spikeflow.sim.fast_draws.inverse_poisson`, compiled (in place on ``u``)."""
        weight = float(weight)
        _check("compiled inverse_poisson", EXPORTS["inverse_poisson"][1], (cdf, u, weight))
        self.module.inverse_poisson(cdf, u, weight)

    def place_synapses(self, src: np.ndarray, dst: np.ndarray, *rest: object) -> None:
        """:func:`spikeflow.sim.fast_synapses.place_synapses`, compiled; ``src`` and ``dst``
        converted to the narrowest of uint16, uint32 and int64 that holds both their
        types (:func:`place_index`), ``targets`` uint32."""
        index = place_index(src.dtype, dst.dtype)
        src, dst = np.ascontiguousarray(src, index), np.ascontiguousarray(dst, index)
        name = f"place_synapses_{PLACE_INDEX[index]}"
        _check(f"compiled {name}", EXPORTS[name][1], (src, dst, *rest))
        getattr(self.module, name)(src, dst, *rest)


    def count_synapses(self, src: np.ndarray, dst: np.ndarray, *rest: object) -> None:
        """:func:`spikeflow.sim.fast_synapses.count_synapses`, compiled; ``src`` and ``dst``
        converted as for :meth:`place_synapses`."""
        index = place_index(src.dtype, dst.dtype)
        src, dst = np.ascontiguousarray(src, index), np.ascontiguousarray(dst, index)
        name = f"count_synapses_{PLACE_INDEX[index]}"
        _check(f"compiled {name}", EXPORTS[name][1], (src, dst, *rest))
        getattr(self.module, name)(src, dst, *rest)


def place_index(*dtypes: np.dtype) -> str:
    """The index type of :data:`PLACE_INDEX` that holds every value of ``dtypes``
    (integer types): uint16, uint32, else int64."""
    for index in PLACE_INDEX:
        if all(np.can_cast(d, index, "safe") for d in dtypes):
            return index
    return "int64"


_loaded: dict[str, object] = {}


def load(refresh: bool = False) -> CompiledLoop | None:
    """The compiled loop (the one for this machine's CPU, else the generic one), or
    ``None`` where the fast backend must compile with Numba: no module (not built, or no
    compiler at install), modules built from other sources, or ``SPIKEFLOW_FAST_LOOP=jit``.
    :func:`status` says which. ``refresh`` looks again (the result is cached per process)."""
    if refresh or "loop" not in _loaded:
        _loaded["loop"], _loaded["status"] = _find()
    return _loaded["loop"]


def status() -> str:
    """Which loop the fast backend runs, in words (``"compiled ahead of time"``; ``"compiled
    ahead of time for any CPU"`` and why not the one for this CPU; or why it compiles with
    Numba)."""
    load()
    return _loaded["status"]


def _find() -> tuple[CompiledLoop | None, str]:
    if os.environ.get("SPIKEFLOW_FAST_LOOP", "").strip().lower() == "jit":
        return None, "Numba JIT (SPIKEFLOW_FAST_LOOP=jit)"
    try:
        current = source_digest()
    except OSError as exc:  # sources not readable (e.g. a zipped install): cannot vouch for it
        return None, f"Numba JIT (cannot read the loop's sources to check the compiled one: {exc})"
    reasons = []
    for name, cpu in tiers():
        try:
            module = importlib.import_module(f"{__package__}.{name}")
        except ImportError as exc:
            reasons.append(f"no compiled loop {name}: {exc}")
            continue
        if module.source_digest() != current:
            reasons.append(
                f"the compiled loop {name} was built from other sources: reinstall, or run "
                "python -m spikeflow.sim.fast_compiled, to rebuild it"
            )
            continue
        missing = missing_flags(module.cpu_flags_mask(), cpu_flags())
        if missing:
            reasons.append(
                f"the compiled loop {name} was built for a CPU with {', '.join(missing)}, which this "
                "CPU lacks: reinstall on this machine to use them"
            )
            continue
        if name == MODULE:
            return CompiledLoop(module), "compiled ahead of time"
        kind = "any CPU" if cpu == "generic" else f"{cpu} CPUs"
        return CompiledLoop(module), f"compiled ahead of time for {kind} ({'; '.join(reasons)})"
    return None, f"Numba JIT ({'; '.join(reasons)})"


def _numba_type(spec: tuple):  # noqa: ANN202
    from numba import types

    if len(spec) == 2:
        return types.Tuple(tuple(_numba_type(s) for s in spec[1]))
    scalar = types.boolean if spec[1] == "bool" else getattr(types, spec[1])
    return scalar if spec[2] == 0 else types.Array(scalar, spec[2], "C")


def _entry(target: object, names: list[str]):  # noqa: ANN202
    """A plain function that calls the Numba function ``target``: exporting it (rather
    than ``target``'s Python source) compiles ``target`` with its own options."""
    args = ", ".join(names)
    scope: dict = {"_target": target}
    exec(f"def entry({args}):\n    return _target({args})\n", scope)  # noqa: S102
    return scope["entry"]


def build(output_dir: str | os.PathLike, target_cpu: str | None = None, module: str = MODULE) -> Path:
    """Compile the loop into ``output_dir/<module><EXT_SUFFIX>`` and return its path.
    Needs Numba and a C compiler. ``target_cpu`` is an LLVM CPU name (default
    ``$SPIKEFLOW_TARGET_CPU``, else this machine's CPU, as the JIT uses; ``"generic"``
    for a module that runs on any CPU of the architecture). The module records the
    extensions it needs (see :func:`load`): built for this machine's CPU, its extensions;
    for an x86-64 level (``"x86-64-v3"``), the level's; for ``"generic"`` or another
    named CPU, none (the one who names it knows where it runs)."""
    import llvmlite.binding as llvm
    from numba import types
    from numba.pycc import CC

    cc = CC(module)
    cc.output_dir = os.fspath(output_dir)
    host = llvm.get_host_cpu_name()
    cc.target_cpu = target_cpu or os.environ.get("SPIKEFLOW_TARGET_CPU") or host
    for export, (function, specs, n_returned) in EXPORTS.items():
        result = types.UniTuple(types.int64, n_returned) if n_returned else types.none
        signature = result(*(_numba_type(s) for s in specs))
        module_name, name = function.split(".")
        target = getattr(importlib.import_module(f".{module_name}", __package__), name)
        cc.export(export, signature)(_entry(target, [s[0] for s in specs]))
    needs = cpu_flags() if cc.target_cpu == host else frozenset(LEVEL_FLAGS.get(cc.target_cpu, ()))
    scope = {"DIGEST": source_digest(), "FLAGS": flags_mask(needs)}
    exec("def source_digest():\n    return DIGEST\ndef cpu_flags_mask():\n    return FLAGS\n", scope)  # noqa: S102
    cc.export("source_digest", types.int64())(scope["source_digest"])
    cc.export("cpu_flags_mask", types.int64())(scope["cpu_flags_mask"])
    cc.compile()
    return Path(output_dir) / cc.output_file


if __name__ == "__main__":  # pragma: no cover - used by hand
    where = sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent
    for name, cpu in tiers():
        print(build(where, cpu, name))

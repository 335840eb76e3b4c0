"""A model's update in the network simulator's fast loop (Numba, float64), generated from
its :class:`~spikeflow.codegen.program.Program`: the same statements as the torch
reference step, on the scalars of one neuron, for the neurons ``lo:hi`` of a population.

The function has the signature every model's update has in the loop (see
:mod:`spikeflow.sim.fast_cpu`): ``(lo, hi, p, slot, k, has_ext, cells)`` with ``p`` the
population's row of constants (the constants vector, then the refractory steps) and
``cells = (nparam, v, g_ex, g_in, refractory, xstate, buf, ext, spk, work)``; the first
state variable lives in ``v``, the others in the rows of ``xstate``.

Where the update has one exponential of the state (the exponential Euler step of a
conductance-based membrane), a first pass computes its argument for every neuron and
:func:`spikeflow.sim.fast_cpu.vexp` the exponentials in one vectorised loop (within one
unit in the last place of libm's, as for the hand-written conductance-based LIF), which
the second pass reads; elsewhere ``math.exp`` is called per neuron.
"""

from __future__ import annotations

from pathlib import Path

from .printers import Printer, header, jump_lines, step_code, used_constants
from .program import Program, program


def range_source(prog: Program, name: str) -> str:
    """The update function called ``name`` (see the module docstring)."""
    code = step_code(prog)
    n = len(prog.state)
    pr = Printer(code.names, "numba")
    ref = prog.spec.refractory is not None
    n_const = len(prog.constants)
    body = [
        "@nb.njit(**_opts)",
        f"def {name}(lo, hi, p, slot, k, has_ext, cells):  # noqa: ANN001, ANN202",
        f'    """{prog.spec.name}: neurons lo:hi, one step (generated from the specification)."""',
        "    nparam, v, g_ex, g_in, refractory, xstate, buf, ext, spk, work = cells",
    ]
    update = code.vexp[1] if code.vexp else code.update
    blocks = [update, code.after, *([code.vexp[0]] if code.vexp else [])]
    for k in used_constants(blocks, code):
        body.append(f"    K{k} = p[{k}]")
    body.append(f"    n_ref = p[{n_const}]")
    if prog.receptors:
        body.append("    be, bi = _take_receptor_inputs(buf, slot, ext, k, has_ext, lo, hi)")
    else:
        body.append("    bb = _take_input(buf, slot, ext, k, has_ext, lo, hi)")
    body.append("    a0_ = v[lo:hi]")
    for i in range(1, n):
        body.append(f"    a{i}_ = xstate[{i - 1}, lo:hi]")
    body += ["    rf = refractory[lo:hi]", "    ss = spk[lo:hi]"]
    if code.vexp:  # the population's exponentials in one vectorised pass (fast_cpu.vexp)
        body += ["    fired_, spk_, scratch_, bits_, scale_ = work", "    arg_ = scratch_[0, lo:hi]",
                 "    mant_ = scratch_[2, lo:hi]", "    for j in range(hi - lo):"]  # fmt: skip
        if prog.receptors:
            body += ["        xe = be[j]", "        xi = bi[j]"]
        else:
            body += ["        x = bb[j]"]
        body += [f"        s{i} = a{i}_[j]" for i in range(n)]
        body += jump_lines(prog, "        ")
        body += code.vexp[0].lines(pr, "        ")
        body += ["        arg_[j] = arg0", "    vexp(arg_, mant_, bits_[lo:hi])", "    sc_ = scale_[lo:hi]"]
    body.append("    for j in range(hi - lo):")
    if prog.receptors:
        body += ["        xe = be[j]", "        xi = bi[j]", "        be[j] = 0.0", "        bi[j] = 0.0"]
    else:
        body += ["        x = bb[j]", "        bb[j] = 0.0"]
    for i in range(n):
        body.append(f"        s{i} = a{i}_[j]")
    if ref:
        body.append("        held = n_ref > 0 and rf[j] > 0")
        for i in prog.held:
            body.append(f"        p{i} = s{i}")
    body += jump_lines(prog, "        ")
    if code.vexp:
        body.append("        ex0 = mant_[j] * sc_[j]")
    body += update.lines(pr, "        ")
    if ref:
        body.append("        if held:")
        body += [f"            u{i} = p{i}" for i in prog.held] or ["            pass"]
    body += code.after.lines(pr, "        ")
    new = [f"u{i}" for i in range(n)]
    if prog.threshold is not None:
        body.append("        z = 1.0 if h >= 0 else 0.0")
        if ref:
            body.append("        z = 0.0 if held else z")
        for i in sorted(prog.reset):
            body.append(f"        n{i} = u{i} + z * d{i}")
            new[i] = f"n{i}"
    else:
        body.append("        z = 0.0")
    if ref:
        body.append("        rf[j] = _refractory_next(rf[j], z, n_ref)")
    for i in range(n):
        body.append(f"        a{i}_[j] = {new[i]}")
    body.append(f"        ss[j] = _mark(z, {new[0]})")
    return "\n".join(body) + "\n"


HEADER = (
    "import math\n\nimport numba as nb\nimport numpy as np\n\n"
    "from spikeflow.sim.fast_cpu import (\n"
    "    _mark, _opts, _refractory_next, _take_input, _take_receptor_inputs, vexp,\n"
    ")\n"
)


def module_text(prog: Program) -> str:
    """A module with the update function ``spec_range`` alone (what ``spikeflow show-code
    MODEL --backend fast_sim`` prints; the loop of a network embeds the same function)."""
    return header("numba_sim", prog) + "\n" + HEADER + "\n\n" + range_source(prog, "spec_range")


#: The model code of the first built-in specification in the compiled loop (the codes of
#: the hand-written models are below it, those a network's own specifications get in the
#: JIT path, :data:`spikeflow.sim.fast_layout.SPEC_CODE`, above)
BUILTIN_CODE = 20
SIM = Path(__file__).resolve().parent.parent / "sim"


def builtin_specs() -> list:
    """The built-in specifications whose updates the ahead-of-time compiled loop holds:
    those of :data:`spikeflow.neurons.spec.BUILTIN` and those behind a parameter class
    (:func:`~spikeflow.neurons.spec.class_specs`), by name."""
    from ..neurons.spec import BUILTIN, class_specs, get

    specs = [get(name) for name in BUILTIN] + class_specs()
    return sorted(specs, key=lambda spec: spec.name)


_NOTE = "Do not edit: rewrite with\n``python -m spikeflow.codegen.numba_sim`` (a test checks it is current)"


def builtin_texts() -> dict[str, str]:
    """The two checked-in modules of ``spikeflow/sim`` that carry the built-in
    specifications into the ahead-of-time compiled loop (its build cannot generate code:
    no SymPy there): ``fast_builtin.py``, the table specification digest -> (model code,
    update function, name) and each one's constants and initial-state functions, without
    Numba, SymPy or torch (the runner and :mod:`spikeflow.codegen.runtime` read it), and
    ``fast_generated.py``, each one's fast-loop update (:func:`range_source`) and their
    dispatch ``update_builtin``. A test checks them against this function;
    ``python -m spikeflow.codegen.numba_sim`` rewrites them."""
    from .torch_backend import constants_source, initial_source

    specs = builtin_specs()
    codes = {spec.name: BUILTIN_CODE + k for k, spec in enumerate(specs)}
    functions = []
    for spec in specs:  # the generated torch module's constants and initial, renamed
        prog = program(spec)
        constants, initial = constants_source(prog), initial_source(prog)
        constants[0] = constants[0].replace("def constants(", f"def _constants_{spec.name}(")
        initial[0] = initial[0].replace("def initial(", f"def _initial_{spec.name}(")
        functions += ["", "", *constants, "", "", *initial]
    table = [
        "# ruff: noqa: UP034 - the printer parenthesises a function's argument as it does any operand",
        '"""Generated by spikeflow.codegen.numba_sim: the built-in specifications in the compiled',
        f'loop (their updates are in fast_generated.py). {_NOTE}."""',
        "",
        "# specification digest -> (model code, update function, model name)",
        "BUILTIN = {",
        *(f"    {s.digest()!r}: ({codes[s.name]}, {'_range_' + s.name!r}, {s.name!r})," for s in specs),
        "}",
        f"FIRST_CODE, LAST_CODE = {BUILTIN_CODE}, {BUILTIN_CODE + len(specs) - 1}",
        *functions,
        "",
        "",
        "# specification digest -> (constants(values, dt, lib), initial(K)): what the generated",
        "# torch module of the specification holds, so that reading a built-in specification and",
        "# making its coefficients need neither SymPy nor torch",
        "FUNCTIONS = {",
        *(f"    {s.digest()!r}: (_constants_{s.name}, _initial_{s.name})," for s in specs),
        "}",
    ]
    updates = [
        '"""Generated by spikeflow.codegen.numba_sim: the fast-loop updates of the built-in',
        f'specifications (see fast_builtin.py). {_NOTE}."""',
        "",
        "import math  # noqa: F401",
        "",
        "import numba as nb",
        "import numpy as np  # noqa: F401",
        "",
        "from .fast_cpu import (  # noqa: F401",
        "    _mark, _opts, _refractory_next, _take_input, _take_receptor_inputs, vexp,",
        ")  # fmt: skip",
        "",
    ]
    for spec in specs:
        updates += ["", range_source(program(spec), f"_range_{spec.name}")]
    updates += [
        "",
        "@nb.njit(**_opts)",
        "def update_builtin(code, lo, hi, p, slot, k, has_ext, cells):  # noqa: ANN001, ANN201",
        '    """The update of the built-in specification with model ``code`` (fast_builtin.py)."""',
    ]
    for n, spec in enumerate(specs):
        updates += [f"    {'if' if n == 0 else 'elif'} code == {codes[spec.name]}:",
                    f"        _range_{spec.name}(lo, hi, p, slot, k, has_ext, cells)"]  # fmt: skip
    return {"fast_builtin.py": "\n".join(table) + "\n", "fast_generated.py": "\n".join(updates) + "\n"}


if __name__ == "__main__":  # pragma: no cover - run by hand after changing a built-in model
    from .._atomic import write_atomically

    for name, text in builtin_texts().items():
        print(write_atomically(SIM / name, lambda tmp, text=text: Path(tmp).write_text(text)))

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

from .printers import Printer, header, jump_lines, step_code, used_constants
from .program import Program


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
            body.append(f"        n{i} = u{i} + z * (r{i} - u{i})")
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

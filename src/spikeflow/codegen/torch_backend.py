"""The torch reference step and the constants function of a model, generated from its
:class:`~spikeflow.codegen.program.Program`.

``constants(values, dt, lib)`` computes the constants vector from the parameter values
(floats with :data:`FLOAT_LIB`, or tensors with :data:`TENSOR_LIB` for learnable
parameters: torch's autograd then carries gradients from the constants to the
parameters). ``step(x, state, c)`` is one step on tensors, ``c`` a
:class:`~spikeflow.codegen.runtime.SpecCoeffs`; ``initial(K)`` the initial state's
values.
"""

from __future__ import annotations

from types import SimpleNamespace

from .floatlib import FLOAT_LIB, expm_float  # noqa: F401 (re-exported)
from .printers import Printer, header, jump_lines, step_code, used_constants
from .program import Program


def _expm_tensor(rows: tuple, dt: float):  # noqa: ANN202
    import torch

    tensors = [[torch.as_tensor(e, dtype=torch.float64) for e in row] for row in rows]
    shape = torch.broadcast_shapes(*(t.shape for row in tensors for t in row))
    m = torch.stack([torch.stack([t.expand(shape) for t in row], -1) for row in tensors], -2)
    return torch.linalg.matrix_exp(m * dt).unbind(-2)


def _tensor_fn(name: str):  # noqa: ANN202
    def apply(a):  # noqa: ANN001, ANN202
        import torch

        return getattr(torch, name)(torch.as_tensor(a, dtype=torch.float64))

    return apply


TENSOR_LIB = SimpleNamespace(**{n: _tensor_fn(n) for n in ("exp", "log", "sqrt", "tanh", "sin", "cos")},
                             expm=lambda rows, dt: [r.unbind(-1) for r in _expm_tensor(rows, dt)])


def constants_source(prog: Program) -> list[str]:
    """``def constants(values, dt, lib)``: the constants vector in order (see the module
    docstring)."""
    code = step_code(prog)  # makes every constant the blocks need
    names = code.names
    pr = Printer({**names, prog.dt: "dt"}, "python", literal=repr)
    lines = [
        "def constants(values, dt, lib):",
        '    """The constants vector of the step (floats or tensors)."""',
    ]
    expm_done = False
    for k, (sym, definition) in enumerate(prog.constants):
        if definition is None:
            lines.append(f"    K{k} = values[{sym.name!r}]")
        elif isinstance(definition, tuple):
            if not expm_done:
                m = prog.expm_matrix
                rows = ", ".join("(" + ", ".join(pr(m[i, j]) if m[i, j] != 0 else "0.0"
                                                 for j in range(m.shape[1])) + ",)"
                                 for i in range(m.shape[0]))  # fmt: skip
                lines.append(f"    P = lib.expm(({rows},), dt)")
                expm_done = True
            lines.append(f"    K{k} = P[{definition[1]}][{definition[2]}]")
        elif definition.is_Number:
            lines.append(f"    K{k} = {float(definition)!r}")
        else:
            lines.append(f"    K{k} = {pr(definition)}")
    lines.append("    return (" + "".join(f"K{k}, " for k in range(len(prog.constants))) + ")")
    return lines


def initial_source(prog: Program) -> list[str]:
    """``def initial(K)``: the initial value of every state variable."""
    names = {sym: f"K[{k}]" for k, (sym, _) in enumerate(prog.constants) if sym in prog.params.values()}
    pr = Printer(names, "python", literal=repr)
    values = [pr(prog.initial[i]) if i in prog.initial else "0.0" for i in range(len(prog.state))]
    return ["def initial(K):", '    """The initial state (floats or tensors)."""',
            f"    return ({''.join(v + ', ' for v in values)})"]  # fmt: skip


def step_source(prog: Program) -> list[str]:
    """``def step(x, state, c)``: one step on tensors (see the module docstring)."""
    code = step_code(prog)
    n = len(prog.state)
    pr = Printer(code.names, "torch")
    ref = prog.spec.refractory is not None
    lines = [
        "def step(x, state, c):",
        '    """One step: ``(spikes, new state)`` (non-spiking: ``(first state, state)``)."""',
    ]
    lines.append("    K = c.values")
    for k in used_constants([code.update, code.after], code):
        lines.append(f"    K{k} = K[{k}]")
    for i in range(n):
        lines.append(f"    s{i} = state[{i}]")
    if ref:
        lines.append(f"    ref = state[{n}]")
        lines.append("    held = (ref > 0) if c.refractory_steps > 0 else None")
        for i in prog.held:
            lines.append(f"    p{i} = s{i}")
    if prog.receptors:  # a pair from the network's two rings, or one input split by sign
        lines += [
            "    if isinstance(x, tuple):",
            "        xe, xi = x",
            "    else:",
            "        xe = torch.where(x > 0, x, torch.zeros_like(x))",
            "        xi = torch.where(x < 0, x, torch.zeros_like(x))",
        ]
    lines += jump_lines(prog, "    ")
    lines += code.update.lines(pr, "    ")
    if ref and prog.held:
        lines.append("    if held is not None:")
        for i in prog.held:
            lines.append(f"        u{i} = torch.where(held, p{i}, u{i})")
    lines += code.after.lines(pr, "    ")
    new = [f"u{i}" for i in range(n)]
    if prog.threshold is not None:
        lines.append("    z = c.spike(h)")
        if ref:
            lines.append("    if held is not None:")
            lines.append("        z = z * (~held).to(z.dtype)")
        lines.append("    zr = z.detach() if c.detach_reset else z")
        for i in sorted(prog.reset):
            lines.append(f"    n{i} = u{i} + zr * d{i}")
            new[i] = f"n{i}"
        out = "z"
    else:
        out = "u0"
    if ref:
        lines.append("    if held is not None:")
        lines.append(
            "        ref = torch.where(z > 0, torch.full_like(ref, c.refractory_steps), "
            "(ref - 1).clamp_min(0))"
        )
        new.append("ref")
    lines.append(f"    return {out}, c.state_cls({', '.join(new)})")
    return lines


def module_text(prog: Program) -> str:
    """The whole generated module (constants, initial state, step)."""
    # the exponential of the simulator's fast loop on its float64 CPU tensors (the vectorised
    # one where the generated loop uses it), so that both backends give the same bits;
    # torch.exp in training (see spikeflow.neurons._base.sim_exp)
    vectorised = step_code(prog).vexp is not None
    parts = [
        header("torch_backend", prog),
        "import torch",
        "",
        "from spikeflow.neurons._base import sim_exp",
        "",
        "",
        "def _exp(x):",
        f"    return sim_exp(x, vectorised={vectorised})",
        "",
        "",
        "\n".join(constants_source(prog)),
        "",
        "",
        "\n".join(initial_source(prog)),
        "",
        "",
        "\n".join(step_source(prog)),
        "",
    ]
    return "\n".join(parts)

"""A :class:`~spikeflow.neurons.spec.ModelSpec` turned into the expressions of one step,
the form every backend prints (:mod:`spikeflow.codegen.printers`).

One step of a neuron, for state ``s`` and input ``x``::

    s'  = s with s[input] + x            (jump input; a current input is the symbol I = x)
    u   = F(s', x)                        (the integrator applied to the equations)
    h   = H(u)                            (threshold: lhs - rhs; a spike is h >= 0)
    s+  = u + z (R(u) - u)                (for the variables the reset names)

Constants: every sub-expression that depends on parameters and ``dt`` only (decay
factors, the exact propagator's entries, ``dt / C_m`` ...) is taken out of the
per-neuron code into a constant ``K<n>``, computed once per parameter set by the
generated ``constants`` function (from floats, or from tensors for learnable
parameters, so that torch's autograd carries the kernels' gradients with respect to the
constants back to the parameters). The adjoint of the step is derived here by SymPy's
differentiation of ``F``, ``H`` and ``R``; nothing is written by hand per model.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from . import expressions as E
from .expressions import Scope, SpecError


@dataclass
class Program:
    """The step of one model as expressions (see the module docstring).

    Attributes:
        spec: the specification.
        state: the state symbols ``s``; start: ``s'`` after the jump (the same symbols);
            post: the symbols ``u`` of the integrated state.
        x: the input symbol.
        update: ``u_i = F_i(s', x)`` with constants taken out, per state variable.
        threshold: ``H(u)`` or ``None``.
        reset: variable -> ``R(u)`` for the variables the reset changes.
        held: the variables held during the refractory period (those the reset sets).
        constants: ``[(symbol, definition)]`` in order: parameters (definition ``None``),
            the exact propagator's entries (``("expm", i, j)``), then derived constants
            (SymPy expressions of earlier symbols and ``dt``).
        lines: variable -> its equation's text (for messages).
    """

    spec: Any
    state: list[sp.Symbol]
    post: list[sp.Symbol]
    x: sp.Symbol
    update: list[sp.Expr]
    threshold: sp.Expr | None
    reset: dict[int, sp.Expr]
    held: tuple[int, ...]
    constants: list[tuple[sp.Symbol, Any]]
    lines: dict[str, str]
    rhs: dict[str, sp.Expr] = field(default_factory=dict)
    params: dict[str, sp.Symbol] = field(default_factory=dict)
    dt: sp.Symbol = sp.Symbol("dt")
    initial: dict[int, sp.Expr] = field(default_factory=dict)
    checks: list[tuple[str, Any]] = field(default_factory=list)
    expm_matrix: Any = None  # the augmented matrix of the exact integrator (parameters, dt)
    jumps: list[tuple[str, int, int]] = field(default_factory=list)

    # ----- what the backends ask -------------------------------------------------------
    @property
    def jump(self) -> int | None:
        """The index of the state variable a single input jumps, or ``None`` (a current,
        or the two receptors' inputs of :attr:`jumps`)."""
        return self.jumps[0][1] if len(self.jumps) == 1 else None

    @property
    def receptors(self) -> bool:
        """Whether the model takes excitatory and inhibitory inputs apart (``xe``, ``xi``)."""
        return len(self.jumps) == 2

    def constant_index(self) -> dict[sp.Symbol, int]:
        """Each constant symbol's index in the constants vector."""
        return {sym: k for k, (sym, _) in enumerate(self.constants)}

    def forward_constants(self) -> list[sp.Symbol]:
        """The constants the forward step reads (their gradients are the parameters')."""
        used: set = set()
        for e in [
            *self.update,
            *self.reset.values(),
            *([self.threshold] if self.threshold is not None else []),
        ]:
            used |= e.free_symbols
        return [sym for sym, _ in self.constants if sym in used]

    # ----- validation of a parameter set -------------------------------------------------
    def numeric(self, params: Any) -> dict[sp.Symbol, float]:
        """Parameter symbols and ``dt`` -> their values in ``params``."""
        out = {self.params[k]: float(v) for k, v in params.values.items()}
        out[self.dt] = float(params.dt_ms)
        return out

    def validate(self, params: Any) -> None:
        """Raise :class:`SpecError` when ``params`` violates a check of the specification
        or the integrator's step is unstable at the initial state."""
        values = self.numeric(params)
        for text, relation in self.checks:
            if not bool(relation.xreplace(values)):
                shown = ", ".join(f"{n}={params.values[n]!r}" for n in sorted(
                    s.name for s in relation.free_symbols if s.name in params.values))  # fmt: skip
                raise SpecError(f"{self.spec.name}: the condition {text!r} does not hold ({shown})")
        if self.spec.integrator in ("euler", "rk4"):
            self._check_stability(params, values)

    def _check_stability(self, params: Any, values: dict) -> None:
        names = list(self.spec.state)
        if not self.rhs:
            return
        point = {**values, self.x: 0.0}
        for i, sym in enumerate(self.state):
            point[sym] = float(self.initial[i].xreplace(values)) if i in self.initial else 0.0
        jac = np.array(
            [
                [
                    complex(sp.diff(self.rhs.get(a, sp.Integer(0)), self.state[j]).xreplace(point).evalf())
                    for j in range(len(names))
                ]
                for a in names
            ],  # fmt: skip
            dtype=complex,
        )
        if not np.all(np.isfinite(jac)):
            return
        h = params.dt_ms / self.spec.substeps
        growth = _amplification(self.spec.integrator)
        for lam in np.linalg.eigvals(jac):
            if lam.real < 0 and abs(growth(h * lam)) > 1.0 + 1e-9:
                limit = _stable_step(growth, lam)
                var = names[int(np.argmax(np.abs(np.diag(jac))))]
                raise SpecError(
                    f"{self.spec.name}: unstable step: dt_ms / substeps = {h:g} ms is too large for "
                    f"integrator={self.spec.integrator!r} on {self.lines.get(var, var)!r} (eigenvalue "
                    f"{lam.real:.4g} 1/ms at the initial state needs a step <= {limit:.3g} ms); lower dt_ms "
                    "or raise substeps"
                )


def _amplification(integrator: str):  # noqa: ANN202
    if integrator == "euler":
        return lambda z: 1 + z
    return lambda z: 1 + z + z**2 / 2 + z**3 / 6 + z**4 / 24


def _stable_step(growth, lam: complex) -> float:  # noqa: ANN001
    lo, hi = 0.0, 1.0
    while abs(growth(hi * lam)) <= 1.0:
        hi *= 2
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if abs(growth(mid * lam)) <= 1.0 else (lo, mid)
    return lo


# --------------------------------------------------------------------- building it
@functools.lru_cache(maxsize=256)
def _program_for(canonical: str, spec: Any) -> Program:
    return _build(spec)


def program(spec: Any) -> Program:
    """The :class:`Program` of ``spec`` (built once per specification)."""
    return _program_for(spec.canonical(), spec)


def _build(spec: Any) -> Program:  # noqa: C901 - the steps of the construction, in order
    dt = sp.Symbol("dt", positive=True)
    params = {name: sp.Symbol(name, real=True) for name in spec.parameters}
    state_names = list(spec.state)
    state = [sp.Symbol(name, real=True) for name in state_names]
    post = [sp.Symbol(f"{name}__post", real=True) for name in state_names]
    input_name, input_unit = spec.input
    if not input_name.isidentifier():
        raise SpecError(f"{spec.name}: the input name {input_name!r} is not an identifier")
    jump = input_name in spec.state or bool(spec.receptors)
    if not jump and input_name in spec.parameters:
        raise SpecError(f"{spec.name}: the input {input_name!r} is also a parameter")
    x = sp.Symbol("x__in", real=True)
    dims = {name: E.parse_unit(p.unit, f"parameter {name!r}") for name, p in spec.parameters.items()}
    sdims = {name: E.parse_unit(unit, f"state variable {name!r}") for name, unit in spec.state.items()}
    symbols = {n: (params[n], dims[n]) for n in params}
    symbols.update({n: (s, sdims[n]) for n, s in zip(state_names, state)})
    if not jump:
        symbols[input_name] = (x, E.parse_unit(input_unit, f"input {input_name!r}"))
    scope = Scope(symbols)
    jumps = _jumps(spec, state_names)

    # equations
    rhs: dict[str, sp.Expr] = {}
    lines: dict[str, str] = {}
    for line in E.equation_lines(spec.equations):
        name, text = E.differential_equation(line)
        if name not in spec.state:
            raise SpecError(f"{spec.name}: {name!r} is not a state variable{E.where(line)} "
                            f"(state: {', '.join(state_names)})")  # fmt: skip
        if name in rhs:
            raise SpecError(f"{spec.name}: a second equation for {name!r}{E.where(line)}")
        expr, d = E.expression(text, scope, line)
        want = sdims[name]
        if want is not None and d not in (None, E.NUMBER):
            per_ms = tuple(p - q for p, q in zip(want, (0, 1, 0)))
            if d != per_ms:
                raise SpecError(
                    f"{spec.name}: inconsistent units{E.where(line)}: d{name}/dt is in "
                    f"{E.unit_text(per_ms)}, "
                    f"the right-hand side in {E.unit_text(d)}"
                )
        rhs[name] = expr
        lines[name] = line
    if not rhs:
        raise SpecError(f"{spec.name}: no equation 'dX/dt = ...' was given")

    # integration over one step
    update, expm = _integrate(spec, state, x, rhs, dt, lines)
    if spec.input_at == "end":  # the jump after the integration (v[t] = F(v[t-1]) + x[t])
        if len(jumps) != 1:
            raise SpecError(f"{spec.name}: input_at='end' needs a jump input (input names a state variable), "
                            "not a current or receptors")  # fmt: skip
        _, i, sign = jumps.pop()
        update[i] = update[i] + sign * x

    # threshold and reset, in the integrated state
    # (the step dt, in ms, may appear in the threshold and the reset: a jump that depends on
    # the step, as a discrete-time model's does)
    post_scope = Scope({**symbols, **{n: (p, sdims[n]) for n, p in zip(state_names, post)},
                        "dt": (dt, E.parse_unit("ms", "dt"))})  # fmt: skip
    threshold = None
    if spec.threshold is not None:
        lhs, rhs_t = E.condition(spec.threshold, post_scope)
        threshold = lhs - rhs_t
    reset: dict[int, sp.Expr] = {}
    held = []
    current = {i: post[i] for i in range(len(state))}
    for line in E.equation_lines(spec.reset):
        var, op, text = E.statement(line)
        if var not in spec.state:
            raise SpecError(
                f"{spec.name}: the reset assigns {var!r}, which is not a state variable{E.where(line)}"
            )
        i = state_names.index(var)
        value, d = E.expression(text, post_scope, line)
        value = value.xreplace({post[j]: current[j] for j in range(len(state))})
        if sdims[var] is not None and d not in (None, E.NUMBER) and op != "*=" and d != sdims[var]:
            raise SpecError(f"{spec.name}: inconsistent units{E.where(line)}: {var} is in "
                            f"{E.unit_text(sdims[var])}"
                            f", the value in {E.unit_text(d)}")  # fmt: skip
        if op == "=":
            current[i] = value
            held.append(i)
        elif op == "+=":
            current[i] = current[i] + value
        elif op == "-=":
            current[i] = current[i] - value
        else:
            current[i] = current[i] * value
        reset[i] = current[i]
    if spec.reset.strip() and spec.threshold is None:
        raise SpecError(f"{spec.name}: a reset needs a threshold")

    # initial state and checks (parameters only)
    init_scope = Scope({n: (params[n], dims[n]) for n in params})
    initial = {}
    for name, text in spec.initial.items():
        if name not in spec.state:
            raise SpecError(f"{spec.name}: initial value for {name!r}, which is not a state variable")
        initial[state_names.index(name)] = E.expression(str(text), init_scope, f"{name} = {text}")[0]
    checks = [(text, _relation(text, init_scope)) for text in spec.checks]

    prog = Program(spec, state, post, x, update, threshold, reset, tuple(sorted(set(held))), [], lines,
                   rhs, params, dt, initial, checks, expm, jumps)  # fmt: skip
    _take_out_constants(prog)
    return prog


def _jumps(spec: Any, state_names: list[str]) -> list[tuple[str, int, int]]:
    """``[(input name in the generated code, state index, sign)]``: one jump input
    (``"x"``), or the receptors' (``"xe"`` excitatory, ``"xi"`` inhibitory), or none."""
    if not spec.receptors:
        name = spec.input[0]
        return [("x", state_names.index(name), 1)] if name in state_names else []
    if set(spec.receptors) != {"exc", "inh"}:
        raise SpecError(f"{spec.name}: receptors must name 'exc' and 'inh', got {sorted(spec.receptors)}")
    out = []
    for receptor, code in (("exc", "xe"), ("inh", "xi")):
        line = spec.receptors[receptor]
        var, op, value = E.statement(line)
        if var not in state_names or op not in ("+=", "-=") or value.strip() != "x":
            raise SpecError(
                f"{spec.name}: a receptor's input must be 'variable += x' or 'variable -= x' with a state "
                f"variable{E.where(line)} (x: the summed signed weights, excitatory >= 0, inhibitory <= 0)"
            )
        out.append((code, state_names.index(var), 1 if op == "+=" else -1))
    return out


def _relation(text: str, scope: Scope) -> Any:
    tree = E.parse_source(text, text, "eval").body
    ops = {ast.Gt: sp.StrictGreaterThan, ast.GtE: sp.GreaterThan, ast.Lt: sp.StrictLessThan,
           ast.LtE: sp.LessThan, ast.NotEq: sp.Ne}  # fmt: skip
    if not (isinstance(tree, ast.Compare) and len(tree.ops) == 1 and type(tree.ops[0]) in ops):
        raise SpecError(f"a check must be one comparison such as 'V_peak > V_reset'{E.where(text)}")
    reader = E.Reader(scope, text)
    return ops[type(tree.ops[0])](reader.read(tree.left)[0], reader.read(tree.comparators[0])[0])


# --------------------------------------------------------------------- integrators
def _integrate(spec: Any, state: list, x: sp.Symbol, rhs: dict, dt: sp.Symbol, lines: dict) -> tuple:
    """``(u, expm)``: the integrated state ``u = F(s, x)`` over one step, and for the exact
    integrator ``(augmented matrix, {entry symbol: (i, j)})`` of its propagator (else ``None``)."""
    names = list(spec.state)
    f = [rhs.get(n, sp.Integer(0)) for n in names]
    if spec.integrator == "exact":
        return _exact(spec, state, x, f, dt, lines)
    h = dt / spec.substeps
    current = list(state)
    for _ in range(spec.substeps):
        sub = dict(zip(state, current))
        fs = [e.xreplace(sub) for e in f]

        def at(values: list) -> list:
            return [e.xreplace(dict(zip(state, values))) for e in f]

        if spec.integrator == "euler":
            current = [s + h * d for s, d in zip(current, fs)]
        elif spec.integrator == "rk4":
            k1 = fs
            k2 = at([s + h / 2 * k for s, k in zip(current, k1)])
            k3 = at([s + h / 2 * k for s, k in zip(current, k2)])
            k4 = at([s + h * k for s, k in zip(current, k3)])
            current = [s + h / 6 * (a + 2 * b + 2 * c + d) for s, a, b, c, d in zip(current, k1, k2, k3, k4)]
        else:  # exponential Euler: each variable exactly, the others held at the step's start
            new = []
            for i, (s, e) in enumerate(zip(current, fs)):
                a = sp.diff(f[i], state[i])
                if a.has(state[i]):
                    raise SpecError(
                        f"{spec.name}: integrator='exp_euler' needs each equation linear in its own variable;"
                        f" {lines.get(names[i], names[i])!r} is not linear in {names[i]!r} (use 'rk4')"
                    )
                a = a.xreplace(sub)
                if a == 0:
                    new.append(s + h * e)
                    continue
                b = e - a * s
                b = sp.simplify(b) if b.has(s) else b
                if b.has(s):
                    raise SpecError(
                        f"{spec.name}: cannot separate {lines.get(names[i])!r} into a {names[i]} term"
                    )
                target = -b / a  # the value the variable relaxes to with the others held
                new.append(target + (s - target) * sp.exp(a * h))
            current = new
    return current, None


def _exact(spec: Any, state: list, x: sp.Symbol, f: list, dt: sp.Symbol, lines: dict) -> tuple:
    """The exact step of a linear system: ``u = expm(M dt) [s, x, 1]`` with ``M`` the
    augmented matrix (the input held over the step); the propagator's structurally
    non-zero entries become the constants ``P_i_j``."""
    n = len(state)
    names = list(spec.state)
    dynamic = set(state) | {x}
    jac = [[sp.diff(f[i], state[j]) for j in range(n)] for i in range(n)]
    for i in range(n):
        if any(e.free_symbols & dynamic for e in jac[i]):
            raise SpecError(
                f"{spec.name}: integrator='exact' needs equations linear in the state with constant "
                f"coefficients; {lines.get(names[i], names[i])!r} is not (use 'exp_euler' or 'rk4')"
            )
    rest = [sp.expand(f[i] - sum(jac[i][j] * state[j] for j in range(n))) for i in range(n)]
    b1 = [sp.diff(r, x) for r in rest]
    b0 = [sp.expand(r - b1[i] * x) for i, r in enumerate(rest)]
    for i in range(n):
        if b1[i].free_symbols & dynamic or b0[i].free_symbols & dynamic:
            raise SpecError(
                f"{spec.name}: integrator='exact' needs {lines.get(names[i])!r} linear in the input"
            )
    size = n + 2  # the state, the input (held: dx/dt = 0), and 1 (for the constant terms)
    matrix = sp.zeros(size, size)
    for i in range(n):
        for j in range(n):
            matrix[i, j] = jac[i][j]
        matrix[i, n], matrix[i, n + 1] = b1[i], b0[i]
    pattern = np.array([[matrix[i, j] != 0 for j in range(size)] for i in range(size)]) | np.eye(
        size, dtype=bool
    )
    reach = pattern.copy()
    for _ in range(size):
        reach = reach | ((reach.astype(int) @ pattern.astype(int)) > 0)
    inputs = [*state, x, sp.Integer(1)]
    out = []
    entries = {}
    for i in range(n):
        terms = []
        for j in range(size):
            if reach[i, j]:
                sym = sp.Symbol(f"P_{i}_{j}", real=True)
                entries[sym] = (i, j)
                terms.append(sym * inputs[j])
        out.append(sp.Add(*terms))
    return out, (matrix, entries)


# ------------------------------------------------------------------- constants out
def _take_out_constants(prog: Program) -> None:
    """Replace the parameter-only sub-expressions of the step (and every number but the
    sign -1 and exponents) by constant symbols."""
    constants: list[tuple[sp.Symbol, Any]] = []
    seen: dict = {}
    fixed: set = {prog.dt}  # the symbols constants are made of
    for sym in prog.params.values():
        constants.append((sym, None))
        seen[sym] = sym
        fixed.add(sym)
    if prog.expm_matrix is not None:
        matrix, entries = prog.expm_matrix
        prog.expm_matrix = matrix
        for sym, (i, j) in entries.items():
            constants.append((sym, ("expm", i, j)))
            seen[sym] = sym
            fixed.add(sym)

    def is_fixed(e: sp.Expr) -> bool:
        return e.free_symbols <= fixed

    def constant(e: sp.Expr) -> sp.Expr:
        if e in seen:
            return seen[e]
        if e.is_Symbol and e in fixed:  # already a constant
            return e
        sym = sp.Symbol(f"K{len(constants)}", real=True)
        constants.append((sym, e))
        seen[e] = sym
        fixed.add(sym)
        return sym

    def out(e: sp.Expr) -> sp.Expr:
        if is_fixed(e):
            return constant(e)
        if e.is_Add or e.is_Mul:
            fixed_args = [a for a in e.args if is_fixed(a)]
            moving = [out(a) for a in e.args if not is_fixed(a)]
            op = sp.Add if e.is_Add else sp.Mul
            sign = []
            if e.is_Mul and sp.Integer(-1) in fixed_args:  # a sign stays (printed as negation)
                fixed_args.remove(sp.Integer(-1))
                sign = [sp.Integer(-1)]
            taken = [constant(op(*fixed_args))] if fixed_args else []
            return op(*sign, *taken, *moving)
        if e.is_Pow:
            base, power = e.args
            return sp.Pow(out(base), power) if power.is_Number else sp.Pow(out(base), out(power))
        if e.args:
            return e.func(*(out(a) for a in e.args))
        return e

    prog._out = out  # the adjoint's derivatives are taken out the same way
    constant(sp.Integer(1))  # ONE, used by the printers for divisions
    prog.update = [out(e) for e in prog.update]
    if prog.threshold is not None:
        prog.threshold = out(prog.threshold)
    prog.reset = {i: out(e) for i, e in prog.reset.items()}
    prog.constants = constants


def derivative(prog: Program, e: sp.Expr, sym: sp.Symbol) -> sp.Expr:
    """``d e / d sym`` with its parameter-only parts taken out as constants (an exact 0
    stays the number 0, so that the terms it multiplies vanish)."""
    d = sp.diff(e, sym)
    return d if d == 0 else prog._out(d)

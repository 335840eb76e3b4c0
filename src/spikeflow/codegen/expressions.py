"""The text of a model specification read into symbolic expressions (SymPy), without
``eval``: each equation, condition and statement is parsed by Python's :mod:`ast` and
only numbers, names, ``+ - * / **``, unary minus, calls of the functions in
:data:`FUNCTIONS` and one comparison (thresholds) are accepted. Every error names the
line of the specification and the symbol or construct at fault.

Units (NEST's: mV, ms, pA, nS, pF, GOhm, and products, quotients and powers of them) are
checked as dimensions over (mV, ms, pA): the terms of a sum, the two sides of an equation
or a comparison must agree, and the argument of ``exp``, ``log`` ... must be
dimensionless. A bare number takes the dimension its place needs (``0.04 * v**2 + 5 * v
+ 140`` is accepted, as written in model papers); a symbol without a unit (``None``) is
not checked.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

import sympy as sp

# name in a specification -> SymPy function
FUNCTIONS = {
    "exp": sp.exp,
    "log": sp.log,
    "sqrt": sp.sqrt,
    "tanh": sp.tanh,
    "sin": sp.sin,
    "cos": sp.cos,
    "abs": sp.Abs,
}
RESERVED = set(FUNCTIONS) | {"t", "dt", "x", "z", "True", "False", "None"}

# dimensions over (mV, ms, pA)
BASE_UNITS = {
    "mV": (1, 0, 0),
    "ms": (0, 1, 0),
    "pA": (0, 0, 1),
    "nS": (-1, 0, 1),
    "pF": (-1, 1, 1),
    "GOhm": (1, 0, -1),
    "1": (0, 0, 0),
}
DIMENSIONLESS = (0, 0, 0)


class SpecError(ValueError):
    """A model specification that cannot be used, with the line and symbol at fault."""


def where(line: str | None) -> str:
    return f" in {line!r}" if line else ""


def parse_unit(unit: str | None, what: str) -> tuple[int, int, int] | None:
    """Dimensions of a unit string (``"mV"``, ``"nS/mV"``, ``"1/ms"``, ``"mV**2"``), or
    ``None`` for an unchecked quantity."""
    if unit is None:
        return None
    if not isinstance(unit, str) or not unit.strip():
        raise SpecError(f"the unit of {what} must be a string such as 'mV' or None, got {unit!r}")
    try:
        tree = ast.parse(unit.strip(), mode="eval").body
    except SyntaxError as err:
        raise SpecError(f"the unit of {what}, {unit!r}, is not a unit expression ({err.msg})") from None

    def dims(node: ast.AST) -> tuple[int, int, int]:
        if isinstance(node, ast.Name) and node.id in BASE_UNITS:
            return BASE_UNITS[node.id]
        if isinstance(node, ast.Constant) and node.value == 1:
            return DIMENSIONLESS
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Div)):
            a, b = dims(node.left), dims(node.right)
            sign = 1 if isinstance(node.op, ast.Mult) else -1
            return tuple(p + sign * q for p, q in zip(a, b))
        if (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Pow)
            and isinstance(node.right, ast.Constant)
        ):
            power = node.right.value
            if isinstance(power, int):
                return tuple(power * p for p in dims(node.left))
        raise SpecError(
            f"the unit of {what}, {unit!r}: {ast.unparse(node)!r} is not one of {sorted(BASE_UNITS)}"
            " (or a product, quotient or integer power of them)"
        )

    return dims(tree)


def unit_text(d: tuple[int, int, int] | None) -> str:
    """Dimensions as a unit string (``"mV/ms"``, ``"mV**2"``, ``"1/ms"``)."""
    if d is None:
        return "unchecked"

    def part(name: str, p: int) -> str:
        return name if p == 1 else f"{name}**{p}"

    top = [part(n, p) for n, p in zip(("mV", "ms", "pA"), d) if p > 0]
    bottom = [part(n, -p) for n, p in zip(("mV", "ms", "pA"), d) if p < 0]
    text = "*".join(top) or "1"
    if bottom:
        text += "/" + (bottom[0] if len(bottom) == 1 else "(" + "*".join(bottom) + ")")
    return text


@dataclass
class Scope:
    """The symbols an expression may use: name -> (SymPy symbol, dimensions or None)."""

    symbols: dict[str, tuple[sp.Symbol, Any]]


NUMBER = object()  # the dimension of a bare number: whatever its place needs (see the module docstring)


def _combine(a: Any, b: Any, op: str) -> Any:
    """The dimension of ``a * b`` (``op`` ``"*"``) or ``a / b`` (``"/"``)."""
    if a is None or b is None:
        return None
    if b is NUMBER:
        return a
    if op == "/":
        b = tuple(-q for q in b)
    if a is NUMBER:
        return b
    return tuple(p + q for p, q in zip(a, b))


def _same(a: Any, b: Any, line: str, what: str) -> Any:
    """The dimension of a sum or comparison of ``a`` and ``b``; raises when they differ."""
    if a is None or b is None:
        return None
    if a is NUMBER:
        return b
    if b is NUMBER or a == b:
        return a
    raise SpecError(f"inconsistent units{where(line)}: {what} ({unit_text(a)} against {unit_text(b)})")


class Reader:
    def __init__(self, scope: Scope, line: str):
        self.scope, self.line = scope, line

    def fail(self, message: str) -> SpecError:
        return SpecError(f"{message}{where(self.line)}")

    def read(self, node: ast.AST) -> tuple[sp.Expr, Any]:  # noqa: C901 - one case per construct
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise self.fail(f"{node.value!r} is not a number")
            value = node.value
            return (sp.Integer(value) if isinstance(value, int) else sp.Float(repr(value), 17)), NUMBER
        if isinstance(node, ast.Name):
            if node.id not in self.scope.symbols:
                known = ", ".join(sorted(self.scope.symbols))
                raise self.fail(f"unknown symbol {node.id!r} (known here: {known})")
            return self.scope.symbols[node.id]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            e, d = self.read(node.operand)
            return (-e if isinstance(node.op, ast.USub) else e), d
        if isinstance(node, ast.BinOp):
            (a, da), (b, db) = self.read(node.left), self.read(node.right)
            text = ast.unparse(node)
            if isinstance(node.op, ast.Add):
                return a + b, _same(da, db, self.line, f"the terms of {text!r}")
            if isinstance(node.op, ast.Sub):
                return a - b, _same(da, db, self.line, f"the terms of {text!r}")
            if isinstance(node.op, ast.Mult):
                return a * b, _combine(da, db, "*")
            if isinstance(node.op, ast.Div):
                return a / b, _combine(da, db, "/")
            if isinstance(node.op, ast.Pow):
                if not b.is_number:
                    raise self.fail(f"the exponent in {text!r} must be a number")
                if da not in (None, NUMBER):
                    if not (b.is_integer or (2 * b).is_integer):
                        raise self.fail(f"{text!r} raises a quantity with a unit to a non-integer power")
                    da = tuple(int(p * b) if (p * b).is_integer else None for p in da)
                    if None in da:
                        raise self.fail(f"{text!r} gives a unit with a fractional power")
                return a**b, da
            raise self.fail(f"the operator in {text!r} is not supported (use + - * / **)")
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
            if name not in FUNCTIONS:
                raise self.fail(f"unknown function {name!r} (known: {', '.join(sorted(FUNCTIONS))})")
            if len(node.args) != 1 or node.keywords:
                raise self.fail(f"{name}() takes one argument")
            e, d = self.read(node.args[0])
            if name == "abs":
                return sp.Abs(e), d
            if name == "sqrt":
                if d not in (None, NUMBER) and any(p % 2 for p in d):
                    raise self.fail(f"sqrt of a quantity in {unit_text(d)}")
                return sp.sqrt(e), (d if d in (None, NUMBER) else tuple(p // 2 for p in d))
            if d not in (None, NUMBER, DIMENSIONLESS):
                raise self.fail(f"inconsistent units: the argument of {name}() is in {unit_text(d)}, "
                                "expected a dimensionless value")  # fmt: skip
            return FUNCTIONS[name](e), NUMBER
        raise self.fail(f"{ast.unparse(node)!r} is not supported in a model specification")


def parse_source(text: str, line: str, mode: str) -> ast.AST:
    """``text`` parsed by :func:`ast.parse` (``mode`` ``"eval"`` or ``"exec"``), a syntax
    error reported with ``line``."""
    try:
        return ast.parse(text.strip(), mode=mode)
    except SyntaxError as err:
        raise SpecError(f"syntax error{where(line)}: {err.msg}") from None


def expression(text: str, scope: Scope, line: str | None = None) -> tuple[sp.Expr, Any]:
    """``text`` as a SymPy expression and its dimensions (``None``: unchecked, or a
    tuple; a bare number gives the marker of a number)."""
    line = line or text
    tree = parse_source(text, line, "eval")
    return Reader(scope, line).read(tree.body)


def condition(text: str, scope: Scope) -> tuple[sp.Expr, sp.Expr]:
    """A threshold ``lhs >= rhs`` (or ``>``) as ``(lhs, rhs)``; a spike is ``lhs - rhs >= 0``."""
    tree = parse_source(text, text, "eval").body
    if not (
        isinstance(tree, ast.Compare) and len(tree.ops) == 1 and isinstance(tree.ops[0], (ast.GtE, ast.Gt))
    ):
        raise SpecError(f"a threshold must be one comparison 'a >= b'{where(text)}")
    reader = Reader(scope, text)
    (a, da), (b, db) = reader.read(tree.left), reader.read(tree.comparators[0])
    _same(da, db, text, "the two sides of the threshold")
    return a, b


def equation_lines(text: str) -> list[str]:
    """The non-empty lines of a block of equations or statements, ``#`` comments removed
    (a ``;`` also separates statements)."""
    out = []
    for raw in text.splitlines():
        for part in raw.split("#", 1)[0].split(";"):
            if part.strip():
                out.append(part.strip())
    return out


def differential_equation(line: str) -> tuple[str, str]:
    """``"dv/dt = rhs"`` as ``("v", "rhs")``."""
    lhs, eq, rhs = line.partition("=")
    lhs = lhs.replace(" ", "")
    if not eq or not rhs.strip() or not (lhs.startswith("d") and lhs.endswith("/dt")) or len(lhs) < 5:
        raise SpecError(f"expected an equation 'dv/dt = expression'{where(line)}")
    name = lhs[1:-3]
    if not name.isidentifier():
        raise SpecError(f"{name!r} is not a variable name{where(line)}")
    return name, rhs


def statement(line: str) -> tuple[str, str, str]:
    """A reset statement ``v = expr`` or ``w += expr`` as ``(variable, op, expr)``."""
    tree = parse_source(line, line, "exec")
    if len(tree.body) != 1:
        raise SpecError(f"expected one statement{where(line)}")
    node = tree.body[0]
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id, "=", ast.unparse(node.value)
    if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
        ops = {ast.Add: "+=", ast.Sub: "-=", ast.Mult: "*="}
        if type(node.op) in ops:
            return node.target.id, ops[type(node.op)], ast.unparse(node.value)
    raise SpecError(f"expected 'variable = expression' or 'variable += expression'{where(line)}")

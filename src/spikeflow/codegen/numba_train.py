"""Fused multi-step training kernels (Numba, CPU) generated from a model's
:class:`~spikeflow.codegen.program.Program`: forward over ``x [T, N]`` and the exact
backward (BPTT of the surrogate model) derived by :mod:`spikeflow.codegen.printers`.

Layout (that of the hand-written kernels these replaced): neurons in
blocks processed in parallel, the time loop inside a block, the block's state ``[S,
block]`` in a local array. The backward pass keeps nothing from the forward pass but the
input and the initial state: each block re-runs its forward pass keeping, at every step,
only the quantities the reverse pass reads (:func:`~spikeflow.codegen.printers.stored_quantities`:
the distance to threshold ``h``, and parts of the state where the update is not linear),
``[T, n_stored, block]`` sized to stay in cache, then runs the reverse-time recurrence
from them without recomputing the step (a linear model with a reset by subtraction keeps
``h`` alone, as the hand-written kernels do).

Two variants: ``forward``/``backward`` read the constants as one vector ``c [K]``
(fixed parameters); ``forward_pn``/``backward_pn`` read them per neuron ``c [K, N]`` and
the backward pass adds each step's gradient with respect to them into ``gc [K, N]``
(learnable parameters: torch's autograd takes it from there to the parameters).
"""

from __future__ import annotations

from .printers import (
    KernelDialect,
    Printer,
    StepCode,
    header,
    held_gradient_lines,
    input_gradient,
    receptor_gradients,
    refractory_index,
    step_code,
    step_lines,
    stored_quantities,
    used_constants,
    variant_suffix,
    variants,
)
from .program import Program

FORWARD_BLOCK = 512
CACHE_FLOATS = 1 << 17  # floats in a backward block's state store (512 KiB in float32)


def _constants(code: StepCode, blocks: list, per_neuron: bool, indent: str, refractory: bool) -> list[str]:
    read = [(f"K{k}", k) for k in used_constants(blocks, code)]
    if code.update in blocks and refractory:  # the forward step reads the period
        read.append(("NREF", refractory_index(code.prog)))
    if per_neuron:
        return [f"{indent}{name} = c_[{k}, lo + j]" for name, k in read]
    return [f"{indent}{name} = c_[{k}]" for name, k in read]


DIALECT = KernelDialect(  # Numba's spelling of the kernels' non-expression parts
    spike="xs_.dtype.type(h >= 0)",  # the spike of h in the working dtype
    spike_held="xs_.dtype.type(h >= 0 and ref_ <= 0)",
    select=lambda cond, a, b: f"({a} if {cond} else {b})",
    countdown="max(ref_ - xs_.dtype.type(1), xs_.dtype.type(0))",
    zero="xs_.dtype.type(0)",
)


def _split(indent: str, prog: Program) -> list[str]:
    """A layer's single input split by sign into the receptors' inputs (in its dtype)."""
    if not prog.receptors:
        return []
    return [f"{indent}xe = x if x > 0 else x - x", f"{indent}xi = x if x < 0 else x - x"]


def _inner_step(code: StepCode, pr: Printer, blocks: list, per_neuron: bool, refractory: bool) -> list[str]:
    """One neuron's forward step inside a block's time loop (its state in ``sb0_``, ...), as the
    forward kernel and the backward kernel's re-run both run it."""
    indent = " " * 16
    lines = _constants(code, blocks, True, indent, refractory) if per_neuron else []
    lines.append(f"{indent}x = xr_[j]")
    lines += _split(indent, code.prog)
    n = len(code.prog.state)
    lines += [f"{indent}s{i} = sb{i}_[j]" for i in range(n)]
    if refractory:
        lines.append(f"{indent}ref_ = sb{n}_[j]")
    return lines + step_lines(code, pr, indent, DIALECT, refractory)


def kernels_source(prog: Program, per_neuron: bool, refractory: bool = False) -> str:
    """The forward and backward kernels of one variant (names with ``_pn`` for
    ``per_neuron``, ``_ref`` for ``refractory``: see :func:`~spikeflow.codegen.printers.variants`)."""
    code = step_code(prog)
    pr = Printer(code.names, "numba")
    n = len(prog.state)
    sfx = variant_suffix(per_neuron, refractory)
    fwd_blocks = [code.update, code.after]
    bwd_blocks = [code.update, code.after, code.adjoint_u, code.adjoint_s] + (
        [code.adjoint_c] if per_neuron else []
    )
    out_value = "z" if prog.threshold is not None else "u0"
    one = code.names[prog._out(__import__("sympy").Integer(1))]
    ref = refractory
    next_state = [f"                sb{i}_[j] = n{i}" for i in range(n)] + (
        [f"                sb{n}_[j] = rn_"] if ref else []
    )
    # a block's state, one 1-D copy per row (a 2-D block copy cost ~5 us per call more, measured)
    rows = range(n + (1 if ref else 0))
    load = [f"        sb{i}_ = st_[{i}, lo:hi].copy()" for i in rows]
    load0 = [f"        sb{i}_ = s0_[{i}, lo:hi].copy()" for i in rows]
    store = [f"        st_[{i}, lo:hi] = sb{i}_" for i in rows]
    # ------------------------------------------------------------------ forward
    f = [
        "@nb.njit(parallel=True, **_opts)",
        f"def forward{sfx}(xs_, st_, c_, z_out_):  # noqa: ANN001, ANN201",
        f'    """{prog.spec.name} over ``xs_ [T, N]`` from the state ``st_ [S, N]`` (updated in place);'
        ' outputs to ``z_out_ [T, N]``."""',
        "    T, N = xs_.shape",
    ]
    if not per_neuron:
        f += _constants(code, fwd_blocks, False, "    ", ref)
    f += [
        f"    for b_ in nb.prange((N + {FORWARD_BLOCK} - 1) // {FORWARD_BLOCK}):",
        f"        lo = b_ * {FORWARD_BLOCK}",
        f"        hi = min(lo + {FORWARD_BLOCK}, N)",
        *load,
        "        for t in range(T):",
        "            xr_ = xs_[t, lo:hi]",
        "            zr_ = z_out_[t, lo:hi]",
        "            for j in range(hi - lo):",
    ]
    f += _inner_step(code, pr, fwd_blocks, per_neuron, ref)
    f.append(f"                zr_[j] = {out_value}")
    f += next_state
    f += store
    # ----------------------------------------------------------------- backward
    stored = stored_quantities(code, per_neuron, ref)
    b = [
        "@nb.njit(parallel=True, **_opts)",
        f"def backward{sfx}_KIND(xs_, s0_, c_, gz_, gs_, nd, kind, slope, halfpi, block, gx_, gc_):"
        "  # noqa: ANN001, ANN201",
        '    """Gradients of the forward kernel: ``gs_ [S, N]`` enters as dL/d(final state) and'
        " leaves as dL/d(initial state); dL/dx goes to ``gx_ [T, N]``"
        + (", the constants' gradients are added to ``gc_ [K, N]``" if per_neuron else "")
        + f'. The forward re-run keeps {", ".join(stored) or "nothing"} per step."""',
        "    T, N = xs_.shape",
    ]
    if not per_neuron:
        b += _constants(code, bwd_blocks, False, "    ", ref)
    b += [
        "    for b_ in nb.prange((N + block - 1) // block):",
        "        lo = b_ * block",
        "        hi = min(lo + block, N)",
    ]
    if stored:  # the forward re-run, keeping what the reverse pass reads
        b += [
            *load0,
            f"        store_ = np.empty((T, {len(stored)}, hi - lo), dtype=xs_.dtype)",
            "        for t in range(T):",
            "            xr_ = xs_[t, lo:hi]",
            "            for j in range(hi - lo):",
        ]
        b += _inner_step(code, pr, fwd_blocks, per_neuron, ref)
        b += [f"                store_[t, {q}, j] = {name}" for q, name in enumerate(stored)]
        b += next_state
    b += [
        *(f"        gb{i}_ = gs_[{i}, lo:hi].copy()" for i in range(n)),
        "        for t in range(T - 1, -1, -1):",
        "            xr_ = xs_[t, lo:hi]",
        "            gzr_ = gz_[t if gz_.shape[0] > 1 else 0, lo:hi]",
        "            gxr_ = gx_[t, lo:hi]",
    ]
    body = []
    if per_neuron:
        body += _constants(code, [code.adjoint_u, code.adjoint_s, code.adjoint_c], True, "    ", ref)
    body.append("    x = xr_[j]")
    body += _split("    ", prog)
    body += [f"    {name} = store_[t, {q}, j]" for q, name in enumerate(stored)]
    if prog.threshold is not None:
        body.append(f"    z = {DIALECT.spike_held if ref else DIALECT.spike}")
    body.append("    gz = gzr_[j]")
    body += [f"    g{i} = gb{i}_[j]" for i in range(n)]
    tail = [f"    sg = {DIALECT.select('ref_ > 0', DIALECT.zero, 'sg')}"] if ref else []
    tail += code.adjoint_u.lines(pr, "    ")
    tail += held_gradient_lines(code, DIALECT, "    ", before=True) if ref else []
    if per_neuron:
        tail += code.adjoint_c.lines(pr, "    ")
        tail += [f"    gc_[{k}, lo + j] += gk{k}" for k in code.grad_constants]
    tail += code.adjoint_s.lines(pr, "    ")
    if prog.receptors:
        ge, gi = receptor_gradients(prog)
        tail.append(f"    gxr_[j] = {ge} if x > 0 else ({gi} if x < 0 else x - x)")
    else:
        tail.append(f"    gxr_[j] = {input_gradient(prog)}")
    tail += held_gradient_lines(code, DIALECT, "    ", before=False) if ref else []
    tail += [f"    gb{i}_[j] = g{i}" for i in range(n)]
    # one backward kernel per surrogate shape (backward_<code>), so that no branch on the
    # shape stays in the loop over neurons, which then vectorises as the hand-written
    # kernels' loops do; each compiles only when a layer first uses that shape
    shapes = SURROGATES.items() if prog.threshold is not None else [(0, [])]
    out = "\n".join(f) + "\n"
    for kind, lines in shapes:
        sg = [f"    {line.replace('ONE', one)}" for line in lines]
        loop = ["            for j in range(hi - lo):", *("            " + line for line in body + sg + tail)]
        back = [f"        gs_[{i}, lo:hi] = gb{i}_" for i in range(n)]
        text = "\n".join([*b, *loop, *back]).replace("_KIND(", f"_{kind}(", 1)
        out += "\n\n" + text + "\n"
    return out


SURROGATES = {  # surrogate code (spikeflow.kernels.conventions) -> the lines giving sg at h
    0: ["d_ = ONE + slope * abs(h)", "sg = ONE / (d_ * d_)"],
    1: ["w_ = halfpi * slope * h", "sg = (slope / (ONE + ONE)) / (ONE + w_ * w_)"],
    2: ["e_ = ONE / (ONE + math.exp(-slope * h))", "sg = slope * e_ * (ONE - e_)"],
    3: ["sg = slope * max(ONE - ONE, ONE - slope * abs(h))"],
    4: ["sg = ONE"],
}


def backward_block(num_steps: int, n_stored: int) -> int:
    """Neurons per backward block: the ``[T, n_stored, block]`` store of the forward
    re-run fits in cache."""
    return int(min(512, max(16, (CACHE_FLOATS // max(num_steps * n_stored, 1)) // 16 * 16)))


def stored_counts(prog: Program) -> str:
    """The module's ``STORED``: variant suffix (``""``, ``"_pn"``, ``"_ref"``, ``"_pn_ref"``)
    -> how many quantities per step and neuron its backward kernels' forward re-run keeps."""
    code = step_code(prog)
    counts = {variant_suffix(pn, ref): len(stored_quantities(code, pn, ref)) for pn, ref in variants(prog)}
    return f"STORED = {counts!r}\n"


def module_text(prog: Program) -> str:
    """The module of every kernel variant."""
    return "\n".join([
        header("numba_train", prog),
        "import math\n\nimport numba as nb\nimport numpy as np\n",
        '_opts = {"nogil": True, "cache": True, "error_model": "numpy"}',
        stored_counts(prog),
        *(kernels_source(prog, pn, ref) for pn, ref in variants(prog)),
    ])  # fmt: skip

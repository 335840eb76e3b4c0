"""Fused multi-step GPU kernels (Triton) generated from a model's
:class:`~spikeflow.codegen.program.Program`: the counterparts of
:mod:`spikeflow.codegen.numba_train`, printed from the same statements.

Each program owns ``BLOCK`` neurons and runs the time loop inside with their state in
registers. The backward kernel re-runs the forward pass keeping the quantities the
reverse pass reads (:func:`~spikeflow.codegen.printers.stored_quantities`) in a
``[T, n_stored, N]`` scratch buffer, then runs the reverse-time recurrence from them;
with per-neuron constants (learnable parameters) it accumulates their gradients in
registers and writes them once. The surrogate shapes are those of
:func:`spikeflow.kernels.gpu_triton._surrogate`; the output gradient is read with a
time stride that is 0 for the expanded gradient of ``.sum()``.

Status: tested through Triton's interpreter (``TRITON_INTERPRET=1``, CPU tensors) only;
no GPU was lent to this work, so neither the compiled GPU code nor its speed is checked.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from .numba_train import stored_counts
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

BLOCK = 128


def _constants(code: StepCode, blocks: list, per_neuron: bool, indent: str, refractory: bool) -> list[str]:
    read = [(f"K{k}", k) for k in used_constants(blocks, code)]
    if code.update in blocks and refractory:  # the forward step reads the period
        read.append(("NREF", refractory_index(code.prog)))
    if per_neuron:
        return [f"{indent}{name} = tl.load(c_ptr + {k} * N + offs, mask=mask, other=0.0)" for name, k in read]
    return [f"{indent}{name} = tl.load(c_ptr + {k})" for name, k in read]


DIALECT = KernelDialect(  # Triton's spelling of the kernels' non-expression parts
    spike="tl.where(h >= 0, 1.0, 0.0).to(x.dtype)",  # the spike of h in the working dtype
    spike_held="tl.where((h >= 0) & (ref_ <= 0), 1.0, 0.0).to(x.dtype)",
    select=lambda cond, a, b: f"tl.where({cond}, {a}, {b})",
    countdown="tl.maximum(ref_ - 1.0, 0.0)",
    zero="0.0",
)


def kernels_source(prog: Program, per_neuron: bool, refractory: bool = False) -> str:
    """The forward and backward kernels of one variant (names with ``_pn`` for
    ``per_neuron``, ``_ref`` for ``refractory``: see :func:`~spikeflow.codegen.printers.variants`)."""
    code = step_code(prog)
    pr = Printer(code.names, "triton")
    n = len(prog.state)
    sfx = variant_suffix(per_neuron, refractory)
    ref = refractory
    fwd_blocks = [code.update, code.after]
    bwd_blocks = [*fwd_blocks, code.adjoint_u, code.adjoint_s] + ([code.adjoint_c] if per_neuron else [])
    out_value = "z" if prog.threshold is not None else "u0"
    SPLIT = (  # noqa: N806 - a layer's single input split by sign into the receptors' inputs
        ["        xe = tl.where(x > 0, x, 0.0)", "        xi = tl.where(x < 0, x, 0.0)"]
        if prog.receptors
        else []
    )
    head = ["    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)", "    mask = offs < N"]
    f = ["@triton.jit", f"def forward{sfx}(x_ptr, s_ptr, c_ptr, out_ptr, T, N, BLOCK: tl.constexpr):", *head]
    f += _constants(code, fwd_blocks, per_neuron, "    ", ref)
    rows = n + (1 if ref else 0)  # the state rows: the variables, then the refractory counter
    state = [f"s{i}" for i in range(n)] + (["ref_"] if ref else [])
    new = [f"n{i}" for i in range(n)] + (["rn_"] if ref else [])
    load = [f"    {state[i]} = tl.load({{}} + {i} * N + offs, mask=mask, other=0.0)" for i in range(rows)]
    f += [line.format("s_ptr") for line in load]
    f += ["    for t in range(T):", "        x = tl.load(x_ptr + t * N + offs, mask=mask, other=0.0)", *SPLIT]
    f += step_lines(code, pr, "        ", DIALECT, ref)
    f.append(f"        tl.store(out_ptr + t * N + offs, {out_value}, mask=mask)")
    f += [f"        {a} = {b}" for a, b in zip(state, new)]
    f += [f"    tl.store(s_ptr + {i} * N + offs, {state[i]}, mask=mask)" for i in range(rows)]
    b = [
        "@triton.jit",
        f"def backward{sfx}(x_ptr, s0_ptr, c_ptr, aux_ptr, gz_ptr, gz_stride, gs_ptr, store_ptr, gx_ptr, "
        "gc_ptr, "
        "T, N, KIND: tl.constexpr, BLOCK: tl.constexpr):",
        *head,
        "    nd, slope, halfpi = tl.load(aux_ptr), tl.load(aux_ptr + 1), tl.load(aux_ptr + 2)",
    ]
    b += _constants(code, bwd_blocks, per_neuron, "    ", ref)
    stored = stored_quantities(code, per_neuron, ref)
    m = len(stored)
    if stored:  # the forward re-run, keeping what the reverse pass reads
        b += [line.format("s0_ptr") for line in load]
        b += ["    for t in range(T):", "        x = tl.load(x_ptr + t * N + offs, mask=mask, other=0.0)",
              *SPLIT]  # fmt: skip
        b += step_lines(code, pr, "        ", DIALECT, ref)
        b += [f"        tl.store(store_ptr + (t * {m} + {q}) * N + offs, {name}, mask=mask)"
              for q, name in enumerate(stored)]  # fmt: skip
        b += [f"        {a} = {b_}" for a, b_ in zip(state, new)]
    b += [f"    g{i} = tl.load(gs_ptr + {i} * N + offs, mask=mask, other=0.0)" for i in range(n)]
    if per_neuron:
        b += [f"    acc{k} = tl.full([BLOCK], 0.0, g0.dtype)" for k in code.grad_constants]
    b += ["    for i_ in range(T):", "        t = T - 1 - i_",
          "        x = tl.load(x_ptr + t * N + offs, mask=mask, other=0.0)", *SPLIT]  # fmt: skip
    b += [
        f"        {name} = tl.load(store_ptr + (t * {m} + {q}) * N + offs, mask=mask, other=0.0)"
        for q, name in enumerate(stored)
    ]
    if prog.threshold is not None:
        b.append(f"        z = {DIALECT.spike_held if ref else DIALECT.spike}")
    b.append("        gz = tl.load(gz_ptr + t * gz_stride + offs, mask=mask, other=0.0)")
    if prog.threshold is not None:
        b.append("        sg = _surrogate(h, KIND, slope, halfpi)")
    if ref:
        b.append(f"        sg = {DIALECT.select('ref_ > 0', DIALECT.zero, 'sg')}")
    b += code.adjoint_u.lines(pr, "        ")
    b += held_gradient_lines(code, DIALECT, "        ", before=True) if ref else []
    if per_neuron:
        b += code.adjoint_c.lines(pr, "        ")
        b += [f"        acc{k} = acc{k} + gk{k}" for k in code.grad_constants]
    b += code.adjoint_s.lines(pr, "        ")
    if prog.receptors:
        ge, gi = receptor_gradients(prog)
        gx = f"tl.where(x > 0, {ge}, tl.where(x < 0, {gi}, 0.0))"
    else:
        gx = input_gradient(prog)
    b.append(f"        tl.store(gx_ptr + t * N + offs, {gx}, mask=mask)")
    b += held_gradient_lines(code, DIALECT, "        ", before=False) if ref else []
    b += [f"    tl.store(gs_ptr + {i} * N + offs, g{i}, mask=mask)" for i in range(n)]
    if per_neuron:
        b += [f"    tl.store(gc_ptr + {k} * N + offs, acc{k}, mask=mask)" for k in code.grad_constants]
    return "\n".join(f) + "\n\n\n" + "\n".join(b) + "\n"


TANH = """
@triton.jit
def _tanh(a):
    t = tl.exp(-2.0 * tl.abs(a))
    r = (1.0 - t) / (1.0 + t)
    return tl.where(a >= 0, r, -r)

"""


def module_text(prog: Program) -> str:
    """The module of every kernel variant."""
    return "\n".join([
        header("triton_backend", prog),
        "import triton\nimport triton.language as tl\n",
        "from spikeflow.kernels.gpu_triton import _surrogate\n",
        TANH,
        stored_counts(prog),
        *(kernels_source(prog, pn, ref) for pn, ref in variants(prog)),
    ])  # fmt: skip


class _TritonFunction(torch.autograd.Function):
    """``(x [T, *s], consts, info, *state0) -> (out [T, *s], *state_T)`` on the GPU."""

    @staticmethod
    def forward(ctx, x, consts, info, *states):  # noqa: ANN001, ANN205
        import triton

        from .fused import kernel_inputs, kernel_outputs, suffix

        module, per_neuron, coeffs = info
        x2, s, c = kernel_inputs(ctx, x, consts, info, states)
        out = torch.empty_like(x2)
        grid = (triton.cdiv(x2.shape[1], BLOCK),)
        getattr(module, "forward" + suffix(per_neuron, coeffs))[grid](x2, s, c, out, *x2.shape, BLOCK=BLOCK)
        return kernel_outputs(ctx.shape, ctx.state_shape, out, s)

    @staticmethod
    def backward(ctx, gout, *gstates):  # noqa: ANN001, ANN205
        import triton

        from ..kernels.conventions import SURROGATE_CODES
        from .fused import incoming_gradients, state_gradients, suffix

        module, per_neuron, coeffs = ctx.info
        x2, s0, c = ctx.saved_tensors
        T, n = x2.shape
        gz, stride, gs = incoming_gradients(gout, gstates, T, n, x2)
        gx = torch.empty_like(x2)
        sfx = suffix(per_neuron, coeffs)
        stored = module.STORED[sfx]
        store = torch.empty((T, max(stored, 1), n), dtype=x2.dtype, device=x2.device)
        gc = torch.zeros(c.shape if per_neuron else (1,), dtype=x2.dtype, device=x2.device)
        spike = coeffs.spike
        slope = spike.slope if spike.name in SURROGATE_CODES else 1.0
        aux = torch.tensor([0.0 if coeffs.detach_reset else 1.0, slope, math.pi / 2], dtype=torch.float64)
        aux = aux.to(x2.dtype).to(x2.device)
        grid = (triton.cdiv(n, BLOCK),)
        kernel = getattr(module, "backward" + sfx)
        kernel[grid](x2, s0, c, aux, gz, stride, gs, store, gx, gc, T, n,
                     KIND=SURROGATE_CODES.get(spike.name, 0), BLOCK=BLOCK)  # fmt: skip
        return (gx.reshape(ctx.shape), gc if per_neuron else None, None, *state_gradients(gs, ctx, coeffs))


def triton_sequence(spec: Any, x: torch.Tensor, tensors: list, consts: torch.Tensor, per_neuron: bool,
                    coeffs: Any) -> tuple:  # fmt: skip
    """``(out, *final state tensors)`` of ``spec`` over ``x`` with the generated Triton kernels."""
    from . import runtime

    module = runtime.generated(spec, "triton")
    return _TritonFunction.apply(x, consts, (module, per_neuron, coeffs), *tensors)

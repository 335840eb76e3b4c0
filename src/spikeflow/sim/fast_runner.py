"""Drives :func:`spikeflow.sim.fast_cpu.run_steps` for a :class:`~spikeflow.sim.Network`:
packs the populations into flat arrays, runs chunks of steps, hands the recorded spikes
and potentials to the monitors, and unpacks the state so that a later run (on either
backend) continues from it. The loop is the ahead-of-time compiled one
(:mod:`spikeflow.sim.fast_compiled`) where it is installed, else Numba's JIT, which is
then imported on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .._progress import ProgressBar
from ..neurons import adex, hodgkin_huxley, izhikevich
from . import fast_layout as F
from .fast_builtin import BUILTIN
from .fast_packing import bounded, buf_len, compiled_loop, static_synapses
from .monitors import RateMonitor, SpikeMonitor, StateMonitor
from .plastic import N_PLASTIC_PARAMS

if TYPE_CHECKING:  # pragma: no cover
    from .network import Network

CHUNK = 1000  # steps per call of the loop
# where external inputs are staged for it ([steps, N]), as many steps (100 to CHUNK) as
# fit in EXT_BYTES, so the staging array stays in cache (12 500 neurons: 100 steps, 10 MB)
EXT_BYTES, EXT_MIN_STEPS = 2**21, 100


def _offsets(net: Network) -> tuple[dict, int]:
    """Each population's first index in the flat arrays, and the number of neurons."""
    offsets, total = {}, 0
    for pop in net.populations:
        offsets[pop] = total
        total += pop.n
    return offsets, total


def prepare(net: Network) -> None:
    """Pack ``net``'s static synapses for the loop ahead of a run (cached on the network)."""
    static_synapses(net, *_offsets(net))


def spec_codes(net: Network) -> dict:
    """The model codes of the network's models defined by a specification -> their
    specifications: a built-in one's code in the compiled loop (:mod:`.fast_builtin`),
    else ``SPEC_CODE + k`` for the k-th other specification met (generated for the JIT
    path)."""
    codes: dict = {}
    for pop in net.populations:
        spec = getattr(pop.params, "spec", None)
        if spec is None or spec in codes.values():
            continue
        builtin = BUILTIN.get(spec.digest())
        codes[builtin[0] if builtin else F.SPEC_CODE + sum(c >= F.SPEC_CODE for c in codes)] = spec
    return codes


def jit_specs(net: Network) -> dict:
    """:func:`spec_codes` without the built-in specifications: the models only the JIT
    path can run (the compiled loop holds the built-in ones)."""
    return {code: spec for code, spec in spec_codes(net).items() if code >= F.SPEC_CODE}


def _spec_row(pop) -> np.ndarray:  # noqa: ANN001
    """A generated model's parameter row: its constants, then its refractory steps."""
    c = pop.coeffs
    return np.array([*c.values, c.refractory_steps], dtype=np.float64)


def _pack(net: Network):  # noqa: ANN202
    offsets, total = _offsets(net)
    code = np.empty(total, dtype=np.int64)
    specs = {spec: c for c, spec in spec_codes(net).items()}
    rows = {pop: _spec_row(pop) for pop in net.populations if getattr(pop.params, "spec", None) is not None}
    params = np.zeros((total, max([F.N_PARAMS, *(r.size for r in rows.values())])))
    nparam = np.zeros((total, 4))
    v, g_ex, g_in, refr = (np.zeros(total) for _ in range(4))
    extra = max([len(pop.params.spec.state) - 1 for pop in rows] + [0])
    xstate = np.zeros((extra, total))
    buf = np.zeros((2, buf_len(net), total))  # excitatory and inhibitory rings
    for pop, off in offsets.items():
        sl = slice(off, off + pop.n)
        if pop.source is not None:
            code[sl] = F.SOURCE_CODE
        elif pop in rows:
            code[sl] = specs[pop.params.spec]
            params[sl, : rows[pop].size] = rows[pop]
            for r, name in enumerate(list(pop.params.spec.state)[1:]):
                xstate[r, sl] = getattr(pop.state, name)
        elif pop.module is izhikevich:
            code[sl] = F.IZH_CODE
            c = pop.coeffs
            params[sl, :3] = (c.v_peak, c.dt_ms, c.substeps)
            for col, name in enumerate("abcd"):
                value = getattr(c, name)
                nparam[sl, col] = np.asarray(value, dtype=np.float64)  # a number or per neuron (CPU tensor)
            g_ex[sl] = pop.state.u
        elif pop.module is hodgkin_huxley:
            code[sl] = F.HH_CODE
            c = pop.coeffs
            names = (
                "C_m",
                "g_Na",
                "g_K",
                "g_L",
                "E_Na",
                "E_K",
                "E_L",
                "q10",
                "I_e",
                "spike_threshold",
                "dt_ms",
            )
            params[sl, : len(names)] = [getattr(c, name) for name in names]
            g_ex[sl], g_in[sl], refr[sl] = pop.state.m, pop.state.h, pop.state.n
        elif pop.module is adex:
            code[sl] = F.ADEX_CODE
            c = pop.coeffs
            names = ("C_m", "g_L", "E_L", "Delta_T", "V_T", "V_peak", "V_reset", "a", "b", "tau_w_ms", "I_e")
            params[sl, : len(names) + 2] = [
                *(getattr(c, name) for name in names),
                c.dt_ms / c.substeps,
                c.substeps,
            ]
            g_ex[sl] = pop.state.w
        else:
            code[sl], params[sl, : F.N_PARAMS] = F.COND_CODE, F.cond_row(pop.coeffs)
            g_ex[sl], g_in[sl] = pop.state.g_ex, pop.state.g_in
        if pop.source is None:
            v[sl] = pop.state[0]
            if "refractory" in pop.state._fields:
                refr[sl] = pop.state.refractory
        buf[:, :, sl] = pop.buffer
    synapses = static_synapses(net, offsets, total)
    pops = list(offsets)
    pop_lo = np.array([offsets[p] for p in pops], dtype=np.int64)
    pop_hi = np.array([offsets[p] + p.n for p in pops], dtype=np.int64)
    pop_code = np.array([code[offsets[p]] for p in pops], dtype=np.int64)
    pop_params = np.stack([params[offsets[p]] for p in pops])
    layout = (pop_lo, pop_hi, pop_code, pop_params, nparam)
    return offsets, layout, (v, g_ex, g_in, refr, xstate), buf, synapses


def pack_plastic(net: Network, offsets: dict) -> tuple:
    """The plastic projections of ``net`` as the flat arrays of
    :func:`spikeflow.sim.fast_cpu._plastic_step` (weights and traces copied)."""
    projs = net.plastic
    ring_len = buf_len(net) if projs else 0
    for q in projs:
        _check_plastic(q, ring_len)
    par = np.stack([q.params for q in projs]) if projs else np.zeros((0, N_PLASTIC_PARAMS))
    ranges = np.array(
        [
            [offsets[q.pre], offsets[q.pre] + q.pre.n, offsets[q.post], offsets[q.post] + q.post.n]
            for q in projs
        ],
        dtype=np.int64,
    ).reshape(-1, 4)
    syn_off = np.cumsum([0] + [len(q) for q in projs])
    cat = lambda parts, dt: np.concatenate(parts).astype(dt) if parts else np.zeros(0, dt)  # noqa: E731
    pre_ptr = cat([q.pre_ptr + o for q, o in zip(projs, syn_off)], np.int64)
    post_ptr = cat([q.post_ptr + o for q, o in zip(projs, syn_off)], np.int64)
    pre_ptr_off = np.cumsum([0] + [q.pre.n + 1 for q in projs])[:-1].astype(np.int64)
    post_ptr_off = np.cumsum([0] + [q.post.n + 1 for q in projs])[:-1].astype(np.int64)
    by_pre = cat([q.by_pre + o for q, o in zip(projs, syn_off)], np.int64)
    by_post = cat([q.by_post + o for q, o in zip(projs, syn_off)], np.int64)
    src = cat([q.src + offsets[q.pre] for q in projs], np.int64)
    dst = cat([q.dst + offsets[q.post] for q in projs], np.int64)
    w = cat([q.w for q in projs], np.float64)
    width = max([q.traces.shape[1] for q in projs], default=1)
    tr = np.zeros((len(projs), 4, width))
    for k, q in enumerate(projs):
        tr[k, :, : q.traces.shape[1]] = q.traces
    elig = cat([q.eligibility for q in projs], np.float64)
    dop = np.array([q.dopamine for q in projs], dtype=np.float64)
    return (par, ranges, pre_ptr, pre_ptr_off, by_pre, post_ptr, post_ptr_off, by_post, src, dst, w, tr, elig,
            dop)  # fmt: skip


def _check_plastic(q, ring_len: int) -> None:  # noqa: ANN001
    """Raise ValueError unless plastic projection ``q``'s index arrays are consistent: the
    loop's plastic step follows them without bounds checks."""
    name = f"the plastic synapses {q.pre.name!r} -> {q.post.name!r}"
    n = len(q)
    bounded(f"sources of {name}", q.src, q.pre.n)
    bounded(f"targets of {name}", q.dst, q.post.n)
    for order, ptr, cells in (("by_pre", "pre_ptr", q.pre.n), ("by_post", "post_ptr", q.post.n)):
        bounded(f"{order} of {name}", getattr(q, order), n)
        p = getattr(q, ptr)
        if p.shape != (cells + 1,) or p[0] != 0 or p[-1] != n or (np.diff(p) < 0).any():
            raise ValueError(f"{ptr} of {name} is not a CSR pointer over {cells} neurons and {n} synapses")
    if not (q.src.shape == q.dst.shape == q.w.shape == q.eligibility.shape == (n,)):
        raise ValueError(f"{name} have source, target, weight and eligibility arrays of different shapes")
    if q.traces.shape != (4, max(q.pre.n, q.post.n)):
        raise ValueError(f"{name} have traces of shape {q.traces.shape}")
    if not 1 <= q.delay < ring_len:
        raise ValueError(f"{name} have delay {q.delay} steps, outside [1, {ring_len - 1}]")


def _unpack_plastic(net: Network, plastic: tuple) -> None:
    w, tr, elig, dop = plastic[-4:]
    start = 0
    for k, q in enumerate(net.plastic):
        q.w[:] = w[start : start + len(q)]
        q.eligibility[:] = elig[start : start + len(q)]
        q.traces[:] = tr[k, :, : q.traces.shape[1]]
        q.dopamine = float(dop[k])
        start += len(q)


def _global(sel, offsets) -> np.ndarray:  # noqa: ANN001
    """The flat indices of a monitor's selection, each checked against its population."""
    for pop, idx in sel.parts:
        bounded(f"indices of {pop.name!r} in a monitor", np.asarray(idx), pop.n)
    return np.concatenate([np.asarray(idx, dtype=np.int64) + offsets[pop] for pop, idx in sel.parts])


def run_fast(net: Network, steps: int, progress: bool) -> None:
    """Advance ``net`` by ``steps`` steps on the fast backend."""
    offsets, layout, cells, buf, synapses = _pack(net)
    v = cells[0]
    total = v.size
    # rate monitors receive their neurons' spikes like spike monitors, counted per step
    spike_mons = [m for m in net.monitors if isinstance(m, (SpikeMonitor, RateMonitor))]
    state_mons = [m for m in net.monitors if isinstance(m, StateMonitor)]
    record = np.full(total, -1, dtype=np.int64)
    lookups = []
    for m in spike_mons:
        ids = _global(m.selection, offsets)
        record[ids] = ids
        lut = np.full(total, -1, dtype=np.int64)
        lut[ids] = np.arange(ids.size)
        lookups.append(lut)
    state_cols = [_global(m.selection, offsets) for m in state_mons]
    state_idx = np.concatenate(state_cols) if state_cols else np.zeros(0, dtype=np.int64)
    every = state_mons[0].every if state_mons else 1
    n_recorded = int((record >= 0).sum())
    rec_steps = np.empty(max(4 * n_recorded, 1024), dtype=np.int64)
    rec_ids = np.empty_like(rec_steps)
    sources = [p for p in net.populations if p.source is not None]
    has_ext = bool(sources) or bool(net.drives)
    chunk = min(CHUNK, max(EXT_MIN_STEPS, EXT_BYTES // (8 * total))) if has_ext else CHUNK
    state_out = np.empty((chunk // every + 2, state_idx.size))
    bar = ProgressBar(-(-steps // chunk), "simulating", enabled=progress and steps >= 1000)
    done = 0
    plastic = pack_plastic(net, offsets)
    specs = jit_specs(net)
    parallel = synapses[0].shape[0] > 1  # the synapses in parts: delivered on threads
    # users' models are generated and the parallel delivery compiled by the JIT
    compiled = compiled_loop(total) if not specs and not parallel else None
    if compiled is not None:
        run_steps = compiled.run_steps
    else:
        from .fast_specialise import run_steps_for

        run_steps = run_steps_for(set(layout[2].tolist()), plastic[0].shape[0] > 0, specs, parallel)
    ext_buffer = np.zeros((chunk, total) if has_ext else (1, 1))
    work = F.work_arrays(total)
    try:
        while done < steps:
            k_steps = min(chunk, steps - done)
            ext = ext_buffer
            if has_ext:
                ext[:k_steps] = 0.0
                for pop, x in net.drive_chunk(net.step_count, k_steps).items():
                    ext[:k_steps, offsets[pop] : offsets[pop] + pop.n] += x
                for pop in sources:
                    ext[:k_steps, offsets[pop] : offsets[pop] + pop.n] = pop.source.chunk(
                        net.step_count, k_steps
                    )
            rewards = np.zeros(k_steps)
            for step in [s for s in net.rewards if s < net.step_count + k_steps]:
                rewards[step - net.step_count] = net.rewards.pop(step)
            first = 0
            while first < k_steps:
                inputs = (buf, ext[first:] if has_ext else ext, has_ext)
                records = (record, rec_steps, rec_ids, 0, state_idx, every, state_out, 0)
                n_rec, n_state, ran, status = run_steps(
                    k_steps - first, net.step_count, layout, cells, inputs, synapses, records,
                    rewards[first:], plastic, work,
                )  # fmt: skip
                _deliver(spike_mons, lookups, rec_steps[:n_rec], rec_ids[:n_rec], net.step_count, ran)
                _sample(state_mons, state_cols, state_out[:n_state], net.step_count, ran, every)
                net.step_count += ran
                first += ran
                if status >= 0:
                    pop = next(p for p, off in offsets.items() if off <= status < off + p.n)
                    step = net.step_count  # the step that produced it (not counted as run)
                    raise FloatingPointError(
                        f"NaN or infinite v at step {step} ({step * net.dt_ms:g} ms) "
                        f"in population {pop.name!r}, neuron {status - offsets[pop]}: reduce dt_ms or "
                        "check the parameters and inputs"
                    )
                if status == -2:
                    rec_steps = np.empty(2 * rec_steps.size, dtype=np.int64)
                    rec_ids = np.empty_like(rec_steps)
            done += k_steps
            bar.update(1)
    finally:
        bar.close()
        _unpack(net, offsets, cells, buf)
        _unpack_plastic(net, plastic)


def _deliver(mons, lookups, steps: np.ndarray, ids: np.ndarray, t0: int, ran: int) -> None:  # noqa: ANN001
    """Hand the spikes of steps ``t0 .. t0 + ran - 1`` to the spike and rate monitors."""
    for m, lut in zip(mons, lookups):
        local = lut[ids]
        keep = local >= 0
        if isinstance(m, RateMonitor):
            m._counts.append(np.bincount(steps[keep] - t0, minlength=ran).astype(np.int64))
        elif keep.any():
            m._steps.append(steps[keep])  # boolean indexing copies
            m._ids.append(local[keep])


def _sample(mons, cols, rows: np.ndarray, t0: int, ran: int, every: int) -> None:  # noqa: ANN001
    times = [t for t in range(t0, t0 + ran) if t % every == 0]
    start = 0
    for m, c in zip(mons, cols):
        for r, t in zip(rows, times):
            m._values.append(r[start : start + c.size].copy())
            m._times.append(t)
        start += c.size


def _unpack(net, offsets, cells, buf) -> None:  # noqa: ANN001
    v, g_ex, g_in, refr, xstate = cells
    for pop, off in offsets.items():
        sl = slice(off, off + pop.n)
        pop.buffer = buf[:, :, sl].copy()
        if pop.source is not None:
            continue
        spec = getattr(pop.params, "spec", None)
        if spec is not None:
            names = list(spec.state)
            fields = {names[0]: v[sl].copy(), **{n: xstate[r, sl].copy() for r, n in enumerate(names[1:])}}
            if spec.refractory:
                fields["refractory"] = refr[sl].copy()
            pop.state = pop.state._replace(**fields)
            continue
        fields = {"v": v[sl].copy(), "refractory": refr[sl].copy()}
        if pop.module is izhikevich:
            fields = {"v": fields["v"], "u": g_ex[sl].copy()}
        elif pop.module is adex:
            fields = {"v": fields["v"], "w": g_ex[sl].copy()}
        elif pop.module is hodgkin_huxley:
            gates = (g_ex, g_in, refr)
            fields = {"v": fields["v"], **{g: a[sl].copy() for g, a in zip("mhn", gates)}}
        else:
            fields["g_ex"] = g_ex[sl].copy()  # the conductance-based LIF
            fields["g_in"] = g_in[sl].copy()
        pop.state = pop.state._replace(**fields)

"""NIR, the Neuromorphic Intermediate Representation: export trained spikeflow networks
to a ``nir.NIRGraph`` and import NIR graphs as spikeflow modules.

Supported: ``nn.Linear`` (NIR ``Affine``/``Linear``), ``nn.Conv2d`` (``Conv2d``),
``nn.Flatten`` (``Flatten``), :class:`spikeflow.nn.LIF` (``LIF``; with
``tau_mem_ms=inf``: ``IF``), :class:`spikeflow.nn.SynapticLIF` (``CubaLIF``) and
:class:`spikeflow.nn.LI` (``LI``), chained in an ``nn.Sequential``.

Units and discretisation. NIR neurons are continuous-time models in seconds,
``tau dv/dt = (v_leak - v) + r I``. spikeflow's layers add each step's input to the
potential (``input_mode="delta"``) and integrate exactly (``decay = exp(-dt/tau)``). The
export writes ``r = tau / dt`` for LIF and LI (forward Euler at ``dt`` then moves ``v``
by each step's input), ``r = 1 / dt`` for IF, and ``w_in = tau_syn / dt``, ``r = 1`` for
CubaLIF (the input jumps the current, which drives the membrane as in
:mod:`spikeflow.neurons.synaptic_lif`); the time constants are written in one of two ways:

* ``time_constants="exact"`` (default): the physical ``tau``. A simulator that integrates
  exactly at the same ``dt`` reproduces spikeflow's spikes.
* ``time_constants="euler"``: ``tau' = dt / (1 - decay)``, so that a forward-Euler
  importer at the same ``dt`` (snnTorch and Norse discretise so; snnTorch assumes
  ``dt = 0.1 ms``) computes spikeflow's decay ``1 - dt/tau' = exp(-dt/tau)`` and gives
  the same spikes. ``tau'`` is about ``tau + dt/2``.

The graph's metadata records the mode and ``dt`` so that :func:`import_nir` restores the
same layers. NIR resets to ``v_reset``; spikeflow's reset by subtraction is exported as
NIR ``LIF`` with ``metadata["reset"] = "subtract"``, which :func:`import_nir` honours and
other tools ignore (they will reset to ``v_reset``).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from .. import _checks
from .._atomic import write_atomically
from ..nn.layers import LI, LIF, SynapticLIF

MODES = ("exact", "euler")


def _nir():  # noqa: ANN202
    try:
        import nir
    except ImportError as err:
        raise ImportError("NIR export needs nir: pip install 'spikeflow[io]'") from err
    return nir


def write_nir(graph: Any, path: str | os.PathLike) -> Path:
    """Write a NIR graph (for example from :func:`export_nir`) to ``path`` (NIR's HDF5 file)
    atomically: a write that is interrupted or killed leaves the old file, never an
    unreadable one (``nir.write`` writes in place). Returns the path."""
    nir = _nir()
    if not isinstance(graph, nir.NIRNode):
        raise TypeError(f"graph must be a NIR graph or node, got {type(graph).__name__}")
    return write_atomically(path, lambda tmp: nir.write(tmp, graph))


class TimeFold(nn.Module):
    """Apply a per-sample module (Conv2d, Flatten, ...) to a time-major
    ``[T, batch, ...]`` tensor by folding time into the batch dimension."""

    def __init__(self, module: nn.Module) -> None:
        super().__init__()
        self.module = module

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        T, B = x.shape[:2]
        y = self.module(x.reshape(T * B, *x.shape[2:]))
        return y.reshape(T, B, *y.shape[1:])


def _tau_s(tau_ms: float, dt_ms: float, mode: str) -> float:
    if mode == "exact":
        return tau_ms / 1e3
    decay = math.exp(-dt_ms / tau_ms)
    return dt_ms / (1.0 - decay) / 1e3


def _tau_ms(tau_s: float, dt_ms: float, mode: str) -> float:
    if mode == "exact":
        return tau_s * 1e3
    decay = 1.0 - dt_ms / (tau_s * 1e3)
    if not 0 < decay < 1:
        raise ValueError(f"tau={tau_s} s cannot be an Euler time constant at dt={dt_ms} ms")
    return -dt_ms / math.log(decay)


def _full(value: float, n: int) -> np.ndarray:
    return np.full(n, float(value), dtype=np.float64)


def _export_neuron(layer: nn.Module, n: int, dt_ms: float, mode: str) -> Any:
    nir = _nir()
    p = layer.params
    if layer.learn_tau or layer.learn_threshold:
        # learned values are tensors: export them per neuron
        raise ValueError(
            f"{type(layer).__name__} with learned parameters: export a copy with the learned "
            "values fixed (NIR has no notion of trainable parameters)"
        )
    if p.input_mode != "delta" or p.refractory_ms > 0:
        raise ValueError(
            f"{type(layer).__name__} with input_mode={p.input_mode!r}, refractory_ms="
            f"{p.refractory_ms}: NIR export supports input_mode='delta' without refractoriness"
        )
    meta = {"reset": p.reset}
    if isinstance(layer, SynapticLIF):
        # a step's input jumps the current (w_in dt / tau_syn = 1); the current drives the
        # membrane with unit resistance, as in spikeflow's model
        tau_mem, tau_syn = _tau_s(p.tau_mem_ms, dt_ms, mode), _tau_s(p.tau_syn_ms, dt_ms, mode)
        node = nir.CubaLIF(
            tau_syn=_full(tau_syn, n), tau_mem=_full(tau_mem, n), r=_full(1.0, n),
            v_leak=_full(p.v_rest, n), v_threshold=_full(p.v_th, n), v_reset=_full(p.v_reset, n),
            w_in=_full(tau_syn * 1e3 / dt_ms, n),
        )  # fmt: skip
    elif math.isinf(p.tau_mem_ms):
        # dv/dt = r I: a step's input moves v by it when r dt = 1
        node = nir.IF(r=_full(1e3 / dt_ms, n), v_threshold=_full(p.v_th, n), v_reset=_full(p.v_reset, n))
    else:
        tau = _tau_s(p.tau_mem_ms, dt_ms, mode)
        node = nir.LIF(
            tau=_full(tau, n), r=_full(tau * 1e3 / dt_ms, n), v_leak=_full(p.v_rest, n),
            v_threshold=_full(p.v_th, n), v_reset=_full(p.v_reset, n),
        )  # fmt: skip
    node.metadata.update(meta)
    return node


def export_nir(model: nn.Sequential, input_shape: tuple[int, ...], *, time_constants: str = "exact") -> Any:
    """Export ``model`` to a ``nir.NIRGraph``.

    Args:
        model: an ``nn.Sequential`` of the supported modules (``TimeFold`` wrappers are
            unwrapped); every neuron layer must have the same ``dt_ms``.
        input_shape: the shape of one sample (without time and batch), e.g. ``(64,)`` or
            ``(1, 28, 28)``.
        time_constants: ``"exact"`` or ``"euler"``, see the module docstring.
    """
    nir = _nir()
    _checks.choice("time_constants", time_constants, MODES)
    if not isinstance(model, nn.Sequential):
        raise TypeError(f"model must be an nn.Sequential, got {type(model).__name__}")
    dts = {m.params.dt_ms for m in model.modules() if isinstance(m, LIF | SynapticLIF | LI)}
    if len(dts) > 1:
        raise ValueError(f"all neuron layers must share dt_ms for NIR export, got {sorted(dts)}")
    dt_ms = dts.pop() if dts else 1.0
    nodes: dict[str, Any] = {"input": nir.Input(input_type={"input": np.array(input_shape)})}
    edges, prev = [], "input"
    x = torch.zeros(1, *input_shape)
    for i, mod in enumerate(model):
        inner = mod.module if isinstance(mod, TimeFold) else mod
        name = str(i)
        if isinstance(inner, nn.Linear):
            w = inner.weight.detach().numpy().copy()
            node = (
                nir.Affine(w, inner.bias.detach().numpy().copy()) if inner.bias is not None else nir.Linear(w)
            )
            x = inner(x)
        elif isinstance(inner, nn.Conv2d):
            if isinstance(inner.padding, str) or inner.padding_mode != "zeros":
                raise ValueError(f"layer {i} (Conv2d): only numeric zero padding is exported")
            bias = (
                inner.bias.detach().numpy().copy()
                if inner.bias is not None
                else np.zeros(inner.out_channels, np.float32)
            )
            node = nir.Conv2d(
                input_shape=tuple(x.shape[-2:]), weight=inner.weight.detach().numpy().copy(),
                stride=inner.stride, padding=inner.padding, dilation=inner.dilation,
                groups=inner.groups, bias=bias,
            )  # fmt: skip
            x = inner(x)
        elif isinstance(inner, nn.Flatten):
            # NIR's Flatten dims count the per-sample dims without the batch dimension
            end = inner.end_dim if inner.end_dim < 0 else inner.end_dim - 1
            node = nir.Flatten(
                input_type={"input": np.array(x.shape[1:])}, start_dim=inner.start_dim - 1, end_dim=end
            )
            x = inner(x)
        elif isinstance(inner, LI):
            p = inner.params
            n = int(np.prod(x.shape[1:]))
            tau = _tau_s(p.tau_mem_ms, dt_ms, time_constants)
            node = nir.LI(tau=_full(tau, n), r=_full(tau * 1e3 / dt_ms, n), v_leak=_full(p.v_rest, n))
        elif isinstance(inner, LIF | SynapticLIF):
            node = _export_neuron(inner, int(np.prod(x.shape[1:])), dt_ms, time_constants)
        else:
            raise ValueError(
                f"layer {i} ({type(inner).__name__}) cannot be exported to NIR; supported: "
                "Linear, Conv2d, Flatten, LIF, SynapticLIF, LI"
            )
        nodes[name] = node
        edges.append((prev, name))
        prev = name
    nodes["output"] = nir.Output(output_type={"output": np.array(x.shape[1:])})
    edges.append((prev, "output"))
    return nir.NIRGraph(
        nodes=nodes, edges=edges,
        metadata={"source": "spikeflow", "dt_ms": dt_ms, "time_constants": time_constants},
    )  # fmt: skip


def _chain(graph: Any) -> list[str]:
    nir = _nir()
    succ: dict[str, list[str]] = {}
    for a, b in graph.edges:
        succ.setdefault(a, []).append(b)
    starts = [k for k, v in graph.nodes.items() if isinstance(v, nir.Input)]
    if len(starts) != 1:
        raise ValueError(f"only graphs with one Input node can be imported, got {len(starts)}")
    order, node, seen = [], starts[0], set()
    while True:
        nxt = succ.get(node, [])
        if len(nxt) > 1:
            raise ValueError(f"node {node!r} has {len(nxt)} successors; only chains can be imported")
        if not nxt:
            break
        node = nxt[0]
        if node in seen:
            raise ValueError(f"the graph has a cycle through {node!r}; recurrent graphs are not imported yet")
        seen.add(node)
        order.append(node)
    if len(order) != len(graph.nodes) - 1:
        raise ValueError("the graph is not a single chain from its Input to its Output")
    return order


def _scalar(name: str, values: Any) -> float:
    a = np.unique(np.asarray(values, dtype=np.float64))
    if a.size != 1:
        raise ValueError(f"{name} must be the same for all neurons of a layer to import, got {a.size} values")
    return float(a[0])


def _finite_array(node: str, field: str, values: Any) -> torch.Tensor:
    """A node's array as float32, refusing NaN or infinite entries (a network built from
    them would compute NaN silently)."""
    arr = np.asarray(values, dtype=np.float64)
    bad = int(np.count_nonzero(~np.isfinite(arr)))
    if bad:
        raise ValueError(f"node {node!r}: {field} has {bad} NaN or infinite value(s) of {arr.size}")
    return torch.tensor(arr, dtype=torch.float32)


def import_nir(graph: Any, *, dt_ms: float | None = None, time_constants: str | None = None) -> nn.Sequential:
    """Build an ``nn.Sequential`` of spikeflow modules from a chain-shaped ``nir.NIRGraph``.

    ``dt_ms`` defaults to the one recorded by :func:`export_nir` (else 1 ms).
    ``time_constants`` (``"exact"`` or ``"euler"``, see the module docstring) says how
    the graph's ``tau`` were written; default: the mode :func:`export_nir` recorded, else
    ``"exact"`` (a graph from a peer that discretises with Euler steps, as snnTorch and
    SpikingJelly do, imports with ``time_constants="euler"`` and its ``dt_ms``).
    Per-sample modules (Conv2d, Flatten) are wrapped in :class:`TimeFold`.
    """
    nir = _nir()
    recorded = graph.metadata.get("time_constants", "exact") if graph.metadata else "exact"
    mode = _checks.choice("time_constants", time_constants, MODES) if time_constants is not None else recorded
    dt = dt_ms if dt_ms is not None else float((graph.metadata or {}).get("dt_ms", 1.0))
    dt = _checks.positive("dt_ms", dt)
    layers: list[nn.Module] = []
    for name in _chain(graph):
        node = graph.nodes[name]
        if isinstance(node, nir.Output):
            continue
        if isinstance(node, nir.Affine | nir.Linear):
            w = _finite_array(name, "weight", node.weight)
            lin = nn.Linear(w.shape[1], w.shape[0], bias=isinstance(node, nir.Affine))
            with torch.no_grad():
                lin.weight.copy_(w)
                if isinstance(node, nir.Affine):
                    lin.bias.copy_(_finite_array(name, "bias", node.bias))
            layers.append(lin)
        elif isinstance(node, nir.Conv2d):
            w = _finite_array(name, "weight", node.weight)
            conv = nn.Conv2d(
                w.shape[1] * node.groups, w.shape[0], tuple(w.shape[-2:]), stride=node.stride,
                padding=node.padding, dilation=node.dilation, groups=node.groups,
            )  # fmt: skip
            with torch.no_grad():
                conv.weight.copy_(w)
                conv.bias.copy_(_finite_array(name, "bias", node.bias))
            layers.append(TimeFold(conv))
        elif isinstance(node, nir.Flatten):
            end = node.end_dim if node.end_dim < 0 else node.end_dim + 1
            layers.append(TimeFold(nn.Flatten(node.start_dim + 1, end)))
        elif isinstance(node, nir.LI):
            _check_gain(name, node.r, node.tau, dt)
            tau = _tau_ms(_scalar("tau", node.tau), dt, mode)
            layers.append(LI(tau_mem_ms=tau, dt_ms=dt, v_rest=_scalar("v_leak", node.v_leak)))
        elif isinstance(node, nir.LIF | nir.CubaLIF | nir.IF):
            layers.append(_import_neuron(node, name, dt, mode))
        else:
            raise ValueError(f"node {name!r} ({type(node).__name__}) cannot be imported")
    return nn.Sequential(*layers)


def _check_gain(name: str, r: Any, tau_s: Any, dt_ms: float) -> None:
    """spikeflow's layers add a step's input to the state: NIR's r must say the same."""
    gain = np.asarray(r, dtype=np.float64) * dt_ms / (np.asarray(tau_s, dtype=np.float64) * 1e3)
    if not np.allclose(gain, 1.0, rtol=1e-5):
        raise ValueError(
            f"node {name!r}: r dt / tau = {np.unique(gain)[:3]} at dt={dt_ms} ms; spikeflow's layers "
            "need 1 (scale the weights before this node by that factor and set r = tau / dt)"
        )


def _import_neuron(node: Any, name: str, dt: float, mode: str) -> nn.Module:
    nir = _nir()
    reset = (node.metadata or {}).get("reset", "value")
    v_reset = 0.0 if getattr(node, "v_reset", None) is None else _scalar("v_reset", node.v_reset)
    common = {
        "dt_ms": dt,
        "v_th": _scalar("v_threshold", node.v_threshold),
        "v_reset": v_reset,
        "reset": reset,
    }
    if isinstance(node, nir.IF):
        _check_gain(name, node.r, 1.0, dt)  # dv/dt = r I: r dt = 1
        return LIF(tau_mem_ms=math.inf, **common)
    if isinstance(node, nir.CubaLIF):
        _check_gain(f"{name} (w_in)", node.w_in, node.tau_syn, dt)
        if not np.allclose(np.asarray(node.r, dtype=np.float64), 1.0):
            raise ValueError("CubaLIF nodes import with r = 1 (the current in units of potential)")
        return SynapticLIF(
            tau_mem_ms=_tau_ms(_scalar("tau_mem", node.tau_mem), dt, mode),
            tau_syn_ms=_tau_ms(_scalar("tau_syn", node.tau_syn), dt, mode),
            v_rest=_scalar("v_leak", node.v_leak), **common,
        )  # fmt: skip
    _check_gain(name, node.r, node.tau, dt)
    return LIF(
        tau_mem_ms=_tau_ms(_scalar("tau", node.tau), dt, mode), v_rest=_scalar("v_leak", node.v_leak),
        **common,
    )  # fmt: skip

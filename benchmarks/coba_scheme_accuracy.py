"""How accurately do spikeflow's and Brian2's COBA updates integrate at dt = 0.1 ms? One
conductance-based LIF neuron per row (COBA's parameters), driven by its own Poisson
input spike counts (``--exc-inputs`` excitatory inputs at ``--exc-hz`` with 6 nS jumps,
``--inh-inputs`` inhibitory at ``--inh-hz`` with 67 nS; the counts are drawn per 0.1 ms
bin and given to every scheme at the same times), without recurrence, so that any
difference in the output rates is the integration's.

    python benchmarks/coba_scheme_accuracy.py [--neurons 400] [--duration-ms 5000]
        [--exc-hz 32] [--inh-hz 20] [--fine-dt-ms 0.001]

Schemes at dt = 0.1 ms:

* spikeflow: :func:`spikeflow.neurons.cond_lif.step` itself (float64; the fast backend
  gives the same spikes): conductances exact, membrane by exponential Euler with each
  conductance's exact mean over the step;
* Brian2 ``exponential_euler``: the update Brian2 2.10 generates for COBA's equations,
  written out in NumPy (membrane by exponential Euler with the conductances held at their
  values at the start of the step, then the conductances decay exactly)::

      _BA_v = (Ee*ge/C + Ei*gi/C + El*gl/C)/(-ge/C - gi/C - gl/C)
      _v = -_BA_v + (_BA_v + v)*exp(dt*(-ge/C - gi/C - gl/C))

and both written in NumPy at ``--fine-dt-ms`` (inputs at the first fine step of their
0.1 ms bin) as the near-continuous reference. The NumPy copy of spikeflow's update is
also run at 0.1 ms and must give :func:`cond_lif.step`'s spikes exactly (checked).
Prints a table of rates and their paired differences from the reference, and one JSON
object.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

BIN_MS = 0.1  # input bins, and the coarse step
P = {"C": 200.0, "gL": 10.0, "EL": -60.0, "Ee": 0.0, "Ei": -80.0, "Vt": -50.0, "Vr": -60.0,
     "tref": 5.0, "te": 5.0, "ti": 10.0}  # fmt: skip
W_EXC_NS, W_INH_NS = 6.0, 67.0


def inputs(neurons: int, duration_ms: float, args: argparse.Namespace, seed: int) -> tuple:
    """Excitatory and inhibitory conductance jumps (nS) per 0.1 ms bin, ``(bins, neurons)``."""
    rng = np.random.default_rng(seed)
    bins = int(round(duration_ms / BIN_MS))
    lam_e = args.exc_inputs * args.exc_hz * 1e-3 * BIN_MS
    lam_i = args.inh_inputs * args.inh_hz * 1e-3 * BIN_MS
    return rng.poisson(lam_e, (bins, neurons)) * W_EXC_NS, rng.poisson(lam_i, (bins, neurons)) * W_INH_NS


def numpy_scheme(x_ex: np.ndarray, x_in: np.ndarray, dt_ms: float, scheme: str) -> np.ndarray:
    """Spike counts per neuron of ``scheme`` (``"spikeflow"`` or ``"brian2"``) at step
    ``dt_ms`` (a divisor of 0.1 ms)."""
    sub = int(round(BIN_MS / dt_ms))
    if abs(sub * dt_ms - BIN_MS) > 1e-12:
        raise ValueError(f"dt_ms must divide {BIN_MS} ms, got {dt_ms}")
    n = x_ex.shape[1]
    v, ge, gi, ref = np.full(n, P["EL"]), np.zeros(n), np.zeros(n), np.zeros(n, np.int64)
    de, di = np.exp(-dt_ms / P["te"]), np.exp(-dt_ms / P["ti"])
    me, mi = P["te"] / dt_ms * (1 - de), P["ti"] / dt_ms * (1 - di)
    n_ref = int(round(P["tref"] / dt_ms))
    counts = np.zeros(n, np.int64)
    for b in range(x_ex.shape[0]):
        for k in range(sub):
            if k == 0:
                ge, gi = ge + x_ex[b], gi + x_in[b]
            if scheme == "spikeflow":  # exact mean of the decaying conductance over the step
                gem, gim = me * ge, mi * gi
            else:  # Brian2's exponential Euler: the conductance at the start of the step
                gem, gim = ge, gi
            ge, gi = ge * de, gi * di
            g_tot = P["gL"] + gem + gim
            v_inf = (P["gL"] * P["EL"] + gem * P["Ee"] + gim * P["Ei"]) / g_tot
            v = v_inf + (v - v_inf) * np.exp(-dt_ms * g_tot / P["C"])
            held = ref > 0
            v[held] = P["Vr"]
            ref[held] -= 1
            fired = v >= P["Vt"]
            counts += fired
            v[fired] = P["Vr"]
            ref[fired] = n_ref
    return counts


def spikeflow_step(x_ex: np.ndarray, x_in: np.ndarray) -> np.ndarray:
    """Spike counts per neuron of spikeflow's own update (:func:`cond_lif.step`, float64)
    at dt = 0.1 ms."""
    import torch

    from spikeflow.models.coba import coba_params
    from spikeflow.neurons import cond_lif

    params = coba_params(BIN_MS)
    coeffs = params.coeffs()
    state = cond_lif.init_state((x_ex.shape[1],), params, dtype=torch.float64)
    xe, xi = torch.from_numpy(x_ex), torch.from_numpy(-x_in)
    counts = torch.zeros(x_ex.shape[1], dtype=torch.float64)
    with torch.no_grad():
        for b in range(x_ex.shape[0]):
            z, state = cond_lif.step((xe[b], xi[b]), state, coeffs)
            counts += z
    return counts.numpy().astype(np.int64)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--neurons", type=int, default=400)
    ap.add_argument("--duration-ms", type=float, default=5000.0)
    ap.add_argument("--exc-inputs", type=int, default=64)
    ap.add_argument("--inh-inputs", type=int, default=16)
    ap.add_argument("--exc-hz", type=float, default=32.0, help="rate of each excitatory input")
    ap.add_argument("--inh-hz", type=float, default=20.0, help="rate of each inhibitory input")
    ap.add_argument("--fine-dt-ms", type=float, default=0.001)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    x_ex, x_in = inputs(args.neurons, args.duration_ms, args, args.seed)
    seconds = args.neurons * args.duration_ms / 1e3  # neuron-seconds
    runs, started = {}, time.perf_counter()
    runs["spikeflow cond_lif.step, dt 0.1"] = spikeflow_step(x_ex, x_in)
    runs["spikeflow (NumPy copy), dt 0.1"] = numpy_scheme(x_ex, x_in, BIN_MS, "spikeflow")
    if not np.array_equal(runs["spikeflow cond_lif.step, dt 0.1"], runs["spikeflow (NumPy copy), dt 0.1"]):
        raise AssertionError("the NumPy copy of spikeflow's update gave other spikes than cond_lif.step")
    runs["brian2 exponential_euler, dt 0.1"] = numpy_scheme(x_ex, x_in, BIN_MS, "brian2")
    fine = f"dt {args.fine_dt_ms:g}"
    runs[f"spikeflow, {fine}"] = numpy_scheme(x_ex, x_in, args.fine_dt_ms, "spikeflow")
    runs[f"brian2 exponential_euler, {fine}"] = numpy_scheme(x_ex, x_in, args.fine_dt_ms, "brian2")
    reference = runs[f"spikeflow, {fine}"]
    report = {"args": vars(args), "elapsed_s": time.perf_counter() - started, "runs": {}}
    print(f"{'scheme':40}{'rate (Hz)':>11}{'- reference (Hz)':>20}{'(%)':>8}")
    for name, counts in runs.items():
        d = (counts - reference) / (args.duration_ms / 1e3)  # per-neuron rate differences, paired
        rate = counts.sum() / seconds
        diff, se = float(d.mean()), float(d.std(ddof=1) / np.sqrt(d.size))
        pct = 100 * diff / (reference.sum() / seconds)
        report["runs"][name] = {"rate_hz": rate, "minus_reference_hz": diff, "se_hz": se, "percent": pct}
        print(f"{name:40}{rate:>11.3f}{diff:>+13.3f} +- {se:.3f}{pct:>+8.2f}")
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()

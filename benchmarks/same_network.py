"""COBA and CUBA (Brette et al. 2007) run on the identical network in spikeflow and Brian2:
Brian2 draws the connections and the initial state (``peers/brian2_export.py``, runtime
mode), spikeflow builds the same network from them, and both run 1 s. Paired this way,
the seed-to-seed spread of the networks drops out of the comparison: what differs is the
simulators alone.

    python benchmarks/same_network.py --peer-python /path/to/brian2-env/bin/python
        [--nest-python /path/to/nest-env/bin/python] [--networks coba cuba] [--seeds 1 2 3 4 5]
        [--duration-ms 1000] [--fine-dt-ms 0.01]

For each network and seed: both mean rates and mean CVs of ISI, how many of the first
spikes (ordered by step and neuron) are identical in both, and the step of the first
difference (after it the two runs, chaotic networks, part ways in detail). With
``--fine-dt-ms``, spikeflow also runs the same network at that step (delays of one such
step): a reference closer to the continuous-time dynamics, against which the
simulators' dt = 0.1 ms runs can be compared. With ``--nest-python``, NEST runs the same
network too (``peers/nest_same_network.py``; NEST feels a spike one step later, see
there). Then the mean paired differences of the rates with their standard errors. Prints
a table and one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "peers"))
from peer_stats import mean_cv  # noqa: E402

DT_MS = 0.1


def spikeflow_run(
    net_name: str, exported: dict, duration_ms: float, dt_ms: float = DT_MS
) -> tuple[np.ndarray, np.ndarray]:
    """Spike times (ms) and senders of spikeflow's run of the exported network at step
    ``dt_ms`` (synaptic delays of one step), with spikeflow's COBA or CUBA model."""
    from spikeflow.models.coba import COBA_WEIGHTS_NS, brette_network, coba_params
    from spikeflow.models.cuba import CUBA_WEIGHTS_MV
    from spikeflow.neurons import CubaLIFParams

    if net_name == "coba":
        params, weights, names = coba_params(dt_ms), COBA_WEIGHTS_NS, ("g_ex", "g_in")
    else:
        params, weights, names = CubaLIFParams(dt_ms=dt_ms), CUBA_WEIGHTS_MV, ("i_ex", "i_in")
    pairs = ((exported["exc_i"], exported["exc_j"]), (exported["inh_i"], exported["inh_j"]))
    n = exported["v"].size
    net, exc, inh = brette_network(params, n, *weights, dt_ms, seed=0, pairs=pairs)  # nothing drawn
    for pop, part in ((exc, slice(0, exc.n)), (inh, slice(exc.n, n))):
        pop.set_state("v", exported["v"][part])
        pop.set_state(names[0], exported["ge"][part])  # nS (COBA) or mV (CUBA)
        pop.set_state(names[1], exported["gi"][part])  # CUBA: negative, in both simulators
    spikes = net.record_spikes(exc | inh)
    net.run(duration_ms, progress=False)
    return spikes.times_ms, spikes.senders.astype(np.int64)


def compare(net_name: str, seed: int, duration_ms: float, args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path, nest_out = Path(tmp) / "net.npz", Path(tmp) / "nest.npz"
        subprocess.run([args.peer_python, str(HERE / "peers" / "brian2_export.py"), net_name, str(seed),
                        str(duration_ms), str(path)], check=True, capture_output=True)  # fmt: skip
        with np.load(path) as data:
            exported = {k: data[k] for k in data.files}
        if args.nest_python:
            script = str(HERE / "peers" / "nest_same_network.py")
            subprocess.run([args.nest_python, script, net_name, str(path), str(duration_ms), str(nest_out)],
                           check=True, capture_output=True)  # fmt: skip
            with np.load(nest_out) as data:
                nest_t, nest_i, nest_version = data["spike_t"], data["spike_i"], str(data["version"])
    b_steps = np.round(exported["spike_t"] / DT_MS).astype(np.int64)
    b_ids = exported["spike_i"].astype(np.int64)
    s_times, s_ids = spikeflow_run(net_name, exported, duration_ms)
    s_steps = np.round(s_times / DT_MS).astype(np.int64)
    a = np.lexsort((s_ids, s_steps))
    b = np.lexsort((b_ids, b_steps))
    n = min(a.size, b.size)
    same = (s_steps[a][:n] == b_steps[b][:n]) & (s_ids[a][:n] == b_ids[b][:n])
    first = int(np.argmin(same)) if not same.all() else n
    seconds, n, fine_dt_ms = duration_ms / 1e3, exported["v"].size, args.fine_dt_ms
    row = {
        "network": net_name, "seed": seed, "brian2": str(exported["version"]),
        "spikeflow_rate_hz": s_ids.size / n / seconds, "brian2_rate_hz": b_ids.size / n / seconds,
        "spikeflow_cv": mean_cv(s_steps * DT_MS, s_ids), "brian2_cv": mean_cv(b_steps * DT_MS, b_ids),
        "identical_first_spikes": first, "fine_dt_ms": fine_dt_ms,
        "first_difference_ms": float(min(s_steps[a][first] if first < a.size else np.inf,
                                         b_steps[b][first] if first < b.size else np.inf) * DT_MS),
    }  # fmt: skip
    if args.nest_python:
        row.update(nest=nest_version, nest_rate_hz=nest_i.size / n / seconds, nest_cv=mean_cv(nest_t, nest_i))
    if fine_dt_ms:
        f_times, f_ids = spikeflow_run(net_name, exported, duration_ms, fine_dt_ms)
        row["fine_rate_hz"] = f_ids.size / n / seconds
        row["fine_cv"] = mean_cv(f_times, f_ids)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--peer-python", required=True, help="interpreter with brian2")
    ap.add_argument("--networks", nargs="+", default=["cuba", "coba"], choices=["coba", "cuba"])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    ap.add_argument("--duration-ms", type=float, default=1000.0)
    ap.add_argument("--fine-dt-ms", type=float, default=None, help="also run spikeflow at this step")
    ap.add_argument("--nest-python", default=None, help="interpreter with nest: run NEST on the network too")
    args = ap.parse_args()
    rows = []
    print(f"{'network':8}{'seed':>5}{'spikeflow Hz':>14}{'Brian2 Hz':>11}{'CV sf':>8}{'CV B2':>8}"
          f"{'same first':>12}{'differ at ms':>14}{'fine-dt Hz':>12}{'NEST Hz':>9}", flush=True)  # fmt: skip
    for net_name in args.networks:
        for seed in args.seeds:
            r = compare(net_name, seed, args.duration_ms, args)
            rows.append(r)
            print(f"{net_name:8}{seed:>5}{r['spikeflow_rate_hz']:>14.3f}{r['brian2_rate_hz']:>11.3f}"
                  f"{r['spikeflow_cv'] or float('nan'):>8.3f}{r['brian2_cv'] or float('nan'):>8.3f}"
                  f"{r['identical_first_spikes']:>12}{r['first_difference_ms']:>14.1f}"
                  f"{r.get('fine_rate_hz', float('nan')):>12.3f}{r.get('nest_rate_hz', float('nan')):>9.3f}",
                  flush=True)  # fmt: skip
    summary = {}
    pairs = [("spikeflow_rate_hz", "brian2_rate_hz")]
    if args.nest_python:
        pairs += [("spikeflow_rate_hz", "nest_rate_hz"), ("nest_rate_hz", "brian2_rate_hz")]
    if args.fine_dt_ms:
        pairs += [(f"{sim}_rate_hz", "fine_rate_hz") for sim in ("spikeflow", "brian2")]
        pairs += [("nest_rate_hz", "fine_rate_hz")] if args.nest_python else []
    for net_name in args.networks:
        for one, other in pairs:
            # runs that fell silent in either are left out of the rate comparison
            diffs = [
                r[one] - r[other] for r in rows if r["network"] == net_name and min(r[one], r[other]) >= 1.0
            ]
            if len(diffs) < 2:
                continue
            mean, se = statistics.mean(diffs), statistics.stdev(diffs) / len(diffs) ** 0.5
            key = f"{one.removesuffix('_rate_hz')} - {other.removesuffix('_rate_hz')}"
            summary.setdefault(net_name, {})[key] = {"paired_runs": len(diffs), "mean_hz": mean, "se_hz": se}
            print(
                f"{net_name}: {key} = {mean:+.3f} Hz +- {se:.3f} (standard error, {len(diffs)} paired runs)"
            )
    print(json.dumps({"runs": rows, "summary": summary}))


if __name__ == "__main__":
    main()

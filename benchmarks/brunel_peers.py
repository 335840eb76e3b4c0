"""Brunel's (2000) network in its four regimes: spikeflow against NEST (``iaf_psc_delta``).

    python benchmarks/brunel_peers.py --peer-python /path/to/env/bin/python [--duration-ms 500]

Both run the same definition (``spikeflow.models.brunel``; NEST in
``benchmarks/peers/nest_brunel.py``), 12 500 neurons, seed 1; the statistics (mean rate,
mean CV of ISI, Fano factor of the 10 ms population count, synchrony chi) are computed
by the same code for both. Prints a table and one JSON object.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from spikeflow.models.brunel import REGIMES, run_brunel
from spikeflow.models.coba import NetworkRun
from spikeflow.sim import SpikeMonitor

HERE = Path(__file__).resolve().parent


class _Spikes:
    """NEST's spikes, read by :meth:`NetworkRun.statistics` as it reads a spike monitor."""

    def __init__(self, times_ms: np.ndarray, senders: np.ndarray) -> None:
        self.times_ms, self.senders = times_ms, senders

    by_neuron = SpikeMonitor.by_neuron


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--peer-python", required=True, help="interpreter with nest-simulator")
    ap.add_argument("--duration-ms", type=float, default=500.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rows = []
    keys = ("mean_rate_hz", "cv_isi", "fano_factor", "synchrony_chi")
    for regime in REGIMES:
        ours = run_brunel(regime, 12500, args.duration_ms, seed=args.seed, progress=False).statistics()
        rows.append({"regime": regime, "simulator": "spikeflow", **{k: ours[k] for k in keys},
                     "loop_s": ours["run_s"]})  # fmt: skip
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "spikes.npz"
            cmd = [args.peer_python, str(HERE / "peers" / "nest_brunel.py"), regime, str(args.seed),
                   str(args.duration_ms), str(out)]  # fmt: skip
            proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
            info = json.loads(proc.stdout.strip().splitlines()[-1])
            data = np.load(out)
            spikes = _Spikes(data["times"], data["senders"].astype(np.int64))
        theirs = NetworkRun(spikes, 12500, args.duration_ms, info["build_s"], info["loop_s"]).statistics()
        rows.append({"regime": regime, "simulator": info["simulator"], **{k: theirs[k] for k in keys},
                     "loop_s": info["loop_s"]})  # fmt: skip
    print(f"{'regime':8}{'simulator':18}{'rate Hz':>9}{'CV ISI':>8}{'Fano':>8}{'chi':>7}{'loop s':>8}")
    for r in rows:
        print(f"{r['regime']:8}{r['simulator']:18}{r['mean_rate_hz']:9.2f}{r['cv_isi']:8.3f}"
              f"{r['fano_factor']:8.2f}{r['synchrony_chi']:7.3f}{r['loop_s']:8.2f}")  # fmt: skip
    print(json.dumps({"duration_ms": args.duration_ms, "seed": args.seed, "rows": rows}))


if __name__ == "__main__":
    main()

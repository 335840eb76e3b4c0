"""The integrator as a choice of the model: COBA and CUBA (Brette et al. 2007) with their
neurons written as specifications, integrated exactly (CUBA: linear), by exponential
Euler, forward Euler and RK4; spikeflow's generated loop against Brian2's C++ standalone
with the same method, and the accuracy of each at dt = 0.1 ms.

    python benchmarks/integrators.py [--peer-python /path/to/brian2-env/bin/python]
        [--seeds 1 2 3] [--rounds 3]

Two measurements per (network, integrator):

* loop time: the full 4000-neuron recurrent network for 1 s at dt = 0.1 ms (COBA seed 3,
  CUBA seed 1 unless ``--loop-seed``), median of ``--rounds`` runs after one that compiles;
  spikeflow's fast backend (the JIT loop with the specification's generated update) and,
  with ``--peer-python``, Brian2 standalone (``BRIAN2_METHOD``; its own loop timer);
* accuracy: a feed-forward version (400 neurons driven through random connections by 800
  excitatory and 200 inhibitory Poisson spike trains, the same spike times and
  connections at every step size, 0.1 ms delays) for 1 s, the mean rate at dt = 0.1 ms
  against the same model at dt = 0.001 ms (CUBA exact, COBA RK4), paired over ``--seeds``.
  With ``--peer-python``, Brian2 standalone runs the same feed-forward network
  (``peers/brian2_feedforward.py``: the same spike trains, its own connections) at each
  method, against its own dt = 0.001 ms run.

``--figure PATH`` writes rate error against loop time for both simulators.

Prints a table and one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
from pathlib import Path

import numpy as np

import spikeflow as sf
from spikeflow.models.brette_neurons import INTEGRATORS, brette_neuron
from spikeflow.models.coba import run_coba
from spikeflow.models.cuba import run_cuba

HERE = Path(__file__).resolve().parent
REFERENCE = {"cuba": "exact", "coba": "rk4"}
BRIAN2_METHOD = {"exact": "exact", "exp_euler": "exponential_euler", "euler": "euler", "rk4": "rk4"}
RUN = {"cuba": run_cuba, "coba": run_coba}
# feed-forward drive: (excitatory Hz, inhibitory Hz) of the 800 + 200 input trains, and weights
DRIVE = {"cuba": ((5.0, 5.0), (1.62, 9.0)), "coba": ((10.0, 2.0), (6.0, 67.0))}


def spec(network: str, integrator: str) -> sf.neurons.ModelSpec:
    """The network's neuron as a specification with ``integrator``."""
    return brette_neuron(network, integrator)


def loop_time(network: str, integrator: str, seed: int, rounds: int) -> dict:
    params = spec(network, integrator).params(dt_ms=0.1)
    RUN[network](seed=seed, progress=False, backend="fast", params=params, duration_ms=50.0)  # compiles
    runs = [RUN[network](seed=seed, progress=False, backend="fast", params=params) for _ in range(rounds)]
    return {"loop_s": statistics.median(r.run_s for r in runs), "spikes": int(runs[0].spikes.senders.size)}


def brian2_loop(peer: str, network: str, integrator: str, seed: int, rounds: int) -> dict:
    env = {**os.environ, "BRIAN2_METHOD": BRIAN2_METHOD[integrator]}
    cmd = [peer, str(HERE / "peers" / "brian2_nets.py"), network, "standalone", str(seed), "1000", "4000"]
    out = []
    for _ in range(rounds):
        done = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env, cwd=HERE / "peers")
        text = done.stdout
        out.append(json.loads(text.strip().splitlines()[-1]))
    return {"loop_s": statistics.median(o["loop_s"] for o in out), "spikes": out[0]["n_spikes"]}


def brian2_rate(peer: str, network: str, integrator: str, dt_ms: float, seed: int) -> float:
    """Brian2's mean rate (Hz) on the feed-forward network (``peers/brian2_feedforward.py``)."""
    script = str(HERE / "peers" / "brian2_feedforward.py")
    cmd = [peer, script, network, BRIAN2_METHOD[integrator], str(dt_ms), str(seed)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=HERE / "peers")
    return json.loads(done.stdout.strip().splitlines()[-1])["mean_rate_hz"]


def figure(rows: list, path: str) -> None:
    """Rate error at dt = 0.1 ms against loop time, both simulators, one panel per network."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for ax, network in zip(axes, INTEGRATORS):
        for r in (r for r in rows if r["network"] == network):
            ax.plot(r["spikeflow"]["loop_s"], abs(r["mean_rate_error_pct"]), "o", color="C0")
            point = (r["spikeflow"]["loop_s"], abs(r["mean_rate_error_pct"]))
            ax.annotate(r["integrator"], point, fontsize=8)
            if "brian2_standalone" in r and "brian2_mean_rate_error_pct" in r:
                point = (r["brian2_standalone"]["loop_s"], abs(r["brian2_mean_rate_error_pct"]))
                ax.plot(*point, "s", color="C1")
                ax.annotate(r["integrator"], point, fontsize=8)
        ax.set_title(network.upper())
        ax.set_xlabel("loop time, 4000 neurons, 1 s (s)")
        ax.set_ylabel("|rate error| at dt = 0.1 ms (%)")
    axes[0].plot([], [], "o", color="C0", label="spikeflow")
    axes[0].plot([], [], "s", color="C1", label="Brian2 standalone")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def feedforward_rate(network: str, integrator: str, dt_ms: float, seed: int,
                     duration_ms: float = 1000.0) -> float:  # fmt: skip
    """Mean rate (Hz) of the feed-forward network (see the module docstring)."""
    (r_exc, r_inh), (w_exc, w_inh) = DRIVE[network]
    rng = np.random.default_rng(seed)
    bins = int(round(duration_ms / 0.1))

    def trains(n: int, rate_hz: float) -> list:
        hits = rng.random((bins, n)) < rate_hz * 1e-4  # on the 0.1 ms grid, at every step size
        return [np.flatnonzero(hits[:, k]) * 0.1 for k in range(n)]

    net = sf.sim.Network(dt_ms=dt_ms, seed=seed, backend="fast")
    exc = net.population(800, sf.sim.SpikeTimes(trains(800, r_exc)))
    inh = net.population(200, sf.sim.SpikeTimes(trains(200, r_inh)))
    cells = net.population(400, spec(network, integrator).params(dt_ms=dt_ms))
    net.connect(exc, cells, p=0.1, weight=w_exc, delay_ms=0.1)
    net.connect(inh, cells, p=0.1, weight=w_inh, delay_ms=0.1, receptor="inh")
    spikes = net.record_spikes(cells)
    net.run(duration_ms, progress=False)
    return spikes.senders.size / 400 / (duration_ms / 1e3)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--peer-python", default=None, help="interpreter with brian2 (loop times side by side)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", default=None, help="also write the JSON object to this file")
    ap.add_argument("--figure", default=None, help="write the accuracy / loop-time figure here (PNG)")
    args = ap.parse_args()
    loop_seed = {"coba": 3, "cuba": 1}
    rows = []
    for network, integrators in INTEGRATORS.items():
        reference = [feedforward_rate(network, REFERENCE[network], 0.001, s) for s in args.seeds]
        if args.peer_python:
            b2_reference = [brian2_rate(args.peer_python, network, REFERENCE[network], 0.001, s)
                            for s in args.seeds]  # fmt: skip
        for integrator in integrators:
            rates = [feedforward_rate(network, integrator, 0.1, s) for s in args.seeds]
            errors = [100.0 * (r - ref) / ref for r, ref in zip(rates, reference)]
            row = {"network": network, "integrator": integrator, "reference_rate_hz": reference,
                   "rate_hz": rates, "rate_error_pct": errors, "mean_rate_error_pct": float(np.mean(errors)),
                   "spikeflow": loop_time(network, integrator, loop_seed[network], args.rounds)}  # fmt: skip
            if args.peer_python:
                row["brian2_standalone"] = brian2_loop(
                    args.peer_python, network, integrator, loop_seed[network], args.rounds
                )
                b2_rates = [brian2_rate(args.peer_python, network, integrator, 0.1, s) for s in args.seeds]
                b2_errors = [100.0 * (r - ref) / ref for r, ref in zip(b2_rates, b2_reference)]
                row.update(brian2_reference_rate_hz=b2_reference, brian2_rate_hz=b2_rates,
                           brian2_mean_rate_error_pct=float(np.mean(b2_errors)))  # fmt: skip
            rows.append(row)
            print(json.dumps(row), flush=True)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'network':<6} {'integrator':<10} {'spikeflow rate error':>21} {'Brian2 rate error':>18} "
          f"{'spikeflow loop':>15} {'Brian2 loop':>12}")
    for r in rows:
        b2 = f"{r['brian2_standalone']['loop_s']:.3f} s" if "brian2_standalone" in r else "-"
        b2_err = f"{r['brian2_mean_rate_error_pct']:+.2f}%" if "brian2_mean_rate_error_pct" in r else "-"
        print(f"{r['network']:<6} {r['integrator']:<10} {r['mean_rate_error_pct']:>+20.2f}% {b2_err:>18} "
              f"{r['spikeflow']['loop_s']:>13.3f} s {b2:>12}")  # fmt: skip
    if args.figure:
        figure(rows, args.figure)
    payload = {"rows": rows, "seeds": args.seeds, "rounds": args.rounds, "load_average": os.getloadavg()}
    if args.json:
        Path(args.json).write_text(json.dumps(payload, indent=1))
    print(json.dumps(payload))


if __name__ == "__main__":
    main()

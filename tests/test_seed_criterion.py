"""benchmarks/seed_criterion.py: the "mean inside the other simulator's spread over k
seeds" criterion, computed from many-seed runs."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "seed_criterion.py"
spec = importlib.util.spec_from_file_location("seed_criterion", SCRIPT)
sc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sc)


def test_inside_uses_lasting_runs_and_every_column():
    y = np.array([[18.0, 1.50], [20.0, 1.56], [0.1, 0.2]])  # the silent run widens nothing
    assert sc.inside(np.array([[19.0, 1.52], [19.5, 1.54]]), y, (0,))
    assert sc.inside(np.array([[19.0, 1.52], [0.2, 9.0]]), y, (0, 1))  # silent x run left out
    assert not sc.inside(np.array([[20.5, 1.52], [19.7, 1.52]]), y, (0,))  # mean 20.1 > 20
    assert not sc.inside(np.array([[19.0, 1.49]]), y, (0, 1))  # rate inside, CV below
    assert sc.inside(np.array([[19.0, 1.49]]), y, (0,))
    assert not sc.inside(np.array([[0.5, 1.0]]), y, (0,))  # nothing lasted
    assert not sc.inside(np.array([[19.0, 1.5]]), np.array([[0.1, 0.2]]), (0,))


def _runs(sim: str, rates: np.ndarray, cvs: np.ndarray) -> list[dict]:
    return [
        {"simulator": sim, "network": "coba", "seed": i + 1, "mean_rate_hz": float(r), "cv_isi": float(c)}
        for i, (r, c) in enumerate(zip(rates, cvs))
    ]


def test_a_biased_simulator_fails_where_equivalent_ones_pass(tmp_path):
    rng = np.random.default_rng(3)
    runs = []
    for sim, shift in (("a", 0.0), ("b", 0.0), ("c", 0.0), ("biased", 3.0)):
        runs += _runs(sim, 20 + shift + rng.standard_normal(30), 1.5 + 0.02 * rng.standard_normal(30))
    path = tmp_path / "runs.json"
    path.write_text(json.dumps({"runs": runs}))
    report = sc.main([str(path), "--draws", "2000", "--networks", "coba"])
    rate = report["networks"]["coba"]["pass"]["rate"]
    assert rate["biased"]["all"] < 0.02
    assert all(rate[s]["in"]["biased"] < 0.05 for s in "abc")  # nobody sits inside its spread
    for s in "abc":  # each equivalent one inside the two others' spreads most of the time
        assert min(rate[s]["in"][o] for o in "abc" if o != s) > 0.6
    with_cv = report["networks"]["coba"]["pass"]["rate+cv"]
    assert all(with_cv[s]["all"] <= rate[s]["all"] for s in rate)  # two conditions are harder
    assert len(rate["a"]["blocks"]) == 6 and not any(rate["biased"]["blocks"])


def test_blocks_are_consecutive_seeds_and_seeds_must_be_shared(tmp_path):
    runs = _runs("x", np.array([10, 10, 10, 30, 30, 30.0]), np.ones(6))
    runs += _runs("y", np.array([9, 11, 10, 9, 11, 10.0]), np.ones(6))
    values = sc.tables(runs, "coba")[2]
    r = sc.pass_rates(values, 3, 50, 0)["rate"]
    assert r["x"]["blocks"] == [True, False] and r["y"]["blocks"] == [True, False]
    with pytest.raises(ValueError, match="k must be <= the 6 seeds"):
        sc.pass_rates(values, 7, 10, 0)
    with pytest.raises(ValueError, match="seed 1 twice"):
        sc.tables(runs + runs[:1], "coba")
    sims, seeds, _ = sc.tables(runs + _runs("z", np.array([10.0, 10.0]), np.ones(2)), "coba")
    assert sims == ["x", "y", "z"] and seeds == [1, 2]

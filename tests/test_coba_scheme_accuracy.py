"""benchmarks/coba_scheme_accuracy.py at a small size: its NumPy copy of spikeflow's COBA
update fires exactly the spikes of ``cond_lif.step`` (else the script refuses), and at dt
0.1 ms spikeflow's rate lies closer to the fine-step reference than Brian2's
exponential Euler does (paired inputs)."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "coba_scheme_accuracy.py"
spec = importlib.util.spec_from_file_location("coba_scheme_accuracy", SCRIPT)
acc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(acc)


def test_spikeflows_update_is_closer_to_the_fine_reference_than_brian2s():
    report = acc.main(["--neurons", "60", "--duration-ms", "600", "--fine-dt-ms", "0.01", "--seed", "2"])
    runs = report["runs"]
    a, b = runs["spikeflow cond_lif.step, dt 0.1"], runs["brian2 exponential_euler, dt 0.1"]
    assert a["rate_hz"] == runs["spikeflow (NumPy copy), dt 0.1"]["rate_hz"]
    assert 15.0 < runs["spikeflow, dt 0.01"]["rate_hz"] < 25.0  # COBA's regime
    assert abs(a["percent"]) < 1.0 < b["percent"]  # Brian2's holds g at its start-of-step value


def test_numpy_copy_and_step_sizes():
    x_ex, x_in = np.zeros((20, 3)), np.zeros((20, 3))
    x_ex[0] = [0.0, 2.0, 600.0]  # 2 nS stays below threshold, 600 nS at once does not
    counts = acc.numpy_scheme(x_ex, x_in, 0.1, "spikeflow")
    assert counts.tolist() == [0, 0, 1]
    assert np.array_equal(acc.spikeflow_step(x_ex, x_in), counts)
    with pytest.raises(ValueError, match="dt_ms must divide 0.1 ms, got 0.03"):
        acc.numpy_scheme(x_ex, x_in, 0.03, "spikeflow")

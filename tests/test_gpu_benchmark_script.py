"""The GPU benchmark script, tried at tiny sizes (``--smoke``): on a machine without a GPU
its Triton runner goes through Triton's interpreter. A GPU session is short; the script
must work before it starts."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("triton")
SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "gpu_kernels.py"


def test_gpu_benchmark_smoke_runs_and_its_runners_agree(tmp_path):
    out = tmp_path / "gpu.json"
    env = {**os.environ, "PYTHONPATH": str(SCRIPT.parents[1] / "src")}
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--smoke", "--json-out", str(out)],
        capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(out.read_text())
    assert report["smoke"] is True and report["T"] == 6
    runs = report["runs"]
    assert set(runs) >= {"spikeflow (triton)", "plain torch loop"}
    for name in ("spikeflow (triton)", "plain torch loop"):
        assert isinstance(runs[name], dict), f"{name}: {runs[name]}"
        assert runs[name]["same_spikes_as_first"] is True
        assert 0 < runs[name]["spike_count"] < 6 * 2 * 64  # some neurons fire, not all always
        assert runs[name]["forward_backward_s"] > 0

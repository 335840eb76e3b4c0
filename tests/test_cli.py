import json
import subprocess
import sys

import pytest

from spikeflow import __version__, cli


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["--version"])
    assert e.value.code == 0
    assert capsys.readouterr().out.strip() == f"spikeflow {__version__}"
    assert cli.main([]) == 0
    assert "demo" in capsys.readouterr().out


def test_console_script_help_runs_in_fresh_process():
    out = subprocess.run(
        [sys.executable, "-m", "spikeflow.cli", "demo", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "--json" in out and "--out" in out


def test_demo_json_last_line_and_figures(tmp_path, capsys):
    code = cli.main(["demo", "--epochs", "2", "--out", str(tmp_path / "fig"), "--json"])
    assert code == 0
    captured = capsys.readouterr()
    last = captured.out.strip().splitlines()[-1]
    payload = json.loads(last)
    assert {"test_accuracy", "wall_s", "spikes_per_neuron", "figures"} <= set(payload)
    assert 0.7 < payload["test_accuracy"] <= 1.0  # two epochs already learn most digits
    assert payload["spikes_per_neuron"] > 0
    for path in payload["figures"].values():
        with open(path, "rb") as fh:
            assert fh.read(8) == b"\x89PNG\r\n\x1a\n"
    assert "training |" in captured.err  # the progress bar


def test_demo_reports_bad_arguments(capsys):
    assert cli.main(["demo", "--epochs", "0", "--quiet"]) == 2
    assert "epochs must be >= 1, got 0" in capsys.readouterr().err

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
    assert "training: 100%" in captured.err and "2/2" in captured.err  # the progress bar (tqdm)


def test_demo_reports_bad_arguments(capsys):
    with pytest.raises(SystemExit) as stop:  # argparse's usage error, before any work
        cli.main(["demo", "--epochs", "0", "--quiet"])
    assert stop.value.code == 2
    assert "argument --epochs: expected an integer >= 1, got 0" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["simulate", "coba", "--neurons", "0"], "argument --neurons: expected an integer >= 1, got 0"),
        (["simulate", "coba", "--threads", "-1"], "argument --threads: expected an integer >= 0, got -1"),
        (["simulate", "coba", "--duration-ms", "nan"], "argument --duration-ms: expected a finite"),
        (["forage", "--seeds", "x"], "argument --seeds: expected an integer, got 'x'"),
    ],
)
def test_bad_command_line_values_stop_before_any_work(argv, message, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main([*argv, "--quiet"])
    assert stop.value.code == 2 and message in capsys.readouterr().err


def test_an_unwritable_out_folder_stops_before_the_simulation(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert cli.main(["simulate", "coba", "--out", str(blocker / "sub"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "--out" in err and "is not a folder spikeflow can write to" in err


def test_a_short_simulation_reports_undefined_statistics_as_null(tmp_path, capsys):
    # 5 ms is less than two 10 ms bins: the Fano factor and synchrony are not defined
    argv = ["simulate", "cuba", "--neurons", "200", "--duration-ms", "5", "--out", str(tmp_path), "--json"]
    assert cli.main([*argv, "--quiet"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["fano_factor"] is None and out["synchrony_chi"] is None and out["duration_ms"] == 5.0
    assert (tmp_path / "cuba.png").exists()


def test_a_command_whose_optional_packages_are_missing_stops_before_any_work(monkeypatch, capsys):
    # without its extras, `simulate coba` ran the whole network and then failed on the
    # missing plotting library, losing the result
    import importlib.util

    real = importlib.util.find_spec

    def without_matplotlib(name, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        return None if name == "matplotlib" else real(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", without_matplotlib)
    ran = []
    monkeypatch.setattr(cli, "_cmd_simulate", lambda args: ran.append(args) or 0)
    assert cli.main(["simulate", "coba", "--duration-ms", "30"]) == 2
    err = capsys.readouterr().err
    assert "spikeflow simulate: error: needs matplotlib, not installed: pip install 'spikeflow[plot]'" in err
    assert ran == []
    for command in ("demo", "compare", "fit", "forage"):
        packages, extra = cli.NEEDS[command]
        assert extra and all(pip for _, pip in packages)

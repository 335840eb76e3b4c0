"""spikeflow fit: a spiking model of the grasshopper receptors beats both baselines."""

import json

import numpy as np
import pytest

from spikeflow import cli
from spikeflow.analysis import coincidence_factor
from spikeflow.models.grasshopper import FitConfig, fit_cell, load_cell, spike_triggered_average

pytest.importorskip("nitime", reason="the recordings ship with nitime (pip install nitime)")


def test_recordings_load():
    stim, times = load_cell(1)
    assert stim.shape == (200_000,)  # 10 s at 20 kHz
    assert times.min() >= 0 and times.max() < 10_000
    assert 60 < len(times) / 10 < 120  # about 80 spikes per second
    assert np.all(np.diff(times) > 0)


def test_spike_triggered_average_recovers_a_known_filter():
    rng = np.random.default_rng(0)
    s = rng.normal(size=50_000)
    kernel = np.array([0.0, 0.5, 1.0, 0.5, 0.0, -0.3])
    drive = np.convolve(s, kernel)[: s.size]
    raster = (rng.random(s.size) < 0.05 * np.exp(drive - 1)).astype(float)
    sta = spike_triggered_average(s, raster, 6)
    assert np.corrcoef(sta, kernel)[0, 1] > 0.95


@pytest.mark.parametrize("cell", [1, 2])
def test_fitted_model_beats_both_baselines_on_held_out_data(cell):
    fit = fit_cell(cell, FitConfig())
    assert fit.gamma_model > max(fit.gamma_lnp, fit.gamma_poisson) + 0.05, fit.summary()
    assert abs(fit.gamma_poisson) < 0.15  # the chance correction works at delta = 2 ms
    assert 0.7 < fit.rate_model_hz / fit.rate_data_hz < 1.3


def test_fit_cli_json(tmp_path, capsys):
    code = cli.main(["fit", "--cells", "2", "--steps", "40", "--json", "--quiet", "--out", str(tmp_path)])
    assert code == 0
    payload = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {"gamma_model", "gamma_poisson", "gamma_lnp"} <= set(payload["cell2"])
    assert (tmp_path / "fit_cell2.png").read_bytes()[:4] == b"\x89PNG"


def test_bad_input():
    with pytest.raises(ValueError, match="cell must be 1 or 2, got 3"):
        load_cell(3)
    with pytest.raises(ValueError, match=r"train_ms must lie in \(0, 10000.0\), got 20000"):
        FitConfig(train_ms=20000)
    with pytest.raises(ValueError, match="dt_ms must be a multiple of 0.05 ms, got 0.33"):
        fit_cell(1, FitConfig(dt_ms=0.33, steps=1))


def test_gamma_is_undefined_when_chance_coincidence_saturates():
    dense = np.arange(0, 1000, 2.0)  # 500 Hz: 2 nu delta = 2 at delta = 2 ms
    assert np.isnan(coincidence_factor(dense, dense, 2.0, 0, 1000))

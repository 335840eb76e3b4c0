"""Ridge readout: closed form against scikit-learn, cross-validation picks a sensible
regularisation, bad input."""

import numpy as np
import pytest

from spikeflow.learning.readout import fit_ridge


def test_matches_scikit_learn_at_the_chosen_alpha():
    sklearn = pytest.importorskip("sklearn.linear_model")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 30)) * rng.uniform(0.1, 10, 30)
    y = x @ rng.standard_normal((30, 2)) + 0.5 * rng.standard_normal((200, 2))
    model = fit_ridge(x, y)
    xs = (x - x.mean(0)) / x.std(0)
    ref = sklearn.Ridge(alpha=model.alpha).fit(xs, y)
    np.testing.assert_allclose(model.coef, ref.coef_.T, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(model.predict(x), ref.predict(xs), rtol=1e-8, atol=1e-9)


def test_cross_validation_regularises_more_when_features_are_noise():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((60, 50))
    signal = fit_ridge(x, x[:, 0] + 0.01 * rng.standard_normal(60))
    noise = fit_ridge(x, rng.standard_normal(60))
    assert noise.alpha > 100 * signal.alpha
    errs = signal.cv_error
    assert errs[signal.alpha] == min(errs.values())


def test_bad_input():
    with pytest.raises(ValueError, match="samples"):
        fit_ridge(np.zeros((10, 3)), np.zeros(9))
    with pytest.raises(ValueError, match="finite"):
        fit_ridge(np.full((20, 2), np.nan), np.zeros(20))
    with pytest.raises(ValueError, match="alphas"):
        fit_ridge(np.zeros((20, 2)), np.zeros(20), alphas=[-1.0])
    model = fit_ridge(np.random.default_rng(0).standard_normal((20, 2)), np.zeros(20))
    with pytest.raises(ValueError, match="x must be"):
        model.predict(np.zeros((3, 5)))

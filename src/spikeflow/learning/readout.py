"""Linear readouts fitted in closed form: ridge regression with the regularisation chosen
by cross-validation (the readout of reservoir computing)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _checks


@dataclass
class Ridge:
    """A fitted ridge readout ``y = (x - mean) / scale @ coef + intercept``.

    Attributes:
        coef: ``[features, targets]``; intercept: ``[targets]``; alpha: the chosen
        regularisation; cv_error: mean squared validation error of each tried alpha.
    """

    coef: np.ndarray
    intercept: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    alpha: float
    cv_error: dict[float, float]

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Predictions ``[samples, targets]`` for features ``x [samples, features]``."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.coef.shape[0]:
            raise ValueError(f"x must be [samples, {self.coef.shape[0]}], got {list(x.shape)}")
        return (x - self.mean) / self.scale @ self.coef + self.intercept


def _solve(x: np.ndarray, y: np.ndarray, alphas: np.ndarray) -> list[np.ndarray]:
    """Ridge solutions for every alpha from one SVD of ``x`` (centred)."""
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    uty = u.T @ y
    return [vt.T @ ((s / (s**2 + a))[:, None] * uty) for a in alphas]


def fit_ridge(
    x: np.ndarray, y: np.ndarray, alphas: np.ndarray | None = None, folds: int = 5, seed: int = 0
) -> Ridge:
    """Fit ridge regression of ``y [samples, targets]`` (or ``[samples]``) on ``x
    [samples, features]``; features are standardised, the intercept is not penalised, and
    ``alpha`` is the one of ``alphas`` (default ``10**-4 ... 10**4``) with the lowest mean
    squared error over ``folds`` shuffled folds. The final fit uses all samples."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    y2 = y[:, None] if y.ndim == 1 else y
    if x.ndim != 2 or y2.ndim != 2 or x.shape[0] != y2.shape[0]:
        raise ValueError(
            f"x must be [samples, features] and y [samples, targets]; got {x.shape} and {y.shape}"
        )
    if not (np.isfinite(x).all() and np.isfinite(y2).all()):
        raise ValueError("x and y must be finite")
    _checks.positive_int("folds", folds)
    if x.shape[0] < 2 * folds:
        raise ValueError(
            f"need at least {2 * folds} samples for {folds}-fold cross-validation, got {x.shape[0]}"
        )
    alphas = np.logspace(-4, 4, 17) if alphas is None else np.asarray(alphas, dtype=np.float64)
    if alphas.ndim != 1 or alphas.size == 0 or (alphas <= 0).any():
        raise ValueError("alphas must be a non-empty list of positive numbers")
    order = np.random.default_rng(seed).permutation(x.shape[0])
    errors = np.zeros(alphas.size)
    for part in np.array_split(order, folds):
        train = np.setdiff1d(order, part)
        mean, scale = x[train].mean(0), x[train].std(0) + 1e-12
        xt = (x[train] - mean) / scale
        ym = y2[train].mean(0)
        xv = (x[part] - mean) / scale
        for k, coef in enumerate(_solve(xt, y2[train] - ym, alphas)):
            errors[k] += ((xv @ coef + ym - y2[part]) ** 2).mean() / folds
    best = int(np.argmin(errors))
    mean, scale = x.mean(0), x.std(0) + 1e-12
    ym = y2.mean(0)
    (coef,) = _solve((x - mean) / scale, y2 - ym, alphas[best : best + 1])
    return Ridge(coef, ym, mean, scale, float(alphas[best]), dict(zip(alphas.tolist(), errors.tolist())))

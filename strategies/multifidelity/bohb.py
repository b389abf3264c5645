"""BOHB: Hyperband whose first-rung configs come from a TPE-like kernel density model.

Falkner, Klein and Hutter (2018), "BOHB: Robust and Efficient Hyperparameter Optimization at
Scale", ICML, Algorithm 2; defaults as in their HpBandSter implementation. The density
estimator is written here on numpy/scipy (HpBandSter uses statsmodels' KDEMultivariate with
the normal-reference bandwidth, which this reproduces; the tests compare the two).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import truncnorm

from harness.protocols import Trial
from harness.registry import strategy
from harness.validation import Interval, check_parameters

from .hyperband import Hyperband

__all__ = ["ProductKDE", "BOHB"]


class ProductKDE:
    """A product-kernel density over mixed columns, as statsmodels' ``KDEMultivariate``.

    Continuous columns (values in the unit cube) use a Gaussian kernel; categorical columns
    (integer codes ``0..c-1``) use the Aitchison-Aitken kernel, which gives the datum's own
    level weight ``1 - lam`` and every other level ``lam / (c - 1)``.

    Parameters
    ----------
    data : ndarray, shape (n, d)
        Training points; no ``nan``.
    levels : ndarray of int, shape (d,)
        0 for a continuous column, else the number of levels ``c >= 2`` of a categorical one.
    bandwidth : ndarray, shape (d,), optional
        Per-column bandwidths; default :meth:`normal_reference`. Clipped below at
        ``min_bandwidth`` and, for categoricals, above at ``(c - 1) / c`` (uniform).
    min_bandwidth : float
        Floor that keeps a column with identical values from collapsing to a point.
    """

    def __init__(self, data: np.ndarray, levels: np.ndarray, bandwidth: np.ndarray | None = None,
                 min_bandwidth: float = 1e-3) -> None:
        self.data = np.asarray(data, dtype=float)
        self.levels = np.asarray(levels, dtype=int)
        bw = self.normal_reference(self.data) if bandwidth is None else np.asarray(bandwidth, dtype=float)
        bw = np.maximum(bw, min_bandwidth)
        categorical = self.levels > 0
        cap = np.where(categorical, (self.levels - 1) / np.maximum(self.levels, 1), np.inf)
        self.bandwidth = np.minimum(bw, cap)

    @staticmethod
    def normal_reference(data: np.ndarray) -> np.ndarray:
        """Scott's rule ``1.06 * std * n**(-1 / (4 + d))`` per column, shape ``(d,)``."""
        n, d = data.shape
        return 1.06 * np.std(data, axis=0) * n ** (-1.0 / (4 + d))

    def pdf(self, x: np.ndarray) -> np.ndarray:
        """Density at each row of ``x`` ``(m, d)``; returns ``(m,)``."""
        x = np.atleast_2d(np.asarray(x, dtype=float))
        diff = x[:, None, :] - self.data[None, :, :]  # (m, n, d)
        h = self.bandwidth
        gauss = np.exp(-0.5 * (diff / h) ** 2) / (math.sqrt(2 * math.pi) * h)
        levels = np.maximum(self.levels, 2)
        aitchison = np.where(np.abs(diff) < 0.5, 1 - h, h / (levels - 1))
        kernel = np.where(self.levels > 0, aitchison, gauss)
        return np.prod(kernel, axis=2).mean(axis=1)

    def sample(self, rng: np.random.Generator, k: int, bandwidth_factor: float = 1.0) -> np.ndarray:
        """Draw ``k`` points ``(k, d)`` around randomly chosen training points.

        Continuous columns: a normal of width ``bandwidth * bandwidth_factor`` truncated to
        ``[0, 1]``; categorical columns keep the datum's level with probability ``1 - lam``,
        else take a uniformly random level (HpBandSter's sampler).
        """
        centres = self.data[rng.integers(0, len(self.data), size=k)]
        out = np.empty_like(centres)
        for j, c in enumerate(self.levels):
            m = centres[:, j]
            if c == 0:
                scale = self.bandwidth[j] * bandwidth_factor
                out[:, j] = truncnorm.rvs(-m / scale, (1 - m) / scale, loc=m, scale=scale, random_state=rng)
            else:
                keep = rng.random(k) < 1 - self.bandwidth[j]
                out[:, j] = np.where(keep, m, rng.integers(0, c, size=k))
        return out


@strategy("bohb")
class BOHB(Hyperband):
    """BOHB (Falkner et al. 2018): Hyperband with a kernel-density model sampler.

    Brackets, rungs and promotions are Hyperband's. A new first-rung config is random with
    probability ``random_fraction`` or while no model exists; otherwise it comes from the
    model on the highest fidelity with enough observations: the told configs at that fidelity
    are split into the best ``max(min_points_in_model, top_fraction * n)`` ("good", density
    ``l``) and the rest ("bad", ``g``), both need more rows than dimensions; ``num_samples``
    candidates are drawn from ``l`` with its bandwidth widened by ``bandwidth_factor`` and
    the one maximising ``l(x) / g(x)`` is chosen. Densities live in the unit cube of
    ``space.encode`` (log scales included, integers as continuous cells); categoricals are
    unordered kernels on their cells; inactive conditional values are imputed from other
    points of the same set (or uniformly), as in HpBandSter. Failed trials count as worst.

    Parameters
    ----------
    space, seed, budget, fidelity, eta, min_fidelity
        As for :class:`~strategies.multifidelity.hyperband.Hyperband`.
    min_points_in_model : int or None
        Observations needed at a fidelity before modelling it (default ``d + 1``).
    top_fraction : float
        Fraction of observations forming the good density (default 0.15).
    num_samples : int
        Candidates drawn from the good density per config (default 64).
    random_fraction : float
        Probability of a uniformly random config (default 1/3).
    bandwidth_factor : float
        Widening of the good density when sampling candidates (default 3).
    min_bandwidth : float
        Bandwidth floor in the unit cube (default 1e-3).
    """

    def __init__(self, space, seed, budget, fidelity=None, *, eta: float = 3, min_fidelity: float | None = None,
                 min_points_in_model: int | None = None, top_fraction: float = 0.15, num_samples: int = 64,
                 random_fraction: float = 1 / 3, bandwidth_factor: float = 3.0, min_bandwidth: float = 1e-3):
        super().__init__(space, seed, budget, fidelity, eta=eta, min_fidelity=min_fidelity)
        d = len(space.params)
        positive = Interval(float, 0, None, closed="neither")
        check_parameters(f"strategy '{self.name}'", {
            "min_points_in_model": Interval(int, 1, None, none=True),
            "top_fraction": Interval(float, 0, 1, closed="neither"), "num_samples": Interval(int, 1, None),
            "random_fraction": Interval(float, 0, 1), "bandwidth_factor": positive, "min_bandwidth": positive,
        }, min_points_in_model=min_points_in_model, top_fraction=top_fraction, num_samples=num_samples,
            random_fraction=random_fraction, bandwidth_factor=bandwidth_factor, min_bandwidth=min_bandwidth)
        min_points = d + 1 if min_points_in_model is None else min_points_in_model
        self.min_points_in_model = min_points
        self.top_fraction = float(top_fraction)
        self.num_samples = num_samples
        self.random_fraction = float(random_fraction)
        self.bandwidth_factor = float(bandwidth_factor)
        self.min_bandwidth = float(min_bandwidth)
        self.levels = np.array([len(p.choices) if p.kind == "categorical" else 0 for p in space.params])
        # Observations per fidelity: rows in "model coordinates" (unit cube, categorical codes).
        self._observations: dict[float, tuple[list[np.ndarray], list[float]]] = {}
        self._model = None
        self._model_key = None

    # -- observations and model -----------------------------------------------------------
    def on_result(self, info, value: float, trial: Trial) -> None:
        super().on_result(info, value, trial)
        bracket, rung, _ = info
        rows, values = self._observations.setdefault(bracket.rungs[rung][1], ([], []))
        rows.append(self._to_model(self.space.encode([trial.config])[0]))
        values.append(value)

    def _to_model(self, unit: np.ndarray) -> np.ndarray:
        codes = np.minimum(np.floor(unit * self.levels), self.levels - 1)
        return np.where(self.levels > 0, codes, unit)

    def _to_unit(self, rows: np.ndarray) -> np.ndarray:
        return np.where(self.levels > 0, (rows + 0.5) / np.maximum(self.levels, 1), rows)

    def _impute(self, rows: np.ndarray) -> np.ndarray:
        """Fill inactive (``nan``) entries with active values of the same column, else uniform."""
        rows = rows.copy()
        for j in range(rows.shape[1]):
            missing = np.isnan(rows[:, j])
            if not missing.any():
                continue
            present = rows[~missing, j]
            if present.size:
                rows[missing, j] = self.rng.choice(present, size=missing.sum())
            elif self.levels[j] > 0:
                rows[missing, j] = self.rng.integers(0, self.levels[j], size=missing.sum())
            else:
                rows[missing, j] = self.rng.random(missing.sum())
        return rows

    def model(self) -> tuple[ProductKDE, ProductKDE] | None:
        """The (good, bad) densities on the highest fidelity that has enough observations."""
        key = tuple((f, len(v[1])) for f, v in sorted(self._observations.items()))
        if key == self._model_key:
            return self._model
        self._model_key, self._model = key, None
        d = len(self.levels)
        for fidelity in sorted(self._observations, reverse=True):
            rows, values = self._observations[fidelity]
            n = len(values)
            if n < self.min_points_in_model:
                continue
            order = np.argsort(np.asarray(values), kind="stable")
            n_good = max(self.min_points_in_model, int(self.top_fraction * n))
            n_bad = max(self.min_points_in_model, int((1 - self.top_fraction) * n))
            data = np.asarray(rows)[order]
            good, bad = data[:n_good], data[n_good : n_good + n_bad]
            if len(good) <= d or len(bad) <= d:
                continue
            self._model = (
                ProductKDE(self._impute(good), self.levels, min_bandwidth=self.min_bandwidth),
                ProductKDE(self._impute(bad), self.levels, min_bandwidth=self.min_bandwidth),
            )
            break
        return self._model

    def sample_configs(self, k: int) -> list[dict]:
        """``k`` first-rung configs: model-based picks mixed with random ones."""
        configs = []
        for _ in range(k):
            model = self.model()
            if model is None or self.rng.random() < self.random_fraction:
                configs.extend(self.space.sample(self.rng, 1))
                continue
            good, bad = model
            candidates = good.sample(self.rng, self.num_samples, self.bandwidth_factor)
            ratio = np.maximum(good.pdf(candidates), 1e-32) / np.maximum(bad.pdf(candidates), 1e-32)
            best = candidates[int(np.argmax(ratio))]
            configs.extend(self.space.decode(self._to_unit(best)[None, :]))
        return configs

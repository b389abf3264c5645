"""Maximising an acquisition function over a mixed, possibly conditional space.

Points are carried as *raw* unit-cube vectors ``u`` in ``[0, 1]^d`` (one column per
parameter, every column filled). A raw vector is made valid by decoding it to a config and
encoding that config back (:meth:`FeatureMap.canonical`): integers snap to their cell centre,
categoricals to their cell, and inactive parameters become ``nan``. The GP sees *features*:
floats and integers as their unit value, categoricals one-hot, and inactive parameters a
constant (0.5 for numbers, all-zero for a one-hot block), so the acquisition is only ever
evaluated at points that decode to valid configs.

The search: many scrambled-Sobol candidates plus perturbations of the best observed points,
the best few refined by alternating a discrete neighbourhood search (integers +-1, every other
categorical choice) with L-BFGS-B on the free float coordinates (analytic gradients).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from scipy import optimize
from scipy.stats import qmc

from harness.space import Space

__all__ = ["FeatureMap", "maximise_acquisition", "perturb_incumbents"]

#: ``acq(features, with_grad) -> values (m,)`` or ``(values (m,), grad (m, p))``.
AcquisitionFn = Callable[..., object]


class FeatureMap:
    """Raw unit vectors -> valid configs -> GP features.

    Parameters
    ----------
    space : Space
    """

    def __init__(self, space: Space) -> None:
        self.space = space
        self.dim = len(space.params)
        parents = {p.condition.parent for p in space.params if p.condition is not None}
        self.columns: list[slice] = []
        start = 0
        for param in space.params:
            width = len(param.choices) if param.kind == "categorical" else 1
            self.columns.append(slice(start, start + width))
            start += width
        self.n_features = start
        #: Float parameters whose value never changes which parameters are active.
        self.free_floats = [j for j, p in enumerate(space.params) if p.kind == "float" and p.name not in parents]
        self.discrete = [j for j, p in enumerate(space.params) if p.kind != "float"]
        self._plain = all(p.kind == "float" and not p.log for p in space.params) and not space.is_conditional

    def canonical(self, raw: np.ndarray) -> np.ndarray:
        """Snap raw vectors to valid points; inactive parameters become ``nan``.

        Parameters
        ----------
        raw : ndarray, shape (m, d)

        Returns
        -------
        ndarray, shape (m, d)
        """
        raw = np.clip(np.asarray(raw, dtype=float), 0.0, 1.0)
        if self._plain:
            return raw
        return self.space.encode(self.space.decode(raw))

    def features(self, unit: np.ndarray) -> np.ndarray:
        """GP features of canonical points (``nan`` = inactive), shape (m, n_features)."""
        unit = np.asarray(unit, dtype=float)
        if self._plain:
            return unit.copy()
        out = np.zeros((unit.shape[0], self.n_features))
        for j, param in enumerate(self.space.params):
            col = unit[:, j]
            active = ~np.isnan(col)
            if param.kind == "categorical":
                k = len(param.choices)
                idx = np.minimum((np.nan_to_num(col) * k).astype(int), k - 1)
                rows = np.nonzero(active)[0]
                out[rows, self.columns[j].start + idx[rows]] = 1.0
            else:
                out[:, self.columns[j].start] = np.where(active, col, 0.5)
        return out

    def raw_from_unit(self, unit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Fill the ``nan`` (inactive) columns of canonical points with uniform draws."""
        unit = np.array(unit, dtype=float)
        holes = np.isnan(unit)
        unit[holes] = rng.random(int(holes.sum()))
        return unit

    def neighbours(self, raw: np.ndarray) -> np.ndarray:
        """One-step discrete moves from one raw vector: integers +-1, other categorical choices."""
        config = self.space.decode(raw[None, :])[0]
        out = []
        for j in self.discrete:
            param = self.space.params[j]
            if param.name not in config:
                continue
            if param.kind == "int":
                values = [v for v in (config[param.name] - 1, config[param.name] + 1) if param.low <= v <= param.high]
            else:
                values = [c for c in param.choices if param.index(c) != param.index(config[param.name])]
            for value in values:
                moved = raw.copy()
                moved[j] = param.to_unit(value)
                out.append(moved)
        return np.array(out).reshape(-1, self.dim)


def maximise_acquisition(acq: AcquisitionFn, fmap: FeatureMap, rng: np.random.Generator, incumbents: np.ndarray, *,
                         n_candidates: int = 2048, n_local: int = 10, n_rounds: int = 3) -> tuple[np.ndarray, float]:
    """Find a raw point with (close to) maximal acquisition.

    Parameters
    ----------
    acq : callable
        ``acq(features, with_grad=False) -> (m,)``; with ``with_grad=True`` also the gradient
        with respect to the features, shape (m, p).
    fmap : FeatureMap
    rng : numpy.random.Generator
    incumbents : ndarray, shape (k, d)
        Raw vectors of the best observed points, best first; their neighbourhoods are sampled
        densely so the search can refine the incumbent region precisely.
    n_candidates : int
        Scrambled-Sobol candidates (rounded up to a power of two).
    n_local : int
        How many of the best candidates are refined locally.
    n_rounds : int
        Alternations of discrete moves and continuous L-BFGS-B per refined start.

    Returns
    -------
    raw : ndarray, shape (d,)
    value : float
    """
    d = fmap.dim
    m = int(np.ceil(np.log2(max(n_candidates, 2))))
    sobol = qmc.Sobol(d, scramble=True, seed=rng).random_base2(m)
    local = perturb_incumbents(incumbents, fmap, rng, max(n_candidates // 4, 16))
    raw = np.vstack([sobol, local])
    unit = fmap.canonical(raw)
    values = acq(fmap.features(unit))
    values = np.where(np.isfinite(values), values, -np.inf)
    order = np.argsort(-values, kind="stable")
    # Starts: the best candidate, the best observed point, and a roulette draw weighted by
    # exp(acquisition) (as Optuna's GPSampler does), which spreads the local searches over
    # several basins instead of refining one basin five times.
    starts = [int(order[0])]
    if incumbents.shape[0]:
        starts.append(sobol.shape[0] + local.shape[0])
        raw = np.vstack([raw, incumbents[:1]])
        unit = np.vstack([unit, fmap.canonical(incumbents[:1])])
        values = np.r_[values, acq(fmap.features(unit[-1:]))]
        values[-1] = values[-1] if np.isfinite(values[-1]) else -np.inf
    probs = np.exp(np.minimum(values - values[order[0]], 0.0))
    probs[starts] = 0.0
    n_extra = min(n_local - len(starts), int(np.count_nonzero(probs > 0)))
    if n_extra > 0:
        starts.extend(rng.choice(len(values), size=n_extra, replace=False, p=probs / probs.sum()).tolist())
    best_raw, best_value = raw[order[0]].copy(), float(values[order[0]])
    for i in starts:
        x, v = _refine(acq, fmap, raw[i].copy(), float(values[i]), n_rounds)
        if v > best_value:
            best_raw, best_value = x, v
    return best_raw, best_value


def _refine(acq: AcquisitionFn, fmap: FeatureMap, x: np.ndarray, v: float, n_rounds: int) -> tuple[np.ndarray, float]:
    """Alternate discrete neighbour moves and L-BFGS-B on the free floats from ``x``."""
    for _ in range(n_rounds):
        moved = False
        if fmap.discrete:
            x, v, moved = _discrete_step(acq, fmap, x, v)
        if fmap.free_floats:
            x, v = _continuous_step(acq, fmap, x, v)
        if not moved:
            break
    return x, v


def perturb_incumbents(incumbents: np.ndarray, fmap: FeatureMap, rng: np.random.Generator, count: int) -> np.ndarray:
    """``count`` Gaussian perturbations of the incumbents (best first), shape ``(count, d)``.

    Scales are log-uniform in ``[1e-3, 0.2]`` of the cube; categorical columns are redrawn
    with probability ``1/d``.
    """
    if incumbents.shape[0] == 0:
        return np.empty((0, fmap.dim))
    k = incumbents.shape[0]
    # The best point gets half of the samples: that is where precision pays off late in a run.
    weights = np.r_[k, np.ones(k - 1) * (k / max(k - 1, 1))][:k]
    pick = rng.choice(k, size=count, p=weights / weights.sum())
    scales = np.exp(rng.uniform(np.log(1e-3), np.log(0.2), size=(count, 1)))
    out = incumbents[pick] + scales * rng.standard_normal((count, fmap.dim))
    for j in fmap.discrete:
        if fmap.space.params[j].kind == "categorical":
            flip = rng.random(count) < 1.0 / fmap.dim
            out[flip, j] = rng.random(int(flip.sum()))
    return np.clip(out, 0.0, 1.0)


def _discrete_step(acq: AcquisitionFn, fmap: FeatureMap, x: np.ndarray, v: float):
    moved = False
    for _ in range(8):
        nbrs = fmap.neighbours(x)
        if nbrs.shape[0] == 0:
            break
        vals = acq(fmap.features(fmap.canonical(nbrs)))
        j = int(np.argmax(vals))
        if not vals[j] > v + 1e-12:
            break
        x, v, moved = nbrs[j], float(vals[j]), True
    return x, v, moved


def _continuous_step(acq: AcquisitionFn, fmap: FeatureMap, x: np.ndarray, v: float):
    free = fmap.free_floats
    base_unit = fmap.canonical(x[None, :])
    # Only floats active at this point move; the rest of the point stays fixed.
    free = [j for j in free if not np.isnan(base_unit[0, j])]
    if not free:
        return x, v
    base = fmap.features(base_unit)[0]
    cols = [fmap.columns[j].start for j in free]

    def negative(z: np.ndarray):
        feat = base.copy()
        feat[cols] = z
        val, grad = acq(feat[None, :], with_grad=True)
        val = float(val[0])
        if not np.isfinite(val):
            return 1e10, np.zeros_like(z)
        return -val, -grad[0, cols]

    res = optimize.minimize(
        negative, x[free], jac=True, method="L-BFGS-B", bounds=[(0.0, 1.0)] * len(free), options={"maxiter": 100}
    )
    if np.isfinite(res.fun) and -res.fun > v:
        x = x.copy()
        x[free] = np.clip(res.x, 0.0, 1.0)
        # Re-evaluate at the canonical point: decoding may move a log float by a rounding error.
        v_new = float(acq(fmap.features(fmap.canonical(x[None, :])))[0])
        return x, v_new
    return x, v

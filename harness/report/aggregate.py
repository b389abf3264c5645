"""Small, cheap aggregates the figures draw (computed from the analysis' incumbent frame).

Figures never plot raw trials: every aggregate here reduces the incumbent trajectories of
all runs to at most a few hundred points per (problem, strategy), so a report on a million
trials draws as fast as one on a thousand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["objective_column", "evaluation_grid", "cost_grid", "resample", "convergence_curves", "wants_log"]


def objective_column(inc: pd.DataFrame) -> str:
    """``"regret"`` if any regret is known (optimum or reference), else ``"incumbent"``."""
    if "regret" in inc and inc["regret"].notna().any():
        return "regret"
    return "incumbent"


def evaluation_grid(max_evals: float, n_points: int = 60) -> np.ndarray:
    """Integer evaluation counts 1..max_evals, every one if few, else log-spaced."""
    max_evals = int(max(1, max_evals))
    if max_evals <= n_points:
        return np.arange(1, max_evals + 1, dtype=float)
    return np.unique(np.round(np.geomspace(1, max_evals, n_points))).astype(float)


def cost_grid(min_cost: float, max_cost: float, n_points: int = 60) -> np.ndarray:
    """Log-spaced cumulative costs from the smallest first-trial cost to the largest total."""
    low = max(float(min_cost), 1e-12)
    high = max(float(max_cost), low * (1 + 1e-9))
    return np.geomspace(low, high, n_points)


def resample(inc: pd.DataFrame, x: str, grid: np.ndarray, y: str) -> pd.DataFrame:
    """The incumbent of every run at every grid point (last value with ``x <= point``).

    Parameters
    ----------
    inc : DataFrame
        Incumbent rows with ``run_id``, ``x`` and ``y`` columns (one problem, or several).
    x : str
        ``"evals"`` or ``"cum_cost"``.
    grid : ndarray, shape (m,)
        Points at which to read every run.
    y : str
        Column to read.

    Returns
    -------
    DataFrame
        Columns ``run_id``, ``x`` (the grid point), ``y``; NaN before a run's first trial.
        A run that stopped early keeps its last incumbent (the best it found stays its best).
    """
    runs = inc["run_id"].unique()
    points = pd.DataFrame(
        {"run_id": np.repeat(runs, len(grid)), "_x": np.tile(np.asarray(grid, float), len(runs))}
    ).sort_values("_x", kind="stable")
    rows = inc[["run_id", x, y]].rename(columns={x: "_x"}).astype({"_x": float})
    rows = rows.dropna(subset=["_x"]).sort_values("_x", kind="stable")
    merged = pd.merge_asof(points, rows, on="_x", by="run_id", direction="backward")
    return merged.rename(columns={"_x": x})


def convergence_curves(inc: pd.DataFrame, x: str = "evals", y: str | None = None, n_points: int = 60) -> pd.DataFrame:
    """Median and interquartile range of the incumbent over runs, per problem and strategy.

    Parameters
    ----------
    inc : DataFrame
        ``harness.analysis.metrics.incumbents`` output.
    x : str
        ``"evals"`` or ``"cum_cost"``.
    y : str, optional
        Column to aggregate; default :func:`objective_column`.
    n_points : int
        Grid points per problem (shared by its strategies, so curves are comparable).

    Returns
    -------
    DataFrame
        Columns ``problem, strategy, x, median, q25, q75, n_runs``.
    """
    y = y or objective_column(inc)
    parts = []
    for problem, sub in inc.groupby("problem", sort=True):
        if x == "evals":
            grid = evaluation_grid(sub["evals"].max(), n_points)
        else:
            first = sub.loc[sub["cum_cost"] > 0, "cum_cost"]
            if first.empty:
                continue
            grid = cost_grid(first.min(), sub["cum_cost"].max(), n_points)
        sampled = resample(sub, x, grid, y)
        strategy_of = sub.drop_duplicates("run_id").set_index("run_id")["strategy"]
        sampled["strategy"] = sampled["run_id"].map(strategy_of)
        grouped = sampled.groupby(["strategy", x])[y]
        stats = grouped.quantile([0.25, 0.5, 0.75]).unstack()
        stats.columns = ["q25", "median", "q75"]
        stats["n_runs"] = grouped.count()
        stats = stats.reset_index().rename(columns={x: "x"})
        stats.insert(0, "problem", problem)
        parts.append(stats[stats["n_runs"] > 0])
    cols = ["problem", "strategy", "x", "median", "q25", "q75", "n_runs"]
    return pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)


def wants_log(values: np.ndarray | pd.Series) -> bool:
    """Whether a log axis helps: all finite values >= 0, some > 0, spanning > 2 decades.

    Negative values within rounding error of zero (a regret of -2e-16 at the optimum) count
    as zero.
    """
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return False
    tolerance = 1e-9 * max(1.0, float(np.abs(v).max()))
    if (v < -tolerance).any():
        return False
    v = np.where(v < 0, 0.0, v)
    pos = v[v > 0]
    return pos.size > 0 and pos.max() / pos.min() > 100.0

"""Results against time for runs with parallel workers: anytime curves, utilisation, speed-ups.

Only runs on a clock (``clock`` ``simulated`` or ``real``, see ``harness/event_loop.py``) have
times; untimed sequential runs are left out. The incumbent of a run at time ``t`` is the best
``ok`` trial that *ended* by ``t``, counting only trials at the problem's highest fidelity seen
in the suite (a low-fidelity value is not what a multi-fidelity method would return). Its
regret is the noise-free value where stored, minus the run's ``optimum``, else its
``reference``, else the best value seen on the problem across the suite.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["timed_trials", "run_curves", "anytime_curves", "utilisation", "speedups"]

_CLOCKS = ("simulated", "real")


def timed_trials(df: pd.DataFrame) -> pd.DataFrame:
    """Trials of runs on a clock (an empty frame when there are none or no timing columns)."""
    if "clock" not in df.columns:
        return df.iloc[0:0]
    return df[df["clock"].isin(_CLOCKS)]


def _regret(df: pd.DataFrame) -> pd.Series:
    value = df["value"].astype(float)
    if "noise_free_value" in df.columns:
        value = df["noise_free_value"].astype(float).where(df["noise_free_value"].notna(), value)
    floor = pd.Series(np.nan, index=df.index)
    for name in ("optimum", "reference"):
        if name in df.columns:
            floor = floor.fillna(df[name].astype(float))
    best_seen = value.groupby(df["problem"]).transform("min")
    return value - floor.fillna(best_seen)


def run_curves(df: pd.DataFrame) -> pd.DataFrame:
    """One row per timed trial: ``problem, strategy, run_id, workers, end_time, regret`` where
    ``regret`` is the run's incumbent regret once that trial ended (inf before any)."""
    timed = timed_trials(df)
    if timed.empty:
        return pd.DataFrame(columns=["problem", "strategy", "run_id", "workers", "end_time", "regret"])
    regret = _regret(timed)
    eligible = timed["status"].eq("ok") & regret.notna()
    if "fidelity" in timed.columns:
        top = timed["fidelity"].groupby(timed["problem"]).transform("max")
        eligible &= timed["fidelity"].isna() | (timed["fidelity"] >= top)
    frame = pd.DataFrame({
        "problem": timed["problem"].astype(str), "strategy": timed["strategy"].astype(str),
        "run_id": timed["run_id"].astype(str), "workers": timed["workers"].astype(int),
        "end_time": timed["end_time"].astype(float), "regret": regret.where(eligible, np.inf),
        "trial": timed["trial"].astype(int),
    }).sort_values(["run_id", "end_time", "trial"], kind="stable")
    frame["regret"] = frame.groupby("run_id", sort=False)["regret"].cummin()
    return frame.drop(columns="trial").reset_index(drop=True)


def _at(curve: pd.DataFrame, grid: np.ndarray) -> np.ndarray:
    """A run's incumbent regret at each grid time (inf before its first completion)."""
    times = curve["end_time"].to_numpy()
    regrets = curve["regret"].to_numpy()
    pos = np.searchsorted(times, grid, side="right") - 1
    return np.where(pos >= 0, regrets[np.maximum(pos, 0)], np.inf)


def _grids(curves: pd.DataFrame, points: int) -> dict[str, np.ndarray]:
    return {p: np.linspace(0.0, float(g["end_time"].max()), points) for p, g in curves.groupby("problem")}


def anytime_curves(df: pd.DataFrame, points: int = 200) -> pd.DataFrame:
    """Median and quartiles over runs of the incumbent regret against time.

    Returns
    -------
    DataFrame
        ``problem, strategy, x, median, q25, q75`` (``x`` in seconds on the runs' clock),
        the shape :func:`harness.report.figures.convergence_figure` draws. Before a run's
        first full-fidelity result its regret is infinite, so the median starts once at least
        half of the runs have one.
    """
    curves = run_curves(df)
    rows = []
    grids = _grids(curves, points)
    for (problem, strategy), group in curves.groupby(["problem", "strategy"], sort=True):
        grid = grids[problem]
        values = np.array([_at(run, grid) for _, run in group.groupby("run_id", sort=False)])
        with np.errstate(invalid="ignore"):
            q25, med, q75 = np.percentile(values, [25, 50, 75], axis=0)
        # A curve ends where this strategy's runs ended, not where the longest run on the
        # problem did (a finished run's incumbent is not an anytime result beyond its end).
        keep = np.isfinite(med) & (grid <= group["end_time"].max())
        rows.append(pd.DataFrame({"problem": problem, "strategy": strategy, "x": grid[keep],
                                  "median": med[keep], "q25": q25[keep], "q75": np.where(np.isfinite(q75), q75, np.nan)[keep]}))
    if not rows:
        return pd.DataFrame(columns=["problem", "strategy", "x", "median", "q25", "q75"])
    return pd.concat(rows, ignore_index=True)


def utilisation(df: pd.DataFrame) -> pd.DataFrame:
    """Per problem and strategy: workers, runs, the mean busy fraction of the workers (time
    spent evaluating, cancelled trials' part included, over ``workers x`` the run's span), the
    median span and trials per run, and the number of cancelled trials."""
    timed = timed_trials(df)
    if timed.empty:
        return pd.DataFrame(columns=["problem", "strategy", "workers", "runs", "busy", "span", "trials", "cancelled"])
    busy_time = (timed["end_time"] - timed["start_time"]).groupby(timed["run_id"]).sum()
    per_run = timed.groupby("run_id").agg(problem=("problem", "first"), strategy=("strategy", "first"),
                                          workers=("workers", "first"), span=("end_time", "max"),
                                          trials=("trial", "size"),
                                          cancelled=("status", lambda s: int((s == "cancelled").sum())))
    if "budget_kind" in timed.columns:
        # A time budget's span is the budget itself, idle tail included.
        kind = timed.groupby("run_id")[["budget_kind", "budget"]].first()
        per_run["span"] = np.where(kind["budget_kind"] == "time", np.maximum(kind["budget"], per_run["span"]), per_run["span"])
    per_run["busy"] = busy_time / (per_run["workers"] * per_run["span"]).where(per_run["span"] > 0)
    out = per_run.groupby(["problem", "strategy"]).agg(workers=("workers", "first"), runs=("busy", "size"),
                                                       busy=("busy", "mean"), span=("span", "median"),
                                                       trials=("trials", "median"), cancelled=("cancelled", "sum"))
    return out.reset_index()


def speedups(df: pd.DataFrame, points: int = 2000) -> pd.DataFrame:
    """Time to reach a target regret with k workers against one worker, per strategy.

    For each problem and registry strategy with a 1-worker timed variant (label ``base``) and
    a k-worker one (label ``parallel``), the target is ``base``'s median final regret; the
    table gives the first time each median curve reaches it and ``speedup = t_base / t_parallel``
    (``inf`` time: never reached within the runs). Runs are matched by registry name only, so a
    suite comparing worker counts should vary nothing else between the two entries.
    """
    curves = run_curves(df)
    columns = ["problem", "strategy", "base", "workers", "target_regret", "time_base", "time_parallel", "speedup"]
    if curves.empty or "strategy_name" not in df.columns:
        return pd.DataFrame(columns=columns)
    names = timed_trials(df).groupby("strategy")["strategy_name"].first()
    grids = _grids(curves, points)
    rows = []
    for problem, group in curves.groupby("problem"):
        grid = grids[problem]
        medians, workers, finals = {}, {}, {}
        for label, runs in group.groupby("strategy"):
            per_run = [run for _, run in runs.groupby("run_id", sort=False)]
            medians[label] = np.median(np.array([_at(run, grid) for run in per_run]), axis=0)
            finals[label] = float(np.median([run["regret"].iloc[-1] for run in per_run]))
            workers[label] = int(runs["workers"].iloc[0])
        for base in (lab for lab in medians if workers[lab] == 1):
            for other in (lab for lab in medians if workers[lab] > 1 and names[lab] == names[base]):
                target = finals[base]
                t_base, t_par = _first(grid, medians[base], target), _first(grid, medians[other], target)
                rows.append([problem, other, base, workers[other], target, t_base, t_par,
                             t_base / t_par if t_par > 0 else np.inf])
    return pd.DataFrame(rows, columns=columns)


def _first(grid: np.ndarray, median: np.ndarray, target: float) -> float:
    hit = np.flatnonzero(median <= target)
    return float(grid[hit[0]]) if hit.size else np.inf

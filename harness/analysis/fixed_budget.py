"""Fixed-budget results: each run's incumbent at each budget, its regret, normalised score and AUC.

Built on the incumbent trajectories of :mod:`harness.analysis.metrics`; the budgets are
fractions of each problem's budget or absolute ones, counted in evaluations or in cost
(:func:`~harness.analysis.metrics.spend_axis`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from harness.analysis.frames import codes, run_spans
from harness.analysis.metrics import (_as_incumbents, _check_by, budget_units, first_regret_median, problem_budgets,
                                      spend_axis)

__all__ = ["final", "normalised_scores", "score_zero_kind", "SCORE_FORMULA", "DEFAULT_BUDGET_FRACTIONS"]

#: Default budgets of :func:`final`, as fractions of each problem's run budget.
DEFAULT_BUDGET_FRACTIONS = (0.1, 0.25, 0.5, 1.0)

#: The normalised score, as stated in reports.
SCORE_FORMULA = (
    "score = 1 - r / r0, i.e. (f0 - f) / (f0 - f_ref), where f is the noise-free value of the "
    "run's incumbent at the budget, f_ref the problem's reference (known optimum, else pinned "
    "reference, else best value ever observed in the stored runs), r = f - f_ref its regret and "
    "r0 = f0 - f_ref the median regret of the baseline strategy (random search) at the same "
    "budget on the same problem. 0 = as good as the median random-search run, 1 = reached the "
    "reference, < 0 = worse than the median random-search run. If the suite has no baseline "
    "strategy, r0 is the median regret of the first successful trial over all runs of the "
    "problem (roughly one untuned configuration)."
)


def final(df: pd.DataFrame, budgets: Sequence[float] | None = None, by: str = "auto", *,
          fractions: Sequence[float] = DEFAULT_BUDGET_FRACTIONS,
          baseline: str | None = "random") -> pd.DataFrame:
    """Fixed-budget results: each run's incumbent at each budget, with regret, score and AUC.

    A run that stopped before a budget keeps its last incumbent (it spent no more). The area
    under the curve is ``(1/B) * sum_j r_j * c_j`` over the trials within budget ``B``, where
    ``r_j`` is the incumbent regret after trial ``j`` and ``c_j`` the trial's spend (1
    evaluation, or its cost), plus the last regret times the unspent rest of ``B``; i.e. the
    mean height of the regret curve drawn over ``[0, B]``. Trials before the first success
    count with the worst regret seen on the problem.

    Parameters
    ----------
    df : DataFrame
        Stored trials, or the output of :func:`~harness.analysis.metrics.incumbents`.
    budgets : sequence of float, optional
        Absolute budgets (evaluations or cost, see ``by``), the same for every problem. When
        omitted, ``fractions`` of each problem's budget (:func:`~harness.analysis.metrics.problem_budgets`) are used.
    by : {"auto", "evals", "cost"}
        Whether budgets count evaluations, cumulative cost, or (``"auto"``) each problem in
        the unit of its runs' budgets (see :func:`~harness.analysis.metrics.spend_axis`).
    fractions : sequence of float
        Budget fractions used when ``budgets`` is omitted.
    baseline : str or None
        Strategy label whose median regret is the zero of the normalised score (see
        :data:`SCORE_FORMULA`); when absent from the data the documented fallback is used.

    Returns
    -------
    DataFrame
        One row per run x budget: ``problem, dimension, strategy, run_id, repetition, by,
        unit`` (``evaluations`` or ``cost``), ``level`` (the budget's identifier across
        problems: the fraction, or the absolute budget when ``budgets`` is given), ``budget,
        budget_fraction, spent, value, value_true,
        regret, log10_regret, test_value, test_regret, score, auc_regret, auc_log10_regret,
        failed`` (a failed run that stopped before this budget: regrets are ``inf``).
    """
    _check_by(by)
    inc = _as_incumbents(df)
    curves = _curves(inc, by)
    if budgets is None:
        levels = [float(f) for f in fractions]
        per_run_budgets = [f * curves.problem_budget for f in levels]
    else:
        levels = [float(b) for b in budgets]
        per_run_budgets = [np.full(len(curves.starts), b) for b in levels]
    pieces = [_at_budget(inc, curves, by, level, budget) for level, budget in zip(levels, per_run_budgets)]
    out = pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame()
    if len(out):
        out["score"] = normalised_scores(out, inc, baseline)
    return out


@dataclass(frozen=True)
class _Curves:
    """Each incumbent row's spend axis and regret area so far, and each run's fixed facts."""

    starts: np.ndarray  # first row of each run, (n_runs,)
    x: np.ndarray  # spend axis, (n,)
    filled: np.ndarray  # regret, the problem's worst where none yet, (n,)
    filled_log: np.ndarray
    area: np.ndarray  # running area under the filled regret curve, (n,)
    area_log: np.ndarray
    worst_regret: np.ndarray  # the problem's worst regret, per row (n,)
    worst_log: np.ndarray
    lengths: np.ndarray  # rows per run, (n_runs,)
    problem_budget: np.ndarray  # each run's problem budget, (n_runs,)
    units: np.ndarray
    failed: np.ndarray  # the run failed, (n_runs,)
    total_spend: np.ndarray  # the run's whole spend, (n_runs,)
    rows: dict  # the identity columns of each run


def _curves(inc: pd.DataFrame, by: str) -> _Curves:
    run, starts, ends = run_spans(inc)
    n_rows = len(inc)
    x = spend_axis(inc, by)
    spend = np.diff(np.r_[0.0, x])
    spend[starts] = x[starts]

    problem_code, problem_names = codes(inc["problem"])
    problem_budget = problem_budgets(inc, by).reindex(problem_names).to_numpy(dtype=float)
    run_units = budget_units(inc, by).reindex(problem_names).to_numpy()[problem_code[starts]]

    regret = inc["regret"].to_numpy(dtype=float)
    log_regret = inc["log10_regret"].to_numpy(dtype=float)
    worst = pd.DataFrame({"regret": regret, "log": log_regret}).groupby(problem_code).max()
    worst = worst.reindex(np.arange(len(problem_names)))
    worst_regret = worst["regret"].to_numpy(dtype=float)[problem_code]
    worst_log = worst["log"].to_numpy(dtype=float)[problem_code]
    filled = np.where(np.isfinite(regret), regret, worst_regret)
    filled_log = np.where(np.isfinite(log_regret), log_regret, worst_log)
    rows = {
        "problem": np.asarray(inc["problem"].iloc[starts], dtype=object),
        "dimension": inc["dimension"].to_numpy()[starts],
        "strategy": np.asarray(inc["strategy"].iloc[starts], dtype=object),
        "run_id": np.asarray(inc["run_id"].iloc[starts], dtype=object),
        "repetition": inc["repetition"].to_numpy()[starts],
    }
    return _Curves(
        starts=starts, x=x, filled=filled, filled_log=filled_log,
        area=pd.Series(filled * spend).groupby(run).cumsum().to_numpy(),
        area_log=pd.Series(filled_log * spend).groupby(run).cumsum().to_numpy(),
        worst_regret=worst_regret, worst_log=worst_log, lengths=ends - starts + 1,
        problem_budget=problem_budget[problem_code[starts]], units=run_units,
        failed=(inc["run_failed"].to_numpy(dtype=bool)[starts] if "run_failed" in inc.columns
                else np.zeros(len(starts), dtype=bool)),
        total_spend=x[ends] if n_rows else np.zeros(0), rows=rows)


def _at_budget(inc: pd.DataFrame, c: _Curves, by: str, level: float, budget: np.ndarray) -> pd.DataFrame:
    """Every run's row of :func:`final` at one budget level (``budget`` per run)."""
    starts, x = c.starts, c.x
    row_budget = np.repeat(budget, c.lengths)
    within = (x <= row_budget * (1 + 1e-9)).astype(np.int64)
    count = np.add.reduceat(within, starts) if len(x) else np.zeros(0, dtype=np.int64)
    has = count > 0
    idx = np.where(has, starts + count - 1, starts)
    spent = np.where(has, x[idx], 0.0)
    rest = np.clip(budget - spent, 0.0, None)
    last_regret = np.where(has, c.filled[idx], c.worst_regret[starts])
    last_log = np.where(has, c.filled_log[idx], c.worst_log[starts])
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = (np.where(has, c.area[idx], 0.0) + last_regret * rest) / budget
        auc_log = (np.where(has, c.area_log[idx], 0.0) + last_log * rest) / budget

    # A failed run that stopped short of this budget has no valid result at it: it
    # ranks last instead of being carried flat to the end.
    failed = c.failed & (c.total_spend < budget * (1 - 1e-9))

    def at(column, failed_value=np.nan):
        values = np.where(has, inc[column].to_numpy(dtype=float)[idx], np.nan)
        return np.where(failed, failed_value, values)

    piece = pd.DataFrame(c.rows)
    piece["by"] = by
    piece["unit"] = c.units
    piece["level"] = level
    piece["budget"] = budget
    with np.errstate(invalid="ignore", divide="ignore"):
        piece["budget_fraction"] = budget / c.problem_budget
    piece["spent"] = spent
    piece["value"] = at("incumbent")
    piece["value_true"] = at("incumbent_true")
    # A run with no successful full-fidelity evaluation by this budget has nothing to
    # return yet: its regret counts as infinite (worst), like a failure, not as missing.
    piece["regret"] = np.nan_to_num(at("regret", np.inf), nan=np.inf, posinf=np.inf, neginf=-np.inf)
    piece["log10_regret"] = np.nan_to_num(at("log10_regret", np.inf), nan=np.inf, posinf=np.inf, neginf=-np.inf)
    piece["test_value"] = at("incumbent_test")
    piece["test_regret"] = at("test_regret", np.inf)
    piece["auc_regret"] = np.where(failed, np.inf, auc)
    piece["auc_log10_regret"] = np.where(failed, np.inf, auc_log)
    piece["failed"] = failed
    return piece


def normalised_scores(fin: pd.DataFrame, inc: pd.DataFrame, baseline: str | None) -> np.ndarray:
    """Normalised score of each row of :func:`final` (formula in :data:`SCORE_FORMULA`).

    Returns
    -------
    ndarray
        Shape ``(len(fin),)``; NaN where the zero regret ``r0`` is 0 or unknown.
    """
    zero = None
    if baseline is not None and (fin["strategy"] == baseline).any():
        base = fin[fin["strategy"] == baseline]
        zero_table = base.groupby(["problem", "level"], sort=False)["regret"].median()
        zero = fin[["problem", "level"]].merge(
            zero_table.rename("_zero").reset_index(), on=["problem", "level"], how="left"
        )["_zero"].to_numpy(dtype=float)
    if zero is None:
        zero = fin["problem"].map(first_regret_median(inc)).to_numpy(dtype=float)
    regret = fin["regret"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = 1.0 - regret / zero
    return np.where(zero > 0, score, np.nan)


def score_zero_kind(fin: pd.DataFrame, baseline: str | None) -> str:
    """Say which zero the normalised score used: the baseline's name or the fallback."""
    if baseline is not None and (fin["strategy"] == baseline).any():
        return f"median regret of '{baseline}' at the same budget"
    return "median regret of the first successful trial over all runs (no baseline in suite)"

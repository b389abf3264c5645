"""The seam between :mod:`harness.analysis` (numbers) and the report (pictures and pages).

:func:`run_analysis` calls the analysis package once and derives the few extra aggregates
the figures need (average rank over budget, the critical-difference inputs, the score
matrix), all from the analysis' own outputs. Tables, summary and exports are delegated to
the analysis package's ``tables``, ``summary`` and ``export`` modules.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from harness.analysis import fixed_budget, statistics

__all__ = ["CDInputs", "Result", "run_analysis", "rank_curve", "score_matrix", "write_tables", "export", "summary_sentences"]

log = logging.getLogger(__name__)

#: Budget fractions at which strategies are ranked for the rank-over-budget figure.
RANK_FRACTIONS = tuple(float(f) for f in np.round(np.geomspace(0.02, 1.0, 12), 4))


@dataclass
class CDInputs:
    """What the critical-difference diagram draws."""

    avg_ranks: pd.Series
    cliques: list[list[str]]
    friedman_p: float
    n_problems: int
    note: str


@dataclass
class Result:
    """Everything the figures, tables and pages of one report use."""

    analysis: Any  # harness.analysis.Analysis, or None if the package has no analyse()
    incumbents: pd.DataFrame
    final: pd.DataFrame
    baseline: str
    rank_curve: pd.DataFrame | None = None
    cd: CDInputs | None = None
    ecdf: pd.DataFrame | None = None
    score_matrix: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)


def run_analysis(df: pd.DataFrame, *, budgets: Sequence[float] | None = None, baseline: str = "random") -> Result:
    """Run the analysis and derive the figure inputs.

    Parameters
    ----------
    df : DataFrame
        Stored trials.
    budgets : sequence of float, optional
        Absolute budgets for the fixed-budget view (default: fractions of each problem's budget).
    baseline : str
        Baseline strategy label (normalised-score zero, significance marks).
    """
    from harness.analysis import analyse

    analysis = analyse(df, budgets=budgets, baseline=baseline)
    inc, fin = analysis.incumbents, analysis.final
    result = Result(analysis=analysis, incumbents=inc, final=fin, baseline=baseline)
    result.rank_curve = _guard(result, "rank over budget", lambda: rank_curve(inc, baseline))
    result.cd = _guard(result, "critical difference", lambda: _analysis_cd(analysis))
    result.ecdf = analysis.ecdf
    result.score_matrix = _guard(result, "score matrix", lambda: score_matrix(fin))
    return result


def _guard(result: Result, what: str, make):
    try:
        return make()
    except Exception as exc:  # one missing aggregate must not cost the whole report
        log.warning("%s not computed: %s: %s", what, type(exc).__name__, exc)
        result.notes.append(f"The {what} could not be computed: {type(exc).__name__}: {exc}")
        return None


def rank_curve(inc: pd.DataFrame, baseline: str | None = "random", fractions: Sequence[float] = RANK_FRACTIONS) -> pd.DataFrame:
    """Average rank over problems of each strategy at each budget fraction.

    Ranks come from :func:`harness.analysis.statistics.ranks` (median regret per problem,
    ties share ranks) on :func:`harness.analysis.fixed_budget.final` at ``fractions``.

    Returns
    -------
    DataFrame
        ``strategy, budget`` (the fraction), ``rank``.
    """
    fin = fixed_budget.final(inc, fractions=fractions, baseline=baseline)
    ranked = statistics.ranks(fin)
    avg = ranked.groupby(["level", "strategy"], sort=True)["rank"].mean().reset_index()
    return avg.rename(columns={"level": "budget"})[["strategy", "budget", "rank"]]


def _top_level(fin: pd.DataFrame) -> pd.DataFrame:
    return fin[fin["level"] == fin["level"].max()]


def _analysis_cd(analysis) -> CDInputs | None:
    """CD inputs at the headline level: average ranks, and bars from the all-pairs
    Wilcoxon-Holm decisions (the same rows as the pairwise table, so they cannot disagree)."""
    level = analysis.headline_level
    fried = analysis.friedman[analysis.friedman["level"] == level]
    avg = analysis.average_ranks[analysis.average_ranks["level"].astype(object) == level]
    if fried.empty or avg.empty or len(avg) < 2:
        return None
    row = fried.iloc[0]
    ranks = avg.set_index("strategy")["average_rank"].astype(float)
    n = int(row["n_problems"])
    if n < 2:
        return CDInputs(ranks, [], float(row["pvalue"]), n,
                        "Only one problem: ranks are shown, no test is possible.")
    pw = analysis.pairwise
    family = int(pw["family_size"].max()) if len(pw) else 0
    note = (f"Friedman p = {_p(row['pvalue'])} ({row['method']}), N = {n} problems, k = "
            f"{int(row['k_strategies'])}. Bars join strategies that no Wilcoxon signed-rank test "
            f"separates (Holm over all {family} pairs).")
    cliques = analysis.cliques.get(float(level), [])
    return CDInputs(ranks, [list(c) for c in cliques], float(row["pvalue"]), n, note)


def _p(p: float) -> str:
    if not np.isfinite(p):
        return "n/a"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def score_matrix(fin: pd.DataFrame) -> pd.DataFrame:
    """Median normalised score at the full budget, problems x strategies."""
    last = _top_level(fin)
    return last.groupby(["problem", "strategy"])["score"].median().unstack("strategy")


def write_tables(result: Result, out_dir: Path) -> list[Path]:
    """Write the analysis tables (LaTeX + CSV) into ``out_dir``; the written paths."""
    from harness.analysis import tables

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return sorted(Path(p) for p in tables.write_tables(result.analysis, out_dir))


def export(result: Result, df: pd.DataFrame, out_dir: Path) -> list[Path]:
    """COCO (``out_dir/coco``) and IOHprofiler (``out_dir/iohprofiler``) exports of every run."""
    from harness.analysis import export as export_module

    out_dir = Path(out_dir)
    written: list[Path] = []
    for sub, function in (("coco", export_module.export_coco), ("iohprofiler", export_module.export_iohprofiler)):
        try:
            written += [Path(p) for p in function(df, out_dir / sub, inc=result.incumbents)]
        except Exception as exc:  # an export problem must not cost the report
            log.warning("%s export failed: %s: %s", sub, type(exc).__name__, exc)
            result.notes.append(f"The {sub} export failed: {type(exc).__name__}: {exc}")
    return written


def summary_sentences(result: Result) -> list[str]:
    """Plain-language summary of the analysis."""
    return list(result.analysis.summary)

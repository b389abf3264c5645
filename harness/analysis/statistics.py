"""Statistical comparison of strategies: ranks, Friedman, Wilcoxon-Holm, A12, win/tie/loss.

Conventions: values are minimised (lower is better); a ``matrix`` is a DataFrame (or array)
of shape ``(n_blocks, k_strategies)`` whose rows are paired blocks (problems, or the
repetitions of one problem that share a problem seed) and whose columns are strategies.
References: J. Demsar, "Statistical comparisons of classifiers over multiple data sets",
JMLR 7 (2006); A. Vargha and H. D. Delaney, "A critique and improvement of the CL common
language effect size statistics of McGraw and Wong", JEBS 25 (2000); S. Holm, "A simple
sequentially rejective multiple test procedure", Scand. J. Stat. 6 (1979).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats

from harness.analysis.exact_tests import TestResult, signed_rank_test


#: Vargha-Delaney magnitude thresholds on max(A, 1 - A): small, medium, large.
A12_THRESHOLDS = (0.56, 0.64, 0.71)


def _as_array(matrix) -> np.ndarray:
    return np.asarray(matrix.to_numpy() if hasattr(matrix, "to_numpy") else matrix, dtype=float)


def common_strategies(fin: pd.DataFrame) -> list[str]:
    """Strategies that ran on every problem of ``fin`` (sorted).

    Suite-level ranks and tests compare only these, since an average rank over a subset of
    problems is not comparable with one over all of them; when no strategy ran everywhere,
    every strategy is returned.
    """
    presence = fin.groupby("strategy", sort=True, observed=True)["problem"].nunique()
    complete = presence[presence == fin["problem"].nunique()].index.tolist()
    return [str(s) for s in complete] if complete else [str(s) for s in presence.index]


def ranks(fin: pd.DataFrame, metric: str = "regret", agg: str = "median",
          common_only: bool = True) -> pd.DataFrame:
    """Rank strategies on each problem at each budget level (1 = best, ties share the average).

    Each strategy's runs are summarised by ``agg`` of ``metric`` before ranking; a strategy
    with no finite result on a problem ranks last there.

    Parameters
    ----------
    fin : DataFrame
        Output of :func:`harness.analysis.fixed_budget.final`.
    metric : str
        Column to rank on (lower is better).
    agg : {"median", "mean"}
        How the repetitions of a strategy are summarised.
    common_only : bool
        Rank only the strategies that ran on every problem (:func:`common_strategies`), so
        average ranks are comparable.

    Returns
    -------
    DataFrame
        ``problem, level, strategy, <metric>, rank``.
    """
    if common_only:
        fin = fin[fin["strategy"].isin(common_strategies(fin))]
    summary = fin.groupby(["problem", "level", "strategy"], sort=True, observed=True)[metric]
    summary = summary.agg(agg).reset_index()
    filled = summary[metric].fillna(np.inf)
    summary["rank"] = filled.groupby([summary["problem"], summary["level"]]).rank(
        method="average")
    return summary


def average_ranks(rank_frame: pd.DataFrame) -> pd.DataFrame:
    """Average rank of each strategy over problems, per budget level and over all levels.

    Parameters
    ----------
    rank_frame : DataFrame
        Output of :func:`ranks`.

    Returns
    -------
    DataFrame
        ``level, strategy, average_rank, n_problems``; rows with ``level == "all"`` average
        over every level.
    """
    per_level = rank_frame.groupby(["level", "strategy"], sort=True)["rank"].agg(
        average_rank="mean", n_problems="size").reset_index()
    overall = rank_frame.groupby("strategy", sort=True)["rank"].agg(
        average_rank="mean").reset_index()
    overall["n_problems"] = rank_frame["problem"].nunique()
    overall.insert(0, "level", "all")
    per_level["level"] = per_level["level"].astype(object)
    return pd.concat([per_level, overall], ignore_index=True)


@dataclass(frozen=True)
class FriedmanResult:
    """Friedman test on an ``(n, k)`` matrix, with the Iman-Davenport F variant.

    Attributes
    ----------
    statistic, pvalue : float
        Chi-square statistic (with the tie correction scipy applies) and its p-value.
    iman_davenport, iman_davenport_pvalue : float
        ``F = (n-1) chi2 / (n(k-1) - chi2)`` with ``(k-1, (k-1)(n-1))`` degrees of freedom.
    n, k : int
        Blocks and treatments.
    average_ranks : dict
        Average rank of each column (1 = lowest value).
    """

    statistic: float
    pvalue: float
    iman_davenport: float
    iman_davenport_pvalue: float
    n: int
    k: int
    average_ranks: dict


def friedman(matrix) -> FriedmanResult:
    """Friedman rank test of ``k`` strategies over ``n`` paired blocks.

    Parameters
    ----------
    matrix : DataFrame or array_like
        Shape ``(n, k)``, lower is better; rows with a NaN are dropped.

    Returns
    -------
    FriedmanResult
        NaN statistics when ``n < 2`` or ``k < 2``.
    """
    names = list(matrix.columns) if hasattr(matrix, "columns") else None
    x = _as_array(matrix)
    x = x[~np.isnan(x).any(axis=1)] if x.size else x.reshape(0, x.shape[1] if x.ndim == 2 else 0)
    n, k = x.shape
    names = names if names is not None else list(range(k))
    r = stats.rankdata(x, axis=1) if n else np.zeros((0, k))
    mean_ranks = dict(zip(names, r.mean(axis=0) if n else np.full(k, np.nan)))
    if n < 2 or k < 2:
        return FriedmanResult(np.nan, np.nan, np.nan, np.nan, n, k, mean_ranks)
    rank_sums = r.sum(axis=0)
    chi2 = 12.0 / (n * k * (k + 1)) * np.sum(rank_sums ** 2) - 3.0 * n * (k + 1)
    ties = 0.0
    for row in x:
        _, counts = np.unique(row, return_counts=True)
        ties += np.sum(counts ** 3 - counts)
    correction = 1.0 - ties / (n * k * (k * k - 1))
    if correction <= 0:  # every block entirely tied: no evidence of any difference
        return FriedmanResult(0.0, 1.0, 0.0, 1.0, n, k, mean_ranks)
    chi2 /= correction
    p = float(stats.chi2.sf(chi2, k - 1))
    f, p_f = iman_davenport(chi2, n, k)
    return FriedmanResult(float(chi2), p, f, p_f, n, k, mean_ranks)


def iman_davenport(chi2: float, n: int, k: int) -> tuple[float, float]:
    """Iman-Davenport ``F = (n - 1) chi2 / (n (k - 1) - chi2)`` and its p-value.

    ``F`` follows the F distribution with ``k - 1`` and ``(k - 1)(n - 1)`` degrees of freedom
    (Demsar 2006, eq. 2); it is less conservative than the chi-square Friedman statistic.
    """
    denominator = n * (k - 1) - chi2
    f = (n - 1) * chi2 / denominator if denominator > 0 else np.inf
    p_f = float(stats.f.sf(f, k - 1, (k - 1) * (n - 1))) if np.isfinite(f) else 0.0
    return float(f), p_f


def holm(pvalues) -> np.ndarray:
    """Holm step-down adjusted p-values, same shape as ``pvalues`` (NaNs left as NaN)."""
    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    valid = np.flatnonzero(~np.isnan(p))
    m = len(valid)
    if m == 0:
        return out
    order = valid[np.argsort(p[valid], kind="stable")]
    adjusted = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out[order] = np.minimum(adjusted, 1.0)
    return out


def wilcoxon_p(x, y) -> float:
    """Two-sided Wilcoxon signed-rank p-value of paired samples (1.0 when all pairs tie)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    keep = ~(np.isnan(x) | np.isnan(y))
    return float(wilcoxon_pvalues((x[keep] - y[keep])[:, None])[0])


def paired_differences(x, y) -> np.ndarray:
    """``x - y`` where two equal infinities (two failed runs) count as a tie, not NaN."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(np.isinf(x) & (x == y), 0.0, x - y)


def wilcoxon_pvalues(differences) -> np.ndarray:
    """Two-sided signed-rank p-values of each column of paired differences, shape ``(m,)``.

    Each column is tested by :func:`harness.analysis.exact_tests.signed_rank_test`: zeros
    dropped, midranks for ties, the exact conditional distribution up to 60 non-zero pairs
    and the normal approximation with tie and continuity corrections above. An all-zero or
    empty column gives 1.0.
    """
    return np.array([r.pvalue for r in wilcoxon_results(differences)])


def wilcoxon_results(differences) -> list[TestResult]:
    """:func:`signed_rank_test` of each column of an ``(n, m)`` array of differences."""
    d = np.asarray(differences, dtype=float)
    if d.ndim != 2:
        raise ValueError(f"The 'differences' argument must be 2-D (n, m). Got {d.ndim}-D.")
    return [signed_rank_test(d[:, j]) for j in range(d.shape[1])]


def a12(x, y) -> float:
    """Vargha-Delaney ``A12 = P(X > Y) + 0.5 P(X = Y)`` for independent samples.

    For minimised values, ``a12(y_b, x_a)`` is the probability that a run of ``a`` beats one
    of ``b``. Counted exactly over all ``m * n`` pairs with a sorted ``y``.

    Parameters
    ----------
    x, y : array_like
        Shapes ``(m,)`` and ``(n,)``; NaNs are dropped.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    x = x[~np.isnan(x)]
    y = np.sort(y[~np.isnan(y)])
    m, n = len(x), len(y)
    if m == 0 or n == 0:
        return np.nan
    below = np.searchsorted(y, x, side="left")  # y values < x
    not_above = np.searchsorted(y, x, side="right")  # y values <= x
    return float((below.sum() + 0.5 * (not_above - below).sum()) / (m * n))


def a12_magnitude(a: float) -> str:
    """Vargha-Delaney label of an A12 value: negligible, small, medium or large."""
    if not np.isfinite(a):
        return "n/a"
    distance = max(a, 1.0 - a)
    small, medium, large = A12_THRESHOLDS
    if distance >= large:
        return "large"
    if distance >= medium:
        return "medium"
    if distance >= small:
        return "small"
    return "negligible"


#: Names of the two correction families a table can report.
FAMILY_ALL_PAIRS = "all pairs"
FAMILY_CONTROL = "versus control"


def wilcoxon_holm(matrix, alpha: float = 0.05, control: str | None = None) -> pd.DataFrame:
    """Pairwise Wilcoxon signed-rank tests over paired blocks, Holm-corrected over the family.

    The family is the set of comparisons a table reports, so that the correction neither
    inflates nor deflates what is shown: all ``k (k - 1) / 2`` pairs when ``control`` is None,
    else the ``k - 1`` comparisons of every strategy with ``control``.

    Parameters
    ----------
    matrix : DataFrame
        Shape ``(n, k)``, lower is better; each pair uses the blocks where both are not NaN
        (``inf`` is a failed run and ranks worst).
    alpha : float
        Level used for the ``significant`` column.
    control : str, optional
        Column compared with every other one.

    Returns
    -------
    DataFrame
        One row per comparison (``b`` is the control in a control family): ``a, b, n``
        (paired blocks), ``n_nonzero`` (non-zero differences), ``median_a, median_b,
        statistic`` (``T+``), ``p, method`` (exact / normal approx.), ``p_holm,
        family, family_size, significant, a12`` (``P(a < b) + 0.5 P(tie)`` over the blocks,
        unpaired, see :func:`a12`), ``magnitude`` and ``better`` (``a``, ``b`` or ``""``).
    """
    matrix = matrix if isinstance(matrix, pd.DataFrame) else pd.DataFrame(matrix)
    names = list(matrix.columns)
    if control is not None and control not in names:
        raise ValueError(f"The control '{control}' is not a column of the matrix.")
    if control is None:
        pairs = list(combinations(names, 2))
        family = FAMILY_ALL_PAIRS
    else:
        pairs = [(name, control) for name in names if name != control]
        family = FAMILY_CONTROL
    rows = []
    for a_name, b_name in pairs:
        both = matrix[[a_name, b_name]].dropna()
        x = both[a_name].to_numpy(dtype=float)
        y = both[b_name].to_numpy(dtype=float)
        result = signed_rank_test(paired_differences(x, y))
        rows.append({"a": a_name, "b": b_name, "n": len(both),
                     "median_a": np.median(x) if len(x) else np.nan,
                     "median_b": np.median(y) if len(y) else np.nan,
                     "statistic": result.statistic, "n_nonzero": result.n,
                     "p": result.pvalue,
                     "method": result.method, "a12": a12(y, x)})
    columns = ["a", "b", "n", "n_nonzero", "median_a", "median_b", "statistic", "p", "method",
               "p_holm",
               "family", "family_size", "significant", "a12", "magnitude", "better"]
    if not rows:
        return pd.DataFrame(columns=columns)
    out = pd.DataFrame(rows)
    out["p_holm"] = holm(out["p"].to_numpy())
    out["family"] = family
    out["family_size"] = len(out)
    out["significant"] = out["p_holm"] < alpha
    out["magnitude"] = [a12_magnitude(v) for v in out["a12"]]
    out["better"] = decide_better(out)
    return out[columns]


def decide_better(table: pd.DataFrame) -> np.ndarray:
    """Winner of each significant comparison (``a`` or ``b``), ``""`` when not significant.

    The direction is that of the signed-rank statistic, the quantity the test is about:
    ``T+`` sums the ranks of the pairs where ``a`` is worse, so ``a`` wins when ``T+`` is
    below its null mean ``n (n + 1) / 4`` over the ``n_nonzero`` non-zero differences.
    """
    if table.empty:
        return np.array([], dtype=object)
    n = table["n_nonzero"].to_numpy(dtype=float)
    a_wins = table["statistic"].to_numpy(dtype=float) < n * (n + 1) / 4.0
    return np.where(table["significant"].to_numpy(dtype=bool),
                    np.where(a_wins, table["a"], table["b"]), "").astype(object)


def per_problem_pairwise(fin: pd.DataFrame, metric: str = "regret", alpha: float = 0.05,
                         control: str | None = None) -> pd.DataFrame:
    """Pairwise comparisons within each problem and budget level, over its repetitions.

    Runs are paired by repetition (same problem seed for every strategy), so the test is the
    Wilcoxon signed-rank test over the repetitions both strategies completed, Holm-corrected
    within the problem over the family of :func:`wilcoxon_holm` (all pairs, or every
    strategy versus ``control``).

    Returns
    -------
    DataFrame
        ``problem, level`` plus the columns of :func:`wilcoxon_holm`.
    """
    pieces = []
    for level, at_level in fin.groupby("level", sort=True):
        wide = at_level.pivot_table(index=["problem", "repetition"], columns="strategy",
                                    values=metric, aggfunc="first", dropna=False,
                                    observed=True)
        for problem, block in wide.groupby(level="problem", sort=True, observed=True):
            block = block.dropna(axis=1, how="all")
            if control is not None and control not in block.columns:
                continue
            table = wilcoxon_holm(block, alpha, control=control)
            table.insert(0, "level", level)
            table.insert(0, "problem", problem)
            pieces.append(table)
    return pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame()


def win_tie_loss(pairwise: pd.DataFrame) -> pd.DataFrame:
    """Count, per ordered pair and level, the problems where one strategy significantly wins.

    Parameters
    ----------
    pairwise : DataFrame
        Output of :func:`per_problem_pairwise`.

    Returns
    -------
    DataFrame
        ``level, strategy, opponent, wins, ties, losses`` (both orders of every pair).
    """
    if len(pairwise) == 0:
        return pd.DataFrame(columns=["level", "strategy", "opponent", "wins", "ties", "losses"])
    forward = pd.DataFrame({"level": pairwise["level"], "strategy": pairwise["a"],
                            "opponent": pairwise["b"],
                            "win": pairwise["better"] == pairwise["a"],
                            "loss": pairwise["better"] == pairwise["b"]})
    backward = forward.rename(columns={"strategy": "opponent", "opponent": "strategy",
                                       "win": "loss", "loss": "win"})
    both = pd.concat([forward, backward[forward.columns]], ignore_index=True)
    both["tie"] = ~(both["win"] | both["loss"])
    out = both.groupby(["level", "strategy", "opponent"], sort=True)[["win", "tie", "loss"]].sum()
    return out.rename(columns={"win": "wins", "tie": "ties", "loss": "losses"}).reset_index()

"""Every comparison a report states, computed once: tests, families, verdicts and groups.

A report is only as trustworthy as its least careful sentence, so the decisions are made
here and only rendered elsewhere: the critical-difference diagram, the pairwise table, the
versus-baseline table and the summary all read the same rows and cannot disagree.

- Across problems, each problem is one block and its value is the median log10 regret of a
  strategy's runs: the signed-rank test ranks differences, and raw regret differences would
  rank the problems' scales instead (Rosenbrock's regret dwarfs Branin's). Per problem, the
  repetitions are the blocks (paired by problem seed) and the values are the regrets.
- The Holm correction runs over the family a table shows: all pairs for the pairwise table
  and the CD diagram, the ``k - 1`` comparisons with the baseline for versus-baseline views.
- The CD diagram's bars join strategies no pair of which the all-pairs Wilcoxon-Holm test
  separates (as autorank does; Benavoli, Corani and Mangili, JMLR 17, 2016, argue against
  mean-rank post-hoc tests, whose verdict on a pair depends on the other strategies).
- The Bayesian signed-rank test adds P(better), P(equivalent), P(worse) with a region of
  practical equivalence of :data:`ROPE_LOG10` decades of regret.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from harness.analysis import statistics as st
from harness.analysis.bayes_signed_rank import bayes_signed_rank
from harness.analysis.exact_tests import friedman_test

#: Region of practical equivalence of the Bayesian test across problems, in log10 regret:
#: strategies whose median regrets differ by less than a factor 10**0.1 = 1.26 are equivalent.
ROPE_LOG10 = 0.1

#: Value compared across problems (scale-free; within a problem regret itself is compared).
ACROSS_METRIC = "log10_regret"


def across_matrix(fin_level: pd.DataFrame) -> pd.DataFrame:
    """Problems x strategies matrix of median log10 regret (failed runs count as ``inf``)."""
    return fin_level.pivot_table(index="problem", columns="strategy", values=ACROSS_METRIC,
                                 aggfunc="median", observed=True).sort_index()


def friedman_table(fin: pd.DataFrame, alpha: float, seed: int = 0) -> pd.DataFrame:
    """Friedman test per budget level over the problems every compared strategy ran on.

    Returns
    -------
    DataFrame
        ``level, n_problems, k_strategies, statistic, pvalue, method, alpha``.
    """
    rows = []
    for level, group in fin.groupby("level", sort=True):
        matrix = across_matrix(group).dropna()
        result = friedman_test(matrix.to_numpy(dtype=float), seed=seed)
        rows.append({"level": level, "n_problems": matrix.shape[0],
                     "k_strategies": matrix.shape[1], "statistic": result.statistic,
                     "pvalue": result.pvalue, "method": result.method, "alpha": alpha})
    return pd.DataFrame(rows, columns=["level", "n_problems", "k_strategies", "statistic",
                                       "pvalue", "method", "alpha"])


def across_pairwise(fin: pd.DataFrame, problem_pairwise: pd.DataFrame, alpha: float,
                    control: str | None = None, seed: int = 0) -> pd.DataFrame:
    """Wilcoxon-Holm across problems per level, with effect sizes and per-problem counts.

    Parameters
    ----------
    fin : DataFrame
        :func:`harness.analysis.fixed_budget.final` restricted to the strategies compared across
        problems.
    problem_pairwise : DataFrame
        :func:`harness.analysis.statistics.per_problem_pairwise` of the same family, whose
        significant results give the win / tie / loss counts.
    alpha : float
        Significance level.
    control : str, optional
        The baseline of a versus-control family (``b`` in every row); None for all pairs.
    seed : int
        Seed of the Bayesian test's posterior sampler.

    Returns
    -------
    DataFrame
        ``level`` plus the columns of :func:`statistics.wilcoxon_holm` on median log10
        regret, ``a12`` replaced by the mean of the per-problem A12s, ``p_better,
        p_equivalent, p_worse, rope`` (Bayesian signed-rank, ``a`` versus ``b``) and ``wins,
        ties, losses`` of ``a`` against ``b`` over problems.
    """
    pieces = []
    for level, group in fin.groupby("level", sort=True):
        matrix = across_matrix(group)
        if control is not None and control not in matrix.columns:
            continue
        table = st.wilcoxon_holm(matrix, alpha, control=control)
        table.insert(0, "level", level)
        bayes = [bayes_signed_rank(matrix[a], matrix[b], ROPE_LOG10, seed=seed)
                 for a, b in zip(table["a"], table["b"])]
        table["p_better"] = [r.p_better for r in bayes]
        table["p_equivalent"] = [r.p_equivalent for r in bayes]
        table["p_worse"] = [r.p_worse for r in bayes]
        table["rope"] = ROPE_LOG10
        pieces.append(table)
    if not pieces:
        return pd.DataFrame()
    out = pd.concat(pieces, ignore_index=True)
    out["a12"] = _mean_problem_a12(out, problem_pairwise)
    out["magnitude"] = [st.a12_magnitude(v) for v in out["a12"]]
    counts = _win_tie_loss(out, problem_pairwise)
    return pd.concat([out, counts], axis=1)


def _oriented(problem_pairwise: pd.DataFrame) -> pd.DataFrame:
    """Per-problem rows in both orientations (a vs b and b vs a)."""
    if problem_pairwise.empty:
        return pd.DataFrame(columns=["level", "problem", "a", "b", "a12", "win", "loss"])
    forward = pd.DataFrame({"level": problem_pairwise["level"].astype(float),
                            "problem": problem_pairwise["problem"],
                            "a": problem_pairwise["a"], "b": problem_pairwise["b"],
                            "a12": problem_pairwise["a12"],
                            "win": problem_pairwise["better"] == problem_pairwise["a"],
                            "loss": problem_pairwise["better"] == problem_pairwise["b"]})
    backward = forward.assign(a=forward["b"], b=forward["a"], a12=1.0 - forward["a12"],
                              win=forward["loss"], loss=forward["win"])
    return pd.concat([forward, backward], ignore_index=True)


def _mean_problem_a12(out: pd.DataFrame, problem_pairwise: pd.DataFrame) -> list[float]:
    # Values on different scales cannot be pooled, so the effect size across problems is the
    # mean of the per-problem A12s (each over that problem's runs).
    both = _oriented(problem_pairwise)
    mean = both.groupby(["level", "a", "b"])["a12"].mean()
    return [mean.get((float(lv), a, b), np.nan)
            for lv, a, b in zip(out["level"], out["a"], out["b"])]


def _win_tie_loss(out: pd.DataFrame, problem_pairwise: pd.DataFrame) -> pd.DataFrame:
    both = _oriented(problem_pairwise)
    sums = both.groupby(["level", "a", "b"])[["win", "loss"]].sum()
    size = both.groupby(["level", "a", "b"]).size()
    rows = []
    for lv, a, b in zip(out["level"], out["a"], out["b"]):
        key = (float(lv), a, b)
        if key in size.index:
            wins, losses = int(sums.at[key, "win"]), int(sums.at[key, "loss"])
            rows.append((wins, int(size[key]) - wins - losses, losses))
        else:
            rows.append((np.nan, np.nan, np.nan))
    return pd.DataFrame(rows, columns=["wins", "ties", "losses"], index=out.index)


def cliques_from_decisions(avg_ranks: pd.Series, pairwise_level: pd.DataFrame) -> list[list[str]]:
    """Maximal groups of rank-adjacent strategies that no significant test separates.

    Parameters
    ----------
    avg_ranks : Series
        Average rank per strategy.
    pairwise_level : DataFrame
        All-pairs rows of one level with ``a, b, significant``.

    Returns
    -------
    list of list of str
        Groups of at least two strategies, each ordered best to worst, none contained in
        another: the bars of the critical-difference diagram.
    """
    order = list(avg_ranks.sort_values().index)
    separated = {frozenset((a, b)) for a, b, sig in zip(
        pairwise_level.get("a", []), pairwise_level.get("b", []),
        pairwise_level.get("significant", [])) if sig}
    cliques: list[list[str]] = []
    for i in range(len(order)):
        j = i
        while j + 1 < len(order) and not any(
                frozenset((order[j + 1], other)) in separated for other in order[i:j + 1]):
            j += 1
        group = order[i:j + 1]
        if len(group) >= 2 and not any(set(group) <= set(c) for c in cliques):
            cliques.append(group)
    return cliques

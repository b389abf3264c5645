"""One call from stored trials to every table a report needs: :func:`analyse`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from harness.analysis import decisions, fixed_budget, fixed_target, intervals, metrics
from harness.analysis import statistics as st


@dataclass
class Analysis:
    """Every number of a report, as DataFrames (see each producing function for columns).

    Attributes
    ----------
    references : DataFrame
        :func:`metrics.references`: reference value per problem and its kind.
    dimensions : Series
        Search-space dimension per problem.
    incumbents : DataFrame
        :func:`metrics.incumbents`: one row per trial.
    final : DataFrame
        :func:`fixed_budget.final` on the analysis' budget axis (by default each problem in its
        budget unit: cost for cost budgets, else evaluations): one row per run x level.
    final_cost : DataFrame or None
        The same over cumulative cost, when some run has a cost budget or a fidelity.
    final_summary : DataFrame
        Per ``problem, level, strategy``: median and mean regret with bootstrap intervals,
        mean score, median test regret and median AUC.
    ranks, average_ranks : DataFrame
        :func:`statistics.ranks` and :func:`statistics.average_ranks` (on median regret).
    friedman : DataFrame
        :func:`decisions.friedman_table`: per level, the Friedman test over problems (exact
        or permutation p-value for small samples, the method stated).
    cliques : dict
        Level -> groups of strategies that no all-pairs Wilcoxon-Holm test separates (the
        bars of the critical-difference diagram).
    pairwise : DataFrame
        :func:`decisions.across_pairwise` over all pairs: Wilcoxon-Holm across problems on
        median log10 regret, Holm over the ``k (k - 1) / 2`` pairs, mean per-problem A12,
        Bayesian signed-rank probabilities and win/tie/loss counts over problems.
    pairwise_control : DataFrame
        The same for the ``k - 1`` comparisons with the baseline (its own Holm family);
        empty without a baseline.
    problem_pairwise : DataFrame
        :func:`statistics.per_problem_pairwise`: all pairs within each problem over paired
        seeds, Holm within the problem.
    problem_control : DataFrame
        The same, every strategy versus the baseline within each problem.
    win_tie_loss : DataFrame
        :func:`statistics.win_tie_loss` of the all-pairs per-problem tests.
    targets, runtimes, ecdf, art : DataFrame
        The fixed-target view (:mod:`harness.analysis.fixed_target`).
    summary : list of str
        Plain-language sentences (:mod:`harness.analysis.summary`).
    baseline : str or None
        Strategy label used as baseline (None when the suite has none).
    levels : list of float
        Budget levels (fractions of each problem's budget unless ``budgets`` was given).
    headline_level : float
        The level quoted in the summary and tables (the largest).
    score_formula, score_zero : str
        The normalised-score formula and which zero it used.
    gradient_strategies : list of str
        Strategies that received exact gradients (marked in every table and figure).
    notes : list of str
        Methodological choices a reader should know.
    """

    references: pd.DataFrame
    dimensions: pd.Series
    incumbents: pd.DataFrame
    final: pd.DataFrame
    final_cost: pd.DataFrame | None
    final_summary: pd.DataFrame
    ranks: pd.DataFrame
    average_ranks: pd.DataFrame
    friedman: pd.DataFrame
    cliques: dict
    pairwise: pd.DataFrame
    pairwise_control: pd.DataFrame
    problem_pairwise: pd.DataFrame
    problem_control: pd.DataFrame
    win_tie_loss: pd.DataFrame
    targets: pd.DataFrame
    runtimes: pd.DataFrame
    ecdf: pd.DataFrame
    art: pd.DataFrame
    baseline: str | None
    levels: list
    headline_level: float
    score_formula: str
    score_zero: str
    alpha: float = 0.05
    gradient_strategies: list = field(default_factory=list)
    summary: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    @property
    def strategies(self) -> list[str]:
        """Strategy labels, sorted."""
        return sorted(self.final["strategy"].unique())

    @property
    def problems(self) -> list[str]:
        """Problem labels, sorted."""
        return sorted(self.final["problem"].unique())


def resolve_baseline(df: pd.DataFrame, baseline: str | None) -> str | None:
    """Strategy label matching ``baseline``: the label itself, else a label whose registry
    name (``strategy_name``) is ``baseline``; None when nothing matches."""
    if baseline is None:
        return None
    labels = set(df["strategy"].unique())
    if baseline in labels:
        return baseline
    if "strategy_name" in df.columns:
        matching = sorted(df.loc[df["strategy_name"] == baseline, "strategy"].unique())
        if matching:
            return matching[0]
    return None


def _cliques(average_ranks: pd.DataFrame, pairwise: pd.DataFrame) -> dict:
    cliques = {}
    for level, group in average_ranks[average_ranks["level"].astype(str) != "all"].groupby(
            "level", sort=True):
        ranks = group.set_index("strategy")["average_rank"].astype(float)
        at = pairwise[pairwise["level"] == float(level)] if not pairwise.empty else pairwise
        cliques[float(level)] = decisions.cliques_from_decisions(ranks, at)
    return cliques


def _final_summary(fin: pd.DataFrame) -> pd.DataFrame:
    keys = ["problem", "level", "strategy"]
    summary = intervals.grouped_median_intervals(fin, "regret", keys)
    extra = fin.groupby(keys, sort=True).agg(
        mean_score=("score", "mean"), median_score=("score", "median"),
        median_log10_regret=("log10_regret", "median"),
        median_test_regret=("test_regret", "median"),
        median_auc_log10_regret=("auc_log10_regret", "median"),
        median_auc_regret=("auc_regret", "median"),
        n_failed=("failed", "sum")).reset_index()
    return summary.merge(extra, on=keys, how="left")


def _uses_cost(df: pd.DataFrame) -> bool:
    kinds = df["budget_kind"].astype(str) if "budget_kind" in df.columns else pd.Series([])
    has_fidelity = "fidelity" in df.columns and df["fidelity"].notna().any()
    return bool((kinds == "cost").any() or has_fidelity)


def analyse(df: pd.DataFrame, budgets: Sequence[float] | None = None,
            baseline: str | None = "random", *, by: str = "auto",
            fractions: Sequence[float] = fixed_budget.DEFAULT_BUDGET_FRACTIONS,
            alpha: float = 0.05, n_boot: int = 1000, seed: int = 0,
            dimensions: dict | None = None) -> Analysis:
    """Compute every metric, test and summary of a report from stored trials.

    Parameters
    ----------
    df : DataFrame
        Stored trials (:func:`harness.load`).
    budgets : sequence of float, optional
        Absolute budgets for the fixed-budget view; default ``fractions`` of each problem's
        budget.
    baseline : str or None
        Strategy label (or registry name) that is the zero of the normalised score and the
        reference of significance marks; None or absent -> the documented fallback.
    by : {"auto", "evals", "cost"}
        Axis of the fixed-budget and fixed-target views: ``"auto"`` counts each problem in
        the unit of its runs' budgets (cost for cost budgets, else evaluations); a pure cost
        view is added as ``final_cost`` when the suite uses cost budgets or fidelities.
    fractions : sequence of float
        Budget fractions when ``budgets`` is omitted.
    alpha : float
        Significance level of every test.
    n_boot : int
        Bootstrap resamples (medians, means, aRT).
    seed : int
        Seed of every bootstrap.
    dimensions : dict of str to int, optional
        Dimension of each problem, overriding the count of its ``param_*`` columns (the
        fixed-target view is grouped by dimension).

    Returns
    -------
    Analysis
    """
    from harness.analysis.summary import summarise

    if len(df) == 0:
        raise ValueError("The trial frame is empty: there is nothing to analyse.")
    if dimensions is not None:
        missing = sorted(set(df["problem"].unique()) - set(dimensions))
        if missing:
            raise ValueError(f"The 'dimensions' argument must give every problem. Missing: "
                             f"{', '.join(missing)}.")
        df = df.assign(dimension=df["problem"].map(dimensions).astype(int))
    base = resolve_baseline(df, baseline)
    refs = metrics.references(df)
    dims = metrics.dimensions(df)
    inc = metrics.incumbents(df, refs)
    fin = fixed_budget.final(inc, budgets, by, fractions=fractions, baseline=base)
    fin_cost = None
    if by != "cost" and _uses_cost(df):
        fin_cost = fixed_budget.final(inc, budgets, "cost", fractions=fractions, baseline=base)
    levels = sorted(fin["level"].unique().tolist())
    common = st.common_strategies(fin)
    fin_common = fin[fin["strategy"].isin(common)]
    rank_frame = st.ranks(fin)
    rank_table = st.average_ranks(rank_frame)
    problem_pw = st.per_problem_pairwise(fin, alpha=alpha)
    problem_control = (st.per_problem_pairwise(fin, alpha=alpha, control=base)
                       if base is not None else pd.DataFrame())
    wtl = st.win_tie_loss(problem_pw)
    pairwise = decisions.across_pairwise(fin_common, problem_pw, alpha, seed=seed)
    pairwise_control = (decisions.across_pairwise(fin_common, problem_control, alpha,
                                                  control=base, seed=seed)
                        if base is not None and base in common else pd.DataFrame())
    tgt = fixed_target.targets(inc)
    rt = fixed_target.runtimes(inc, tgt, by)
    analysis = Analysis(
        references=refs, dimensions=dims, incumbents=inc, final=fin, final_cost=fin_cost,
        final_summary=_final_summary(fin), ranks=rank_frame,
        average_ranks=rank_table,
        friedman=decisions.friedman_table(fin_common, alpha, seed=seed),
        cliques=_cliques(rank_table, pairwise),
        pairwise=pairwise, pairwise_control=pairwise_control,
        problem_pairwise=problem_pw, problem_control=problem_control,
        win_tie_loss=wtl, targets=tgt, runtimes=rt,
        ecdf=fixed_target.ecdf(rt, per_dimension=True),
        art=fixed_target.average_runtime(rt, n_boot=n_boot, seed=seed),
        baseline=base, levels=levels, headline_level=max(levels) if levels else np.nan,
        score_formula=fixed_budget.SCORE_FORMULA, score_zero=fixed_budget.score_zero_kind(fin, base),
        alpha=alpha, gradient_strategies=_gradient_strategies(df),
        notes=_notes(budgets, by, base, baseline, dims) + _partial_notes(fin, common))
    analysis.summary = summarise(analysis)
    return analysis


def _gradient_strategies(df: pd.DataFrame) -> list[str]:
    if "gradient_used" not in df.columns:
        return []
    used = df["gradient_used"].fillna(False).astype(bool)
    return sorted(str(s) for s in df.loc[used, "strategy"].unique())


def _partial_notes(fin: pd.DataFrame, common: list[str]) -> list[str]:
    notes = []
    n_problems = fin["problem"].nunique()
    for strategy, group in fin.groupby("strategy", sort=True):
        if strategy in common:
            continue
        problems = sorted(group["problem"].unique())
        notes.append(f"{strategy} ran on {len(problems)} of {n_problems} problems "
                     f"({', '.join(problems)}); it is left out of the ranks and tests across "
                     "problems and compared per problem only.")
    return notes


def _notes(budgets, by, base, asked, dims) -> list[str]:
    notes = [
        metrics.INCUMBENT_RULE + " The reference is the known optimum, else the task's pinned "
        "reference, else (said per problem) the best value observed in these runs.",
        "Budget levels are " + ("absolute budgets" if budgets is not None else
                                "fractions of each problem's budget") +
        ", counted in " + {"evals": "evaluations", "cost": "cumulative fidelity-weighted cost",
                           "auto": "each problem's budget unit (fidelity-weighted cost for "
                                   "problems with cost budgets, evaluations otherwise)"}[by]
        + ".",
        "Across problems each problem is one block whose value is a strategy's median log10 "
        "regret (scale-free, so no problem's scale dominates). The Friedman test uses the exact "
        "or permutation distribution for fewer than 30 problems. Pairwise tests are Wilcoxon "
        "signed-rank tests (exact conditional distribution with midranks for ties, zeros dropped, "
        "up to 60 non-zero differences), Holm-corrected over the family each table shows: all "
        "pairs in the pairwise table and the critical-difference diagram (whose bars join "
        "strategies no test separates), the comparisons with the baseline in versus-baseline "
        "views. Effect sizes are the mean per-problem Vargha-Delaney A12; the Bayesian "
        "signed-rank test (Benavoli et al. 2017) gives P(better / equivalent / worse) with a "
        f"region of practical equivalence of {decisions.ROPE_LOG10:g} in log10 regret.",
        "Per-problem tests pair runs by repetition (same problem seed) and compare regrets with "
        "the same signed-rank test, Holm-corrected within the problem over the family shown.",
        "Intervals of medians are distribution-free order-statistic confidence intervals with "
        "coverage of at least 95%; with 5 runs or fewer no such interval exists and the range is "
        "shown instead, labelled 'range'.",
        "Fixed-target runtimes, ECDFs and aRT are reported per problem dimension "
        f"(dimensions here: {sorted(set(int(d) for d in dims))}); they are never pooled "
        "across dimensions.",
    ]
    if asked is not None and base is None:
        notes.append(f"The baseline strategy '{asked}' is not in these results; the normalised "
                     "score uses the fallback zero and no significance is marked against a "
                     "baseline.")
    return notes

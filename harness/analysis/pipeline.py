"""One call from stored trials to every table a report needs: :func:`analyse`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from harness.analysis import fixed_target, metrics
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
        :func:`metrics.final` on the analysis' budget axis (by default each problem in its
        budget unit: cost for cost budgets, else evaluations): one row per run x level.
    final_cost : DataFrame or None
        The same over cumulative cost, when some run has a cost budget or a fidelity.
    final_summary : DataFrame
        Per ``problem, level, strategy``: median and mean regret with bootstrap intervals,
        mean score, median test regret and median AUC.
    ranks, average_ranks : DataFrame
        :func:`statistics.ranks` and :func:`statistics.average_ranks` (on median regret).
    friedman : DataFrame
        Per level: Friedman and Iman-Davenport statistics over problems, the Nemenyi CD.
    cliques : dict
        Level -> groups of strategies the Nemenyi CD cannot separate.
    pairwise : DataFrame
        Per level and pair: Wilcoxon-Holm over problems (blocks = problems, values = median
        regret), mean per-problem A12 and win/tie/loss counts over problems.
    problem_pairwise : DataFrame
        :func:`statistics.per_problem_pairwise`: tests within each problem over paired seeds.
    win_tie_loss : DataFrame
        :func:`statistics.win_tie_loss`.
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
    problem_pairwise: pd.DataFrame
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


def _suite_pairwise(fin: pd.DataFrame, problem_pairwise: pd.DataFrame,
                    wtl: pd.DataFrame, alpha: float) -> pd.DataFrame:
    pieces = []
    for level, group in fin.groupby("level", sort=True):
        matrix = group.pivot_table(index="problem", columns="strategy", values="regret",
                                   aggfunc="median")
        table = st.wilcoxon_holm(matrix, alpha)
        table.insert(0, "level", level)
        pieces.append(table)
    if not pieces:
        return pd.DataFrame()
    out = pd.concat(pieces, ignore_index=True)
    # Across problems the values are on different scales, so the effect size is the mean of
    # the per-problem A12s (each over that problem's runs), not one A12 of pooled values.
    mean_a12 = problem_pairwise.groupby(["level", "a", "b"])["a12"].mean()
    out["a12"] = [mean_a12.get((lv, a, b), np.nan)
                  for lv, a, b in zip(out["level"], out["a"], out["b"])]
    out["magnitude"] = [st.a12_magnitude(v) for v in out["a12"]]
    out["better"] = np.where(out["significant"],
                             np.where(out["a12"] > 0.5, out["a"], out["b"]), "")
    if out.empty or wtl.empty:
        return out.assign(wins=np.nan, ties=np.nan, losses=np.nan)
    counts = wtl.rename(columns={"strategy": "a", "opponent": "b"})
    counts = counts.astype({"level": float, "a": object, "b": object})
    out = out.astype({"level": float, "a": object, "b": object})
    return out.merge(counts, on=["level", "a", "b"], how="left")


def _friedman_table(fin: pd.DataFrame, alpha: float) -> tuple[pd.DataFrame, dict]:
    rows, cliques = [], {}
    for level, group in fin.groupby("level", sort=True):
        matrix = group.pivot_table(index="problem", columns="strategy", values="regret",
                                   aggfunc="median").dropna()
        result = st.friedman(matrix)
        k, n = result.k, result.n
        cd = st.nemenyi_cd(k, n, alpha) if k >= 2 and n >= 1 else np.nan
        avg = pd.Series(result.average_ranks)
        cliques[level] = st.cd_cliques(avg, cd) if np.isfinite(cd) else []
        rows.append({"level": level, "n_problems": n, "k_strategies": k,
                     "statistic": result.statistic, "pvalue": result.pvalue,
                     "iman_davenport": result.iman_davenport,
                     "iman_davenport_pvalue": result.iman_davenport_pvalue,
                     "alpha": alpha, "cd": cd})
    return pd.DataFrame(rows), cliques


def _final_summary(fin: pd.DataFrame, n_boot: int, seed: int) -> pd.DataFrame:
    boot = st.grouped_bootstrap(fin, "regret", n_boot=n_boot, seed=seed)
    extra = fin.groupby(["problem", "level", "strategy"], sort=True).agg(
        mean_score=("score", "mean"), median_score=("score", "median"),
        median_log10_regret=("log10_regret", "median"),
        median_test_regret=("test_regret", "median"),
        median_auc_log10_regret=("auc_log10_regret", "median"),
        median_auc_regret=("auc_regret", "median")).reset_index()
    return boot.merge(extra, on=["problem", "level", "strategy"], how="left")


def _uses_cost(df: pd.DataFrame) -> bool:
    kinds = df["budget_kind"].astype(str) if "budget_kind" in df.columns else pd.Series([])
    has_fidelity = "fidelity" in df.columns and df["fidelity"].notna().any()
    return bool((kinds == "cost").any() or has_fidelity)


def analyse(df: pd.DataFrame, budgets: Sequence[float] | None = None,
            baseline: str | None = "random", *, by: str = "auto",
            fractions: Sequence[float] = metrics.DEFAULT_BUDGET_FRACTIONS,
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
    fin = metrics.final(inc, budgets, by, fractions=fractions, baseline=base)
    fin_cost = None
    if by != "cost" and _uses_cost(df):
        fin_cost = metrics.final(inc, budgets, "cost", fractions=fractions, baseline=base)
    levels = sorted(fin["level"].unique().tolist())
    common = st.common_strategies(fin)
    fin_common = fin[fin["strategy"].isin(common)]
    rank_frame = st.ranks(fin)
    problem_pw = st.per_problem_pairwise(fin, alpha=alpha)
    wtl = st.win_tie_loss(problem_pw)
    friedman_frame, cliques = _friedman_table(fin_common, alpha)
    tgt = fixed_target.targets(inc)
    rt = fixed_target.runtimes(inc, tgt, by)
    analysis = Analysis(
        references=refs, dimensions=dims, incumbents=inc, final=fin, final_cost=fin_cost,
        final_summary=_final_summary(fin, n_boot, seed), ranks=rank_frame,
        average_ranks=st.average_ranks(rank_frame), friedman=friedman_frame, cliques=cliques,
        pairwise=_suite_pairwise(fin_common, problem_pw, wtl, alpha),
        problem_pairwise=problem_pw,
        win_tie_loss=wtl, targets=tgt, runtimes=rt,
        ecdf=fixed_target.ecdf(rt, per_dimension=True),
        art=fixed_target.average_runtime(rt, n_boot=n_boot, seed=seed),
        baseline=base, levels=levels, headline_level=max(levels) if levels else np.nan,
        score_formula=metrics.SCORE_FORMULA, score_zero=metrics.score_zero_kind(fin, base),
        alpha=alpha,
        notes=_notes(budgets, by, base, baseline, dims) + _partial_notes(fin, common))
    analysis.summary = summarise(analysis)
    return analysis


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
        "Regret is measured on the noise-free value of the incumbent where the problem records "
        "one, against the known optimum, else the pinned reference, else the best value ever "
        "observed in these runs.",
        "Budget levels are " + ("absolute budgets" if budgets is not None else
                                "fractions of each problem's budget") +
        ", counted in " + {"evals": "evaluations", "cost": "cumulative fidelity-weighted cost",
                           "auto": "each problem's budget unit (fidelity-weighted cost for "
                                   "problems with cost budgets, evaluations otherwise)"}[by]
        + ".",
        "Ranks, the Friedman test and the Nemenyi critical difference use one block per problem "
        "(the median regret over its repetitions), as in Demsar (2006); pairwise tests across "
        "problems are Wilcoxon signed-rank on those medians with Holm's correction, and the "
        "effect size is the mean over problems of the per-problem Vargha-Delaney A12.",
        "Per-problem tests pair runs by repetition (same problem seed) and use the Wilcoxon "
        "signed-rank test with Holm's correction over the pairs of the problem; a win is a "
        "significant difference in favour of the strategy.",
        "Fixed-target runtimes, ECDFs and aRT are reported per problem dimension "
        f"(dimensions here: {sorted(set(int(d) for d in dims))}); they are never pooled "
        "across dimensions.",
    ]
    if asked is not None and base is None:
        notes.append(f"The baseline strategy '{asked}' is not in these results; the normalised "
                     "score uses the fallback zero and no significance is marked against a "
                     "baseline.")
    return notes

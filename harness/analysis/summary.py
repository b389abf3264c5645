"""The plain-language summary: at most about eight sentences, the answer first.

Every sentence is rendered from the decisions of :mod:`harness.analysis.decisions` (the same
rows the tables and the critical-difference diagram show), never recomputed here. Failures
come first, because a comparison that hides a crashed run is not a comparison.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from harness.analysis import statistics as st

#: Significant pairs named in the summary before it refers the reader to the table.
MAX_NAMED_PAIRS = 4


def format_p(p: float) -> str:
    """``p < 0.001``, ``p = 0.0034`` or ``p = 0.12`` style."""
    if not np.isfinite(p):
        return "p = n/a"
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.2g}" if p < 0.1 else f"p = {p:.2f}"


def _level_name(analysis, level) -> str:
    if any("fractions" in note for note in analysis.notes[:2]):
        return "the full budget" if level == 1.0 else f"{level:g} of the budget"
    return f"a budget of {level:g}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _names(names) -> str:
    names = list(names)
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def summarise(analysis) -> list[str]:
    """Sentences a reader can quote, each backed by a table of the analysis.

    Parameters
    ----------
    analysis : Analysis
        Output of :func:`harness.analysis.analyse`.

    Returns
    -------
    list of str
    """
    level = analysis.headline_level
    fin = analysis.final[analysis.final["level"] == level]
    sentences = [s for s in (_failures(analysis),) if s]
    strategies = sorted(fin["strategy"].unique())
    if len(strategies) < 2:
        return sentences + ["With a single strategy there is nothing to compare."]
    sentences.append(_answer(analysis, level, fin))
    sentences += [s for s in (_all_pairs(analysis, level), _versus_baseline(analysis, level),
                              _bayes(analysis, level), _power(analysis, level),
                              _partial(analysis, level)) if s]
    return sentences


def _failures(analysis) -> str | None:
    fin = analysis.final[analysis.final["level"] == analysis.headline_level]
    failed = fin[fin["failed"]] if "failed" in fin.columns else fin.iloc[:0]
    trials = analysis.incumbents
    failed_trials = int(np.isnan(trials["value"].to_numpy(dtype=float)).sum())
    parts = []
    if len(failed):
        per = failed.groupby("strategy").size().sort_values(ascending=False)
        parts.append(f"{_plural(len(failed), 'run')} of {len(fin)} failed before finishing "
                     "their budget (" + ", ".join(f"{s}: {n}" for s, n in per.items()) +
                     "); they rank last where they stopped short, never carried flat "
                     "(errors in the run table)")
    if failed_trials:
        parts.append(f"{failed_trials} of {len(trials)} trials failed or timed out and count "
                     "as spent budget")
    return ("; ".join(parts) + ".") if parts else None


def _answer(analysis, level, fin) -> str:
    avg = analysis.average_ranks
    avg = avg[avg["level"].astype(str) == str(level)].set_index("strategy")["average_rank"]
    avg = avg.astype(float).sort_values()
    ranks = analysis.ranks[analysis.ranks["level"] == level]
    n_problems = fin["problem"].nunique()
    best = avg.index[0]
    firsts = int(((ranks["strategy"] == best) & (ranks["rank"] == 1.0)).sum())
    text = (f"At {_level_name(analysis, level)}, over {_plural(n_problems, 'problem')} and "
            f"{fin['run_id'].nunique()} runs, {best} has the best average rank "
            f"({avg.iloc[0]:.2f}; first on {firsts} of {ranks['problem'].nunique()}) and "
            f"{avg.index[-1]} the worst ({avg.iloc[-1]:.2f})")
    fr = analysis.friedman[analysis.friedman["level"] == level]
    if not fr.empty and np.isfinite(fr["pvalue"].iloc[0]):
        row = fr.iloc[0]
        text += (f"; the Friedman test over {int(row['n_problems'])} problems gives "
                 f"{format_p(row['pvalue'])} ({row['method']})")
    return text + "."


def _pair_text(row, winner: str) -> str:
    loser = row["b"] if winner == row["a"] else row["a"]
    a12 = row["a12"] if winner == row["a"] else 1.0 - row["a12"]
    effect = f", A12 = {a12:.2f}" if np.isfinite(a12) else ""
    return f"{winner} over {loser} ({format_p(row['p_holm'])}{effect})"


def _all_pairs(analysis, level) -> str | None:
    pw = analysis.pairwise
    at = pw[pw["level"] == level] if not pw.empty else pw
    if at.empty or int(at["n"].max()) < 2:
        return None
    family = int(at["family_size"].iloc[0])
    significant = at[at["significant"]].sort_values("p_holm")
    head = (f"Across problems (Wilcoxon signed-rank on median log10 regret, Holm over all "
            f"{family} pairs) ")
    if significant.empty:
        return head + "no pair differs significantly; the critical-difference diagram joins them all."
    named = [_pair_text(r, r["better"]) for _, r in significant.head(MAX_NAMED_PAIRS).iterrows()]
    more = len(significant) - len(named)
    return (head + "these differences are significant: " + "; ".join(named) +
            (f"; and {more} more in the pairwise table" if more > 0 else "") +
            f"; the other {len(at) - len(significant)} pairs are not distinguishable.")


def _versus_baseline(analysis, level) -> str | None:
    base = analysis.baseline
    pc = analysis.pairwise_control
    at = pc[pc["level"] == level] if not pc.empty else pc
    if base is None or at.empty:
        return _per_problem_baseline(analysis, level)
    groups = {"better": [], "worse": [], "same": []}
    for _, row in at.sort_values("p_holm").iterrows():
        key = "same" if not row["significant"] else (
            "better" if row["better"] == row["a"] else "worse")
        groups[key].append(f"{row['a']} (A12 = {row['a12']:.2f})" if key == "same" else
                           f"{row['a']} ({format_p(row['p_holm'])}, A12 = "
                           f"{row['a12']:.2f})")
    parts = []
    if groups["better"]:
        parts.append("significantly better: " + _names(groups["better"]))
    if groups["worse"]:
        parts.append("significantly worse: " + _names(groups["worse"]))
    if groups["same"]:
        parts.append("not distinguishable: " + _names(groups["same"]))
    wins = at.dropna(subset=["wins"])
    wins = wins[wins["wins"] > 0]
    per_problem = ""
    if len(wins):
        best = wins.sort_values("wins", ascending=False).iloc[0]
        per_problem = (f"; per problem (paired seeds, Holm over the {len(at)} comparisons "
                       f"with {base}), {best['a']} beats it on the most problems "
                       f"({int(best['wins'])} of {int(best['wins'] + best['ties'] + best['losses'])})")
    return (f"Against the baseline {base} (Holm over the {len(at)} comparisons with it): "
            + "; ".join(parts) + per_problem + ".")


def _per_problem_baseline(analysis, level) -> str | None:
    """With one problem, the per-problem comparisons with the baseline are the answer."""
    pc = analysis.problem_control
    at = pc[pc["level"] == level] if not pc.empty else pc
    if at.empty or analysis.final["problem"].nunique() != 1:
        return None
    better = [r["a"] for _, r in at.iterrows() if r["better"] == r["a"]]
    worse = [r["a"] for _, r in at.iterrows() if r["better"] == r["b"]]
    same = [r["a"] for _, r in at.iterrows() if not r["significant"]]
    parts = [f"{label}: {_names(group)}" for label, group in
             (("better", better), ("worse", worse), ("not distinguishable", same)) if group]
    return (f"Against {analysis.baseline} over {_plural(int(at['n'].max()), 'paired seed')} "
            f"(Holm over {len(at)} comparisons): " + "; ".join(parts) + ".")


def _bayes(analysis, level) -> str | None:
    pw = analysis.pairwise
    at = pw[pw["level"] == level] if not pw.empty else pw
    if at.empty or "p_better" not in at.columns or int(at["n"].max()) < 2:
        return None
    beats: dict[str, list[str]] = {}
    equivalent = []
    for _, row in at.iterrows():
        if row["p_better"] >= 0.95:
            beats.setdefault(row["a"], []).append(row["b"])
        elif row["p_worse"] >= 0.95:
            beats.setdefault(row["b"], []).append(row["a"])
        elif row["p_equivalent"] >= 0.95:
            equivalent.append(f"{row['a']} and {row['b']}")
    rope = float(at["rope"].iloc[0])
    decided = sum(len(v) for v in beats.values()) + len(equivalent)
    ranked = sorted(beats.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    parts = [f"{winner} is practically better than {_names(sorted(losers))}"
             for winner, losers in ranked[:MAX_NAMED_PAIRS - 1]]
    if len(ranked) >= MAX_NAMED_PAIRS:
        parts.append(f"{len(ranked) - MAX_NAMED_PAIRS + 1} more strategies beat others "
                     "(see the pairwise table)")
    if equivalent:
        parts.append("practically equivalent: " + "; ".join(equivalent))
    head = (f"The Bayesian signed-rank test (probability >= 0.95, equivalence within {rope:g} "
            "log10 regret) finds: ")
    if not parts:
        return head + f"no decision on any of the {len(at)} pairs."
    return head + "; ".join(parts) + f"; {len(at) - decided} of {len(at)} pairs undecided."


def _smallest_signed_rank_p(n: int) -> float:
    """Smallest two-sided p-value the exact signed-rank test can give with ``n`` pairs."""
    return min(1.0, 2.0 / 2 ** n) if n > 0 else 1.0


def _power(analysis, level) -> str | None:
    """Say when the number of blocks makes significance impossible after Holm's correction.

    The smallest Holm-adjusted p-value of a family of ``m`` is ``m`` times the smallest
    exact signed-rank p-value ``2 / 2**n`` of ``n`` blocks.
    """
    floors = {}
    for key, frame in (("against the baseline", analysis.pairwise_control),
                       ("over all pairs", analysis.pairwise),
                       ("per problem", analysis.problem_control)):
        at = frame[frame["level"] == level] if not frame.empty else frame
        if at.empty:
            continue
        n, m = int(at["n"].max()), int(at["family_size"].max())
        floor = min(1.0, m * _smallest_signed_rank_p(n))
        if n >= 1 and floor >= analysis.alpha:
            floors[key] = (n, floor)
    if not floors:
        return None
    parts = [f"{key} {floor:.3g} (n = {n})" for key, (n, floor) in floors.items()]
    return (f"Power: no test here can reach p < {analysis.alpha:g} after Holm's correction, "
            "whatever the results; smallest possible p " + ", ".join(parts)
            + "; run more problems or seeds.")


def _partial(analysis, level) -> str | None:
    fin = analysis.final[analysis.final["level"] == level]
    ranked = set(st.common_strategies(fin))
    partial = sorted(set(fin["strategy"].unique()) - ranked)
    if not partial:
        return None
    all_ranks = st.ranks(fin, common_only=False)
    parts = []
    for strategy in partial:
        mine = all_ranks[all_ranks["strategy"] == strategy]
        places = ", ".join(
            f"{row['rank']:g} of {int((all_ranks['problem'] == row['problem']).sum())} on "
            f"{row['problem']}" for _, row in mine.iterrows())
        parts.append(f"{strategy} ({places})")
    return ("Strategies run on only some problems are ranked there only: " + "; ".join(parts)
            + ".")


def failure_lines(runs: pd.DataFrame | None) -> list[str]:
    """One line per strategy with failed runs and their first error, for the report's top."""
    if runs is None or runs.empty or "run_status" not in runs.columns:
        return []
    failed = runs[runs["run_status"].astype(str) == "failed"]
    lines = []
    for strategy, group in failed.groupby("strategy", sort=True):
        errors = group["run_error"].dropna().astype(str)
        first = errors.iloc[0].splitlines()[0][:160] if len(errors) else "no message"
        lines.append(f"{strategy}: {len(group)} failed run(s), e.g. {first}")
    return lines

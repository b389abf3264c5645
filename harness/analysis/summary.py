"""Plain-language summary sentences generated from the numbers of an :class:`Analysis`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from harness.analysis import statistics as st


def format_p(p: float) -> str:
    """``p < 0.001``, ``p < 0.01`` or ``p = 0.034`` style."""
    if not np.isfinite(p):
        return "p = n/a"
    if p < 0.001:
        return "p < 0.001"
    if p < 0.01:
        return "p < 0.01"
    return f"p = {p:.2g}" if p < 0.1 else f"p = {p:.2f}"


def _level_name(analysis, level) -> str:
    if any("fractions" in note for note in analysis.notes[:2]):
        return "the full budget" if level == 1.0 else f"{level:g} of the budget"
    return f"a budget of {level:g}"


def _pair_row(pairwise: pd.DataFrame, level, x: str, y: str):
    if pairwise.empty:
        return None
    rows = pairwise[(pairwise["level"] == level) & (
        ((pairwise["a"] == x) & (pairwise["b"] == y))
        | ((pairwise["a"] == y) & (pairwise["b"] == x)))]
    if rows.empty:
        return None
    row = rows.iloc[0].to_dict()
    if row["a"] != x:  # orient the row as x versus y
        row["a"], row["b"] = x, y
        row["a12"] = 1.0 - row["a12"]
        row["wins"], row["losses"] = row.get("losses"), row.get("wins")
    return row


def _smallest_signed_rank_p(n: int) -> float:
    """Smallest two-sided p-value the exact signed-rank test can give with ``n`` pairs."""
    return min(1.0, 2.0 / 2 ** n) if n > 0 else 1.0


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
    fin = analysis.final
    level = analysis.headline_level
    at = fin[fin["level"] == level]
    n_problems = at["problem"].nunique()
    strategies = sorted(at["strategy"].unique())
    sentences = [
        f"{len(strategies)} {'strategy' if len(strategies) == 1 else 'strategies'} "
        f"{'was' if len(strategies) == 1 else 'were'} compared on "
        f"{_plural(n_problems, 'problem')} ({at['run_id'].nunique()} runs, "
        f"{len(analysis.incumbents)} trials); unless said otherwise the numbers are at "
        f"{_level_name(analysis, level)}."
    ]
    ranks = analysis.ranks[analysis.ranks["level"] == level]
    if ranks.empty:
        return sentences
    ranked_problems = ranks["problem"].nunique()
    avg = analysis.average_ranks
    avg = avg[avg["level"] == level].set_index("strategy")["average_rank"].sort_values()
    best = avg.index[0]
    firsts = ranks[ranks["rank"] == 1.0].groupby("strategy").size()
    sentences.append(
        f"{best} has the best average rank ({avg.iloc[0]:.2f}) and ranks first on "
        f"{int(firsts.get(best, 0))} of {ranked_problems} problems" +
        ("" if len(avg) < 2 else f"; {avg.index[-1]} ranks last on average ({avg.iloc[-1]:.2f})")
        + ".")
    sentences += _friedman_sentences(analysis, level)
    base = analysis.baseline
    # Without a baseline, the best-ranked strategy is compared with every other one.
    reference = base if base is not None else best
    for strategy in [s for s in avg.index if s != reference]:
        if base is None:
            sentence = _versus_baseline(analysis, level, reference, strategy)
        else:
            sentence = _versus_baseline(analysis, level, strategy, reference)
        if sentence:
            sentences.append(sentence)
    if len(avg) > 1:
        sentences += _power_caveats(analysis, level, reference)
    sentences += _partial_sentences(analysis, level, set(avg.index))
    scores = at.groupby("strategy")["score"].median().dropna().sort_values(ascending=False)
    if len(scores):
        sentences.append("Median normalised score over all runs (0 = median " +
                         (f"{base}" if base else "first trial") + ", 1 = reference): " +
                         ", ".join(f"{s} {v:.2f}" for s, v in scores.items()) + ".")
    failed = _failed_trials(analysis)
    if failed:
        sentences.append(failed)
    return sentences


def _friedman_sentences(analysis, level) -> list[str]:
    fr = analysis.friedman[analysis.friedman["level"] == level]
    if not fr.empty and int(fr["k_strategies"].iloc[0]) < 2:
        return ["With a single strategy there is nothing to compare."]
    if fr.empty or not np.isfinite(fr["pvalue"].iloc[0]):
        return ["With fewer than two problems shared by all strategies there is no test "
                "across problems; see the per-problem comparisons."]
    row = fr.iloc[0]
    verdict = ("finds differences between the strategies" if row["pvalue"] < analysis.alpha
               else "finds no significant difference between the strategies")
    text = (f"The Friedman test over {int(row['n_problems'])} problems {verdict} "
            f"(chi2 = {row['statistic']:.2f}, {format_p(row['pvalue'])}); the Nemenyi "
            f"critical difference is {row['cd']:.2f} ranks at alpha = {row['alpha']:g}")
    groups = analysis.cliques.get(level, [])
    if groups:
        text += ", and it cannot separate " + "; ".join(", ".join(g) for g in groups)
    return [text + "."]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _versus_baseline(analysis, level, strategy, base) -> str | None:
    row = _pair_row(analysis.pairwise, level, strategy, base)
    if row is None or int(row["n"]) < 2:
        return _versus_baseline_one_problem(analysis, level, strategy, base)
    a12 = row["a12"]
    effect = (f"mean A12 = {a12:.2f}, {st.a12_magnitude(a12)}" if np.isfinite(a12)
              else "A12 n/a")
    n = int(row["n"])
    if row["significant"]:
        head = (f"{strategy} is significantly {'better' if a12 > 0.5 else 'worse'} than "
                f"{base} across problems")
    else:
        head = f"{strategy} is not significantly different from {base} across problems"
    text = f"{head} ({format_p(row['p_holm'])}, Wilcoxon-Holm over {n} problems; {effect})"
    wins, losses = row.get("wins"), row.get("losses")
    if wins is not None and np.isfinite(wins):
        n_problems = int(wins) + int(row.get("ties", 0)) + int(losses)
        text += (f"; per problem it is significantly better on {int(wins)}, worse on "
                 f"{int(losses)} and not distinguishable on {n_problems - int(wins) - int(losses)}"
                 f" of {n_problems}")
    return text + "."


def _versus_baseline_one_problem(analysis, level, strategy, base) -> str | None:
    """Per-problem comparison, for suites where a test across problems is impossible."""
    pw = analysis.problem_pairwise
    if pw.empty:
        return None
    rows = pw[(pw["level"] == level) & (((pw["a"] == strategy) & (pw["b"] == base))
                                        | ((pw["a"] == base) & (pw["b"] == strategy)))]
    sentences = []
    for _, row in rows.iterrows():
        a12 = row["a12"] if row["a"] == strategy else 1.0 - row["a12"]
        verdict = (f"significantly {'better' if a12 > 0.5 else 'worse'} than" if
                   row["significant"] else "not significantly different from")
        sentences.append(f"On {row['problem']}, {strategy} is {verdict} {base} "
                         f"({format_p(row['p_holm'])}, Wilcoxon-Holm over "
                         f"{_plural(int(row['n']), 'paired seed')}; A12 = {a12:.2f}, "
                         f"{st.a12_magnitude(a12)}).")
    return " ".join(sentences) if sentences else None


def _power_caveats(analysis, level, base) -> list[str]:
    """Say when the number of blocks makes significance impossible after Holm's correction.

    The smallest Holm-adjusted p-value of ``m`` comparisons is ``m`` times the smallest exact
    signed-rank p-value ``2 / 2**n`` of ``n`` paired blocks.
    """
    caveats = []
    pw = analysis.pairwise
    at = pw[pw["level"] == level] if not pw.empty else pw
    if not at.empty:
        n, m = int(at["n"].max()), len(at)
        floor = min(1.0, m * _smallest_signed_rank_p(n))
        if n >= 2 and floor >= analysis.alpha:
            caveats.append(f"With {n} problems and {_plural(m, 'comparison')} the signed-rank "
                           f"test across problems cannot reach p < {analysis.alpha:g} after "
                           f"Holm's correction (its smallest p is {floor:.3g}), whatever the "
                           "results.")
    ppw = analysis.problem_pairwise
    at = ppw[ppw["level"] == level] if not ppw.empty else ppw
    if not at.empty:
        n = int(at["n"].max())
        m = int(at.groupby("problem").size().max())
        floor = min(1.0, m * _smallest_signed_rank_p(n))
        if floor >= analysis.alpha:
            caveats.append(f"With {_plural(n, 'paired seed')} per problem and "
                           f"{_plural(m, 'comparison')} no per-problem signed-rank test can "
                           f"reach p < {analysis.alpha:g} after Holm's correction (smallest p "
                           f"{floor:.3g}); run more seeds for per-problem significance.")
    return caveats


def _partial_sentences(analysis, level, ranked: set) -> list[str]:
    fin = analysis.final[analysis.final["level"] == level]
    partial = sorted(set(fin["strategy"].unique()) - ranked)
    if not partial:
        return []
    all_ranks = st.ranks(fin, common_only=False)
    sentences = []
    for strategy in partial:
        mine = all_ranks[all_ranks["strategy"] == strategy]
        parts = []
        for _, row in mine.iterrows():
            k = int((all_ranks["problem"] == row["problem"]).sum())
            parts.append(f"{row['rank']:g} of {k} on {row['problem']}")
        sentences.append(f"{strategy} ran on {len(mine)} of {fin['problem'].nunique()} "
                         f"problems and is ranked there only: " + ", ".join(parts) + ".")
    return sentences


def _failed_trials(analysis) -> str | None:
    inc = analysis.incumbents
    failed = int(np.isnan(inc["value"].to_numpy(dtype=float)).sum())
    if failed == 0:
        return None
    return (f"{failed} of {len(inc)} trials failed or timed out; failed trials count as spent "
            "budget and never become incumbents.")

"""Plain-language summary sentences generated from the numbers of an :class:`Analysis`."""

from __future__ import annotations

import numpy as np
import pandas as pd


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
    if analysis.notes and "fractions" in analysis.notes[1]:
        return "the full budget" if level == 1.0 else f"{level:g} of the budget"
    return f"a budget of {level:g}"


def _pair_row(pairwise: pd.DataFrame, level, x: str, y: str):
    rows = pairwise[(pairwise["level"] == level) & (
        ((pairwise["a"] == x) & (pairwise["b"] == y)) | ((pairwise["a"] == y) & (pairwise["b"] == x)))]
    if rows.empty:
        return None
    row = rows.iloc[0].to_dict()
    if row["a"] != x:  # orient the row as x versus y
        row["a"], row["b"] = x, y
        row["a12"] = 1.0 - row["a12"]
        row["wins"], row["losses"] = row.get("losses"), row.get("wins")
    return row


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
    inc = analysis.incumbents
    sentences = [
        f"{len(strategies)} strategies were compared on {n_problems} problems "
        f"({at['run_id'].nunique()} runs, {len(inc)} trials); unless said otherwise the "
        f"numbers are at {_level_name(analysis, level)}."
    ]
    ranks = analysis.ranks[analysis.ranks["level"] == level]
    if ranks.empty:
        return sentences
    avg = analysis.average_ranks
    avg = avg[avg["level"] == level].set_index("strategy")["average_rank"].sort_values()
    best = avg.index[0]
    firsts = ranks[ranks["rank"] == 1.0].groupby("strategy").size()
    wins_first = int(firsts.get(best, 0))
    sentences.append(
        f"{best} has the best average rank ({avg.iloc[0]:.2f}) and ranks first on "
        f"{wins_first} of {n_problems} problems" +
        ("" if len(avg) < 2 else f"; {avg.index[-1]} ranks last on average ({avg.iloc[-1]:.2f})")
        + ".")

    fr = analysis.friedman[analysis.friedman["level"] == level]
    if not fr.empty and np.isfinite(fr["pvalue"].iloc[0]):
        row = fr.iloc[0]
        verdict = ("finds differences between the strategies" if row["pvalue"] < analysis.alpha
                   else "finds no significant difference between the strategies")
        text = (f"The Friedman test over {int(row['n_problems'])} problems {verdict} "
                f"(chi2 = {row['statistic']:.2f}, {format_p(row['pvalue'])}); the Nemenyi "
                f"critical difference is {row['cd']:.2f} ranks at alpha = {row['alpha']:g}")
        groups = analysis.cliques.get(level, [])
        if groups:
            text += ", and it cannot separate " + "; ".join(", ".join(g) for g in groups)
        sentences.append(text + ".")
    elif n_problems < 2:
        sentences.append("With a single problem there is no test across problems; see the "
                         "per-problem comparisons.")

    base = analysis.baseline
    others = [s for s in avg.index if s != base]
    if base is not None and others:
        for strategy in others:
            sentence = _versus_baseline(analysis, level, strategy, base, n_problems)
            if sentence:
                sentences.append(sentence)
    scores = at.groupby("strategy")["score"].mean().dropna().sort_values(ascending=False)
    if len(scores):
        sentences.append("Mean normalised score (0 = median " +
                         (f"{base}" if base else "first trial") + ", 1 = reference): " +
                         ", ".join(f"{s} {v:.2f}" for s, v in scores.items()) + ".")
    return sentences


def _versus_baseline(analysis, level, strategy, base, n_problems) -> str | None:
    row = _pair_row(analysis.pairwise, level, strategy, base)
    if row is None:
        return None
    a12 = row["a12"]
    effect = f"A12 = {a12:.2f}, {_magnitude(a12)}" if np.isfinite(a12) else "A12 n/a"
    wins, losses = row.get("wins"), row.get("losses")
    per_problem = ""
    if wins is not None and np.isfinite(wins):
        ties = n_problems - int(wins) - int(losses)
        per_problem = (f"; per problem it is significantly better on {int(wins)}, worse on "
                       f"{int(losses)} and not distinguishable on {ties} of {n_problems}")
    p = row["p_holm"]
    if row["significant"]:
        direction = "better" if a12 > 0.5 else "worse"
        head = f"{strategy} is significantly {direction} than {base} across problems"
    else:
        head = f"{strategy} is not significantly different from {base} across problems"
        n = int(row["n"])
        if n > 0 and row["p"] <= 2.0 / 2 ** n + 1e-12:
            head += (f" (every problem favours one side, but with {n} problems that is the "
                     "smallest p the signed-rank test can give before correction)")
    return (f"{head} ({format_p(p)}, Wilcoxon-Holm over {int(row['n'])} problems; mean "
            f"{effect}){per_problem}.")


def _magnitude(a12: float) -> str:
    from harness.analysis.statistics import a12_magnitude

    return a12_magnitude(a12)

"""LaTeX (booktabs) and CSV tables of an :class:`Analysis`, with the same numbers in both.

Every LaTeX table is a complete ``table`` float with a caption that explains its marks:
the best entry of each row in bold; a dagger marks a strategy significantly better than the
baseline on that row, a double dagger significantly worse (per-problem Wilcoxon signed-rank
over paired seeds, Holm-corrected, alpha of the analysis). Requires ``\\usepackage{booktabs}``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                  "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                  "^": r"\textasciicircum{}"}


def escape(text) -> str:
    """Escape LaTeX special characters in a label."""
    return "".join(_LATEX_SPECIAL.get(c, c) for c in str(text))


def format_number(value: float, digits: int = 3) -> str:
    """A number for LaTeX: 3 significant digits, powers of ten outside [1e-3, 1e4)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "--"
    value = float(value)
    if math.isinf(value):
        return r"$\infty$" if value > 0 else r"$-\infty$"
    if value == 0:
        return "0"
    if 1e-3 <= abs(value) < 1e4:
        return f"{value:.{digits}g}"
    exponent = int(math.floor(math.log10(abs(value))))
    mantissa = value / 10 ** exponent
    return f"${mantissa:.{digits - 1}f}\\cdot 10^{{{exponent}}}$"


def bold(text: str) -> str:
    """Bold a formatted cell (``mathbf`` inside math, ``textbf`` outside)."""
    if text.startswith("$") and text.endswith("$"):
        return "$\\mathbf{" + text[1:-1] + "}$"
    return "\\textbf{" + text + "}"


def _latex_table(frame: pd.DataFrame, caption: str, label: str, best: str | None,
                 marks: pd.DataFrame | None = None, formatter=format_number,
                 index_name: str = "") -> str:
    """Render a wide frame (rows x strategy columns) with bold best-per-row and marks."""
    columns = list(frame.columns)
    lines = [r"\begin{table}[t]", r"\centering", r"\small",
             rf"\caption{{{caption}}}", rf"\label{{tab:{label}}}",
             r"\begin{tabular}{l" + "r" * len(columns) + "}", r"\toprule",
             " & ".join([escape(index_name)] + [escape(c) for c in columns]) + r" \\",
             r"\midrule"]
    for key, row in frame.iterrows():
        values = row.to_numpy(dtype=float)
        finite = np.isfinite(values)
        target = None
        if best is not None and finite.any():
            target = np.nanmin(np.where(finite, values, np.nan)) if best == "min" else \
                np.nanmax(np.where(finite, values, np.nan))
        cells = [escape(key)]
        for column, value in zip(columns, values):
            text = formatter(value)
            if target is not None and np.isfinite(value) and value == target:
                text = bold(text)
            if marks is not None and key in marks.index and column in marks.columns:
                mark = marks.at[key, column]
                if mark == "better":
                    text += r"$^{\dagger}$"
                elif mark == "worse":
                    text += r"$^{\ddagger}$"
            cells.append(text)
        lines.append(" & ".join(cells) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}", ""]
    return "\n".join(lines)


def _baseline_marks(analysis, level) -> pd.DataFrame:
    """Problem x strategy: "better"/"worse" than the baseline where significant, else ""."""
    base = analysis.baseline
    pw = analysis.problem_pairwise
    if base is None or pw.empty:
        return pd.DataFrame()
    pw = pw[(pw["level"] == level) & ((pw["a"] == base) | (pw["b"] == base))]
    records = []
    for _, row in pw.iterrows():
        other = row["b"] if row["a"] == base else row["a"]
        mark = "" if not row["better"] else ("worse" if row["better"] == base else "better")
        records.append((row["problem"], other, mark))
    if not records:
        return pd.DataFrame()
    return pd.DataFrame(records, columns=["problem", "strategy", "mark"]).pivot(
        index="problem", columns="strategy", values="mark")


def _write(out_dir: Path, name: str, latex: str, csv: pd.DataFrame) -> list[Path]:
    tex_path, csv_path = out_dir / f"{name}.tex", out_dir / f"{name}.csv"
    tex_path.write_text(latex)
    csv.to_csv(csv_path, index=False)
    return [tex_path, csv_path]


def _mark_note(analysis) -> str:
    if analysis.baseline is None:
        return ""
    return (rf" $^{{\dagger}}$/$^{{\ddagger}}$: significantly better/worse than "
            rf"{escape(analysis.baseline)} on that problem (Wilcoxon signed-rank over paired "
            rf"seeds, Holm-corrected, $\alpha = {analysis.alpha:g}$).")


def _level_text(analysis, level) -> str:
    if any("fractions" in note for note in analysis.notes[:2]):
        return "at the full budget" if level == 1.0 else f"at {level:g} of the budget"
    return f"at budget {level:g}"


def _levels_text(analysis) -> str:
    if any("fractions" in note for note in analysis.notes[:2]):
        return "fractions of each problem's budget"
    return "absolute budgets"


def write_tables(analysis, out_dir) -> list[Path]:
    """Write every table as ``<name>.tex`` and ``<name>.csv`` into ``out_dir``.

    Tables: ``final_regret`` (median regret per problem x strategy, with bootstrap intervals
    in the CSV), ``scores`` (mean normalised score), ``average_ranks`` (per budget level),
    ``pairwise`` (across-problem Wilcoxon-Holm, A12, win/tie/loss), ``friedman`` and
    ``art`` (aRT at the target nearest 1% of the initial regret); ``test_regret`` when the
    problems report test values.

    Parameters
    ----------
    analysis : Analysis
        Output of :func:`harness.analysis.analyse`.
    out_dir : str or Path
        Directory (created if missing).

    Returns
    -------
    list of Path
        The files written.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    level = analysis.headline_level
    when = _level_text(analysis, level)
    summary = analysis.final_summary[analysis.final_summary["level"] == level]
    marks = _baseline_marks(analysis, level)
    paths: list[Path] = []

    regret = summary.pivot(index="problem", columns="strategy", values="median")
    long = summary.copy()
    long["vs_baseline"] = [marks.at[p, s] if (p in marks.index and s in marks.columns
                                              and isinstance(marks.at[p, s], str)) else ""
                           for p, s in zip(long["problem"], long["strategy"])]
    long["best"] = long["median"] == long.groupby("problem")["median"].transform("min")
    paths += _write(out_dir, "final_regret", _latex_table(
        regret, f"Median final regret {when} over repetitions (lower is better; best per "
        "problem in bold)." + _mark_note(analysis), "final_regret", "min", marks,
        index_name="Problem"), long)

    scores = summary.pivot(index="problem", columns="strategy", values="median_score")
    paths += _write(out_dir, "scores", _latex_table(
        scores, f"Median normalised score {when} over repetitions (0 = median of "
        f"{escape(analysis.baseline) if analysis.baseline else 'the first trial'}, "
        "1 = reference; higher is better, best per problem in bold)." + _mark_note(analysis),
        "scores", "max", marks, formatter=lambda v: f"{v:.2f}" if np.isfinite(v) else "--",
        index_name="Problem"),
        summary[["problem", "strategy", "mean_score", "median_score"]])

    ranks = analysis.average_ranks.pivot(index="level", columns="strategy",
                                         values="average_rank")
    ranks.index = [str(v) if isinstance(v, str) else f"{v:g}" for v in ranks.index]
    paths += _write(out_dir, "average_ranks", _latex_table(
        ranks, "Average rank over problems at each budget level (" + _levels_text(analysis)
        + "; all = mean over levels; 1 = best, best per level in bold); ties share the "
        "average rank. Strategies that ran on only some problems are left out.",
        "average_ranks", "min",
        formatter=lambda v: f"{v:.2f}", index_name="Budget"), analysis.average_ranks)

    pw = analysis.pairwise[analysis.pairwise["level"] == level] if len(analysis.pairwise) \
        else pd.DataFrame(columns=["a", "b", "p_holm", "a12", "magnitude"])
    lines = [r"\begin{table}[t]", r"\centering", r"\small",
             rf"\caption{{Pairwise comparisons {when}: Holm-corrected Wilcoxon signed-rank "
             r"$p$ over problems (median regret per problem; bold if $p < "
             rf"{analysis.alpha:g}$), mean per-problem Vargha-Delaney $A_{{12}}$ "
             r"(probability that A beats B) and the numbers of problems where A is "
             r"significantly better / not distinguishable / worse.}",
             r"\label{tab:pairwise}", r"\begin{tabular}{llrrlr}", r"\toprule",
             r"A & B & $p_\mathrm{Holm}$ & $A_{12}$ & magnitude & W/T/L \\", r"\midrule"]
    for _, row in pw.iterrows():
        p = format_number(row["p_holm"])
        if row["p_holm"] < analysis.alpha:
            p = bold(p)
        wtl = "--"
        if "wins" in row and pd.notna(row.get("wins")):
            wtl = f"{int(row['wins'])}/{int(row['ties'])}/{int(row['losses'])}"
        lines.append(f"{escape(row['a'])} & {escape(row['b'])} & {p} & {row['a12']:.2f} & "
                     f"{row['magnitude']} & {wtl} \\\\")
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}", ""]
    paths += _write(out_dir, "pairwise", "\n".join(lines), pw)

    fr = analysis.friedman
    lines = [r"\begin{table}[t]", r"\centering", r"\small",
             r"\caption{Friedman test over problems at each budget level (with the "
             r"Iman-Davenport $F$) and the Nemenyi critical difference (CD) of average ranks.}",
             r"\label{tab:friedman}", r"\begin{tabular}{lrrrrrrr}", r"\toprule",
             r"Budget & $N$ & $k$ & $\chi^2_F$ & $p$ & $F_F$ & $p_F$ & CD \\", r"\midrule"]
    for _, row in fr.iterrows():
        lines.append(" & ".join([f"{row['level']:g}", str(int(row["n_problems"])),
                                 str(int(row["k_strategies"]))] +
                                [format_number(row[c]) for c in
                                 ("statistic", "pvalue", "iman_davenport",
                                  "iman_davenport_pvalue", "cd")]) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}", ""]
    paths += _write(out_dir, "friedman", "\n".join(lines), fr)

    art = analysis.art
    if len(art):
        exponents = analysis.targets.set_index(["problem", "target_index"])["exponent"]
        chosen = int(np.argmin(np.abs(np.sort(analysis.targets["exponent"].unique())[::-1]
                                      + 2.0)))
        at = art[art["target_index"] == chosen]
        wide = at.pivot(index="problem", columns="strategy", values="art")
        exponent = float(exponents.iloc[chosen]) if len(exponents) > chosen else -2.0
        paths += _write(out_dir, "art", _latex_table(
            wide, rf"Average runtime aRT (evaluations, unsuccessful runs included; "
            rf"$\infty$ = never reached) to the target regret $s\cdot 10^{{{exponent:.2f}}}$, "
            r"$s$ = median regret of the first trial (lower is better; best in bold). "
            "Bootstrap intervals in the CSV.", "art", "min", index_name="Problem"), at)

    if summary["median_test_regret"].notna().any():
        test = summary.pivot(index="problem", columns="strategy", values="median_test_regret")
        test = test.dropna(how="all")
        paths += _write(out_dir, "test_regret", _latex_table(
            test, f"Median test regret of the incumbent {when} (held-out test value minus the "
            "best test value observed; lower is better, best in bold).", "test_regret", "min",
            index_name="Problem"),
            summary[["problem", "strategy", "median_test_regret"]].dropna())
    return paths

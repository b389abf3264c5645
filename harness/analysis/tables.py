"""LaTeX (booktabs) and CSV tables of an :class:`Analysis`, with the same numbers in both.

Every LaTeX table is a complete ``table`` float whose caption states its test, the size of
the Holm family its marks were corrected over, and its marks: the best entry of each column
in bold; ``+``/``-`` a strategy significantly better/worse than the baseline on that problem
(per-problem comparisons with the baseline, Holm over the ``k - 1`` of them); a dagger
a strategy that used exact gradients. Strategies are rows and problems columns, split into
blocks that fit a page. Requires ``\\usepackage{booktabs}``.
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
    r"""A number for LaTeX in one format everywhere: ``digits`` significant digits, plain in
    [0.01, 1000), ``m\cdot 10^{e}`` outside; 0, infinities and NaN spelled out."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "--"
    value = float(value)
    if math.isnan(value):
        return "--"
    if math.isinf(value):
        return r"$\infty$" if value > 0 else r"$-\infty$"
    if value == 0:
        return "0"
    if 1e-2 <= abs(value) < 1e3:
        decimals = max(0, digits - 1 - int(math.floor(math.log10(abs(value)))))
        text = f"{value:.{decimals}f}"
        # Rounding can carry into the next decade (999.7 -> 1000): re-format from there.
        return text if abs(float(text)) < 1e3 else format_number(float(text), digits)
    exponent = int(math.floor(math.log10(abs(value))))
    mantissa = value / 10 ** exponent
    if round(abs(mantissa), digits - 1) >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"${mantissa:.{digits - 1}f}\\cdot 10^{{{exponent}}}$"


def bold(text: str) -> str:
    """Bold a formatted cell (``mathbf`` inside math, ``textbf`` outside)."""
    if text.startswith("$") and text.endswith("$"):
        return "$\\mathbf{" + text[1:-1] + "}$"
    return "\\textbf{" + text + "}"


#: Problems per tabular block: wider tables are split into stacked blocks so that every
#: column keeps a readable width on a page.
COLUMNS_PER_BLOCK = 6

#: Footnote mark of strategies that used the problem's exact gradient (the figures' legends
#: carry the same dagger).
GRADIENT_MARK = r"$^{\dagger}$"


def _wide_blocks(frame: pd.DataFrame, best: str | None, marks: pd.DataFrame | None,
                 formatter, gradient: set, row_name: str) -> list[str]:
    """Rows = strategies, columns = problems (or levels), split every COLUMNS_PER_BLOCK."""
    lines = []
    columns = list(frame.columns)
    for start in range(0, max(len(columns), 1), COLUMNS_PER_BLOCK):
        block = columns[start:start + COLUMNS_PER_BLOCK]
        if start:
            lines.append(r"\medskip")
        lines += [r"\begin{tabular}{l" + "r" * len(block) + "}", r"\toprule",
                  " & ".join([escape(row_name)] + [escape(c) for c in block]) + r" \\",
                  r"\midrule"]
        targets = {}
        for column in block:
            values = frame[column].to_numpy(dtype=float)
            finite = values[np.isfinite(values)]
            if best is not None and len(finite):
                targets[column] = finite.min() if best == "min" else finite.max()
        for strategy, row in frame.iterrows():
            if not np.isfinite(row[block].to_numpy(dtype=float)).any() and \
                    row[block].isna().all():
                continue  # a strategy that ran on none of this block's problems
            name = escape(strategy) + (GRADIENT_MARK if strategy in gradient else "")
            cells = [name]
            for column in block:
                value = float(row[column])
                text = formatter(value)
                if column in targets and np.isfinite(value) and value == targets[column]:
                    text = bold(text)
                if marks is not None and strategy in marks.index and column in marks.columns:
                    mark = marks.at[strategy, column]
                    text += {"better": r"$^{+}$", "worse": r"$^{-}$"}.get(mark, "")
                cells.append(text)
            lines.append(" & ".join(cells) + r" \\")
        lines += [r"\bottomrule", r"\end{tabular}"]
    return lines


def _float_table(caption: str, label: str, body: list[str]) -> str:
    return "\n".join([r"\begin{table}[t]", r"\centering", r"\small",
                      rf"\caption{{{caption}}}", rf"\label{{tab:{label}}}", *body,
                      r"\end{table}", ""])


def gradient_strategies(analysis) -> set:
    """Strategies that received exact gradients on some problem (marked in every table)."""
    return set(getattr(analysis, "gradient_strategies", ()) or ())


def baseline_marks(analysis, level) -> pd.DataFrame:
    """Strategy x problem: "better" / "worse" than the baseline where the per-problem
    versus-baseline family (Holm over the ``k - 1`` comparisons) is significant, else ""."""
    pc = analysis.problem_control
    if analysis.baseline is None or pc.empty:
        return pd.DataFrame()
    at = pc[pc["level"] == level]
    marks = np.where(at["better"] == at["a"], "better", np.where(at["better"] == at["b"],
                                                                   "worse", ""))
    frame = pd.DataFrame({"strategy": at["a"], "problem": at["problem"], "mark": marks})
    return frame.pivot(index="strategy", columns="problem", values="mark")


def _mark_note(analysis, level) -> str:
    notes = []
    if analysis.baseline is not None and not analysis.problem_control.empty:
        at = analysis.problem_control[analysis.problem_control["level"] == level]
        sizes = sorted(set(int(v) for v in at["family_size"]))
        family = "/".join(str(v) for v in sizes) if sizes else "0"
        n = int(at["n"].max()) if len(at) else 0
        notes.append(rf" $^{{+}}$/$^{{-}}$: significantly better/worse than "
                     rf"{escape(analysis.baseline)} on that problem (exact Wilcoxon signed-rank "
                     rf"over {n} paired seeds, Holm over the {family} comparisons with "
                     rf"{escape(analysis.baseline)}, $\alpha = {analysis.alpha:g}$).")
    if gradient_strategies(analysis):
        notes.append(r" $^{\dagger}$: uses the problem's exact gradient (more information than a "
                     r"black-box method gets).")
    return "".join(notes)


def _level_text(analysis, level) -> str:
    if any("fractions" in note for note in analysis.notes[:2]):
        return "at the full budget" if level == 1.0 else f"at {level:g} of the budget"
    return f"at budget {level:g}"


def _write(out_dir: Path, name: str, latex: str, csv: pd.DataFrame) -> list[Path]:
    tex_path, csv_path = out_dir / f"{name}.tex", out_dir / f"{name}.csv"
    tex_path.write_text(latex)
    csv.to_csv(csv_path, index=False)
    return [tex_path, csv_path]


def _strategy_rows(summary: pd.DataFrame, values: str) -> pd.DataFrame:
    """Strategies as rows (best median rank first would reorder; alphabetical is stable)."""
    return summary.pivot(index="strategy", columns="problem", values=values).sort_index()


def write_tables(analysis, out_dir) -> list[Path]:
    """Write every table as ``<name>.tex`` and ``<name>.csv`` into ``out_dir``.

    Tables (strategies as rows, problems as columns, stacked blocks of
    :data:`COLUMNS_PER_BLOCK`): ``final_regret`` (median regret, order-statistic intervals and
    run counts in the CSV), ``scores``, ``test_regret`` when problems report test values,
    ``art``; ``average_ranks`` (per level); ``pairwise`` (all pairs across problems, Holm over
    all pairs), ``versus_baseline`` (Holm over the comparisons with the baseline) and
    ``friedman``. Every caption states its test, its family size and its marks.

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
    gradient = gradient_strategies(analysis)
    paths = _value_tables(analysis, level, when, gradient, out_dir)
    paths += _ranks_table(analysis, gradient, out_dir)
    paths += _pairwise_tables(analysis, level, when, out_dir)
    paths += _friedman_table(analysis, out_dir)
    paths += _art_table(analysis, out_dir, gradient)
    return paths


def _value_tables(analysis, level, when: str, gradient, out_dir: Path) -> list[Path]:
    """``final_regret``, ``scores`` and (with test values) ``test_regret`` at ``level``."""
    summary = analysis.final_summary[analysis.final_summary["level"] == level]
    marks = baseline_marks(analysis, level)
    paths: list[Path] = []
    note = _mark_note(analysis, level)

    regret = _strategy_rows(summary, "median")
    long = summary.copy()
    long["vs_baseline"] = [marks.at[s, p] if (s in marks.index and p in marks.columns
                                              and isinstance(marks.at[s, p], str)) else ""
                           for p, s in zip(long["problem"], long["strategy"])]
    long["best"] = long["median"] == long.groupby("problem")["median"].transform("min")
    n_runs = int(summary["n"].max()) if len(summary) else 0
    paths += _write(out_dir, "final_regret", _float_table(
        f"Median regret {when} over {n_runs} runs per cell (lower is better; best per problem "
        r"in bold; $\infty$ = runs failed before the budget). Regret is measured at full "
        "fidelity on the noise-free value; values within $10^{-12}$ of the reference count as "
        "0. Intervals and run counts in the CSV." + note,
        "final_regret", _wide_blocks(regret, "min", marks, format_number, gradient,
                                     "Strategy")), long)

    scores = _strategy_rows(summary, "median_score")
    paths += _write(out_dir, "scores", _float_table(
        f"Median normalised score {when} (0 = median of "
        f"{escape(analysis.baseline) if analysis.baseline else 'the first trial'}, "
        "1 = reference; higher is better, best per problem in bold)." + note,
        "scores", _wide_blocks(scores, "max", marks,
                               lambda v: f"{v:.2f}" if np.isfinite(v) else
                               (r"$-\infty$" if v < 0 else "--"), gradient, "Strategy")),
        summary[["problem", "strategy", "mean_score", "median_score"]])

    if summary["median_test_regret"].notna().any():
        test = _strategy_rows(summary, "median_test_regret").dropna(axis=1, how="all")
        paths += _write(out_dir, "test_regret", _float_table(
            f"Median test regret of the incumbent {when} (held-out test value minus the best "
            "test value observed; lower is better, best in bold).", "test_regret",
            _wide_blocks(test, "min", None, format_number, gradient, "Strategy")),
            summary[["problem", "strategy", "median_test_regret"]].dropna())
    return paths


def _ranks_table(analysis, gradient, out_dir: Path) -> list[Path]:
    ranks = analysis.average_ranks.pivot(index="strategy", columns="level",
                                         values="average_rank").sort_index()
    ranks.columns = [str(v) if isinstance(v, str) else f"{v:g}" for v in ranks.columns]
    return _write(out_dir, "average_ranks", _float_table(
        "Average rank over problems at each budget level (columns; all = mean over levels; "
        "1 = best, best in bold; ties share the average rank). Strategies that ran on only "
        "some problems are left out.", "average_ranks",
        _wide_blocks(ranks, "min", None, lambda v: f"{v:.2f}", gradient, "Strategy")),
        analysis.average_ranks)


def _p_cell(p: float, alpha: float) -> str:
    text = format_number(p) if p >= 0.001 else "$<0.001$"
    return bold(text) if p < alpha else text


def _pairwise_tables(analysis, level, when, out_dir) -> list[Path]:
    paths = []
    for name, frame, family_text in (
            ("pairwise", analysis.pairwise, "all pairs"),
            ("versus_baseline", analysis.pairwise_control,
             f"the comparisons with {escape(analysis.baseline or '')}")):
        at = frame[frame["level"] == level] if len(frame) else frame
        if at.empty:
            continue
        m, n = int(at["family_size"].iloc[0]), int(at["n"].max())
        methods = ", ".join(sorted(set(at["method"])))
        rows = []
        ordered = at.sort_values(["p_holm", "a", "b"]) if name == "pairwise" else \
            at.sort_values("a12", ascending=False)
        for _, row in ordered.iterrows():
            wtl = "--" if not np.isfinite(row.get("wins", np.nan)) else \
                f"{int(row['wins'])}/{int(row['ties'])}/{int(row['losses'])}"
            first = escape(row["a"]) if name == "versus_baseline" else \
                f"{escape(row['a'])} & {escape(row['b'])}"
            rows.append(" & ".join([first, _p_cell(row["p"], 0.0),
                                    _p_cell(row["p_holm"], analysis.alpha),
                                    f"{row['a12']:.2f}", f"{row['p_better']:.2f}",
                                    f"{row['p_equivalent']:.2f}", f"{row['p_worse']:.2f}",
                                    wtl]) + r" \\")
        head = "Strategy" if name == "versus_baseline" else "A & B"
        spec = "l" if name == "versus_baseline" else "ll"
        caption = (
            f"{'Each strategy (A) against ' + escape(analysis.baseline or '') if name == 'versus_baseline' else 'Pairwise comparisons'}"
            f" {when} across {n} problems: Wilcoxon signed-rank on the median log10 regret per "
            f"problem ({methods}), $p$ raw and Holm-corrected over {family_text} (family of {m}; "
            rf"bold if $p_\mathrm{{Holm}} < {analysis.alpha:g}$); $A_{{12}}$: mean per-problem "
            r"probability that A beats B; $P_{>}, P_{=}, P_{<}$: Bayesian signed-rank posterior "
            rf"probabilities that A is better, equivalent (within {at['rope'].iloc[0]:g} log10 "
            "regret) or worse; W/T/L: problems where A is significantly better / not "
            "distinguishable / worse over paired seeds.")
        body = [r"\begin{tabular}{" + spec + "rrrrrrr}", r"\toprule",
                head + r" & $p$ & $p_\mathrm{Holm}$ & $A_{12}$ & $P_{>}$ & $P_{=}$ & $P_{<}$ "
                r"& W/T/L \\", r"\midrule", *rows, r"\bottomrule", r"\end{tabular}"]
        paths += _write(out_dir, name, _float_table(caption, name, body), at)
    return paths


def _friedman_table(analysis, out_dir) -> list[Path]:
    fr = analysis.friedman
    rows = [" & ".join([f"{row['level']:g}", str(int(row["n_problems"])),
                        str(int(row["k_strategies"])), format_number(row["statistic"]),
                        _p_cell(row["pvalue"], analysis.alpha), escape(row["method"])]) + r" \\"
            for _, row in fr.iterrows()]
    body = [r"\begin{tabular}{lrrrrl}", r"\toprule",
            r"Budget & $N$ & $k$ & $\chi^2_F$ & $p$ & method \\", r"\midrule", *rows,
            r"\bottomrule", r"\end{tabular}"]
    return _write(out_dir, "friedman", _float_table(
        "Friedman test over problems at each budget level (median log10 regret per problem; "
        "exact or permutation p-value below 30 problems, Iman-Davenport F above).",
        "friedman", body), fr)


def _art_table(analysis, out_dir, gradient) -> list[Path]:
    art = analysis.art
    if not len(art):
        return []
    exponents = np.sort(analysis.targets["exponent"].unique())[::-1]
    chosen = int(np.argmin(np.abs(exponents + 2.0)))
    at = art[art["target_index"] == chosen]
    wide = at.pivot(index="strategy", columns="problem", values="art").sort_index()
    units = analysis.final.groupby("problem")["unit"].first()
    wide.columns = [f"{p} ({'cost' if units.get(p) == 'cost' else 'evals'})"
                    for p in wide.columns]
    return _write(out_dir, "art", _float_table(
        "Average runtime aRT to the target regret $s\\cdot 10^{" + f"{exponents[chosen]:.2f}"
        + "}$, $s$ = median regret of the first trial, in each problem's budget unit (column "
        r"header: evaluations or full-fidelity cost); unsuccessful runs included; $\infty$ = "
        "never reached; lower is better, best in bold. Bootstrap intervals in the CSV.",
        "art", _wide_blocks(wide, "min", None, format_number, gradient, "Strategy")), at)

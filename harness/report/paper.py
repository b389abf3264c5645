"""Regenerate every figure and table of the paper (``paper/``) from the paper suite.

:func:`regenerate` runs ``suites/paper.toml`` (resuming: stored runs are reused, so a
complete results directory costs nothing; ``rerun=True`` starts from scratch), builds the
report, and copies into ``paper/``:

- ``figures/<name>.pdf|png``: every suite-level figure under its report name, and the first
  per-run view of each kind under a stable name (``history``, ``contour``, ``parallel``,
  ``importance``), so ``paper.tex`` never depends on which problem was chosen;
- ``tables/<name>.tex|csv``: every analysis table; tables wider than
  :data:`COLUMN_TABLE_COLUMNS` columns span both columns (``table*``), beyond
  :data:`WIDE_TABLE_COLUMNS` they are also scaled to the
  text width (``versus_baseline`` is the report's table of the comparisons with random search,
  Holm-corrected over that family);
- ``generated/setup.tex``: the experimental setup as the trials record it;
- ``generated/numbers.tex``: macros with the suite's numbers (``\\nRuns``, ``\\nTrials``, ...);
- ``generated/summary.tex``: the plain-language summary as an ``itemize``;
- ``generated/environment.tex``: software versions and the git commit.
"""

from __future__ import annotations

import html
import json
import logging
import re
import shutil
from pathlib import Path

__all__ = ["regenerate", "paper_tables", "latex_escape", "WIDE_TABLE_COLUMNS"]

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
#: Tables with more data columns than this span both columns of the paper.
COLUMN_TABLE_COLUMNS = 4
#: Tables with more data columns than this are also scaled to the text width.
WIDE_TABLE_COLUMNS = 8
RUN_VIEWS = ("history", "contour", "parallel", "importance")


def latex_escape(text: str) -> str:
    """Escape LaTeX special characters in plain text."""
    table = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
             "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
    return "".join(table.get(c, c) for c in str(text))


def _widen(tex: str) -> str:
    """Make a ``table`` whose widest ``tabular`` has more than :data:`COLUMN_TABLE_COLUMNS`
    data columns span both columns (``table*``); beyond :data:`WIDE_TABLE_COLUMNS` every
    tabular is also scaled down to the text width."""
    widths = [len(re.findall(r"[lrcp]", spec)) - 1
              for spec in re.findall(r"\\begin\{tabular\}\{([^}]*)\}", tex)]
    if not widths or max(widths) <= COLUMN_TABLE_COLUMNS:
        return tex
    tex = tex.replace(r"\begin{table}", r"\begin{table*}").replace(r"\end{table}", r"\end{table*}")
    if max(widths) <= WIDE_TABLE_COLUMNS:
        return tex
    tex = tex.replace(r"\begin{tabular}", r"\resizebox{\textwidth}{!}{%" + "\n" + r"\begin{tabular}")
    return tex.replace(r"\end{tabular}", r"\end{tabular}}")


def paper_tables(report_tables: Path, out_dir: Path) -> list[Path]:
    """Copy the report's tables into ``out_dir``, widening the wide ones (see :func:`_widen`)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(report_tables.glob("*")):
        target = out_dir / path.name
        if path.suffix == ".tex":
            target.write_text(_widen(path.read_text()))
        else:
            shutil.copyfile(path, target)
        written.append(target)
    return written


def _copy_figures(report_figures: Path, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(report_figures.glob("*")):
        kind = path.stem.split("_", 1)[0]
        if kind in RUN_VIEWS or path.suffix == ".txt":
            continue
        shutil.copyfile(path, out_dir / path.name)
        written.append(out_dir / path.name)
    order_file = report_figures / "run_views.txt"
    ranked = order_file.read_text().split() if order_file.exists() else []
    for kind in RUN_VIEWS:
        # The gallery's most informative problem first (largest spread between strategies).
        firsts = [report_figures / f"{kind}_{slug}.pdf" for slug in ranked
                  if (report_figures / f"{kind}_{slug}.pdf").exists()]
        firsts = firsts or sorted(report_figures.glob(f"{kind}_*.pdf"))
        if firsts:
            for ext in ("pdf", "png"):
                source = firsts[0].with_suffix(f".{ext}")
                shutil.copyfile(source, out_dir / f"{kind}.{ext}")
                written.append(out_dir / f"{kind}.{ext}")
            (out_dir / f"{kind}.problem.txt").write_text(firsts[0].stem.split("_", 1)[1] + "\n")
    return written


def _numbers(df, results_dir: Path) -> str:
    n_runs = df["run_id"].nunique()
    failed = int((df["status"] != "ok").sum())
    values = {
        "nRuns": f"{n_runs:,}",
        "nTrials": f"{len(df):,}",
        "nProblems": str(df["problem"].nunique()),
        "nStrategies": str(df["strategy"].nunique()),
        "nSeeds": str(df["repetition"].nunique()),
        "nFailedTrials": f"{failed:,}",
        "suiteName": latex_escape(df["suite"].iloc[0]),
        "evalSeconds": f"{df['eval_seconds'].sum():.0f}",
        "strategySeconds": f"{df['strategy_seconds'].sum():.0f}",
    }
    lines = ["% Generated by harness.report.paper.regenerate; do not edit."]
    lines += [f"\\newcommand{{\\{k}}}{{{v}}}" for k, v in values.items()]
    return "\n".join(lines) + "\n"


def _setup_tex(df) -> str:
    """The experimental setup as the trials record it (problems, budgets and units, folds,
    references, seeds, strategies), so the text cannot disagree with what ran."""
    import pandas as pd

    from harness.analysis.metrics import references
    from harness.splits import split_of

    refs = references(df)
    items = []
    for problem, group in df.groupby("problem", sort=True):
        first = group.iloc[0]
        unit = "full-fidelity cost" if first["budget_kind"] == "cost" else "evaluations"
        parts = [f"budget {float(first['budget']):g} {unit}", f"{split_of(first['problem_name'])} split",
                 f"reference: {refs.at[problem, 'reference_kind']}"]
        folds = _folds(group["info"]) if "info" in group.columns else None
        if folds:
            parts.append(f"{folds}-fold cross-validation with a held-out test split")
        if pd.notna(first.get("fidelity_max", float("nan"))):
            parts.append("multi-fidelity")
        items.append(f"  \\item \\texttt{{{latex_escape(problem)}}} "
                     f"({latex_escape(first['problem_name'])}): {latex_escape('; '.join(parts))}.")
    strategies = ", ".join(f"\\texttt{{{latex_escape(s)}}}" for s in sorted(df["strategy"].unique()))
    return ("% Generated by harness.report.paper.regenerate from the stored trials; do not edit.\n"
            f"The suite runs {df['strategy'].nunique()} strategies ({strategies}) with "
            f"{df['repetition'].nunique()} seeds on {df['problem'].nunique()} problems:\n"
            "\\begin{itemize}\n" + "\n".join(items) + "\n\\end{itemize}\n")


def _folds(info) -> int | None:
    for text in info.dropna().head(20):
        try:
            values = json.loads(text).get("fold_values")
        except (ValueError, AttributeError):
            continue
        if values:
            return len(values)
    return None


def _summary_tex(sentences) -> str:
    items = "\n".join(f"  \\item {latex_escape(s)}" for s in sentences)
    return "% Generated by harness.report.paper.regenerate; do not edit.\n\\begin{itemize}\n" + items + "\n\\end{itemize}\n"


def _environment_tex(results_dir: Path) -> str:
    from harness.report.sections import environment_table

    path = results_dir / "environment.json"
    env = json.loads(path.read_text()) if path.exists() else {}
    table = environment_table(env)
    keep = table[~table["item"].str.contains("recorded_at|hostname", regex=True) & (table["value"] != "")]
    parts = [f"{latex_escape(i.split('.')[-1])} {latex_escape(v)}" for i, v in zip(keep["item"], keep["value"])]
    return "% Generated by harness.report.paper.regenerate; do not edit.\n" + "; ".join(parts) + ".\n"


def regenerate(rerun: bool = False, *, suite: str | Path | None = None, results: str | Path | None = None,
               paper_dir: str | Path | None = None, executor: str | None = None, progress: bool = True) -> Path:
    """Run or reuse the paper suite and regenerate every figure and table of the paper.

    Parameters
    ----------
    rerun : bool
        Delete the stored results first and run everything again.
    suite : path, optional
        Suite file; default ``suites/paper.toml`` of the repository.
    results : path, optional
        Results directory; default ``results/<suite name>``.
    paper_dir : path, optional
        Paper directory; default ``paper/`` of the repository.
    executor : str, optional
        Override the suite's executor (``"serial"`` or ``"ray"``).
    progress : bool
        Show the progress bar while running.

    Returns
    -------
    Path
        The paper directory.
    """
    import harness
    from harness.benchmark import results_dir_for, run_suite
    from harness.report.build import ReportInputs, _read_side_files, write_report
    from harness.store import Store
    from harness.suite import load_suite

    suite = Path(suite) if suite else ROOT / "suites" / "paper.toml"
    paper_dir = Path(paper_dir) if paper_dir else ROOT / "paper"
    results_dir = Path(results) if results else ROOT / results_dir_for(load_suite(suite), None)
    if rerun and results_dir.exists():
        shutil.rmtree(results_dir)
    run_suite(suite, results=results_dir, executor=executor, report=False, progress=progress)

    load = getattr(harness, "load", None) or (lambda p: Store(p).load())
    df = load(results_dir)
    inputs: ReportInputs = _read_side_files(results_dir)
    try:
        inputs.runs = Store(results_dir).runs()
    except Exception as exc:  # informative only
        log.warning("run records unreadable: %s", exc)
    report_dir = results_dir / "report"
    write_report(df, report_dir, inputs)

    for sub in ("figures", "tables", "generated"):
        shutil.rmtree(paper_dir / sub, ignore_errors=True)
    _copy_figures(report_dir / "figures", paper_dir / "figures")
    paper_tables(report_dir / "tables", paper_dir / "tables")
    generated = paper_dir / "generated"
    generated.mkdir(parents=True, exist_ok=True)
    (generated / "numbers.tex").write_text(_numbers(df, results_dir))
    (generated / "setup.tex").write_text(_setup_tex(df))
    sentences = _summary_from_report(report_dir)
    (generated / "summary.tex").write_text(_summary_tex(sentences))
    (generated / "environment.tex").write_text(_environment_tex(results_dir))
    return paper_dir


def _summary_from_report(report_dir: Path) -> list[str]:
    """The summary bullets of the report just written (the same sentences, not recomputed)."""
    md = (report_dir / "report.md").read_text(encoding="utf-8")
    block = md.split("## Summary", 1)[1].split("\n## ", 1)[0]
    # report.md writes labels as HTML entities; the paper escapes them for LaTeX instead.
    return [html.unescape(line[2:].strip()) for line in block.splitlines() if line.startswith("- ")]

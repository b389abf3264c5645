"""Assemble the report's :class:`~harness.report.content.Document` from its parts.

Sections: summary, suite, environment, fixed-budget tables, figures, per-run views, method
(the normalisation formula, targets, tests), exports, and notes on anything left out.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from harness.analysis import fixed_budget, metrics
from harness.analysis.summary import failure_lines
from harness.report.analysis_bridge import summary_sentences
from harness.report.content import Bullets, Code, Document, Paragraph, Section, Table
from harness.splits import split_of

__all__ = ["assemble", "environment_table", "suite_overview", "table_blocks", "ENVIRONMENT_KEYS"]

#: Environment entries shown first, in this order (anything else in environment.json follows).
ENVIRONMENT_KEYS = ("python", "numpy", "scipy", "scikit-learn", "sklearn", "pandas", "ray", "hyperopt", "optuna",
                    "platform", "machine", "processor", "cpu_count", "hostname", "git_commit", "git_dirty", "harness")

#: Per-run view figure prefixes (drawn in their own section).
RUN_VIEW_PREFIXES = ("history_", "contour_", "parallel_", "importance_")


def _flatten(data: Any, prefix: str = "") -> dict[str, str]:
    if isinstance(data, Mapping):
        out: dict[str, str] = {}
        for key, value in data.items():
            out.update(_flatten(value, f"{prefix}{key}" if not prefix else f"{prefix}.{key}"))
        return out
    if isinstance(data, (list, tuple)):
        return {prefix: ", ".join(str(v) for v in data)}
    return {prefix: "" if data is None else str(data)}


def environment_table(environment: Mapping[str, Any] | None) -> pd.DataFrame:
    """``environment.json`` as a two-column table (nested keys dotted), known keys first."""
    flat = _flatten(environment or {})

    def order(key: str):
        leaf = key.split(".")[-1].lower()
        return (ENVIRONMENT_KEYS.index(leaf) if leaf in ENVIRONMENT_KEYS else len(ENVIRONMENT_KEYS), key)

    keys = sorted(flat, key=order)
    return pd.DataFrame({"item": keys, "value": [flat[k] for k in keys]})


def suite_overview(df: pd.DataFrame, runs: pd.DataFrame | None) -> pd.DataFrame:
    """Counts per problem: strategies, runs, trials, failed trials, failed runs, budget."""
    g = df.groupby("problem", sort=True)
    out = pd.DataFrame({
        "dimension": metrics.dimensions(df),
        "strategies": g["strategy"].nunique(),
        "runs": g["run_id"].nunique(),
        "trials": g.size(),
        "failed trials": g["status"].apply(lambda s: int((s != "ok").sum())),
        "budget": g["budget"].max().map(lambda v: f"{v:g}") + " " + g["budget_kind"].first(),
        "optimum known": g["optimum"].apply(lambda s: "yes" if s.notna().any() else "no"),
        # Which problems strategy defaults were tuned on (harness.splits): results on
        # development problems are not held-out evidence.
        "split": g["problem_name"].first().map(split_of),
    })
    if runs is not None and len(runs) and "run_status" in runs:
        bad = runs[runs["run_status"] != "ok"].groupby("problem").size()
        out["runs not ok"] = bad.reindex(out.index).fillna(0).astype(int)
    out.index.name = "problem"
    return out


def _caption(name: str) -> str:
    return name.replace("_", " ").strip().capitalize()


def table_blocks(paths: list[Path], out_dir: Path, max_rows: int = 60) -> list[Table]:
    """One :class:`Table` per written CSV (its LaTeX twin linked), numbers rounded for display."""
    blocks = []
    tex = {p.stem: p for p in paths if p.suffix == ".tex"}
    for csv in sorted(p for p in paths if p.suffix == ".csv"):
        frame = pd.read_csv(csv)
        shown = frame.head(max_rows)
        shown = shown.apply(lambda col: col.map(_fmt) if pd.api.types.is_float_dtype(col) else col)
        note = "" if len(frame) <= max_rows else f" (first {max_rows} of {len(frame)} rows; all in the CSV)"
        blocks.append(Table(
            caption=_caption(csv.stem) + note,
            frame=shown,
            csv=os.path.relpath(csv, out_dir),
            tex=os.path.relpath(tex[csv.stem], out_dir) if csv.stem in tex else None,
        ))
    return blocks


def _fmt(v: float) -> str:
    if v is None or not np.isfinite(v):
        return "" if v is None or np.isnan(v) else ("inf" if v > 0 else "-inf")
    return f"{v:.3g}"


def _bayesmark_block(df: pd.DataFrame) -> Table | None:
    """Bayesmark's own normalised score beside ours, for suites with Bayesmark problems."""
    names = df["problem_name"].astype(str) if "problem_name" in df.columns else pd.Series([], dtype=str)
    bayesmark = df[names.str.startswith("bayesmark-")]
    if bayesmark.empty:
        return None
    from harness.analysis.bayesmark_score import bayesmark_scores

    scores = bayesmark_scores(bayesmark)
    return Table("Bayesmark normalised score over its problems (Bayesmark's scoring.rst: 0 = median "
                 "of one random evaluation, 100 = best known value; mean over problems, +/- half-width)",
                 scores.round(2))


def assemble(inputs, df: pd.DataFrame, result, gallery, tables: list[Path], exports: list[Path], out_dir: Path) -> Document:
    """The whole report document.

    Parameters
    ----------
    inputs : ReportInputs
        Suite text, environment, run table, timings.
    df : DataFrame
        Stored trials.
    result : harness.report.analysis_bridge.Result
        Analysis outputs.
    gallery : harness.report.gallery.Gallery
        Drawn figures.
    tables, exports : list of Path
        Files written by the analysis' tables and export modules.
    out_dir : Path
        Report directory (links are relative to it).
    """
    doc = Document(title=inputs.title)
    doc.sections += [_summary_section(inputs, df, result), _suite_section(inputs, df),
                     _environment_section(inputs), _tables_section(df, tables, out_dir)]
    doc.sections += _figure_sections(gallery)
    doc.sections.append(_method_section(result))
    if exports:
        doc.sections.append(Section("Exports", [
            Paragraph("Trajectories exported for cocopp and IOHanalyzer:"),
            Bullets(sorted({os.path.relpath(p, out_dir) for p in exports})[:40]),
        ]))
    doc.sections.append(_about_section(inputs, result, gallery))
    return doc


def _summary_section(inputs, df: pd.DataFrame, result) -> Section:
    n_runs = df["run_id"].nunique()
    failures = failure_lines(inputs.runs)
    return Section("Summary", [
        *([Paragraph("Failed runs (they rank last where they stopped short; full errors in the "
                     "run table):"), Bullets(failures)] if failures else []),
        *([Paragraph(inputs.ignored_runs)] if getattr(inputs, "ignored_runs", None) else []),
        Paragraph(f"{len(df):,} trials in {n_runs:,} runs: {df['problem'].nunique()} problems x "
                  f"{df['strategy'].nunique()} strategies x {df['repetition'].nunique()} repetitions."),
        Bullets(summary_sentences(result)),
    ])


def _suite_section(inputs, df: pd.DataFrame) -> Section:
    suite = Section("Suite")
    if inputs.suite_text:
        suite.add(Paragraph("The suite file as given (suite.toml):")).add(Code(inputs.suite_text, "toml"))
    suite.add(Table("Problems of the suite", suite_overview(df, inputs.runs)))
    suite.add(Paragraph("Strategies: " + ", ".join(sorted(df["strategy"].unique())) + "."))
    return suite


def _environment_section(inputs) -> Section:
    env = Section("Environment")
    if inputs.environment:
        env.add(Table("Software and machine (environment.json)", environment_table(inputs.environment)))
    else:
        env.add(Paragraph("No environment.json in the results directory."))
    return env


def _tables_section(df: pd.DataFrame, tables: list[Path], out_dir: Path) -> Section:
    tab = Section("Tables")
    tab.add(Paragraph("Every table is also written as LaTeX (booktabs) and CSV under tables/."))
    for block in table_blocks(tables, out_dir):
        tab.add(block)
    bayesmark = _bayesmark_block(df)
    if bayesmark is not None:
        tab.add(bayesmark)
    return tab


def _figure_sections(gallery) -> list[Section]:
    suite_figs = [f for f in gallery.figures if not f.name.startswith(RUN_VIEW_PREFIXES)]
    run_figs = [f for f in gallery.figures if f.name.startswith(RUN_VIEW_PREFIXES)]
    sections = [Section("Figures", list(suite_figs))]
    if run_figs:
        sections.append(Section("Per-run views", [
            Paragraph("Views of the median run (by final regret) of the best strategy on a few problems."),
            *run_figs,
        ]))
    return sections


def _method_section(result) -> Section:
    return Section("Method", [
        Paragraph("Everything is minimised. " + metrics.INCUMBENT_RULE),
        Table("Reference of every problem (regret = incumbent value minus reference)",
              result.analysis.references.reset_index()[["problem", "reference", "reference_kind",
                                                        "reference_source"]]),
        Paragraph("Normalised score:"),
        Code(getattr(result.analysis, "score_formula", None) or fixed_budget.SCORE_FORMULA),
        Paragraph(f"Baseline strategy: {result.baseline}"
                  + (f"; the score's zero is the {result.analysis.score_zero}." if result.analysis is not None else ".")),
        Paragraph("Ranks: per problem and budget, strategies are ranked by median regret over repetitions (ties "
                  "share the average rank); average ranks are taken over problems. Tests, families and effect "
                  "sizes are listed below; effect sizes are Vargha-Delaney A12 (small >= 0.56, medium >= 0.64, "
                  "large >= 0.71)."),
        Paragraph("Fixed target (as COCO): 51 log-spaced target precisions per problem; the runtime of a run to a "
                  "target is the spend (evaluations, or fidelity-weighted cost for cost budgets) until its incumbent's regret "
                  "is at or below the target; the "
                  "ECDF counts (problem, target) pairs, unsolved pairs included in the denominator; problems of "
                  "different dimension are shown in separate panels."),
        *([Bullets(list(result.analysis.notes))] if result.analysis is not None and result.analysis.notes else []),
    ])


def _about_section(inputs, result, gallery) -> Section:
    notes = list(result.notes) + list(gallery.notes)
    timing = ", ".join(f"{k} {v:.1f} s" for k, v in inputs.timings.items())
    return Section("About this report", [
        Paragraph("Generated by harness.report from the stored trials alone; `harness report RESULTS_DIR` "
                  "regenerates it without rerunning anything." + (f" Stage times: {timing}." if timing else "")),
        *([Bullets(notes)] if notes else []),
    ])

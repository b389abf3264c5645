"""Build a suite's report from its stored trials: ``RESULTS_DIR/report/``.

:func:`build_report` loads the trials (``harness.load``), runs the analysis, draws every
figure (PDF + PNG), writes the tables (LaTeX + CSV) and the COCO / IOHprofiler exports, and
renders ``report.md`` and a self-contained ``report.html``. Everything comes from the stored
trials and the side files of the results directory (``suite.toml``, ``environment.json``,
``runs.json``), so a report can always be regenerated without rerunning anything.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import shutil
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import pandas as pd

from harness.report import analysis_bridge as bridge
from harness.report.bbob_section import draw_bbob_figure
from harness.report.content import Document, Figure
from harness.report.gallery import Gallery
from harness.report.html import render_html
from harness.report.markdown import render_markdown
from harness.report.palette import strategy_styles
from harness.report.sections import assemble
from harness.report.timing_section import time_section

__all__ = ["build_report", "make_report", "write_report", "load_report_inputs", "Report", "ReportInputs"]

log = logging.getLogger(__name__)


@dataclass
class ReportInputs:
    """What a report is built from besides the trials (all optional)."""

    title: str = "Benchmark report"
    suite_text: str | None = None
    environment: Mapping[str, Any] | None = None
    run_specs: Mapping[str, dict] | None = None  # run_id -> resolved spec (runs.json)
    runs: pd.DataFrame | None = None  # one row per run, including runs without trials
    ignored_runs: str | None = None  # one line: stored runs left out and why (RunSelection.note)
    timings: dict[str, float] = field(default_factory=dict)


def _read_side_files(results_dir: Path) -> ReportInputs:
    """``suite.toml``, ``environment.json`` and ``runs.json`` of a results directory; a
    missing or unreadable one is left out (with a logged warning)."""
    inputs = ReportInputs(title=f"Benchmark report: {results_dir.name}")
    suite = results_dir / "suite.toml"
    if suite.exists():
        inputs.suite_text = suite.read_text()
    env = results_dir / "environment.json"
    if env.exists():
        try:
            inputs.environment = json.loads(env.read_text())
        except json.JSONDecodeError as exc:
            log.warning("environment.json unreadable: %s", exc)
    runs = results_dir / "runs.json"
    if runs.exists():
        try:
            specs = json.loads(runs.read_text())
            specs = specs.get("runs", specs) if isinstance(specs, dict) else specs
            inputs.run_specs = {s["run_id"]: s for s in specs if isinstance(s, dict) and "run_id" in s}
        except (json.JSONDecodeError, TypeError, KeyError) as exc:
            log.warning("runs.json unreadable: %s", exc)
    return inputs


def load_report_inputs(results_dir, all_runs: bool = False) -> tuple[pd.DataFrame, ReportInputs]:
    """The stored trials of a results directory and everything else a report is built from.

    The one place a report (and the paper, which renders the same analysis) reads a results
    directory: trials of the current suite (``all_runs``: every stored run), the side files
    (:class:`ReportInputs`) and the run table with the note on runs left out.
    """
    from harness.store import Store

    results_dir = Path(results_dir)
    started = time.perf_counter()
    store = Store(results_dir)
    df = store.load(all_runs=all_runs)
    inputs = _read_side_files(results_dir)
    try:
        selection = store.selection(all_runs)
        inputs.runs = pd.DataFrame([r.to_json() for r in selection.kept])
        _add_stored_spaces(inputs, selection.kept)
        inputs.ignored_runs = selection.note()
    except Exception as exc:  # the run table is informative only
        log.warning("run records unreadable: %s", exc)
    inputs.timings["load"] = time.perf_counter() - started
    return df, inputs


@dataclass(frozen=True)
class Report:
    """A written report and what it was made from, for renderers that come after it (the paper)."""

    html: Path
    out_dir: Path
    trials: pd.DataFrame
    inputs: ReportInputs
    result: bridge.Result


def _add_stored_spaces(inputs: ReportInputs, records) -> None:
    """Give each run's spec the search space stored with the run (records written since it was kept)."""
    specs = dict(inputs.run_specs or {})
    for record in records:
        if record.space is not None:
            specs[record.run_id] = {**specs.get(record.run_id, {}), "space": record.space}
    inputs.run_specs = specs


def build_report(results_dir, *, out_dir=None, budgets: Sequence[float] | None = None, baseline: str = "random",
                 max_run_views: int = 3, all_runs: bool = False) -> Path:
    """Write the report of a results directory and return the path of ``report.html``.

    Parameters
    ----------
    results_dir : path
        A results directory written by ``harness run``.
    out_dir : path, optional
        Where to write; default ``results_dir/report``.
    budgets : sequence of float, optional
        Absolute budgets for the fixed-budget tables; default fractions of each problem's budget.
    baseline : str
        Strategy label used as the normalised score's zero and for significance marks.
    max_run_views : int
        Problems that get per-run views (history, contour, parallel coordinates, importance).
    all_runs : bool
        Include stored runs no longer in the suite (by default they are left out and
        ``ReportInputs.ignored_runs`` says how many and why).

    Returns
    -------
    Path
        ``<out_dir>/report.html``.
    """
    return make_report(results_dir, out_dir=out_dir, budgets=budgets, baseline=baseline,
                       max_run_views=max_run_views, all_runs=all_runs).html


def make_report(results_dir, *, out_dir=None, budgets: Sequence[float] | None = None, baseline: str = "random",
                max_run_views: int = 3, all_runs: bool = False) -> Report:
    """:func:`build_report`, returning the :class:`Report` (trials, inputs, analysis) as well."""
    results_dir = Path(results_dir)
    df, inputs = load_report_inputs(results_dir, all_runs)
    out_dir = Path(out_dir) if out_dir else results_dir / "report"
    result = _write(df, out_dir, inputs, budgets=budgets, baseline=baseline, max_run_views=max_run_views)
    return Report(out_dir / "report.html", out_dir, df, inputs, result)


def write_report(df: pd.DataFrame, out_dir: Path, inputs: ReportInputs | None = None, *,
                 budgets: Sequence[float] | None = None, baseline: str = "random", max_run_views: int = 3) -> Path:
    """Write the report of an already loaded trial frame into ``out_dir``.

    Parameters
    ----------
    df : DataFrame
        Stored trials (the schema of :func:`harness.load`).
    out_dir : Path
        Report directory; its ``figures/``, ``tables/`` and ``export/`` are rewritten.
    inputs : ReportInputs, optional
        Suite text, environment, run specs.

    Returns
    -------
    Path
        ``out_dir/report.html``.
    """
    _write(df, Path(out_dir), inputs or ReportInputs(), budgets=budgets, baseline=baseline,
           max_run_views=max_run_views)
    return Path(out_dir) / "report.html"


def _write(df: pd.DataFrame, out_dir: Path, inputs: ReportInputs, *, budgets, baseline, max_run_views) -> bridge.Result:
    out_dir.mkdir(parents=True, exist_ok=True)
    for sub in ("figures", "tables", "export"):
        shutil.rmtree(out_dir / sub, ignore_errors=True)  # no stale figures from a previous suite
    clock = _Clock(inputs.timings)

    with clock("analysis"):
        result = bridge.run_analysis(df, budgets=budgets, baseline=baseline)
    styles = strategy_styles(df["strategy"].unique(), result.analysis.gradient_strategies)
    gallery = Gallery(out_dir / "figures", styles)
    with clock("figures and run views"):
        pending = _start_run_views(gallery, df, result.final, inputs.run_specs, max_run_views)
        draw_suite_figures(gallery, result)
        draw_bbob_figure(gallery, df)  # COCO's own ECDF when the suite has BBOB runs
        _finish_run_views(pending, gallery, df, result.final, inputs.run_specs, max_run_views)
    with clock("tables"):
        tables = bridge.write_tables(result, out_dir / "tables")
    with clock("export"):
        exports = bridge.export(result, df, out_dir / "export")
    doc = assemble(inputs, df, result, gallery, tables, exports, out_dir)
    timed = time_section(df, gallery, out_dir / "tables", out_dir)  # runs with workers/clocks only
    if timed is not None:
        doc.sections.append(timed)
    write_documents(doc, out_dir)
    log.info("report written to %s (%s)", out_dir, ", ".join(f"{k} {v:.1f}s" for k, v in inputs.timings.items()))
    return result


def draw_suite_figures(gallery: Gallery, result: "bridge.Result") -> None:
    """Every suite-level figure (convergence, distributions, ranks, CD, ECDF, heatmap)."""
    gallery.convergence(result.incumbents)
    gallery.final_distributions(result.final)
    ranks = result.rank_curve
    if ranks is not None and len(ranks) and ranks["strategy"].nunique() > 1:
        gallery.rank_over_budget(ranks)
    if result.cd is not None:
        gallery.cd_diagram(result.cd.avg_ranks, result.cd.cliques, result.cd.note)
    if result.ecdf is not None and len(result.ecdf):
        gallery.runtime_ecdf(result.ecdf, "evaluations", "Targets: 51 precisions per problem, log-spaced over 8 decades below the problem's typical first-trial regret; one panel per dimension and budget unit (evaluations, or full-fidelity cost for cost budgets), never pooled.")
    scores = result.score_matrix
    if scores is not None and scores.notna().to_numpy().any():
        gallery.score_heatmap(scores)


#: State handed to the forked process that draws the per-run views (a fork shares it
#: without pickling the trial frame).
_RUN_VIEW_JOB: tuple | None = None


def _draw_run_views_in_child() -> tuple[list[tuple], list[str]]:
    gallery, df, fin, specs, max_problems = _RUN_VIEW_JOB
    child = Gallery(gallery.out_dir, gallery.styles)
    child.run_views(df, fin, specs, max_problems=max_problems)
    return [(f.name, f.caption, str(f.png), str(f.pdf)) for f in child.figures], child.notes


def _start_run_views(gallery, df, fin, specs, max_problems):
    """Draw the per-run views in a forked process while the parent draws the suite figures.

    Figures are independent files, so the two halves of the report use both cores; where
    fork is unavailable (or the child fails) the views are drawn in this process instead.
    """
    global _RUN_VIEW_JOB
    if max_problems <= 0 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    _RUN_VIEW_JOB = (gallery, df, fin, specs, max_problems)
    try:
        # The CLI's SIGTERM handler raises KeyboardInterrupt; the child is ended by SIGTERM
        # when its views are done, which must end it quietly, not print a traceback.
        pool = multiprocessing.get_context("fork").Pool(1, initializer=signal.signal,
                                                        initargs=(signal.SIGTERM, signal.SIG_DFL))
    except OSError as exc:
        log.warning("run views drawn in-process: %s", exc)
        return None
    finally:
        _RUN_VIEW_JOB = None
    return pool, pool.apply_async(_draw_run_views_in_child)


def _finish_run_views(pending, gallery, df, fin, specs, max_problems) -> None:
    if pending is None:
        gallery.run_views(df, fin, specs, max_problems=max_problems)
        return
    pool, job = pending
    try:
        figures, notes = job.get()
    except Exception as exc:  # a crashed child costs time, not the views
        log.warning("run views drawn in-process after the child failed: %s", exc)
        gallery.run_views(df, fin, specs, max_problems=max_problems)
        return
    finally:
        pool.terminate()
        pool.join()
    gallery.figures += [Figure(name=n, caption=c, png=Path(png), pdf=Path(pdf))
                        for n, c, png, pdf in figures]
    gallery.notes += notes


def write_documents(doc: Document, out_dir: Path) -> None:
    """Render ``doc`` to ``report.md`` and ``report.html`` in ``out_dir``."""
    (out_dir / "report.md").write_text(render_markdown(doc, out_dir), encoding="utf-8")
    (out_dir / "report.html").write_text(render_html(doc), encoding="utf-8")


class _Clock:
    """Context manager factory recording how long each stage took (shown in the report)."""

    def __init__(self, timings: dict[str, float]) -> None:
        self.timings = timings

    def __call__(self, name: str):
        timings = self.timings

        class _Stage:
            def __enter__(self):
                self.start = time.perf_counter()

            def __exit__(self, *exc):
                timings[name] = timings.get(name, 0.0) + time.perf_counter() - self.start

        return _Stage()

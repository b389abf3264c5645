"""Reports from stored trials: figures (PDF/PNG), tables, ``report.md`` and ``report.html``.

Entry point: :func:`build_report` (``harness report RESULTS_DIR`` and the end of ``harness run``).
Modules: :mod:`~harness.report.palette` (fixed colour and marker per strategy),
:mod:`~harness.report.figures` / :mod:`~harness.report.cd_diagram` / :mod:`~harness.report.run_views`
(the figures), :mod:`~harness.report.gallery` (which figures a report draws),
:mod:`~harness.report.sections` (the document), :mod:`~harness.report.markdown` and
:mod:`~harness.report.html` (rendering), :mod:`~harness.report.build` (orchestration; one loader of a
results directory, :func:`~harness.report.build.load_report_inputs`), :mod:`~harness.report.paper` (the
paper's figures, tables and generated text, rendered from a written report's analysis).
"""

from __future__ import annotations

__all__ = ["build_report", "write_report"]


def build_report(results_dir, **kwargs):
    """Write ``results_dir/report/`` and return the path of its ``report.html``.

    See :func:`harness.report.build.build_report` for the parameters.
    """
    from harness.report.build import build_report as build

    return build(results_dir, **kwargs)


def write_report(df, out_dir, inputs=None, **kwargs):
    """Write a report of an already loaded trial frame; see :func:`harness.report.build.write_report`."""
    from harness.report.build import write_report as write

    return write(df, out_dir, inputs, **kwargs)

"""The report's "Workers and clocks" section: results against (simulated) time.

Drawn only when the suite has runs on a clock (``workers > 1``, a ``clock`` or a time budget):
the median incumbent regret against time with every strategy side by side (synchronous and
asynchronous ones on the same axes), the workers' busy fraction, and the speed-up of k workers
over one worker per strategy. Numbers come from :mod:`harness.analysis.timing`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from harness.analysis import timing
from harness.report.content import Paragraph, Section, Table
from harness.report.figures import convergence_figure

__all__ = ["time_section"]


def time_section(df: pd.DataFrame, gallery, tables_dir: Path, out_dir: Path) -> Section | None:
    """The section (``None`` without timed runs); its figure is drawn into ``gallery``."""
    timed = timing.timed_trials(df)
    if timed.empty:
        return None
    clocks = sorted(timed["clock"].unique())
    unit = "simulated seconds" if clocks == ["simulated"] else "seconds (" + ", ".join(clocks) + " clock)"
    section = Section("Workers and clocks", [Paragraph(
        f"{timed['run_id'].nunique()} runs kept several evaluations in flight or ran on a clock "
        f"({', '.join(clocks)}). Their incumbents are shown against time in {unit}: a trial counts from "
        "the moment it ended, and only trials at the problem's highest fidelity make incumbents.")])
    curves = timing.anytime_curves(df)
    if not curves.empty:
        styles = {name: gallery.styles[name] for name in gallery.styles if name in set(curves["strategy"])}
        figure = gallery.draw(
            "convergence_time",
            f"Median incumbent regret over runs (line) and interquartile range (band) against time in {unit}, "
            "one panel per problem; synchronous and asynchronous strategies side by side.",
            lambda: convergence_figure(curves, styles, xlabel=f"time ({unit})", ylabel="incumbent regret"),
        )
        if figure is not None:
            section.add(figure)
    tables_dir.mkdir(parents=True, exist_ok=True)
    busy = timing.utilisation(df)
    busy.to_csv(tables_dir / "worker_utilisation.csv", index=False)
    shown = busy.assign(busy=busy["busy"].map(lambda v: f"{v:.0%}"), span=busy["span"].map(lambda v: f"{v:.4g}"))
    section.add(Table("Worker utilisation: mean busy fraction of the workers over each run's span (a time "
                      "budget's span is the budget), median span and trials per run, cancelled trials.",
                      shown, csv=str((tables_dir / "worker_utilisation.csv").relative_to(out_dir))))
    speed = timing.speedups(df)
    if not speed.empty:
        speed.to_csv(tables_dir / "speedup.csv", index=False)
        fmt = speed.copy()
        for column in ("target_regret", "time_base", "time_parallel"):
            fmt[column] = fmt[column].map(lambda v: f"{v:.3g}")
        fmt["speedup"] = fmt["speedup"].map(lambda v: f"{v:.2f}x")
        section.add(Table("Speed-up: time for the k-worker variant's median regret to reach the 1-worker "
                          "variant's median final regret, against the time the 1-worker variant took.",
                          fmt, csv=str((tables_dir / "speedup.csv").relative_to(out_dir))))
    return section

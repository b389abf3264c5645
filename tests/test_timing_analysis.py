"""Results against time (harness.analysis.timing) on hand-made trial frames, and the report's
"Workers and clocks" section on a real simulated suite."""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd

import harness
from harness.analysis import timing
from harness.benchmark import run_suite
from harness.report.gallery import Gallery
from harness.report.palette import strategy_styles
from harness.report.timing_section import time_section


def _frame(rows):
    columns = ["problem", "strategy", "strategy_name", "run_id", "trial", "workers", "clock", "start_time",
               "end_time", "value", "optimum", "status", "budget", "budget_kind"]
    return pd.DataFrame(rows, columns=columns)


def test_utilisation_counts_busy_time_over_workers_times_span():
    rows = [
        # Two workers, span 4: busy 3 + 1 + 2 = 6 of 8 worker-seconds.
        ("p", "s-2w", "s", "a", 0, 2, "simulated", 0.0, 3.0, 5.0, 0.0, "ok", 10, "evaluations"),
        ("p", "s-2w", "s", "a", 1, 2, "simulated", 0.0, 1.0, 4.0, 0.0, "ok", 10, "evaluations"),
        ("p", "s-2w", "s", "a", 2, 2, "simulated", 2.0, 4.0, 3.0, 0.0, "ok", 10, "evaluations"),
        ("p", "untimed", "s", "b", 0, 1, "none", np.nan, np.nan, 1.0, 0.0, "ok", 10, "evaluations"),
    ]
    table = timing.utilisation(_frame(rows))
    assert list(table["strategy"]) == ["s-2w"]  # untimed runs are left out
    assert table["busy"].iloc[0] == 6 / 8 and table["span"].iloc[0] == 4.0 and table["trials"].iloc[0] == 3


def test_speedup_is_the_ratio_of_times_to_the_one_worker_median_final_regret():
    rows = []
    # One worker: regret 4 at t=2, 1 at t=4 (final 1). Four workers: regret 1 at t=1.
    rows += [("p", "s-1w", "s", "r1", 0, 1, "simulated", 0.0, 2.0, 4.0, 0.0, "ok", 4, "time"),
             ("p", "s-1w", "s", "r1", 1, 1, "simulated", 2.0, 4.0, 1.0, 0.0, "ok", 4, "time")]
    rows += [("p", "s-4w", "s", "r4", i, 4, "simulated", 0.0, 1.0, v, 0.0, "ok", 4, "time")
             for i, v in enumerate([3.0, 1.0, 2.0, 5.0])]
    table = timing.speedups(_frame(rows), points=401)
    row = table.iloc[0]
    assert (row["strategy"], row["base"], row["workers"], row["target_regret"]) == ("s-4w", "s-1w", 4, 1.0)
    assert math.isclose(row["time_base"], 4.0) and math.isclose(row["time_parallel"], 1.0)
    assert math.isclose(row["speedup"], 4.0)
    curves = timing.anytime_curves(_frame(rows), points=401)
    one = curves[curves["strategy"] == "s-1w"]
    assert one["x"].min() == 2.0 and one["median"].iloc[0] == 4.0 and one["median"].iloc[-1] == 1.0
    assert curves[curves["strategy"] == "s-4w"]["x"].max() <= 1.0  # ends where its runs ended


def test_report_has_a_workers_and_clocks_section(tmp_path):
    suite = tmp_path / "timed.toml"
    suite.write_text(textwrap.dedent("""
        name = "timed"
        seeds = 3
        budget = { cost = 8 }
        problems = [{ name = "branin-mf", duration_cv = 1.0 }]
        strategies = [
            { name = "asha", label = "asha-4w", workers = 4 },
            { name = "hyperband", label = "hyperband-4w", workers = 4 },
            { name = "hyperband", label = "hyperband-1w", clock = "simulated" },
        ]
    """))
    run_suite(suite, executor="serial", results=tmp_path / "r", progress=False)
    df = harness.load(tmp_path / "r")
    out = tmp_path / "report"
    gallery = Gallery(out / "figures", strategy_styles(df["strategy"].unique()))
    section = time_section(df, gallery, out / "tables", out)
    assert section.title == "Workers and clocks"
    assert [f.name for f in section.figures()] == ["convergence_time"] and (out / "figures" / "convergence_time.png").exists()
    busy = pd.read_csv(out / "tables" / "worker_utilisation.csv")
    assert set(busy["strategy"]) == {"asha-4w", "hyperband-4w", "hyperband-1w"}
    # Asynchronous ASHA keeps its workers busier than synchronous Hyperband on the same workers.
    by = busy.set_index("strategy")["busy"]
    assert by["asha-4w"] > by["hyperband-4w"] and math.isclose(by["hyperband-1w"], 1.0)
    speed = pd.read_csv(out / "tables" / "speedup.csv")
    assert list(speed["strategy"]) == ["hyperband-4w"] and list(speed["base"]) == ["hyperband-1w"]

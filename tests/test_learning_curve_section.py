"""The paper's learning-curve section: incumbents over simulated time, its numbers, its files."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from harness.report.learning_curve_section import (
    has_learning_curves,
    incumbents_over_time,
    lc_paragraph,
    time_to_target,
    write_paper_section,
)


def _trial(strategy, run, fidelity, value, end, curve_length):
    return {"strategy": strategy, "run_id": run, "repetition": int(run[-1]), "status": "ok", "fidelity": fidelity,
            "fidelity_max": 50.0, "value": value, "end_time": end, "workers": 2, "budget": 3.0,
            "problem": "lcnet-digits-surrogate",
            "info": json.dumps({"curve": {"val_loss": list(np.linspace(2.0, value, curve_length))}})}


@pytest.fixture()
def frame():
    rows = [
        # random: two runs; full-fidelity values 0.5 at t=10 then 0.3 at t=20 / 0.4 at t=30.
        _trial("random", "r0", 50, 0.5, 10.0, 50), _trial("random", "r0", 50, 0.3, 20.0, 50),
        _trial("random", "r1", 50, 0.4, 30.0, 50),
        # hyperband: low-fidelity trials do not count; full-fidelity 0.2 at t=15 and 0.6 at t=5.
        _trial("hyperband", "h0", 5, 0.1, 2.0, 5), _trial("hyperband", "h0", 50, 0.2, 15.0, 50),
        _trial("hyperband", "h1", 50, 0.6, 5.0, 50),
    ]
    return pd.DataFrame(rows)


def test_incumbents_are_medians_over_runs_of_the_best_full_fidelity_value(frame):
    grid, medians = incumbents_over_time(frame)
    assert grid[0] == 5.0 and grid[-1] == 30.0

    def value(strategy, t):
        return medians[strategy][np.searchsorted(grid, t, side="right") - 1]

    # random at t in [20, 30): r0 has 0.3, r1 none yet (worse than anything): median of (0.3, inf) = inf,
    # but one of two runs has a value, which is enough to draw.
    assert value("random", 25.0) == math.inf and value("random", 30.0) == pytest.approx(0.35)
    assert np.isnan(value("random", 9.0))  # no run has a full-fidelity result before t = 10
    assert value("hyperband", 6.0) == math.inf and value("hyperband", 16.0) == pytest.approx(0.4)


def test_time_to_target_is_the_median_first_time_at_or_below_it(frame):
    reached = time_to_target(frame, 0.45)
    assert reached["random"] == pytest.approx(25.0)  # r0 at 20 (0.3), r1 at 30 (0.4)
    assert reached["hyperband"] == math.inf  # h0 at 15; h1 never: median of (15, inf)


def test_the_paragraph_states_medians_and_the_time_to_random_searchs_final_value(frame):
    text = " ".join(lc_paragraph(frame))
    assert "hyperband 0.400" in text and "random 0.350" in text  # medians of (0.2, 0.6) and (0.3, 0.4)
    assert "Random search's median final value (0.350)" in text and "not by hyperband" in text


def test_the_section_is_written_from_a_real_surrogate_suite(tmp_path):
    from harness.benchmark import run_suite
    from harness.store import Store

    suite = tmp_path / "lc.toml"
    suite.write_text('name = "lc-tiny"\nseed = 3\nseeds = 1\nbudget = { cost = 2 }\nworkers = 4\n'
                     'clock = "simulated"\nproblems = ["lcnet-digits-surrogate"]\n'
                     'strategies = ["random", "hyperband"]\n[executor]\nkind = "serial"\n')
    run_suite(suite, results=tmp_path / "r", progress=False)
    df = Store(tmp_path / "r").load()
    assert has_learning_curves(df)
    written = write_paper_section(df, tmp_path / "paper", "lc-tiny")
    assert all(path.exists() and path.stat().st_size > 0 for path in written)
    tex = (tmp_path / "paper" / "generated" / "learning_curves.tex").read_text()
    assert "\\section{Learning curves" in tex and "\\texttt{lc-tiny}" in tex and "4 workers" in tex
    with pytest.raises(ValueError, match="no trial with a learning curve"):
        write_paper_section(df.assign(info=None), tmp_path / "none", "plain")


def test_times_are_stated_against_random_searchs_run_length_in_a_readable_unit(frame):
    from harness.report.learning_curve_section import simulated_time

    assert [simulated_time(t) for t in (5.0, 600.0, 14_400.0)] == ["5.0 s", "10.0 min", "4.0 h"]
    # Both hyperband runs reach random's median final value 0.35 (at 15 and 5: median 10); random
    # has two runs (makespans 20 and 30), so half of them never reach its own median value and
    # the ratio is taken against its median run length, 25.
    faster = frame.copy()
    faster.loc[(faster.run_id == "h1") & (faster.fidelity == 50), "value"] = 0.3
    text = " ".join(lc_paragraph(faster))
    assert "hyperband 10.0 s (0.40 of random search's run length)" in text

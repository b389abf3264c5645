"""Bayesmark's normalised score on a worked example computed by hand.

Definitions: Bayesmark ``docs/scoring.rst`` and ``experiment_analysis.compute_aggregates``
(normalise by ``(S - opt) / (clip - opt)``, clip to [-1, 1], mean over repetitions then over
problems, leaderboard ``100 * (1 - mean)``); ``experiment_baseline.compute_baseline`` for
baselines derived from the trials (median random evaluation; padded best of all methods).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from harness.analysis.bayesmark_score import bayesmark_problem_scores, bayesmark_scores, baselines_from_trials


def _trials(rows):
    records = []
    for problem, strategy, repetition, values in rows:
        for i, v in enumerate(values):
            records.append({"problem_name": problem, "strategy": strategy, "repetition": repetition, "trial": i,
                            "value": math.nan if v is None else v, "status": "failed" if v is None else "ok"})
    return pd.DataFrame(records)


PINNED = {"P1": {"clip": 10.0, "best": 0.0}, "P2": {"clip": 1.0, "best": -1.0}}


def test_worked_example_with_pinned_baselines():
    trials = _trials([
        ("P1", "A", 0, [5.0, 2.0, 7.0]),   # S = 2   -> 0.2
        ("P1", "A", 1, [12.0, None]),       # S = 12  -> 1.2, clipped to 1.0 (a failure is +inf)
        ("P2", "A", 0, [0.5, -2.0]),        # S = -2  -> -0.5
        ("P2", "A", 1, [0.0, 3.0]),         # S = 0   -> 0.5
        ("P1", "B", 0, [None, None]),       # all failed: +inf -> 1.0
        ("P1", "B", 1, [-30.0]),            # far below the best known: -3.0, clipped to -1.0
    ])
    per_problem = bayesmark_problem_scores(trials, PINNED).set_index(["problem_name", "strategy"])
    assert per_problem.loc[("P1", "A"), "normalised"] == pytest.approx(0.6)
    assert per_problem.loc[("P2", "A"), "normalised"] == pytest.approx(0.0)
    assert per_problem.loc[("P1", "B"), "normalised"] == pytest.approx(0.0)
    assert per_problem.loc[("P2", "A"), "score"] == pytest.approx(100.0)

    table = bayesmark_scores(trials, PINNED).set_index("strategy")
    assert table.loc["A", "score"] == pytest.approx(100 * (1 - 0.3))  # mean of 0.6 and 0.0
    half = stats.t.ppf(0.975, 1) * np.std([0.6, 0.0], ddof=1) / math.sqrt(2)
    assert table.loc["A", "half_width"] == pytest.approx(100 * half)
    assert table.loc["B", "score"] == pytest.approx(100.0) and table.loc["B", "problems"] == 1
    assert math.isinf(table.loc["B", "half_width"])  # Bayesmark's t_EB is inf for one problem


def test_baselines_derived_from_trials_as_bayesmark_does():
    trials = _trials([
        ("P3", "random", 0, [3.0, 1.0]),
        ("P3", "random", 1, [2.0, 4.0, None]),
        ("P3", "A", 0, [0.5, 6.0]),
    ])
    derived = baselines_from_trials(trials)["P3"]
    assert derived["clip"] == 2.5                        # median of the 4 finite random evaluations
    assert derived["best"] < 0.5 and derived["best"] == pytest.approx(0.5, abs=1e-11)
    scores = bayesmark_problem_scores(trials, baselines={}).set_index("strategy")
    # A found the best known value itself: normalised ~0, score ~100.
    assert scores.loc["A", "score"] == pytest.approx(100.0, abs=1e-6)
    # random: runs reach 1.0 and 2.0 -> (1 - b)/(2.5 - b), (2 - b)/(2.5 - b) with b ~ 0.5
    assert scores.loc["random", "normalised"] == pytest.approx(np.mean([0.5 / 2.0, 1.5 / 2.0]), abs=1e-9)
    assert scores.loc["random", "baseline"].startswith("these trials")


def test_inconsistent_baselines_are_refused():
    trials = _trials([("P1", "A", 0, [1.0])])
    with pytest.raises(ValueError, match="clip > best"):
        bayesmark_problem_scores(trials, {"P1": {"clip": 0.0, "best": 1.0}})

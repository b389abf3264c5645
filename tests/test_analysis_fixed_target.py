"""Targets, runtimes to targets, aRT and the runtime ECDF on hand-built runs."""

import numpy as np
import pandas as pd
import pytest

from harness.analysis import fixed_target as ft
from harness.analysis import metrics
from test_analysis_metrics import trials


def two_runs():
    df = trials({("f", "s", 0): [4.0, 3.0, 2.0, 1.0], ("f", "s", 1): [1.0, 1.0]}, optimum=0.0)
    inc = metrics.incumbents(df)
    tgt = pd.DataFrame({"problem": "f", "dimension": 1, "target_index": [0, 1, 2],
                        "exponent": np.nan, "scale": 1.0, "precision": [3.0, 1.5, 0.1]})
    return inc, tgt


def test_targets_are_log_spaced_from_the_first_trial_regret():
    df = trials({("f", "s", 0): [4.0, 1.0], ("f", "s", 1): [2.0, 1.0],
                 ("f", "s", 2): [3.0]}, optimum=0.0)
    tgt = ft.targets(metrics.incumbents(df))
    assert len(tgt) == ft.N_TARGETS == 51
    assert tgt["precision"].iloc[0] == pytest.approx(3.0)  # median first regret
    assert tgt["precision"].iloc[-1] == pytest.approx(3.0e-8)
    ratios = tgt["precision"].to_numpy()[:-1] / tgt["precision"].to_numpy()[1:]
    np.testing.assert_allclose(ratios, 10 ** (8 / 50))


def test_runtime_to_each_target():
    inc, tgt = two_runs()
    rt = ft.runtimes(inc, tgt).set_index(["run_id", "target_index"])
    assert rt.loc[("f/s/0", 0), "runtime"] == 2
    assert rt.loc[("f/s/0", 1), "runtime"] == 4
    assert np.isinf(rt.loc[("f/s/0", 2), "runtime"]) and not rt.loc[("f/s/0", 2), "solved"]
    assert rt.loc[("f/s/1", 1), "runtime"] == 1
    assert rt.loc[("f/s/0", 2), "spent"] == 4 and rt.loc[("f/s/1", 2), "spent"] == 2


def test_runtime_by_cost():
    df = trials({("f", "s", 0): [(4.0, np.nan, np.nan, 0.25), (1.0, np.nan, np.nan, 0.5)]},
                optimum=0.0)
    inc = metrics.incumbents(df)
    tgt = pd.DataFrame({"problem": "f", "dimension": 1, "target_index": [0],
                        "exponent": np.nan, "scale": 1.0, "precision": [2.0]})
    assert ft.runtimes(inc, tgt, by="cost")["runtime"].iloc[0] == 0.75


def test_art_counts_unsuccessful_spend():
    inc, tgt = two_runs()
    art = ft.average_runtime(ft.runtimes(inc, tgt), n_boot=200).set_index("target_index")
    assert art.loc[0, "art"] == pytest.approx((2 + 1) / 2)
    assert art.loc[1, "art"] == pytest.approx((4 + 1) / 2)
    assert np.isinf(art.loc[2, "art"]) and art.loc[2, "successes"] == 0
    assert art.loc[0, "art_low"] <= art.loc[0, "art"] <= art.loc[0, "art_high"]


def test_art_with_partial_success_and_bootstrap_bounds():
    inc, tgt = two_runs()
    rt = ft.runtimes(inc, tgt)
    rt.loc[(rt.run_id == "f/s/1") & (rt.target_index == 0), ["runtime", "solved"]] = [np.inf,
                                                                                       False]
    art = ft.average_runtime(rt, n_boot=500, seed=3).set_index("target_index")
    assert art.loc[0, "art"] == pytest.approx((2 + 2) / 1)  # run 1 spent 2 without success
    assert np.isinf(art.loc[0, "art_high"])  # resamples of run 1 only never succeed


def test_ecdf_keeps_unsolved_pairs_in_the_denominator():
    inc, tgt = two_runs()
    curve = ft.ecdf(ft.runtimes(inc, tgt), grid=np.array([0.5, 1, 2, 3, 4, 100]))
    assert curve["fraction"].tolist() == pytest.approx([0, 2 / 6, 3 / 6, 3 / 6, 4 / 6, 4 / 6])


def test_ecdf_is_per_dimension_unless_pooled_explicitly():
    df = trials({("f", "s", 0): [4.0, 1.0], ("g", "s", 0): [4.0, 1.0]}, optimum=0.0)
    df.loc[df["problem"] == "g", "param_x1"] = 0.2
    rt = ft.runtimes(metrics.incumbents(df))
    assert sorted(ft.ecdf(rt)["dimension"].unique()) == [1, 2]
    assert ft.ecdf(rt, per_dimension=False)["dimension"].unique().tolist() == ["all"]

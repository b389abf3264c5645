"""Incumbents, references, regret, fixed-budget results and scores on hand-built runs."""

import numpy as np
import pandas as pd
import pytest

from harness.analysis import fixed_budget, metrics


def trials(runs, optimum=np.nan, reference=np.nan, budget=None):
    """Frame in the stored-trials schema from ``{(problem, strategy, rep): [values...]}``.

    A value None is a failed trial; a tuple is ``(value, noise_free, test_value, cost)``.
    """
    rows = []
    for (problem, strategy, rep), values in runs.items():
        cum = 0.0
        for t, v in enumerate(values):
            value, noise_free, test, cost = (v if isinstance(v, tuple) else
                                             (v, np.nan, np.nan, 1.0))
            cum += cost
            rows.append({"problem": problem, "strategy": strategy, "repetition": rep,
                         "run_id": f"{problem}/{strategy}/{rep}", "trial": t,
                         "value": np.nan if value is None else value,
                         "status": "failed" if value is None else "ok",
                         "noise_free_value": noise_free, "test_value": test, "cost": cost,
                         "cum_cost": cum, "optimum": optimum, "reference": reference,
                         "budget": float(budget or len(values)),
                         "budget_kind": "evaluations", "param_x0": 0.5})
    return pd.DataFrame(rows)


def test_incumbent_regret_and_failed_trials():
    df = trials({("f", "s", 0): [5.0, None, 3.0, 4.0, 1.0]}, optimum=0.5)
    inc = metrics.incumbents(df.sample(frac=1.0, random_state=0))  # any row order
    assert inc["evals"].tolist() == [1, 2, 3, 4, 5]
    assert inc["incumbent"].tolist() == [5.0, 5.0, 3.0, 3.0, 1.0]
    assert inc["regret"].tolist() == [4.5, 4.5, 2.5, 2.5, 0.5]
    np.testing.assert_allclose(inc["log10_regret"], np.log10([4.5, 4.5, 2.5, 2.5, 0.5]))


def test_run_starting_with_failure_has_no_incumbent_yet():
    inc = metrics.incumbents(trials({("f", "s", 0): [None, 2.0]}, optimum=0.0))
    assert np.isnan(inc["incumbent"].iloc[0]) and inc["incumbent"].iloc[1] == 2.0


def test_noisy_incumbent_uses_noise_free_value_of_the_chosen_trial():
    df = trials({("f", "s", 0): [(3.0, 2.9, np.nan, 1.0), (2.0, 2.6, np.nan, 1.0),
                                 (2.5, 1.0, np.nan, 1.0), (2.0, 0.1, np.nan, 1.0)]},
                optimum=0.0)
    inc = metrics.incumbents(df)
    assert inc["incumbent"].tolist() == [3.0, 2.0, 2.0, 2.0]
    # The tie at trial 3 keeps the earlier incumbent (trial 1).
    assert inc["incumbent_true"].tolist() == [2.9, 2.6, 2.6, 2.6]
    assert inc["regret"].tolist() == [2.9, 2.6, 2.6, 2.6]


def test_test_value_of_incumbent_and_test_regret():
    df = trials({("f", "s", 0): [(3.0, np.nan, 0.4, 1.0), (4.0, np.nan, 0.1, 1.0),
                                 (1.0, np.nan, 0.3, 1.0)]})
    inc = metrics.incumbents(df)
    assert inc["incumbent_test"].tolist() == [0.4, 0.4, 0.3]
    np.testing.assert_allclose(inc["test_regret"], [0.3, 0.3, 0.2])  # best test seen: 0.1


def test_references_kinds():
    known = trials({("a", "s", 0): [3.0, 2.0]}, optimum=1.0)
    pinned = trials({("b", "s", 0): [3.0, 2.0]}, reference=1.5)
    observed = trials({("c", "s", 0): [3.0, (2.0, 2.2, np.nan, 1.0)],
                       ("c", "t", 0): [2.5]})
    refs = metrics.references(pd.concat([known, pinned, observed], ignore_index=True))
    assert refs.loc["a", ["reference", "reference_kind"]].tolist() == [1.0, "optimum"]
    assert refs.loc["b", ["reference", "reference_kind"]].tolist() == [1.5, "pinned"]
    assert refs.loc["c", ["reference", "reference_kind"]].tolist() == [2.2, "best observed"]


def test_log_regret_is_clipped_at_the_floor():
    inc = metrics.incumbents(trials({("f", "s", 0): [1.0, 0.0]}, optimum=0.0))
    assert inc["log10_regret"].tolist() == [0.0, np.log10(metrics.LOG_REGRET_FLOOR)]


def test_dimension_counts_parameters_used_by_the_problem():
    df = trials({("f", "s", 0): [1.0], ("g", "s", 0): [1.0]})
    df["param_x1"] = np.where(df["problem"] == "g", 0.1, np.nan)
    assert metrics.dimensions(df).to_dict() == {"f": 1, "g": 2}


def test_final_values_and_auc_at_budget_fractions():
    df = trials({("f", "s", 0): [4.0, 3.0, 2.0, 1.0]}, optimum=0.0)
    fin = fixed_budget.final(df, fractions=(0.5, 1.0)).set_index("level")
    assert fin.loc[0.5, "budget"] == 2 and fin.loc[0.5, "regret"] == 3.0
    assert fin.loc[0.5, "auc_regret"] == pytest.approx((4 + 3) / 2)
    assert fin.loc[1.0, "regret"] == 1.0
    assert fin.loc[1.0, "auc_regret"] == pytest.approx((4 + 3 + 2 + 1) / 4)
    assert fin.loc[1.0, "auc_log10_regret"] == pytest.approx(np.log10([4, 3, 2, 1]).mean())


def test_short_run_keeps_its_last_incumbent_up_to_the_budget():
    df = trials({("f", "s", 0): [4.0, 2.0]}, optimum=0.0, budget=4)
    fin = fixed_budget.final(df, budgets=[4])
    assert fin["regret"].iloc[0] == 2.0
    assert fin["auc_regret"].iloc[0] == pytest.approx((4 + 2 + 2 + 2) / 4)
    assert fin["spent"].iloc[0] == 2


def test_final_by_cost_counts_fidelity_weighted_spend():
    df = trials({("f", "s", 0): [(4.0, np.nan, np.nan, 0.5), (3.0, np.nan, np.nan, 0.5),
                                 (2.0, np.nan, np.nan, 1.0), (1.0, np.nan, np.nan, 1.0)]},
                optimum=0.0)
    fin = fixed_budget.final(df, budgets=[2.0], by="cost")
    assert fin["regret"].iloc[0] == 2.0
    assert fin["auc_regret"].iloc[0] == pytest.approx((4 * 0.5 + 3 * 0.5 + 2 * 1.0) / 2)


def test_normalised_score_against_random_median():
    runs = {("f", "random", 0): [2.0], ("f", "random", 1): [4.0], ("f", "random", 2): [6.0],
            ("f", "smart", 0): [1.0], ("f", "smart", 1): [0.0]}
    fin = fixed_budget.final(trials(runs, optimum=0.0), fractions=(1.0,))
    scores = fin.set_index("run_id")["score"]
    assert scores["f/smart/0"] == pytest.approx(1 - 1 / 4)
    assert scores["f/smart/1"] == 1.0
    assert scores["f/random/1"] == 0.0
    assert scores["f/random/2"] == pytest.approx(-0.5)


def test_score_fallback_without_baseline_uses_first_trial_median():
    runs = {("f", "a", 0): [4.0, 1.0], ("f", "b", 0): [2.0, 2.0], ("f", "b", 1): [6.0, 3.0]}
    fin = fixed_budget.final(trials(runs, optimum=0.0), fractions=(1.0,), baseline="random")
    assert fin.set_index("run_id")["score"]["f/a/0"] == pytest.approx(1 - 1 / 4)
    assert "first" in fixed_budget.score_zero_kind(fin, "random")


def test_auto_axis_counts_cost_budgets_in_cost():
    cheap = [(4.0, np.nan, np.nan, 0.25)] * 3 + [(1.0, np.nan, np.nan, 0.25)] * 5
    df = pd.concat([trials({("mf", "hb", 0): cheap}, optimum=0.0, budget=2),
                    trials({("mf", "full", 0): [3.0, 2.0]}, optimum=0.0)], ignore_index=True)
    df["budget_kind"] = "cost"
    df["budget"] = 2.0
    fin = fixed_budget.final(df, fractions=(0.5, 1.0)).set_index(["strategy", "level"])
    assert set(fin["unit"]) == {"cost"}
    # At cost 1 the multi-fidelity run has spent 4 cheap trials, the full one 1 trial.
    assert fin.loc[("hb", 0.5), "regret"] == 1.0 and fin.loc[("hb", 0.5), "spent"] == 1.0
    assert fin.loc[("full", 0.5), "regret"] == 3.0
    by_evals = fixed_budget.final(df, fractions=(1.0,), by="evals")
    assert set(by_evals["unit"]) == {"evaluations"}
    assert by_evals.set_index("strategy").loc["hb", "budget"] == 8  # most evaluations seen

"""The conclusions a report draws, checked against independent references and real runs.

Each test is a way a report could mislead a reviewer: p-values too small at small n, a
correction family larger than what is shown, a CD diagram that contradicts the pairwise table,
intervals labelled 95% that are not, regret flattered by cheap fidelities, a crashed run
ranked as complete, and numbers that depend on the order rows are stored in.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

import harness
from harness.analysis import analyse
from harness.analysis.bayes_signed_rank import bayes_signed_rank
from harness.analysis.decisions import cliques_from_decisions
from harness.analysis.exact_tests import friedman_test, signed_rank_test
from harness.analysis.intervals import median_interval
from harness.analysis.synthetic import synthetic_trials
from harness.benchmark import run_suite
from harness.protocols import Strategy, Suggestion
from harness.registry import strategies as strategy_registry


def _permutation_signed_rank(d: np.ndarray) -> float:
    nonzero = d[d != 0]
    ranks = stats.rankdata(np.abs(nonzero))
    return stats.permutation_test(
        (nonzero,), lambda x, axis=-1: np.sum(np.where(x > 0, ranks, 0), axis=axis),
        permutation_type="samples", n_resamples=np.inf, vectorized=True).pvalue


@pytest.mark.parametrize("d", [[1.0, 2.0, 2.0, 3.0, 0.0], [0.5, 0.5, 1.0, 1.0, 2.0],
                               [-1.0, 2.0, 2.0, 3.0, 3.0], [4.0, 4.0, 4.0, 4.0]])
def test_small_sample_signed_rank_is_exact_with_ties_and_zeros(d):
    d = np.array(d)
    result = signed_rank_test(d)
    assert result.method == "exact"
    assert result.pvalue == pytest.approx(_permutation_signed_rank(d), rel=1e-12)
    # The exact test can never go below 2 / 2**n with n non-zero pairs.
    assert result.pvalue >= 2.0 / 2 ** np.count_nonzero(d) - 1e-12


def test_friedman_permutation_p_equals_scipys_exact_permutation_test():
    rng = np.random.default_rng(3)
    for n, k in ((3, 3), (4, 3), (3, 4)):
        x = rng.integers(0, 3, size=(n, k)).astype(float)
        ours = friedman_test(x)
        if ours.method == "no data":
            continue

        def statistic(*columns, axis=-1):
            ranks = stats.rankdata(np.stack(columns, axis=-1), axis=-1)
            return np.sum(ranks.sum(axis=-2) ** 2, axis=-1)

        reference = stats.permutation_test([x[:, j] for j in range(k)], statistic,
                                           permutation_type="samples", n_resamples=np.inf,
                                           alternative="greater", vectorized=True)
        assert ours.method == "exact"
        assert ours.pvalue == pytest.approx(reference.pvalue, rel=1e-12)


def test_friedman_monte_carlo_is_seeded_and_close_to_exact_at_tiny_n():
    # The case: at N = 5 the F approximation gives p = 9e-6 where the permutation
    # distribution gives about 1e-4; ours must follow the permutation distribution.
    x = np.array([[1, 2, 3, 4, 5, 6]] * 5, dtype=float)
    result = friedman_test(x)
    assert result.method.startswith("permutation")
    assert result == friedman_test(x)  # seeded: same input, same p
    # All five blocks in the same order: only the 6! joint orders of 5 blocks tie it.
    exact = 720.0 / 720 ** 5 * 720
    assert result.pvalue >= exact
    assert result.pvalue <= 1e-3
    f = stats.f.sf(np.inf, 5, 20)
    assert result.pvalue > f


def test_bayesian_signed_rank_matches_baycomp():
    baycomp = pytest.importorskip("baycomp")
    rng = np.random.default_rng(0)
    for seed in range(3):
        a = rng.normal(size=10)
        b = a + rng.normal(0.3, 0.5, size=10)
        ours = bayes_signed_rank(a, b, rope=0.2, seed=seed, n_samples=50_000)
        # baycomp treats higher as better and puts "x better" on the left.
        reference = baycomp.SignedRankTest.probs(-a, -b, rope=0.2, nsamples=50_000,
                                                 random_state=seed)
        np.testing.assert_allclose([ours.p_better, ours.p_equivalent, ours.p_worse],
                                   reference, atol=0.015)
        assert ours.p_better + ours.p_equivalent + ours.p_worse == pytest.approx(1.0)


def test_median_interval_is_the_exact_order_statistic_interval_or_says_range():
    rng = np.random.default_rng(1)
    for n in range(1, 40):
        x = rng.normal(size=n)
        median, low, high, kind, coverage, size = median_interval(x)
        reference = stats.quantile_test(x, q=0, p=0.5).confidence_interval(0.95)
        assert size == n and median == np.median(x)
        if n <= 5:
            assert kind == "range" and (low, high) == (x.min(), x.max())
            assert coverage == pytest.approx(1 - 2 * 0.5 ** n) if n > 1 else coverage == 0
        else:
            assert kind == "CI" and coverage >= 0.95
            assert (low, high) == (reference.low, reference.high)


@pytest.fixture(scope="module")
def frame():
    return synthetic_trials(n_problems=6, strategies={"random": 0.0, "bayesian": 6.0,
                                                      "tpe": 3.0, "grid": 0.5},
                            repetitions=6, trials=20, seed=5)


@pytest.fixture(scope="module")
def analysis(frame):
    return analyse(frame, n_boot=50)


def test_holm_family_is_the_family_each_table_shows(analysis):
    at = analysis.pairwise[analysis.pairwise["level"] == 1.0]
    assert len(at) == 6 and set(at["family_size"]) == {6}
    np.testing.assert_allclose(at["p_holm"], multipletests(at["p"], method="holm")[1])
    control = analysis.pairwise_control[analysis.pairwise_control["level"] == 1.0]
    assert len(control) == 3 and set(control["b"]) == {"random"}
    assert set(control["family_size"]) == {3}
    np.testing.assert_allclose(control["p_holm"], multipletests(control["p"], method="holm")[1])
    # Raw p-values are the same test in both families; only the correction differs.
    raw = at.set_index(["a", "b"])["p"]
    for _, row in control.iterrows():
        key = (row["a"], "random") if (row["a"], "random") in raw.index else ("random", row["a"])
        assert row["p"] == pytest.approx(raw[key])
    per_problem = analysis.problem_control[analysis.problem_control["level"] == 1.0]
    assert set(per_problem.groupby("problem").size()) == {3}


def test_across_problem_tests_use_scale_free_values(frame):
    scaled = frame.copy()
    big = scaled["problem"] == scaled["problem"].unique()[0]
    for column in ("value", "noise_free_value", "optimum", "reference"):
        scaled.loc[big, column] = scaled.loc[big, column] * 1e6
    a = analyse(frame, n_boot=20).pairwise
    b = analyse(scaled, n_boot=20).pairwise
    np.testing.assert_allclose(a["p"], b["p"])


def test_cd_bars_never_contradict_the_pairwise_table(analysis):
    level = 1.0
    at = analysis.pairwise[analysis.pairwise["level"] == level]
    significant = {frozenset((a, b)) for a, b, s in zip(at["a"], at["b"], at["significant"]) if s}
    cliques = analysis.cliques[level]
    for clique in cliques:
        for i, x in enumerate(clique):
            for y in clique[i + 1:]:
                assert frozenset((x, y)) not in significant
    joined = {frozenset((x, y)) for c in cliques for x in c for y in c if x != y}
    for a, b, s in zip(at["a"], at["b"], at["significant"]):
        if not s:
            # An insignificant pair is joined unless another strategy between them in rank
            # order is separated from one of them (then no contiguous bar can join them).
            ranks = analysis.average_ranks
            ranks = ranks[ranks["level"].astype(str) == str(level)].set_index("strategy")
            lo, hi = sorted([ranks.at[a, "average_rank"], ranks.at[b, "average_rank"]])
            between = ranks[(ranks["average_rank"] >= lo) & (ranks["average_rank"] <= hi)].index
            blocked = any(frozenset((x, y)) in significant for x in between for y in between)
            assert frozenset((a, b)) in joined or blocked


def test_cliques_from_decisions_small_example():
    ranks = pd.Series({"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0})
    pairwise = pd.DataFrame({"a": ["a", "a", "b"], "b": ["c", "d", "d"],
                             "significant": [True, True, True]})
    assert cliques_from_decisions(ranks, pairwise) == [["a", "b"], ["b", "c"], ["c", "d"]]
    none = pairwise.assign(significant=False)
    assert cliques_from_decisions(ranks, none) == [["a", "b", "c", "d"]]


def test_results_do_not_depend_on_row_order(frame):
    shuffled = frame.sample(frac=1.0, random_state=3).reset_index(drop=True)
    a, b = analyse(frame, n_boot=100), analyse(shuffled, n_boot=100)
    pd.testing.assert_frame_equal(a.final_summary, b.final_summary)
    pd.testing.assert_frame_equal(a.art.reset_index(drop=True), b.art.reset_index(drop=True))
    pd.testing.assert_frame_equal(a.pairwise, b.pairwise)
    assert a.summary == b.summary


class _RaisesAtTrialSeven(Strategy):
    """Random search whose ask raises once it has seen seven trials (a crashing strategy)."""

    max_batch = 1

    def __init__(self, space, seed, budget, fidelity=None):
        super().__init__(space, seed, budget, fidelity)
        self.seen = 0

    def ask(self, n):
        if self.seen >= 7:
            raise RuntimeError("strategy crashed at trial 7")
        return [Suggestion(c) for c in self.space.sample(self.rng, 1)]

    def tell(self, trials):
        self.seen += len(trials)


@pytest.fixture(scope="module")
def crashing_strategy():
    name = "test-raises-at-seven"
    if name not in strategy_registry:
        strategy_registry.register(name, _RaisesAtTrialSeven)
    return name


def test_a_run_that_crashed_ranks_last_and_the_summary_says_so(tmp_path, crashing_strategy):
    suite = tmp_path / "suite.toml"
    suite.write_text(f"""
name = "crash"
seed = 0
seeds = 3
budget = 20
problems = ["branin", "hartmann3"]
strategies = ["random", "{crashing_strategy}"]
""")
    summary = run_suite(suite, executor="serial", results=tmp_path / "r",
                        progress=False)
    assert summary.ran == 12
    df = harness.load(tmp_path / "r")
    runs = df.drop_duplicates("run_id")
    assert set(runs.loc[runs["strategy"] == crashing_strategy, "run_status"]) == {"failed"}
    crashed_runs = runs[runs["strategy"] == crashing_strategy]
    assert crashed_runs["run_traceback"].str.contains("strategy crashed at trial 7").all()
    assert crashed_runs["run_traceback"].str.contains("Traceback").all()
    assert summary.failed_runs == 6
    result = analyse(df)
    final = result.final[result.final["level"] == 1.0]
    crashed = final[final["strategy"] == crashing_strategy]
    assert crashed["failed"].all() and np.isinf(crashed["regret"]).all()
    ranks = result.ranks[result.ranks["level"] == 1.0]
    assert (ranks.loc[ranks["strategy"] == crashing_strategy, "rank"] == 2.0).all()
    assert "6 runs of 12 failed" in result.summary[0]
    # At 10% of the budget (2 evaluations) the crashed runs were still complete.
    early = result.final[(result.final["level"] == 0.1)
                         & (result.final["strategy"] == crashing_strategy)]
    assert not early["failed"].any() and np.isfinite(early["regret"]).all()


def test_hyperband_regret_on_branin_mf_is_measured_at_full_fidelity(tmp_path):
    suite = tmp_path / "suite.toml"
    suite.write_text("""
name = "mf"
seed = 0
seeds = 2
budget = { cost = 12 }
problems = ["branin-mf"]
strategies = ["hyperband", "random"]
""")
    run_suite(suite, executor="serial", results=tmp_path / "r", progress=False)
    df = harness.load(tmp_path / "r")
    assert (df["fidelity_max"] == 1.0).all()
    low = df[df["fidelity"] < 1.0]
    assert len(low) > 0
    # The stored full-fidelity value differs from what the cheap evaluation saw.
    assert (low["full_fidelity_value"] != low["value"]).mean() > 0.9
    result = analyse(df)
    inc = result.incumbents
    hb = inc[(inc["strategy"] == "hyperband") & inc["incumbent"].notna()]
    merged = hb.merge(df[["run_id", "trial", "fidelity"]], on=["run_id", "trial"])
    # Every incumbent value is a value observed at full fidelity in the same run.
    full = df[(df["strategy"] == "hyperband") & (df["fidelity"] == 1.0)]
    for run_id, rows in merged.groupby("run_id"):
        observed = set(full.loc[full["run_id"] == run_id, "value"])
        assert set(rows["incumbent"]) <= observed
    optimum = df["optimum"].iloc[0]
    np.testing.assert_allclose(hb["regret"], hb["incumbent_true"] - optimum, atol=1e-12)


def test_every_printed_p_value_matches_an_independent_computation(frame, analysis):
    """Recompute the report's raw p-values from the trials with scipy's exact permutation
    test, across problems (median log10 regret) and within problems (paired seeds)."""
    final = analysis.final[analysis.final["level"] == 1.0]
    matrix = final.pivot_table(index="problem", columns="strategy", values="log10_regret",
                               aggfunc="median")
    for table in (analysis.pairwise, analysis.pairwise_control):
        for _, row in table[table["level"] == 1.0].iterrows():
            d = (matrix[row["a"]] - matrix[row["b"]]).to_numpy()
            expected = _permutation_signed_rank(d) if np.count_nonzero(d) >= 2 else 1.0
            assert row["p"] == pytest.approx(expected, rel=1e-10)
    per_problem = analysis.problem_control[analysis.problem_control["level"] == 1.0]
    for _, row in per_problem.iterrows():
        at = final[final["problem"] == row["problem"]].pivot_table(
            index="repetition", columns="strategy", values="regret")
        d = (at[row["a"]] - at[row["b"]]).dropna().to_numpy()
        expected = _permutation_signed_rank(d) if np.count_nonzero(d) >= 2 else 1.0
        assert row["p"] == pytest.approx(expected, rel=1e-10)
    # Friedman: 6 problems x 4 strategies is Monte Carlo; scipy's own resampling agrees.
    fr = analysis.friedman[analysis.friedman["level"] == 1.0].iloc[0]
    x = matrix.dropna().to_numpy()

    def statistic(*columns, axis=-1):
        ranks = stats.rankdata(np.stack(columns, axis=-1), axis=-1)
        return np.sum(ranks.sum(axis=-2) ** 2, axis=-1)

    reference = stats.permutation_test([x[:, j] for j in range(x.shape[1])], statistic,
                                       permutation_type="samples", n_resamples=20_000,
                                       alternative="greater", vectorized=True,
                                       random_state=1).pvalue
    assert fr["pvalue"] == pytest.approx(reference, abs=0.01)

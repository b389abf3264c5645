"""Statistical routines against independent references (scipy, statsmodels, Demsar 2006)."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from harness.analysis import statistics as st


def test_friedman_matches_scipy_with_ties():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 4, size=(12, 4)).astype(float)  # many ties
    expected = stats.friedmanchisquare(*x.T)
    result = st.friedman(x)
    assert result.statistic == pytest.approx(expected.statistic, rel=1e-12)
    assert result.pvalue == pytest.approx(expected.pvalue, rel=1e-10)
    assert (result.n, result.k) == (12, 4)


def test_friedman_iman_davenport_formula_and_continuous_data():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(9, 5)) + np.arange(5)
    expected = stats.friedmanchisquare(*x.T)
    result = st.friedman(pd.DataFrame(x, columns=list("abcde")))
    assert result.statistic == pytest.approx(expected.statistic)
    n, k, chi2 = 9, 5, expected.statistic
    f = (n - 1) * chi2 / (n * (k - 1) - chi2)
    assert result.iman_davenport == pytest.approx(f)
    assert result.iman_davenport_pvalue == pytest.approx(stats.f.sf(f, k - 1, (k - 1) * (n - 1)))
    assert result.average_ranks["a"] < result.average_ranks["e"]


def test_holm_matches_statsmodels():
    rng = np.random.default_rng(3)
    for _ in range(20):
        p = rng.random(rng.integers(1, 12)) ** 3
        expected = multipletests(p, method="holm")[1]
        np.testing.assert_allclose(st.holm(p), expected, rtol=1e-12)


def test_wilcoxon_holm_matches_scipy_and_statsmodels():
    rng = np.random.default_rng(4)
    x = pd.DataFrame(rng.normal(size=(15, 4)) + [0, 0.2, 1.0, 1.5], columns=list("abcd"))
    table = st.wilcoxon_holm(x)
    raw = [stats.wilcoxon(x[a], x[b]).pvalue for a, b in zip(table["a"], table["b"])]
    np.testing.assert_allclose(table["p"], raw)
    np.testing.assert_allclose(table["p_holm"], multipletests(raw, method="holm")[1])
    row = table[(table["a"] == "a") & (table["b"] == "d")].iloc[0]
    assert row["significant"] and row["better"] == "a" and row["a12"] > 0.71


def test_wilcoxon_all_ties_gives_p_one():
    assert st.wilcoxon_p([1, 2, 3], [1, 2, 3]) == 1.0


def test_a12_matches_mann_whitney_u_and_direct_count():
    rng = np.random.default_rng(5)
    x = rng.integers(0, 6, 17).astype(float)
    y = rng.integers(0, 6, 11).astype(float)
    u = stats.mannwhitneyu(x, y).statistic
    assert st.a12(x, y) == pytest.approx(u / (len(x) * len(y)))
    direct = np.mean([(a > b) + 0.5 * (a == b) for a in x for b in y])
    assert st.a12(x, y) == pytest.approx(direct)


def test_a12_magnitude_thresholds():
    assert st.a12_magnitude(0.5) == "negligible"
    assert st.a12_magnitude(0.56) == "small"
    assert st.a12_magnitude(0.36) == "medium"
    assert st.a12_magnitude(0.81) == "large"
    assert st.a12_magnitude(0.29) == "large"


def test_ranks_share_ties_like_rankdata():
    fin = pd.DataFrame({"problem": ["p"] * 4 + ["q"] * 4, "level": 1.0,
                        "strategy": list("abcd") * 2,
                        "regret": [1.0, 1.0, 0.5, 3.0, 2.0, 1.0, 1.0, 1.0]})
    r = st.ranks(fin)
    assert r[r.problem == "p"]["rank"].tolist() == list(stats.rankdata([1.0, 1.0, 0.5, 3.0]))
    avg = st.average_ranks(r)
    overall = avg[avg.level == "all"].set_index("strategy")["average_rank"]
    assert overall["c"] == pytest.approx((1 + 2) / 2)


def test_win_tie_loss_counts_both_orders():
    pairwise = pd.DataFrame({"level": 1.0, "a": ["x", "x"], "b": ["y", "y"],
                             "better": ["x", ""]})
    wtl = st.win_tie_loss(pairwise).set_index(["strategy", "opponent"])
    assert tuple(wtl.loc[("x", "y"), ["wins", "ties", "losses"]]) == (1, 1, 0)
    assert tuple(wtl.loc[("y", "x"), ["wins", "ties", "losses"]]) == (0, 1, 1)


def test_signed_rank_matches_scipy_column_by_column():
    """Exact where scipy is exact (no ties), scipy's continuity- and tie-corrected normal
    approximation above 60 non-zero pairs, scipy's exact permutation test with ties/zeros."""
    rng = np.random.default_rng(7)
    for n in (4, 9, 14, 30, 49):
        d = rng.normal(size=(n, 2))
        expected = [stats.wilcoxon(d[:, j], method="exact").pvalue for j in range(2)]
        np.testing.assert_allclose(st.wilcoxon_pvalues(d), expected, rtol=1e-10)
    for n in (70, 120):
        d = rng.integers(-5, 6, size=(n, 2)).astype(float)
        expected = [stats.wilcoxon(d[:, j], method="approx", correction=True).pvalue
                    for j in range(2)]
        np.testing.assert_allclose(st.wilcoxon_pvalues(d), expected, rtol=1e-10)
    for n in (3, 5, 8, 11):
        d = rng.integers(-2, 3, size=n).astype(float)
        nonzero = d[d != 0]
        if len(nonzero) < 2:
            continue
        ranks = stats.rankdata(np.abs(nonzero))
        reference = stats.permutation_test(
            (nonzero,), lambda x, axis=-1: np.sum(np.where(x > 0, ranks, 0), axis=axis),
            permutation_type="samples", n_resamples=np.inf, vectorized=True).pvalue
        assert st.wilcoxon_pvalues(d[:, None])[0] == pytest.approx(reference, rel=1e-10)


def test_demsar_worked_example_friedman_and_iman_davenport():
    # Demsar (2006), section 3.2.2: average ranks 3.143, 2.000, 2.893, 1.964 of k = 4
    # classifiers on N = 14 data sets give chi2_F = 9.28 and F_F = 3.69.
    n, k = 14, 4
    ranks = np.array([3.143, 2.000, 2.893, 1.964])
    chi2 = 12 * n / (k * (k + 1)) * (np.sum(ranks ** 2) - k * (k + 1) ** 2 / 4)
    assert chi2 == pytest.approx(9.28, abs=0.01)
    f, p = st.iman_davenport(9.28, n, k)
    assert f == pytest.approx(3.69, abs=0.01)
    assert p < 0.05  # the paper rejects the null hypothesis (F(3, 39) critical value 2.85)
    # Fourteen rows (values = within-row ranks, three with ties) whose average ranks are the
    # paper's: friedman() reproduces its average ranks and, before the tie correction that
    # scipy also applies, its chi2_F.
    x = np.array([[1, 3, 4, 2], [2, 4, 3, 1], [3, 1, 4, 2], [3, 1, 4, 2], [3, 2, 1, 4],
                  [3, 4, 2, 1], [4, 1, 2, 3], [4, 1, 3, 2], [4, 1, 3, 2], [4, 1, 3, 2],
                  [4, 3, 1, 2], [4, 2.5, 2.5, 1], [2.5, 1, 4, 2.5], [2.5, 2.5, 4, 1]])
    result = st.friedman(x)
    np.testing.assert_allclose(list(result.average_ranks.values()), ranks, atol=5e-4)
    untied = 12 * n / (k * (k + 1)) * (np.sum(x.mean(axis=0) ** 2) - k * (k + 1) ** 2 / 4)
    assert untied == pytest.approx(9.28, abs=0.01)
    assert result.statistic == pytest.approx(stats.friedmanchisquare(*x.T).statistic)
    assert result.statistic >= untied  # the tie correction divides by a factor < 1

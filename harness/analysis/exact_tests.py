"""Exact and permutation rank tests for the small samples benchmarks produce.

With 5 seeds or 5 problems the normal approximations of rank tests are far too liberal
(a signed-rank test on 5 pairs with ties gave p = 0.046 by the normal approximation where the
exact test cannot go below 0.0625). These routines compute the exact permutation distribution
conditional on the observed ranks (midranks for ties), so ties and zeros are handled without
approximation, and fall back to the normal or F approximation only for large samples.

References: F. Wilcoxon (1945); J. W. Pratt (1959) on zeros; M. Hollander, D. A. Wolfe and
E. Chicken, "Nonparametric Statistical Methods" (3rd ed., 2014), sections 3.1 and 7.1 (the
conditional exact distributions under ties); R. L. Iman and J. M. Davenport (1980).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import permutations

import numpy as np
from scipy import stats

#: Largest number of non-zero differences for which the signed-rank distribution is exact.
SIGNED_RANK_EXACT_MAX = 60

#: Largest number of within-block rank arrangements the Friedman test enumerates exactly.
FRIEDMAN_EXACT_MAX = 200_000

#: Resamples of the Monte Carlo permutation Friedman test when enumeration is too large.
FRIEDMAN_RESAMPLES = 20_000

#: Blocks below which the Friedman p-value comes from the permutation distribution.
FRIEDMAN_PERMUTATION_MAX_BLOCKS = 30


@dataclass(frozen=True)
class TestResult:
    """A p-value and how it was obtained.

    Attributes
    ----------
    statistic : float
        The test statistic (``T+`` for the signed-rank test, chi-square for Friedman).
    pvalue : float
        Two-sided p-value (upper tail for Friedman).
    method : str
        ``"exact"``, ``"permutation (20000 resamples)"``, ``"normal approx."``,
        ``"F approx."`` or ``"no data"``: printed beside the p-value in every table.
    n : int
        Observations the test used (non-zero differences; blocks for Friedman).
    """

    statistic: float
    pvalue: float
    method: str
    n: int


def signed_rank_test(differences) -> TestResult:
    """Two-sided Wilcoxon signed-rank test of paired differences, exact for small samples.

    Zeros are dropped (Wilcoxon's convention and scipy's default); tied magnitudes get
    midranks. Up to :data:`SIGNED_RANK_EXACT_MAX` non-zero differences the p-value is
    ``P(|T+ - E T+| >= |t - E T+|)`` under the exact conditional distribution of ``T+``
    given the midranks (every one of the ``2**n`` sign patterns equally likely), computed by
    dynamic programming over doubled midranks; above, the normal approximation with tie and
    continuity corrections. Infinite differences (a failed run against a finished one) are
    allowed: only their sign and rank matter.

    Parameters
    ----------
    differences : array_like
        Shape ``(n,)``; NaNs are dropped.

    Returns
    -------
    TestResult
    """
    d = np.asarray(differences, dtype=float)
    d = d[~np.isnan(d)]
    d = d[d != 0]
    n = len(d)
    if n == 0:
        return TestResult(0.0, 1.0, "no data", 0)
    ranks = stats.rankdata(np.abs(d))
    t_plus = float(ranks[d > 0].sum())
    if n <= SIGNED_RANK_EXACT_MAX:
        doubled = np.rint(2.0 * ranks).astype(np.int64)
        probabilities = np.ones(1)
        for step in doubled:
            grown = np.zeros(len(probabilities) + step)
            grown[:len(probabilities)] += 0.5 * probabilities
            grown[step:] += 0.5 * probabilities
            probabilities = grown
        support = np.arange(len(probabilities))
        centre = doubled.sum() / 2.0
        deviation = abs(2.0 * t_plus - centre)
        p = probabilities[np.abs(support - centre) >= deviation - 1e-9].sum()
        return TestResult(t_plus, float(min(1.0, p)), "exact", n)
    _, counts = np.unique(ranks, return_counts=True)
    mean = n * (n + 1) / 4.0
    variance = n * (n + 1) * (2 * n + 1) / 24.0 - np.sum(counts ** 3 - counts) / 48.0
    z = max(abs(t_plus - mean) - 0.5, 0.0) / math.sqrt(variance)
    return TestResult(t_plus, float(min(1.0, 2.0 * stats.norm.sf(z))), "normal approx.", n)


def friedman_test(matrix, seed: int = 0) -> TestResult:
    """Friedman test of ``k`` treatments over ``n`` blocks, by permutation for small ``n``.

    The statistic is the tie-corrected chi-square (what ``scipy.stats.friedmanchisquare``
    computes). Below :data:`FRIEDMAN_PERMUTATION_MAX_BLOCKS` blocks the p-value is the
    upper tail of its permutation distribution (values permuted within each block): exact
    enumeration when there are at most :data:`FRIEDMAN_EXACT_MAX` arrangements, else a Monte
    Carlo estimate ``(1 + #{S_b >= s}) / (1 + B)`` from :data:`FRIEDMAN_RESAMPLES` seeded
    resamples. From that many blocks on, the Iman-Davenport F approximation (Demsar 2006).

    Parameters
    ----------
    matrix : array_like
        Shape ``(n, k)``, lower is better; rows with a NaN are dropped; ``inf`` ranks last.
    seed : int
        Seed of the Monte Carlo resampling (same input, same p-value).

    Returns
    -------
    TestResult
    """
    x = np.asarray(matrix, dtype=float)
    x = x[~np.isnan(x).any(axis=1)] if x.ndim == 2 else x.reshape(0, 0)
    n, k = x.shape if x.ndim == 2 else (0, 0)
    if n < 2 or k < 2:
        return TestResult(np.nan, np.nan, "no data", n)
    ranks = stats.rankdata(x, axis=1)
    chi2 = _friedman_chi2(ranks)
    if not np.isfinite(chi2):  # every block entirely tied
        return TestResult(0.0, 1.0, "no data", n)
    if n >= FRIEDMAN_PERMUTATION_MAX_BLOCKS:
        f = (n - 1) * chi2 / (n * (k - 1) - chi2) if n * (k - 1) > chi2 else np.inf
        p = float(stats.f.sf(f, k - 1, (k - 1) * (n - 1))) if np.isfinite(f) else 0.0
        return TestResult(chi2, p, "F approx.", n)
    # Within-block permutations leave each block's tie pattern unchanged, so the sum of
    # squared column rank sums orders arrangements exactly as the tie-corrected chi-square.
    observed = float(np.sum(ranks.sum(axis=0) ** 2))
    arrangements = math.factorial(k) ** (n - 1)
    if arrangements <= FRIEDMAN_EXACT_MAX:
        totals = _all_column_sums(ranks)
        p = float(np.mean(np.sum(totals ** 2, axis=1) >= observed - 1e-9))
        return TestResult(chi2, p, "exact", n)
    rng = np.random.default_rng(seed)
    shuffled = rng.permuted(np.broadcast_to(ranks, (FRIEDMAN_RESAMPLES, n, k)), axis=2)
    sums = np.sum(shuffled.sum(axis=1) ** 2, axis=1)
    p = (1.0 + np.sum(sums >= observed - 1e-9)) / (1.0 + FRIEDMAN_RESAMPLES)
    return TestResult(chi2, float(p), f"permutation ({FRIEDMAN_RESAMPLES} resamples)", n)


def _friedman_chi2(ranks: np.ndarray) -> float:
    n, k = ranks.shape
    rank_sums = ranks.sum(axis=0)
    chi2 = 12.0 / (n * k * (k + 1)) * np.sum(rank_sums ** 2) - 3.0 * n * (k + 1)
    ties = sum(np.sum(c ** 3 - c) for c in (np.unique(row, return_counts=True)[1]
                                             for row in ranks))
    correction = 1.0 - ties / (n * k * (k * k - 1))
    return float(chi2 / correction) if correction > 0 else np.nan


def _all_column_sums(ranks: np.ndarray) -> np.ndarray:
    """Column rank sums of every within-block arrangement, the first block held fixed.

    Permuting every block by the same permutation only relabels the columns, which leaves
    the statistic unchanged, so fixing the first block enumerates each value ``k!`` times
    fewer without changing the distribution.
    """
    n, k = ranks.shape
    orders = np.array(list(permutations(range(k))))
    totals = ranks[:1]
    for row in ranks[1:]:
        totals = (totals[:, None, :] + row[orders][None, :, :]).reshape(-1, k)
    return totals

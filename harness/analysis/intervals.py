"""Confidence intervals of medians that hold their stated coverage at benchmark sample sizes.

A percentile bootstrap of the median of 5 runs is the sample's [min, max] (true coverage
93.75%, not the 95% printed) and has zero width for a deterministic strategy. The
distribution-free order-statistic interval is exact instead: for a sorted sample ``x_(1) <=
... <= x_(n)``, ``[x_(j+1), x_(n-j)]`` covers the population median with probability
``1 - 2 P(Bin(n, 1/2) <= j)``; the largest ``j`` whose coverage reaches the level is used
(Hollander, Wolfe and Chicken 2014, section 3.6; what ``scipy.stats.quantile_test`` gives).
When even the full range falls short of the level (``n <= 5`` at 95%), the interval is the
range and it is labelled as such, with its true coverage.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def median_interval(x, level: float = 0.95) -> tuple[float, float, float, str, float, int]:
    """Median of ``x`` with its order-statistic confidence interval.

    Parameters
    ----------
    x : array_like
        Sample, shape ``(n,)``; NaNs are dropped, ``inf`` (failed runs) is kept.
    level : float
        Wanted coverage.

    Returns
    -------
    tuple
        ``(median, low, high, kind, coverage, n)``; ``kind`` is ``"CI"`` when the coverage
        reaches ``level`` and ``"range"`` when the sample is too small for it (then the
        interval is ``[min, max]`` and ``coverage`` its true coverage). NaNs when empty.
    """
    values = np.sort(np.asarray(x, dtype=float))
    values = values[~np.isnan(values)]
    n = len(values)
    if n == 0:
        return (np.nan, np.nan, np.nan, "none", np.nan, 0)
    median = float(np.median(values))
    j, coverage = _order_statistic_index(n, level)
    if j < 0:
        return (median, float(values[0]), float(values[-1]), "range",
                1.0 - 2.0 * 0.5 ** n if n > 1 else 0.0, n)
    return (median, float(values[j]), float(values[n - 1 - j]), "CI", coverage, n)


def _order_statistic_index(n: int, level: float) -> tuple[int, float]:
    """Largest 0-based ``j`` with ``1 - 2 P(Bin(n, 1/2) <= j) >= level``, or ``-1``."""
    j = np.arange((n + 1) // 2)
    coverage = 1.0 - 2.0 * stats.binom.cdf(j, n, 0.5)
    ok = np.flatnonzero(coverage >= level - 1e-12)
    if len(ok) == 0:
        return -1, float("nan")
    return int(ok[-1]), float(coverage[ok[-1]])


def grouped_median_intervals(frame: pd.DataFrame, metric: str, keys, level: float = 0.95
                             ) -> pd.DataFrame:
    """:func:`median_interval` of ``metric`` for every group of ``keys``.

    Groups are sorted by their keys and values are sorted inside each group, so the result
    does not depend on the row order of ``frame``.

    Returns
    -------
    DataFrame
        ``*keys, n, median, median_low, median_high, interval, coverage``.
    """
    keys = list(keys)
    rows = []
    for key, group in frame.groupby(keys, sort=True, observed=True)[metric]:
        median, low, high, kind, coverage, n = median_interval(group.to_numpy(), level)
        key = key if isinstance(key, tuple) else (key,)
        rows.append((*key, n, median, low, high, kind, coverage))
    return pd.DataFrame(rows, columns=[*keys, "n", "median", "median_low", "median_high",
                                       "interval", "coverage"])

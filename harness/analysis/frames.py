"""The tidy trial frame as the analysis lays it out: label columns as codes, runs contiguous.

Helpers the metrics, fixed-budget and fixed-target modules share to read columns that may be
missing, to turn label columns into integer codes without copying strings around, and to find
where each run starts and ends in a frame sorted by run and trial.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["column_or_default", "float_column", "categorical", "codes", "take", "run_starts", "run_spans"]


def column_or_default(df: pd.DataFrame, name: str, default=np.nan) -> np.ndarray:
    """Column ``name`` as an array, or ``default`` in every row when the frame has no such column."""
    if name in df.columns:
        return df[name].to_numpy()
    return np.full(len(df), default)


def float_column(df: pd.DataFrame, name: str) -> np.ndarray:
    """Column ``name`` as floats ``(n,)``, NaN when the frame has no such column."""
    return np.asarray(column_or_default(df, name), dtype=float)


def categorical(values, sort: bool = True) -> pd.Categorical:
    """Labels as a Categorical: string columns of a million rows stay cheap to move around."""
    if isinstance(getattr(values, "dtype", None), pd.CategoricalDtype):
        return pd.Categorical(values)
    codes, uniques = pd.factorize(values, sort=sort)
    return pd.Categorical.from_codes(codes, categories=pd.Index(uniques, dtype=object))


def codes(values) -> tuple[np.ndarray, pd.Index]:
    """Integer codes and categories of a label column (categorical or not)."""
    cat = values.array if isinstance(values, pd.Series) else values
    if not isinstance(cat, pd.Categorical):
        cat = categorical(values)
    return np.asarray(cat.codes), cat.categories


def take(values, index: np.ndarray):
    """Rows ``index`` of a column, as a Categorical when the column is categorical."""
    array = values.array if isinstance(values, pd.Series) else values
    if isinstance(array, pd.Categorical):
        return pd.Categorical.from_codes(np.asarray(array.codes)[index], array.categories)
    return np.asarray(values)[index]


def run_starts(run_code: np.ndarray) -> np.ndarray:
    """Index of the first row of each run in a frame with contiguous runs, shape ``(n_runs,)``."""
    if len(run_code) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, run_code[1:] != run_code[:-1]])


def run_spans(inc: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run code of every row ``(n,)``, and the first and last row of each run ``(n_runs,)``,
    of a frame with contiguous runs (incumbents)."""
    run = codes(inc["run_id"])[0]
    starts = run_starts(run)
    return run, starts, np.r_[starts[1:], len(inc)] - 1

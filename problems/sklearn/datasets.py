"""Datasets that ship inside scikit-learn (nothing is downloaded), loaded once per process.

Each loader returns ``(X, y, kind)`` with ``X`` of shape ``(n, d)`` as float64, ``y`` of shape
``(n,)`` and ``kind`` either ``"classification"`` or ``"regression"``. The two synthetic sets
(``make_classification`` / ``make_regression``) use a fixed generator seed, so they are the
same data in every process; the split seed of a task only changes how they are split.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from sklearn import datasets as skd

__all__ = ["DATASETS", "load"]


def _synthetic_classification():
    return skd.make_classification(
        n_samples=600, n_features=20, n_informative=8, n_redundant=4, n_classes=2, flip_y=0.03, random_state=0
    )


def _synthetic_regression():
    return skd.make_regression(n_samples=600, n_features=20, n_informative=8, noise=10.0, random_state=0)


#: name -> (loader returning (X, y), kind)
DATASETS = {
    "breast_cancer": (lambda: skd.load_breast_cancer(return_X_y=True), "classification"),
    "digits": (lambda: skd.load_digits(return_X_y=True), "classification"),
    "wine": (lambda: skd.load_wine(return_X_y=True), "classification"),
    "iris": (lambda: skd.load_iris(return_X_y=True), "classification"),
    "diabetes": (lambda: skd.load_diabetes(return_X_y=True), "regression"),
    "synthetic_classification": (_synthetic_classification, "classification"),
    "synthetic_regression": (_synthetic_regression, "regression"),
}


@lru_cache(maxsize=None)
def load(name: str) -> tuple[np.ndarray, np.ndarray, str]:
    """Load dataset ``name`` as read-only arrays ``(X (n, d), y (n,), kind)``.

    Raises
    ------
    ValueError
        If ``name`` is not one of :data:`DATASETS`.
    """
    if name not in DATASETS:
        raise ValueError(f"Unknown dataset {name!r}; choose one of {sorted(DATASETS)}.")
    loader, kind = DATASETS[name]
    X, y = loader()
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64 if kind == "classification" else np.float64)
    X.setflags(write=False)
    y.setflags(write=False)
    return X, y, kind

"""Metrics of the real tasks, each converted to a loss to minimise.

======================  ===============================================  ==================
name                    loss (minimised)                                 needs
======================  ===============================================  ==================
``accuracy``            ``1 - accuracy``                                 labels
``balanced_accuracy``   ``1 - balanced accuracy``                        labels
``f1``                  ``1 - F1`` (binary: positive class 1; else macro) labels
``roc_auc``             ``1 - ROC AUC`` (multiclass: one-vs-rest macro)  scores
``log_loss``            log loss (cross-entropy), unchanged              probabilities
``mse``                 mean squared error, unchanged                    predictions
``mae``                 mean absolute error, unchanged                   predictions
``r2``                  ``1 - R^2`` (= MSE / variance of the targets)    predictions
======================  ===============================================  ==================

Every loss is 0 for a perfect model (log loss, MSE, MAE tend to 0), so regret-style summaries
work on all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from sklearn import metrics as skm

__all__ = ["Metric", "METRICS", "get_metric"]


@dataclass(frozen=True)
class Metric:
    """A loss computed from a fitted estimator's outputs.

    Attributes
    ----------
    name : str
        Registry name (``"accuracy"``, ``"r2"`` ...).
    kind : str
        ``"classification"`` or ``"regression"``.
    needs : str
        ``"predict"`` (labels or regression predictions), ``"score"`` (a continuous score:
        probabilities, or a decision function for binary problems) or ``"proba"``.
    loss : callable
        ``loss(y_true (n,), output, classes (k,) or None) -> float``.
    """

    name: str
    kind: str
    needs: str
    loss: Callable[[np.ndarray, np.ndarray, Any], float]

    def __call__(self, estimator: Any, X: np.ndarray, y: np.ndarray) -> float:
        """The loss of a fitted ``estimator`` on ``X (n, d)``, ``y (n,)``."""
        classes = getattr(estimator, "classes_", None)
        return float(self.loss(y, self.output(estimator, X), classes))

    def __reduce__(self):
        # Pickle by name: the loss functions are lambdas, which plain pickle cannot carry.
        return (_named, (self.name,))

    def output(self, estimator: Any, X: np.ndarray) -> np.ndarray:
        """The estimator output this metric is computed from."""
        if self.needs == "predict":
            return estimator.predict(X)
        if self.needs == "score" and len(estimator.classes_) == 2 and not hasattr(estimator, "predict_proba"):
            return estimator.decision_function(X)
        proba = estimator.predict_proba(X)
        if self.needs == "score" and proba.shape[1] == 2:
            return proba[:, 1]
        return proba


def _f1(y, pred, classes):
    binary = classes is not None and len(classes) == 2
    return 1.0 - skm.f1_score(y, pred, average="binary" if binary else "macro", pos_label=classes[1] if binary else 1)


def _roc_auc(y, score, classes):
    if score.ndim == 1:
        return 1.0 - skm.roc_auc_score(y, score)
    return 1.0 - skm.roc_auc_score(y, score, multi_class="ovr", average="macro", labels=classes)


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("accuracy", "classification", "predict", lambda y, p, c: 1.0 - skm.accuracy_score(y, p)),
        Metric(
            "balanced_accuracy", "classification", "predict", lambda y, p, c: 1.0 - skm.balanced_accuracy_score(y, p)
        ),
        Metric("f1", "classification", "predict", _f1),
        Metric("roc_auc", "classification", "score", _roc_auc),
        Metric("log_loss", "classification", "proba", lambda y, p, c: skm.log_loss(y, p, labels=c)),
        Metric("mse", "regression", "predict", lambda y, p, c: skm.mean_squared_error(y, p)),
        Metric("mae", "regression", "predict", lambda y, p, c: skm.mean_absolute_error(y, p)),
        Metric("r2", "regression", "predict", lambda y, p, c: 1.0 - skm.r2_score(y, p)),
    )
}


def _named(name: str) -> Metric:
    return METRICS[name]


def get_metric(name: str, kind: str) -> Metric:
    """The metric ``name``, checked to suit a ``kind`` (classification/regression) task.

    Raises
    ------
    ValueError
        If the name is unknown or the metric is for the other kind of task.
    """
    metric = METRICS.get(name)
    if metric is None:
        raise ValueError(f"Unknown metric {name!r}; choose one of {sorted(METRICS)}.")
    if metric.kind != kind:
        usable = sorted(n for n, m in METRICS.items() if m.kind == kind)
        raise ValueError(f"Metric {name!r} is for {metric.kind} tasks; a {kind} task takes one of {usable}.")
    return metric

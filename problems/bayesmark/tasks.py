"""Bayesmark's problem set: ``bayesmark-{model}-{data}-{metric}`` (90 problems).

Bayesmark (Uber; the NeurIPS 2020 black-box optimisation challenge) tunes nine scikit-learn
models on the datasets that ship with scikit-learn. This module follows its protocol
(``bayesmark/sklearn_funcs.py``, ``SklearnModel``) with our own code:

- data: the raw scikit-learn arrays (no scaling), split once by
  ``train_test_split(test_size=0.2, shuffle=True, random_state=data_seed)`` (not stratified);
  the data seed is the ``instance`` (``None`` -> 0, Bayesmark's ``shuffle_seed``);
- ``value``: the mean over ``cross_val_score(model, X_train, y_train, cv=5)``'s folds of the
  loss, i.e. 5-fold CV without shuffling (stratified for classifiers, as scikit-learn does for
  an integer ``cv``);
- ``test_value``: the loss of the model refitted on the whole training split, on the test
  split (Bayesmark's "generalization" objective; never shown to strategies);
- losses are Bayesmark's ``-scorer(...)`` with scikit-learn's scorers: ``nll`` = log loss,
  ``acc`` = minus the accuracy (so values match Bayesmark's), ``mse`` and ``mae`` on the raw
  diabetes target.

The spaces and the fixed arguments of the models are in :mod:`problems.bayesmark.spaces`.
Departures, each forced by today's scikit-learn or by this harness's rules:

- every model that takes a ``random_state`` gets one derived from the trial seed (Bayesmark
  leaves them unseeded, i.e. non-reproducible);
- ``liblinear`` logistic regression no longer does multiclass by itself: on iris, wine and
  digits ``lasso``/``linear`` are ``OneVsRestClassifier`` around it, which is what
  ``multi_class="ovr"`` did (one binary model per class, probabilities normalised);
- ``normalize`` was removed from ``Lasso``/``Ridge`` (scikit-learn 1.2): with
  ``normalize=True`` and an intercept, the columns are centred and divided by their l2 norm
  before the fit, which is what the removed option did; without an intercept it is ignored,
  as it was;
- ``AdaBoost`` runs scikit-learn's only remaining algorithm, SAMME (Bayesmark's era
  defaulted to SAMME.R);
- Bayesmark's ``logit`` scale is a linear Float here (see :mod:`problems.bayesmark.spaces`).

A model that raises on a config, or returns a non-finite loss, raises :class:`TaskError`
(a failed trial). ``optimum`` is ``None``; ``reference`` is the pinned best known value of
``problems/bayesmark/baselines.json`` when the default data seed is used (see
:mod:`harness.analysis.bayesmark_score`).

Reference: Turner et al., "Bayesian Optimization is Superior to Random Search for Machine
Learning Hyperparameter Tuning: Analysis of the Black-Box Optimization Challenge 2020",
PMLR 133, 2021; https://github.com/uber/bayesmark.
"""

from __future__ import annotations

import json
import math
import time
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import numpy as np
from sklearn import datasets as skd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import get_scorer
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split

from harness.protocols import Evaluation, Problem
from harness.registry import problem
from problems.bayesmark import spaces
from problems.sklearn.base import TaskError, _thread_controller, random_state_from_seed

__all__ = ["BayesmarkTask", "problem_names", "BASELINES_FILE"]

#: Bayesmark's metric names -> scikit-learn scorer names (``SklearnModel._METRIC_MAP``).
SCORERS = {"nll": "neg_log_loss", "acc": "accuracy", "mae": "neg_mean_absolute_error",
           "mse": "neg_mean_squared_error"}
CV_SPLITS = 5
TEST_SIZE = 0.2
#: Pinned baselines (random-search median, best known value) with provenance, written by
#: ``python bench/bayesmark_baselines.py``.
BASELINES_FILE = Path(__file__).with_name("baselines.json")

_LOADERS = {"digits": skd.load_digits, "iris": skd.load_iris, "wine": skd.load_wine,
            "breast": skd.load_breast_cancer, "diabetes": skd.load_diabetes}


@lru_cache(maxsize=None)
def _data(dataset: str) -> tuple[np.ndarray, np.ndarray]:
    X, y = _LOADERS[dataset](return_X_y=True)
    kind = spaces.DATASETS[dataset]
    return np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64 if kind == "classification" else np.float64)


@lru_cache(maxsize=1)
def baselines() -> dict:
    """The pinned baselines table (``{}`` when the file is absent)."""
    return json.loads(BASELINES_FILE.read_text())["problems"] if BASELINES_FILE.exists() else {}


class _L2Normalise(BaseEstimator, TransformerMixin):
    """Centre each column and divide it by its l2 norm (scikit-learn's removed ``normalize``)."""

    def fit(self, X: np.ndarray, y: Any = None) -> "_L2Normalise":
        self.mean_ = X.mean(axis=0)
        norm = np.sqrt(((X - self.mean_) ** 2).sum(axis=0))
        self.norm_ = np.where(norm == 0.0, 1.0, norm)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        return (X - self.mean_) / self.norm_


def make_estimator(model: str, kind: str, config: Mapping[str, Any], random_state: int, n_classes: int) -> Any:
    """The scikit-learn estimator Bayesmark builds for ``model`` with ``config`` (see the
    module docstring for the departures)."""
    from sklearn import ensemble, linear_model, neighbors, neural_network, svm, tree
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline

    _, fixed = spaces.table(model, kind)
    args = {**dict(config), **fixed}
    seeded = {"random_state": random_state}
    clf = kind == "classification"
    if model == "kNN":
        return (neighbors.KNeighborsClassifier if clf else neighbors.KNeighborsRegressor)(**args)
    if model == "SVM":
        return svm.SVC(**args, **seeded) if clf else svm.SVR(**args)
    if model == "DT":
        return (tree.DecisionTreeClassifier if clf else tree.DecisionTreeRegressor)(**args, **seeded)
    if model == "RF":
        return (ensemble.RandomForestClassifier if clf else ensemble.RandomForestRegressor)(**args, n_jobs=1, **seeded)
    if model.startswith("MLP"):
        return (neural_network.MLPClassifier if clf else neural_network.MLPRegressor)(**args, **seeded)
    if model == "ada":
        return (ensemble.AdaBoostClassifier if clf else ensemble.AdaBoostRegressor)(**args, **seeded)
    if clf:  # lasso / linear: liblinear logistic regression, one-vs-rest beyond two classes
        base = linear_model.LogisticRegression(**args, **seeded)
        return base if n_classes == 2 else OneVsRestClassifier(base)
    normalise = args.pop("normalize")
    base = linear_model.Lasso(**args, **seeded) if model == "lasso" else linear_model.Ridge(**args)
    return make_pipeline(_L2Normalise(), base) if normalise and args["fit_intercept"] else base


class BayesmarkTask(Problem):
    """One Bayesmark problem: ``model`` tuned on ``dataset`` for ``metric`` (module docstring).

    Parameters
    ----------
    model : str
        One of :data:`problems.bayesmark.spaces.MODELS`.
    dataset : str
        One of :data:`problems.bayesmark.spaces.DATASETS`.
    metric : str
        ``nll`` or ``acc`` (classification), ``mse`` or ``mae`` (regression).
    instance : int or None
        Data seed of the train/test split (``None`` -> 0).
    """

    def __init__(self, model: str, dataset: str, metric: str, *, instance: int | None = None) -> None:
        self.kind = spaces.DATASETS[dataset]
        if metric not in spaces.METRICS[self.kind]:
            raise ValueError(f"Bayesmark metric {metric!r} does not apply to {self.kind}; "
                             f"choose one of {spaces.METRICS[self.kind]}.")
        self.model, self.dataset, self.metric = model, dataset, metric
        self.name = f"bayesmark-{model}-{dataset}-{metric}"
        self.space = spaces.to_space(spaces.table(model, self.kind)[0])
        self.data_seed = 0 if instance is None else int(instance)
        self.optimum = None
        self.tags = ("real", "bayesmark", self.kind)
        pinned = baselines().get(self.name) if self.data_seed == 0 else None
        self.reference = None if pinned is None else float(pinned["best"])
        self.reference_source = None if pinned is None else f"bayesmark baselines.json ({pinned['provenance']})"
        X, y = _data(dataset)
        self.X_train, self.X_test, self.y_train, self.y_test = train_test_split(
            X, y, test_size=TEST_SIZE, random_state=self.data_seed, shuffle=True)
        splitter = StratifiedKFold(CV_SPLITS) if self.kind == "classification" else KFold(CV_SPLITS)
        self.folds = list(splitter.split(self.X_train, self.y_train))
        self.n_classes = len(np.unique(y)) if self.kind == "classification" else 0
        self._scorer = get_scorer(SCORERS[metric])

    def _loss(self, estimator: Any, X: np.ndarray, y: np.ndarray) -> float:
        return -float(self._scorer(estimator, X, y))

    def evaluate(self, config: Mapping[str, Any], fidelity: float | None = None, seed: int = 0) -> Evaluation:
        """5-fold CV loss of ``config`` (``value``) and its refitted test loss (``test_value``).

        Raises
        ------
        TaskError
            If the model fails on this config or a loss is not finite.
        """
        self.space.validate(config)
        random_state = random_state_from_seed(seed)
        start = time.perf_counter()
        fold_losses = []
        with _thread_controller().limit(limits=1), warnings.catch_warnings():
            # Bayesmark ignores these too: optimisers are expected to try odd corners.
            for category in (UserWarning, ConvergenceWarning, RuntimeWarning, FutureWarning):
                warnings.simplefilter("ignore", category)
            try:
                for fit_idx, val_idx in self.folds:
                    estimator = make_estimator(self.model, self.kind, config, random_state, self.n_classes)
                    estimator.fit(self.X_train[fit_idx], self.y_train[fit_idx])
                    fold_losses.append(self._loss(estimator, self.X_train[val_idx], self.y_train[val_idx]))
                estimator = make_estimator(self.model, self.kind, config, random_state, self.n_classes)
                estimator.fit(self.X_train, self.y_train)
                test_loss = self._loss(estimator, self.X_test, self.y_test)
            except Exception as exc:
                raise TaskError(f"Task '{self.name}' failed for config {dict(config)}: "
                                f"{type(exc).__name__}: {exc}") from exc
        value = float(np.mean(fold_losses))
        if not (math.isfinite(value) and math.isfinite(test_loss)):
            raise TaskError(f"Task '{self.name}' failed for config {dict(config)}: the loss is not finite")
        return Evaluation(value=value, test_value=test_loss,
                          info={"fold_values": fold_losses, "fit_seconds": time.perf_counter() - start})

    def describe(self) -> dict:
        """The base summary plus model, dataset, metric and pinned reference."""
        return {**super().describe(), "model": self.model, "dataset": self.dataset, "metric": self.metric,
                "reference": self.reference}


def problem_names() -> list[str]:
    """Every Bayesmark problem name, models x datasets x metrics, in Bayesmark's order."""
    return [f"bayesmark-{m}-{d}-{metric}" for m in spaces.MODELS for d, kind in spaces.DATASETS.items()
            for metric in spaces.METRICS[kind]]


def _register(model: str, dataset: str, metric: str) -> None:
    def factory(*, instance: int | None = None) -> BayesmarkTask:
        return BayesmarkTask(model, dataset, metric, instance=instance)

    factory.__name__ = f"bayesmark_{model}_{dataset}_{metric}".replace("-", "_")
    factory.__doc__ = (f"Bayesmark's {model} on {dataset}, loss {metric} ({SCORERS[metric]}), "
                       "5-fold CV as in bayesmark/sklearn_funcs.py.")
    problem(f"bayesmark-{model}-{dataset}-{metric}")(factory)


for _model in spaces.MODELS:
    for _dataset, _kind in spaces.DATASETS.items():
        for _metric in spaces.METRICS[_kind]:
            _register(_model, _dataset, _metric)

"""The shared logic of every real model-tuning task: data split, CV folds, scoring, failures.

A task is *estimator x dataset x search space x metric*. At construction it loads a dataset
that ships with scikit-learn, holds out a stratified test split (25 %), and fixes k folds
(3 by default) on the training split; both are drawn from the task's **data seed**, which is
the ``instance`` the harness passes to every factory (``None`` means data seed 0). So one
task instance always sees the same split and folds, whatever the per-trial seed.

``evaluate(config, fidelity, seed)`` fits one estimator per fold (the trial ``seed`` becomes
the estimator's ``random_state``) and returns

* ``value``: the mean validation loss over the folds (see :mod:`problems.sklearn.metrics`);
* ``test_value``: the mean loss of the same k fold models on the held-out test split (no
  refit, so it costs only predictions; never shown to strategies);
* ``cost``: in full-fidelity evaluations, ``fidelity / fidelity.high`` unless a task measures
  it (see :meth:`CVTask.cost`);
* ``info``: ``fold_values``, ``fit_seconds`` (wall time of the fits) and ``fidelity``.

Features are standardised per fold (scaler fitted on the fold's training part), which the
kernel, linear and neural models need and the tree models ignore. All fits run with BLAS and
OpenMP limited to one thread (``n_jobs=1`` everywhere).

A config the estimator cannot handle (it raises, or the loss is not finite) raises
:class:`TaskError` naming the task, estimator, config and cause; the runner records it as a
failed trial. ``optimum`` is ``None``. ``reference`` optionally pins a good known value for
regret-style summaries (the store writes it into its ``reference`` column; analysis uses the
optimum, else the pinned reference, else the best value observed across stored runs). Pin it
per task either with the ``reference=`` factory keyword (e.g. in a suite's problem params) or
in code with the class attribute ``pinned_reference``, which applies only to the default
metric and data seed 0 (another metric or split changes the attainable value).
"""

from __future__ import annotations

import json
import math
import time
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, ClassVar, Mapping

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import ThreadpoolController

from harness.protocols import Evaluation, Fidelity, Problem, default_cost
from harness.registry import problem
from harness.seeding import hash32
from harness.space import Space
from problems.sklearn.datasets import load
from problems.sklearn.metrics import get_metric

__all__ = ["TaskError", "Fold", "CVTask", "register_task", "random_state_from_seed"]



#: Pinned references of the tasks (default metric, data seed 0) with their provenance,
#: recomputed by ``python bench/pin_references.py``; never edited by hand.
REFERENCES_FILE = Path(__file__).with_name("references.json")


@lru_cache(maxsize=1)
def _reference_table() -> dict:
    if not REFERENCES_FILE.exists():
        return {}
    return json.loads(REFERENCES_FILE.read_text())


#: Median seconds of one full-fidelity evaluation per task, the simulated clock's duration
#: model (``Problem.seconds_per_evaluation``); refitted by ``python bench/fit_durations.py``.
DURATIONS_FILE = Path(__file__).with_name("durations.json")


@lru_cache(maxsize=1)
def fitted_seconds() -> dict:
    """Task name -> fitted seconds per full-fidelity evaluation (empty before the first fit)."""
    if not DURATIONS_FILE.exists():
        return {}
    table = json.loads(DURATIONS_FILE.read_text())
    return {k: float(v["seconds"]) for k, v in table.items() if not k.startswith("_") and float(v["seconds"]) > 0}


def pinned_reference(name: str, in_code: float | None = None) -> tuple[float | None, str | None]:
    """The pinned reference of task ``name`` and a one-line provenance, or ``(None, None)``.

    ``references.json`` (written by ``bench/pin_references.py``) wins; a class attribute
    ``pinned_reference`` (``in_code``) is used for tasks it does not list.
    """
    entry = _reference_table().get(name)
    if entry is not None:
        return float(entry["value"]), (f"pinned: {entry['search']}, data seed "
                                       f"{entry['data_seed']} ({entry['command']}, "
                                       f"{entry['date']})")
    if in_code is not None:
        return float(in_code), "pinned in the task's code (see its docstring)"
    return None, None

class TaskError(RuntimeError):
    """An estimator failed on a config (recorded by the runner as a failed trial)."""


@dataclass(frozen=True)
class Fold:
    """One CV fold, standardised by a scaler fitted on ``X_fit``; ``X_test`` uses the same scaler."""

    X_fit: np.ndarray
    y_fit: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray


def random_state_from_seed(seed: int) -> int:
    """Map a trial seed (any integer >= 0) to a ``random_state`` in ``[0, 2**32)``."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"A trial seed must be an integer >= 0. Got {seed!r}.")
    return hash32(seed)


@lru_cache(maxsize=1)
def _thread_controller() -> ThreadpoolController:
    # Scanning the loaded BLAS/OpenMP libraries costs ~20 ms; do it once per process (after
    # sklearn's native modules are loaded), then limiting threads is ~0.1 ms.
    return ThreadpoolController()


class CVTask(Problem):
    """Base of the k-fold cross-validated tasks (see the module docstring).

    Subclasses set ``estimator_name``, ``default_metric`` (per task kind), optionally
    ``extra_tags``, and implement :meth:`make_space`, :meth:`make_estimator` and (for
    multi-fidelity tasks) :meth:`make_fidelity`.

    Parameters
    ----------
    dataset : str
        A name from :data:`problems.sklearn.datasets.DATASETS`.
    name : str
        The registered task name.
    metric : str, optional
        Loss to minimise (see :mod:`problems.sklearn.metrics`); default per task kind.
    instance : int or None
        Data seed of the test split, the folds and any row subsample (``None`` -> 0).
    reference : float or None
        A pinned reference value (e.g. the best loss known) for regret-style summaries;
        ``None`` keeps the class's ``pinned_reference`` when it applies.
    n_folds : int
        Number of CV folds on the training split.
    max_rows : int or None
        Use a stratified subsample of this many rows (keeps large datasets fast).
    """

    estimator_name: ClassVar[str] = ""
    default_metric: ClassVar[dict] = {"classification": "accuracy", "regression": "mse"}
    extra_tags: ClassVar[tuple] = ()
    #: Best known loss for the default metric and data seed 0 (see the module docstring).
    pinned_reference: ClassVar[float | None] = None
    test_size: ClassVar[float] = 0.25

    def __init__(
        self,
        dataset: str,
        *,
        name: str,
        metric: str | None = None,
        instance: int | None = None,
        reference: float | None = None,
        n_folds: int = 3,
        max_rows: int | None = None,
    ) -> None:
        X, y, kind = load(dataset)
        self.name = name
        self.dataset = dataset
        self.kind = kind
        self.metric = get_metric(metric or self.default_metric[kind], kind)
        self.data_seed = 0 if instance is None else int(instance)
        default_setting = self.metric.name == self.default_metric[kind] and self.data_seed == 0
        pinned, source = (pinned_reference(name, self.pinned_reference) if default_setting
                          else (None, None))
        self.reference: float | None = float(reference) if reference is not None else pinned
        #: Where the reference comes from, stored with every run and printed by reports.
        self.reference_source: str | None = (
            "given in the suite" if reference is not None else source)
        self.space: Space = self.make_space()
        self.fidelity: Fidelity | None = self.make_fidelity()
        self.seconds_per_evaluation = fitted_seconds().get(name)  # simulated clocks only
        self.optimum = None
        tags = ["real", kind, *self.extra_tags]
        if self.space.is_conditional:
            tags.append("conditional")
        if self.fidelity is not None:
            tags.append("multi-fidelity")
        self.tags = tuple(tags)
        self.folds = self._make_folds(X, y, n_folds, max_rows)

    # -- data ------------------------------------------------------------------------------
    def _make_folds(self, X: np.ndarray, y: np.ndarray, n_folds: int, max_rows: int | None) -> list[Fold]:
        stratify = self.kind == "classification"
        X = self.transform_features(X)
        if max_rows is not None and max_rows < len(y):
            X, _, y, _ = train_test_split(
                X, y, train_size=max_rows, random_state=self.data_seed, stratify=y if stratify else None
            )
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=self.test_size, random_state=self.data_seed, stratify=y if stratify else None
        )
        self.y_test = y_test
        splitter = (StratifiedKFold if stratify else KFold)(n_splits=n_folds, shuffle=True, random_state=self.data_seed)
        folds = []
        for fit_idx, val_idx in splitter.split(X_train, y_train):
            scaler = StandardScaler().fit(X_train[fit_idx])
            folds.append(
                Fold(
                    scaler.transform(X_train[fit_idx]),
                    y_train[fit_idx],
                    scaler.transform(X_train[val_idx]),
                    y_train[val_idx],
                    scaler.transform(X_test),
                )
            )
        return folds

    # -- what subclasses provide -----------------------------------------------------------
    def transform_features(self, X: np.ndarray) -> np.ndarray:
        """Deterministic feature expansion applied before the split (identity by default)."""
        return X

    def make_space(self) -> Space:
        """The search space of this task."""
        raise NotImplementedError

    def make_fidelity(self) -> Fidelity | None:
        """The fidelity of this task, or ``None`` (single fidelity)."""
        return None

    @property
    def needs_probabilities(self) -> bool:
        """Whether the metric needs ``predict_proba`` (log loss; ROC AUC beyond two classes)."""
        multiclass = self.kind == "classification" and len(np.unique(self.y_test)) > 2
        return self.metric.needs == "proba" or (self.metric.needs == "score" and multiclass)

    def make_estimator(self, config: Mapping[str, Any], fidelity: float | None, random_state: int) -> Any:
        """An unfitted estimator for ``config`` at ``fidelity`` (``None`` for single-fidelity tasks)."""
        raise NotImplementedError

    def cost(self, fidelity: float | None, estimators: list) -> float:
        """Cost in full-fidelity evaluations: ``fidelity / fidelity.high`` (1 without fidelity)."""
        return default_cost(self.fidelity, fidelity)

    # -- evaluation ------------------------------------------------------------------------
    def resolve_fidelity(self, fidelity: float | None) -> float | None:
        """Check ``fidelity`` against the range (``None`` -> maximum); integers are rounded."""
        if self.fidelity is None:
            return None
        level = self.fidelity.check(fidelity, f"task '{self.name}'")
        return int(round(level)) if self.fidelity.integer else level

    def evaluate(self, config: Mapping[str, Any], fidelity: float | None = None, seed: int = 0) -> Evaluation:
        """Cross-validate ``config`` at ``fidelity`` with trial ``seed`` (see the module docstring).

        Raises
        ------
        harness.space.SpaceError
            If ``config`` is not in the space.
        ValueError
            If ``fidelity`` or ``seed`` is out of range.
        TaskError
            If the estimator fails on this config.
        """
        self.space.validate(config)
        level = self.resolve_fidelity(fidelity)
        random_state = random_state_from_seed(seed)
        val_losses, test_losses, estimators = [], [], []
        start = time.perf_counter()
        with _thread_controller().limit(limits=1), warnings.catch_warnings():
            # Short budgets are the point of low fidelities; their warnings are noise here.
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            for fold in self.folds:
                estimator = self.make_estimator(config, level, random_state)
                try:
                    estimator.fit(fold.X_fit, fold.y_fit)
                    val_losses.append(self.metric(estimator, fold.X_val, fold.y_val))
                    test_losses.append(self.metric(estimator, fold.X_test, self.y_test))
                except Exception as exc:
                    raise TaskError(self._failure(config, level, f"{type(exc).__name__}: {exc}")) from exc
                if not (math.isfinite(val_losses[-1]) and math.isfinite(test_losses[-1])):
                    raise TaskError(self._failure(config, level, "the loss is not finite"))
                estimators.append(estimator)
        seconds = time.perf_counter() - start
        return Evaluation(
            value=float(np.mean(val_losses)),
            cost=float(self.cost(level, estimators)),
            test_value=float(np.mean(test_losses)),
            info={"fold_values": val_losses, "fit_seconds": seconds, "fidelity": level},
        )

    def _failure(self, config: Mapping[str, Any], level: float | None, cause: str) -> str:
        at = "" if level is None else f" at {self.fidelity.name}={level}"
        return f"Task '{self.name}': {self.estimator_name} failed for config {dict(config)}{at}: {cause}"

    def describe(self) -> dict:
        """The base summary plus dataset, metric and pinned reference."""
        return {**super().describe(), "dataset": self.dataset, "metric": self.metric.name, "reference": self.reference}


def register_task(name: str, cls: Callable[..., CVTask], dataset: str, **defaults: Any) -> None:
    """Register ``cls(dataset, name=name, **defaults)`` under ``name``.

    The factory takes keyword arguments only (``metric``, ``instance``, ``reference`` and the
    task's own), which override ``defaults``.
    """

    def factory(*, instance: int | None = None, **kwargs: Any) -> CVTask:
        return cls(dataset, name=name, instance=instance, **{**defaults, **kwargs})

    factory.__name__ = name.replace("-", "_")
    factory.__doc__ = f"{name}: {(cls.__doc__ or '').strip().splitlines()[0]} Dataset: {dataset}."
    problem(name)(factory)

"""Contract tests of every registered real (scikit-learn) task, read from the registry."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from harness.protocols import Evaluation
from harness.registry import problems
from harness.space import SpaceError
from problems.sklearn.base import CVTask, TaskError, random_state_from_seed
from problems.sklearn.datasets import load

REAL_TASKS = [e.name for e in problems.entries() if (e.factory is not None and e.factory.__module__.startswith("problems.sklearn"))]


def _sample(task, seed=0):
    return task.space.sample(np.random.default_rng(seed), 1)[0]


def test_enough_real_tasks_are_registered():
    assert "svm-breast_cancer" in REAL_TASKS
    assert len(REAL_TASKS) >= 2


@pytest.mark.parametrize("name", REAL_TASKS)
def test_task_contract(name):
    task = problems.create(name)
    assert task.name == name
    assert task.optimum is None
    assert "real" in task.tags and ({"classification", "regression"} & set(task.tags))
    assert ("multi-fidelity" in task.tags) == (task.fidelity is not None)
    assert ("conditional" in task.tags) == task.space.is_conditional
    config = _sample(task)
    levels = [None] if task.fidelity is None else [task.fidelity.low, task.fidelity.high]
    costs = []
    for level in levels:
        result = task.evaluate(config, level, 7)
        assert isinstance(result, Evaluation)
        assert math.isfinite(result.value) and math.isfinite(result.test_value)
        assert 0 < result.cost <= 1 + 1e-12
        costs.append(result.cost)
        # Same seed, same task -> the same numbers (the data split is fixed per instance).
        again = task.evaluate(config, level, 7)
        assert (again.value, again.test_value) == (result.value, result.test_value)
    if task.fidelity is not None:
        assert costs[0] < costs[1] == pytest.approx(1.0)


@pytest.mark.parametrize("name", REAL_TASKS)
def test_invalid_inputs_raise_cleanly(name):
    task = problems.create(name)
    config = _sample(task)
    with pytest.raises(SpaceError):
        task.evaluate({**config, "no_such_parameter": 1}, None, 0)
    with pytest.raises(ValueError, match="seed"):
        task.evaluate(config, None, -1)
    if task.fidelity is not None:
        with pytest.raises(ValueError, match="fidelity"):
            task.evaluate(config, task.fidelity.high * 2, 0)


def test_instance_is_the_data_split_seed():
    a = problems.create("svm-breast_cancer", instance=1)
    b = problems.create("svm-breast_cancer", instance=2)
    assert not np.array_equal(a.y_test, b.y_test) or not np.array_equal(a.folds[0].y_val, b.folds[0].y_val)
    assert problems.create("svm-breast_cancer").data_seed == 0


def test_reference_can_be_pinned():
    assert problems.create("svm-wine").reference is None
    assert problems.create("svm-wine", reference=0.01).reference == 0.01


def test_random_state_from_seed_handles_large_seeds():
    assert 0 <= random_state_from_seed(2**63 + 5) < 2**32
    assert random_state_from_seed(3) == random_state_from_seed(3) != random_state_from_seed(4)


def _manual_svm_losses(metric, config, seed):
    """Recompute svm-breast_cancer's CV loss with sklearn directly (instance 0)."""
    X, y, _ = load("breast_cancer")
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    val, test = [], []
    for fit, held in StratifiedKFold(3, shuffle=True, random_state=0).split(X_train, y_train):
        scaler = StandardScaler().fit(X_train[fit])
        model = SVC(C=config["C"], kernel=config["kernel"], gamma=config["gamma"], random_state=seed)
        model.fit(scaler.transform(X_train[fit]), y_train[fit])
        for Xs, ys, out in ((X_train[held], y_train[held], val), (X_test, y_test, test)):
            Xs = scaler.transform(Xs)
            if metric == "roc_auc":
                out.append(1.0 - skm.roc_auc_score(ys, model.decision_function(Xs)))
            else:
                pred = model.predict(Xs)
                out.append(
                    {
                        "accuracy": 1.0 - skm.accuracy_score(ys, pred),
                        "balanced_accuracy": 1.0 - skm.balanced_accuracy_score(ys, pred),
                        "f1": 1.0 - skm.f1_score(ys, pred),
                    }[metric]
                )
    return np.mean(val), np.mean(test)


@pytest.mark.parametrize("metric", ["accuracy", "balanced_accuracy", "f1", "roc_auc"])
def test_classification_metrics_match_sklearn(metric):
    config = {"C": 0.5, "kernel": "rbf", "gamma": 0.02}
    task = problems.create("svm-breast_cancer", metric=metric)
    result = task.evaluate(config, None, 0)
    expected_value, expected_test = _manual_svm_losses(metric, config, random_state_from_seed(0))
    assert result.value == pytest.approx(expected_value, abs=1e-12)
    assert result.test_value == pytest.approx(expected_test, abs=1e-12)


def test_unknown_or_mismatched_metric_is_refused():
    with pytest.raises(ValueError, match="Unknown metric"):
        problems.create("svm-wine", metric="precision")
    with pytest.raises(ValueError, match="classification"):
        problems.create("svm-wine", metric="mse")


def test_estimator_failure_becomes_task_error():
    class BrokenSVM(CVTask):
        """An SVC given a kernel name sklearn rejects at fit time (a real sklearn failure)."""

        estimator_name = "SVC"

        def make_space(self):
            return problems.create("svm-wine").space

        def make_estimator(self, config, fidelity, random_state):
            return SVC(kernel="no-such-kernel")

    task = BrokenSVM("wine", name="broken-svm")
    with pytest.raises(TaskError, match="broken-svm.*SVC failed"):
        task.evaluate(_sample(task), None, 0)

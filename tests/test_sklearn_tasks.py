"""Contract tests of every registered real (scikit-learn) task, read from the registry."""

from __future__ import annotations

import json
import math
import pickle

import numpy as np
import pytest
from scipy.optimize import minimize
from sklearn import metrics as skm
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import TransformedTargetRegressor
from sklearn.kernel_ridge import KernelRidge
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split
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
    assert {"svm-breast_cancer", "svm-wine", "rf-digits", "hgb-breast_cancer", "mlp-digits"} <= set(REAL_TASKS)
    assert {"logreg-breast_cancer", "kernelridge-diabetes", "cash-wine", "ridge-hypergrad-diabetes"} <= set(REAL_TASKS)
    tags = {tag for name in REAL_TASKS for tag in problems.create(name).tags}
    assert {"classification", "regression", "conditional", "multi-fidelity", "hypergradient", "cash"} <= tags


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
        assert type(result.value) is float and type(result.test_value) is float
        assert math.isfinite(result.value) and math.isfinite(result.test_value)
        json.dumps(result.info)  # the store keeps info as JSON
        assert 0 < result.cost <= 1 + 1e-12
        costs.append(result.cost)
        # Same seed, same task -> the same numbers (the data split is fixed per instance).
        again = task.evaluate(config, level, 7)
        assert (again.value, again.test_value) == (result.value, result.test_value)
    if task.fidelity is not None:
        assert costs[0] < costs[1] <= 1 + 1e-12


@pytest.mark.parametrize("name", REAL_TASKS)
def test_invalid_inputs_raise_cleanly(name):
    task = problems.create(name)
    config = _sample(task)
    with pytest.raises(SpaceError):
        task.evaluate({**config, "no_such_parameter": 1}, None, 0)
    with pytest.raises(ValueError, match="seed"):
        task.evaluate(config, None, -1)
    if task.fidelity is not None:
        with pytest.raises(ValueError, match="(?i)fidelity"):
            task.evaluate(config, task.fidelity.high * 2, 0)


def test_instance_is_the_data_split_seed():
    a = problems.create("svm-breast_cancer", instance=1)
    b = problems.create("svm-breast_cancer", instance=2)
    assert not np.array_equal(a.y_test, b.y_test) or not np.array_equal(a.folds[0].y_val, b.folds[0].y_val)
    assert problems.create("svm-breast_cancer").data_seed == 0


def test_reference_can_be_pinned():
    # svm-wine's default setting is pinned in problems/sklearn/references.json.
    assert problems.create("svm-wine").reference is not None
    assert problems.create("svm-wine", instance=2).reference is None
    assert problems.create("svm-wine", reference=0.01).reference == 0.01
    # A class-pinned reference holds only for the default metric and data seed 0.
    assert problems.create("ridge-hypergrad-diabetes").reference == 2733.3382
    assert problems.create("ridge-hypergrad-diabetes", instance=0).reference == 2733.3382
    assert problems.create("ridge-hypergrad-diabetes", instance=1).reference is None
    assert problems.create("ridge-hypergrad-diabetes", metric="r2").reference is None


def test_pinned_hypergradient_reference_is_a_local_minimum():
    # From random starts, L-BFGS-B with the exact gradient reaches the pinned value, never below
    # (the objective is not convex: some starts stop at worse local minima).
    task = problems.create("ridge-hypergrad-diabetes")

    def objective(u):
        config = task.space.decode(u[None])[0]
        return task.evaluate(config).value, task.gradient([config])[0]

    found = [
        minimize(objective, start, jac=True, method="L-BFGS-B", bounds=[(0, 1)] * len(start)).fun
        for start in np.random.default_rng(0).random((3, len(task.space)))
    ]
    assert task.reference <= min(found) < task.reference + 1.0


def test_random_state_from_seed_handles_large_seeds():
    assert 0 <= random_state_from_seed(2**63 + 5) < 2**32
    assert random_state_from_seed(3) == random_state_from_seed(3) != random_state_from_seed(4)


def _manual_losses(dataset, make_model, loss, stratified=True):
    """Recompute a task's CV and test losses with sklearn directly (instance 0, 3 folds)."""
    X, y, _ = load(dataset)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y if stratified else None
    )
    splitter = (StratifiedKFold if stratified else KFold)(3, shuffle=True, random_state=0)
    val, test = [], []
    for fit, held in splitter.split(X_train, y_train):
        scaler = StandardScaler().fit(X_train[fit])
        model = make_model().fit(scaler.transform(X_train[fit]), y_train[fit])
        val.append(loss(model, scaler.transform(X_train[held]), y_train[held]))
        test.append(loss(model, scaler.transform(X_test), y_test))
    return np.mean(val), np.mean(test)


CLASSIFICATION_LOSSES = {
    "accuracy": lambda m, X, y: 1.0 - skm.accuracy_score(y, m.predict(X)),
    "balanced_accuracy": lambda m, X, y: 1.0 - skm.balanced_accuracy_score(y, m.predict(X)),
    "f1": lambda m, X, y: 1.0 - skm.f1_score(y, m.predict(X)),
    "roc_auc": lambda m, X, y: 1.0 - skm.roc_auc_score(y, m.decision_function(X)),
    "log_loss": lambda m, X, y: skm.log_loss(y, m.predict_proba(X)),
}


@pytest.mark.parametrize("metric", sorted(CLASSIFICATION_LOSSES))
def test_classification_metrics_match_sklearn(metric):
    config = {"C": 0.5, "kernel": "rbf", "gamma": 0.02}
    result = problems.create("svm-breast_cancer", metric=metric).evaluate(config, None, 0)

    def make_model():
        svc = SVC(C=0.5, kernel="rbf", gamma=0.02, max_iter=20_000, random_state=random_state_from_seed(0))
        return CalibratedClassifierCV(svc, method="sigmoid", cv=3, ensemble=False) if metric == "log_loss" else svc

    expected = _manual_losses("breast_cancer", make_model, CLASSIFICATION_LOSSES[metric])
    assert (result.value, result.test_value) == pytest.approx(expected, abs=1e-12)


REGRESSION_LOSSES = {
    "mse": lambda m, X, y: skm.mean_squared_error(y, m.predict(X)),
    "mae": lambda m, X, y: skm.mean_absolute_error(y, m.predict(X)),
    "r2": lambda m, X, y: 1.0 - skm.r2_score(y, m.predict(X)),
}


@pytest.mark.parametrize("metric", sorted(REGRESSION_LOSSES))
def test_regression_metrics_match_sklearn(metric):
    config = {"alpha": 0.1, "kernel": "rbf", "gamma": 0.05}
    result = problems.create("kernelridge-diabetes", metric=metric).evaluate(config, None, 0)

    def make_model():
        model = KernelRidge(alpha=0.1, kernel="rbf", gamma=0.05)
        return TransformedTargetRegressor(regressor=model, transformer=StandardScaler())

    expected = _manual_losses("diabetes", make_model, REGRESSION_LOSSES[metric], stratified=False)
    assert (result.value, result.test_value) == pytest.approx(expected, rel=1e-10)


def test_unknown_or_mismatched_metric_is_refused():
    with pytest.raises(ValueError, match="Unknown metric"):
        problems.create("svm-wine", metric="precision")
    with pytest.raises(ValueError, match="classification"):
        problems.create("svm-wine", metric="mse")


def test_diverging_config_is_a_clean_task_error():
    # A genuine in-space failure: sgd with a large step and heavy momentum diverges.
    task = problems.create("mlp-digits")
    config = {
        "n_layers": 3, "width": 64, "activation": "relu", "solver": "sgd", "learning_rate_init": 0.3,
        "batch_size": 256, "alpha": 1e-6, "early_stopping": False, "learning_rate": "constant", "momentum": 0.99,
    }
    with pytest.raises(TaskError, match="mlp-digits.*MLP failed.*non-finite"):
        task.evaluate(config, 16, 0)


@pytest.mark.parametrize("metric", ["mse", "r2"])
def test_hypergradient_matches_finite_differences(metric):
    task = problems.create("ridge-hypergrad-diabetes", metric=metric)
    assert task.has_gradient and "hypergradient" in task.tags
    configs = task.space.sample(np.random.default_rng(3), 3)
    assert type(task.evaluate(configs[0]).value) is float
    gradients = task.gradient(configs)
    assert gradients.shape == (3, len(task.space))
    h = 1e-5
    for config, gradient in zip(configs, gradients):
        u = task.space.encode([config])[0]
        numeric = np.empty_like(u)
        for k in range(len(u)):
            step = np.zeros_like(u)
            step[k] = h
            up, down = task.space.decode(np.stack([u + step, u - step]))
            numeric[k] = (task.evaluate(up).value - task.evaluate(down).value) / (2 * h)
        np.testing.assert_allclose(gradient, numeric, rtol=1e-4, atol=1e-6 * np.abs(numeric).max())


def test_hypergradient_value_matches_sklearn_ridge():
    # Equal penalties reduce to ordinary ridge with an unpenalised intercept.
    task = problems.create("ridge-hypergrad-diabetes")
    config = {name: 10.0 for name in task.space.names}
    fold = task.folds[0]
    model = Ridge(alpha=10.0).fit(fold.X_fit, fold.y_fit)
    expected = skm.mean_squared_error(fold.y_val, model.predict(fold.X_val))
    assert task.evaluate(config).info["fold_values"][0] == pytest.approx(expected, rel=1e-9)


def test_hypergradient_task_refuses_non_smooth_metrics():
    with pytest.raises(ValueError, match="mse"):
        problems.create("ridge-hypergrad-diabetes", metric="mae")


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


@pytest.mark.parametrize("name", ["svm-wine", "ridge-hypergrad-diabetes"])
def test_tasks_survive_pickling(name):
    # Executors may ship problem instances to worker processes.
    task = problems.create(name)
    clone = pickle.loads(pickle.dumps(task))
    config = _sample(task)
    assert clone.evaluate(config, None, 1).value == task.evaluate(config, None, 1).value
    assert clone.metric is task.metric

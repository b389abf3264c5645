"""Bayesmark's problems: spaces, metrics and CV protocol as Bayesmark defines them.

The reference values below are read from Bayesmark's ``bayesmark/sklearn_funcs.py``
(uber/bayesmark, commit 88989a4c817895f23edb768e34e1fc23992e38da): the ``*_cfg`` api
configs, ``MODELS_CLF``/``MODELS_REG``, ``CV_SPLITS = 5``, ``test_size=0.2`` and
``SklearnModel._METRIC_MAP``; the datasets from ``bayesmark/data.py`` (``DATA_LOADERS``).
They are restated here, not imported from our tables, so a typo in either shows up.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import datasets
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

from harness.registry import problems
from harness.space import Categorical, Float, Int
from problems.bayesmark.tasks import problem_names

# name: (type, space, range) exactly as in sklearn_funcs.py
KNN = {"n_neighbors": ("int", "linear", (1, 25)), "p": ("int", "linear", (1, 4))}
SVM = {"C": ("real", "log", (1.0, 1e3)), "gamma": ("real", "log", (1e-4, 1e-3)), "tol": ("real", "log", (1e-5, 1e-1))}
TREE = {"max_depth": ("int", "linear", (1, 15)), "min_samples_split": ("real", "logit", (0.01, 0.99)),
        "min_samples_leaf": ("real", "logit", (0.01, 0.49)),
        "min_weight_fraction_leaf": ("real", "logit", (0.01, 0.49)),
        "max_features": ("real", "logit", (0.01, 0.99)), "min_impurity_decrease": ("real", "linear", (0.0, 0.5))}
FOREST = {"max_depth": ("int", "linear", (1, 15)), "max_features": ("real", "logit", (0.01, 0.99)),
          "min_samples_split": ("real", "logit", (0.01, 0.99)), "min_samples_leaf": ("real", "logit", (0.01, 0.49)),
          "min_weight_fraction_leaf": ("real", "logit", (0.01, 0.49)),
          "min_impurity_decrease": ("real", "linear", (0.0, 0.5))}
ADAM = {"hidden_layer_sizes": ("int", "linear", (50, 200)), "alpha": ("real", "log", (1e-5, 1e1)),
        "batch_size": ("int", "linear", (10, 250)), "learning_rate_init": ("real", "log", (1e-5, 1e-1)),
        "tol": ("real", "log", (1e-5, 1e-1)), "validation_fraction": ("real", "logit", (0.1, 0.9)),
        "beta_1": ("real", "logit", (0.5, 0.99)), "beta_2": ("real", "logit", (0.9, 1.0 - 1e-6)),
        "epsilon": ("real", "log", (1e-9, 1e-6))}
SGD = {"hidden_layer_sizes": ("int", "linear", (50, 200)), "alpha": ("real", "log", (1e-5, 1e1)),
       "batch_size": ("int", "linear", (10, 250)), "learning_rate_init": ("real", "log", (1e-5, 1e-1)),
       "power_t": ("real", "logit", (0.1, 0.9)), "tol": ("real", "log", (1e-5, 1e-1)),
       "momentum": ("real", "logit", (0.001, 0.999)), "validation_fraction": ("real", "logit", (0.1, 0.9))}
ADA = {"n_estimators": ("int", "linear", (10, 100)), "learning_rate": ("real", "log", (1e-4, 1e1))}
LOGREG = {"C": ("real", "log", (1e-2, 1e2)), "intercept_scaling": ("real", "log", (1e-2, 1e2))}
LASSO_REG = {"alpha": ("real", "log", (1e-2, 1e2)), "fit_intercept": ("bool", None, None),
             "normalize": ("bool", None, None), "max_iter": ("int", "log", (10, 5000)),
             "tol": ("real", "log", (1e-5, 1e-1)), "positive": ("bool", None, None)}
RIDGE_REG = {"alpha": ("real", "log", (1e-2, 1e2)), "fit_intercept": ("bool", None, None),
             "normalize": ("bool", None, None), "max_iter": ("int", "log", (10, 5000)),
             "tol": ("real", "log", (1e-4, 1e-1))}
CLF = {"kNN": KNN, "SVM": SVM, "DT": TREE, "RF": FOREST, "MLP-adam": ADAM, "MLP-sgd": SGD, "ada": ADA,
       "lasso": LOGREG, "linear": LOGREG}
REG = {**CLF, "ada": ADA, "lasso": LASSO_REG, "linear": RIDGE_REG}


def test_the_problem_set_is_bayesmarks_models_data_and_metrics():
    names = problem_names()
    assert len(names) == 9 * (4 * 2 + 1 * 2)
    assert set(names) <= set(problems.names())
    assert "bayesmark-MLP-sgd-digits-nll" in names and "bayesmark-linear-diabetes-mae" in names
    assert not any(n.endswith(("-diabetes-nll", "-diabetes-acc", "-iris-mse")) for n in names)


@pytest.mark.parametrize("kind, data, table", [("clf", "iris", CLF), ("reg", "diabetes", REG)])
def test_spaces_match_bayesmark(kind, data, table):
    metric = "acc" if kind == "clf" else "mse"
    for model, expected in table.items():
        space = problems.create(f"bayesmark-{model}-{data}-{metric}").space
        assert space.names == list(expected), model
        for name, (typ, scale, bounds) in expected.items():
            param = space[name]
            if typ == "bool":
                assert isinstance(param, Categorical) and set(param.choices) == {False, True}
                continue
            assert isinstance(param, Int if typ == "int" else Float), (model, name)
            assert (param.low, param.high) == bounds, (model, name)
            # log stays log; linear and logit (a warping the harness lacks) are linear.
            assert param.log == (scale == "log"), (model, name)


def _split(loader):
    X, y = loader(return_X_y=True)
    return train_test_split(X, y, test_size=0.2, random_state=0, shuffle=True)


def test_classification_metrics_follow_bayesmarks_cross_val_score():
    """``value`` is -mean(cross_val_score(cv=5)) and ``test_value`` the refitted test loss."""
    X_train, X_test, y_train, y_test = _split(datasets.load_iris)
    config = {"n_neighbors": 7, "p": 2}
    for metric, scoring, sign in (("nll", "neg_log_loss", -1.0), ("acc", "accuracy", -1.0)):
        evaluation = problems.create(f"bayesmark-kNN-iris-{metric}").evaluate(config, None, 0)
        model = KNeighborsClassifier(n_neighbors=7, p=2)
        expected = sign * np.mean(cross_val_score(model, X_train, y_train, scoring=scoring, cv=5))
        assert evaluation.value == pytest.approx(expected, rel=1e-12)
        from sklearn.metrics import get_scorer

        refit = KNeighborsClassifier(n_neighbors=7, p=2).fit(X_train, y_train)
        assert evaluation.test_value == pytest.approx(sign * get_scorer(scoring)(refit, X_test, y_test), rel=1e-12)
    assert -1.0 <= problems.create("bayesmark-kNN-iris-acc").evaluate(config, None, 0).value < -0.8


def test_regression_metrics_follow_bayesmarks_cross_val_score():
    X_train, _, y_train, _ = _split(datasets.load_diabetes)
    config = {"n_neighbors": 10, "p": 1}
    for metric, scoring in (("mse", "neg_mean_squared_error"), ("mae", "neg_mean_absolute_error")):
        value = problems.create(f"bayesmark-kNN-diabetes-{metric}").evaluate(config, None, 0).value
        expected = -np.mean(cross_val_score(KNeighborsRegressor(n_neighbors=10, p=1), X_train, y_train,
                                            scoring=scoring, cv=5))
        assert value == pytest.approx(expected, rel=1e-12) and value > 0


def test_seeded_models_reproduce_and_multiclass_liblinear_runs():
    task = problems.create("bayesmark-lasso-wine-nll")  # 3 classes: liblinear one-vs-rest
    config = {"C": 1.0, "intercept_scaling": 1.0}
    assert task.evaluate(config, None, 5).value == task.evaluate(config, None, 5).value
    tree = problems.create("bayesmark-DT-breast-acc")
    config = {"max_depth": 5, "min_samples_split": 0.1, "min_samples_leaf": 0.05,
              "min_weight_fraction_leaf": 0.01, "max_features": 0.5, "min_impurity_decrease": 0.0}
    values = {tree.evaluate(config, None, seed).value for seed in (1, 1, 2, 3, 4)}
    assert 1 < len(values) <= 4  # the trial seed is the tree's random_state


def test_normalize_is_ignored_without_an_intercept():
    task = problems.create("bayesmark-linear-diabetes-mse")
    base = {"alpha": 1.0, "fit_intercept": False, "max_iter": 100, "tol": 1e-3}
    assert task.evaluate({**base, "normalize": True}, None, 0).value == task.evaluate(
        {**base, "normalize": False}, None, 0).value
    with_intercept = {**base, "fit_intercept": True}
    assert task.evaluate({**with_intercept, "normalize": True}, None, 0).value != task.evaluate(
        {**with_intercept, "normalize": False}, None, 0).value


def test_the_suite_runs_every_problem_under_the_challenge_protocol():
    import tomllib
    from pathlib import Path

    suite = tomllib.loads((Path(__file__).resolve().parents[1] / "suites" / "bayesmark.toml").read_text())
    assert suite["problems"] == problem_names()
    assert suite["budget"] == 16 * 8 and suite["workers"] == 8
    names = [s if isinstance(s, str) else s["name"] for s in suite["strategies"]]
    assert names == ["random", "tpe", "optuna-tpe", "bayesian", "smac", "dehb", "nevergrad"]

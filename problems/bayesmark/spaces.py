"""Bayesmark's search spaces and fixed estimator settings, as plain data.

Transcribed from Bayesmark's ``bayesmark/sklearn_funcs.py`` (uber/bayesmark, the
``*_cfg`` dictionaries and ``MODELS_CLF`` / ``MODELS_REG``); the tests compare these tables
with values read from that file. Each entry of a space is ``(type, scale, range)`` exactly as
Bayesmark states it:

- ``type``: ``"int"``, ``"real"`` or ``"bool"``;
- ``scale``: ``"linear"``, ``"log"`` or ``"logit"``;
- ``range``: inclusive ``(low, high)``.

Bayesmark's ``logit`` scale is a warping it offers optimisers (uniform in ``logit(x)``); the
objective itself is the same. The harness's spaces have linear and log scales only, so a
logit parameter becomes a linear :class:`~harness.space.Float` over the same range (the
optimisers here see it unwarped).
"""

from __future__ import annotations

from harness.space import Categorical, Float, Int, Space

#: Bayesmark's model names, in its order.
MODELS = ("kNN", "SVM", "DT", "RF", "MLP-adam", "MLP-sgd", "ada", "lasso", "linear")
#: Bayesmark's datasets that ship with scikit-learn (``boston`` was removed from it), and kind.
DATASETS = {"digits": "classification", "iris": "classification", "wine": "classification",
            "breast": "classification", "diabetes": "regression"}
#: Bayesmark's metric names per problem kind.
METRICS = {"classification": ("nll", "acc"), "regression": ("mse", "mae")}

_KNN = {"n_neighbors": ("int", "linear", (1, 25)), "p": ("int", "linear", (1, 4))}
_SVM = {
    "C": ("real", "log", (1.0, 1e3)),
    "gamma": ("real", "log", (1e-4, 1e-3)),
    "tol": ("real", "log", (1e-5, 1e-1)),
}
_DT = {
    "max_depth": ("int", "linear", (1, 15)),
    "min_samples_split": ("real", "logit", (0.01, 0.99)),
    "min_samples_leaf": ("real", "logit", (0.01, 0.49)),
    "min_weight_fraction_leaf": ("real", "logit", (0.01, 0.49)),
    "max_features": ("real", "logit", (0.01, 0.99)),
    "min_impurity_decrease": ("real", "linear", (0.0, 0.5)),
}
_RF = {
    "max_depth": ("int", "linear", (1, 15)),
    "max_features": ("real", "logit", (0.01, 0.99)),
    "min_samples_split": ("real", "logit", (0.01, 0.99)),
    "min_samples_leaf": ("real", "logit", (0.01, 0.49)),
    "min_weight_fraction_leaf": ("real", "logit", (0.01, 0.49)),
    "min_impurity_decrease": ("real", "linear", (0.0, 0.5)),
}
_MLP_ADAM = {
    "hidden_layer_sizes": ("int", "linear", (50, 200)),
    "alpha": ("real", "log", (1e-5, 1e1)),
    "batch_size": ("int", "linear", (10, 250)),
    "learning_rate_init": ("real", "log", (1e-5, 1e-1)),
    "tol": ("real", "log", (1e-5, 1e-1)),
    "validation_fraction": ("real", "logit", (0.1, 0.9)),
    "beta_1": ("real", "logit", (0.5, 0.99)),
    "beta_2": ("real", "logit", (0.9, 1.0 - 1e-6)),
    "epsilon": ("real", "log", (1e-9, 1e-6)),
}
_MLP_SGD = {
    "hidden_layer_sizes": ("int", "linear", (50, 200)),
    "alpha": ("real", "log", (1e-5, 1e1)),
    "batch_size": ("int", "linear", (10, 250)),
    "learning_rate_init": ("real", "log", (1e-5, 1e-1)),
    "power_t": ("real", "logit", (0.1, 0.9)),
    "tol": ("real", "log", (1e-5, 1e-1)),
    "momentum": ("real", "logit", (0.001, 0.999)),
    "validation_fraction": ("real", "logit", (0.1, 0.9)),
}
_ADA = {"n_estimators": ("int", "linear", (10, 100)), "learning_rate": ("real", "log", (1e-4, 1e1))}
_LOGREG = {"C": ("real", "log", (1e-2, 1e2)), "intercept_scaling": ("real", "log", (1e-2, 1e2))}
_LASSO_REG = {
    "alpha": ("real", "log", (1e-2, 1e2)),
    "fit_intercept": ("bool", None, None),
    "normalize": ("bool", None, None),
    "max_iter": ("int", "log", (10, 5000)),
    "tol": ("real", "log", (1e-5, 1e-1)),
    "positive": ("bool", None, None),
}
_RIDGE_REG = {
    "alpha": ("real", "log", (1e-2, 1e2)),
    "fit_intercept": ("bool", None, None),
    "normalize": ("bool", None, None),
    "max_iter": ("int", "log", (10, 5000)),
    "tol": ("real", "log", (1e-4, 1e-1)),
}

#: model -> (space table, fixed estimator arguments) for classification, as in ``MODELS_CLF``.
CLASSIFICATION = {
    "kNN": (_KNN, {}),
    "SVM": (_SVM, {"kernel": "rbf", "probability": True}),
    "DT": (_DT, {"max_leaf_nodes": None}),
    "RF": (_RF, {"n_estimators": 10, "max_leaf_nodes": None}),
    "MLP-adam": (_MLP_ADAM, {"solver": "adam", "early_stopping": True}),
    "MLP-sgd": (_MLP_SGD, {"solver": "sgd", "early_stopping": True, "learning_rate": "invscaling",
                           "nesterovs_momentum": True}),
    "ada": (_ADA, {}),
    "lasso": (_LOGREG, {"penalty": "l1", "fit_intercept": True, "solver": "liblinear"}),
    "linear": (_LOGREG, {"penalty": "l2", "fit_intercept": True, "solver": "liblinear"}),
}
#: model -> (space table, fixed estimator arguments) for regression, as in ``MODELS_REG``.
REGRESSION = {
    "kNN": (_KNN, {}),
    "SVM": (_SVM, {"kernel": "rbf"}),
    "DT": (_DT, {"max_leaf_nodes": None}),
    "RF": (_RF, {"n_estimators": 10, "max_leaf_nodes": None}),
    "MLP-adam": (_MLP_ADAM, {"solver": "adam", "early_stopping": True}),
    "MLP-sgd": (_MLP_SGD, {"activation": "tanh", "solver": "sgd", "early_stopping": True,
                           "learning_rate": "invscaling", "nesterovs_momentum": True}),
    "ada": (_ADA, {}),
    "lasso": (_LASSO_REG, {}),
    "linear": (_RIDGE_REG, {"solver": "auto"}),
}

def table(model: str, kind: str) -> tuple[dict, dict]:
    """Bayesmark's ``(space table, fixed arguments)`` of ``model`` for a problem ``kind``."""
    return (CLASSIFICATION if kind == "classification" else REGRESSION)[model]


def to_space(spec: dict) -> Space:
    """The harness :class:`~harness.space.Space` of one Bayesmark space table."""
    params = []
    for name, (kind, scale, bounds) in spec.items():
        if kind == "bool":
            params.append(Categorical(name, (False, True)))
        elif kind == "int":
            params.append(Int(name, int(bounds[0]), int(bounds[1]), log=scale == "log"))
        else:
            params.append(Float(name, float(bounds[0]), float(bounds[1]), log=scale == "log"))
    return Space(params)

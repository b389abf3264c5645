"""Combined algorithm selection and hyperparameter optimisation: ``cash-wine``, ``cash-breast_cancer``."""

from __future__ import annotations

from typing import Any, Mapping

from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC

from harness.space import Categorical, Condition, Float, Int, Space
from problems.sklearn.base import CVTask, register_task

__all__ = ["CASHTask"]


def _when(family: str) -> Condition:
    return Condition("family", (family,))


class CASHTask(CVTask):
    """Choose the model family and its hyperparameters at once (the CASH setting).

    ``family`` in {logreg, svm, knn, rf, hgb}; each family's parameters are active only
    when it is chosen:

    * logreg: ``logreg_C`` in [1e-4, 1e4] (log), L2 penalty, lbfgs;
    * svm: RBF ``svm_C`` in [1e-3, 1e3] (log), ``svm_gamma`` in [1e-4, 10] (log);
    * knn: ``knn_n_neighbors`` 1..30, ``knn_weights`` {uniform, distance};
    * rf: ``rf_n_estimators`` 10..100 (log), ``rf_max_features`` in [0.1, 1],
      ``rf_min_samples_leaf`` 1..10;
    * hgb: ``hgb_learning_rate`` in [0.01, 1] (log), ``hgb_max_leaf_nodes`` 2..32 (log),
      50 boosting rounds.

    Features are standardised; the trial seed is each model's ``random_state``. The SVM is
    Platt-calibrated (``CalibratedClassifierCV``) when the metric needs probabilities.
    Reference: Thornton et al., "Auto-WEKA", KDD 2013; Feurer et al., "Efficient and
    Robust Automated Machine Learning" (auto-sklearn), NeurIPS 2015.
    """

    estimator_name = "CASH model"
    extra_tags = ("cash",)

    def make_space(self) -> Space:
        """The family choice, then each family's conditional parameters."""
        return Space(
            [
                Categorical("family", ("logreg", "svm", "knn", "rf", "hgb")),
                Float("logreg_C", 1e-4, 1e4, log=True, condition=_when("logreg")),
                Float("svm_C", 1e-3, 1e3, log=True, condition=_when("svm")),
                Float("svm_gamma", 1e-4, 10.0, log=True, condition=_when("svm")),
                Int("knn_n_neighbors", 1, 30, condition=_when("knn")),
                Categorical("knn_weights", ("uniform", "distance"), condition=_when("knn")),
                Int("rf_n_estimators", 10, 100, log=True, condition=_when("rf")),
                Float("rf_max_features", 0.1, 1.0, condition=_when("rf")),
                Int("rf_min_samples_leaf", 1, 10, condition=_when("rf")),
                Float("hgb_learning_rate", 0.01, 1.0, log=True, condition=_when("hgb")),
                Int("hgb_max_leaf_nodes", 2, 32, log=True, condition=_when("hgb")),
            ]
        )

    def make_estimator(self, config: Mapping[str, Any], fidelity: float | None, random_state: int) -> Any:
        """The chosen family's estimator with its parameters."""
        family = config["family"]
        if family == "logreg":
            return LogisticRegression(C=config["logreg_C"], max_iter=500, random_state=random_state)
        if family == "svm":
            svm = SVC(C=config["svm_C"], gamma=config["svm_gamma"], random_state=random_state)
            if self.needs_probabilities:
                return CalibratedClassifierCV(svm, method="sigmoid", cv=3, ensemble=False)
            return svm
        if family == "knn":
            return KNeighborsClassifier(
                n_neighbors=config["knn_n_neighbors"], weights=config["knn_weights"], n_jobs=1
            )
        if family == "rf":
            return RandomForestClassifier(
                n_estimators=config["rf_n_estimators"],
                max_features=config["rf_max_features"],
                min_samples_leaf=config["rf_min_samples_leaf"],
                n_jobs=1,
                random_state=random_state,
            )
        return HistGradientBoostingClassifier(
            learning_rate=config["hgb_learning_rate"],
            max_leaf_nodes=config["hgb_max_leaf_nodes"],
            max_iter=50,
            early_stopping=False,
            random_state=random_state,
        )


register_task("cash-wine", CASHTask, "wine")
register_task("cash-breast_cancer", CASHTask, "breast_cancer")

"""Support vector classifier tasks: ``svm-breast_cancer`` and ``svm-wine``."""

from __future__ import annotations

from typing import Any, Mapping

from sklearn.calibration import CalibratedClassifierCV
from sklearn.svm import SVC

from harness.space import Categorical, Condition, Float, Int, Space
from problems.sklearn.base import CVTask, register_task

__all__ = ["SVMTask"]


class SVMTask(CVTask):
    """Tune an RBF/poly/sigmoid/linear SVC (scikit-learn ``SVC``) by 3-fold CV.

    Space: ``C`` log-uniform in [1e-3, 1e3]; ``kernel`` in {linear, rbf, poly, sigmoid};
    ``gamma`` log-uniform in [1e-4, 10] (not for the linear kernel); ``degree`` in 2..5 and
    ``coef0`` in [0, 1] (poly only). Features are standardised. ``max_iter`` is capped at
    20,000 solver iterations so a badly conditioned config stays fast. Probabilities are only
    computed when the metric needs them (log loss, or ROC AUC on a multiclass dataset): then
    the SVC is wrapped in ``CalibratedClassifierCV(method="sigmoid", cv=3, ensemble=False)``
    (Platt scaling on internal 3-fold predictions, which costs about 4x).
    Reference: Hsu, Chang & Lin, "A Practical Guide to Support Vector Classification" (2003).
    """

    estimator_name = "SVC"

    def make_space(self) -> Space:
        """C, kernel, and the kernel's own parameters (conditional)."""
        return Space(
            [
                Float("C", 1e-3, 1e3, log=True),
                Categorical("kernel", ("linear", "rbf", "poly", "sigmoid")),
                Float("gamma", 1e-4, 10.0, log=True, condition=Condition("kernel", ("rbf", "poly", "sigmoid"))),
                Int("degree", 2, 5, condition=Condition("kernel", ("poly",))),
                Float("coef0", 0.0, 1.0, condition=Condition("kernel", ("poly",))),
            ]
        )

    def make_estimator(self, config: Mapping[str, Any], fidelity: float | None, random_state: int) -> Any:
        """An ``SVC`` for ``config`` (calibrated when the metric needs probabilities)."""
        svc = SVC(
            C=config["C"],
            kernel=config["kernel"],
            gamma=config.get("gamma", "scale"),
            degree=config.get("degree", 3),
            coef0=config.get("coef0", 0.0),
            max_iter=20_000,
            random_state=random_state,
        )
        return CalibratedClassifierCV(svc, method="sigmoid", cv=3, ensemble=False) if self.needs_probabilities else svc


register_task("svm-breast_cancer", SVMTask, "breast_cancer")
register_task("svm-wine", SVMTask, "wine")

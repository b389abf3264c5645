"""Linear and kernel models: ``logreg-breast_cancer`` and ``kernelridge-diabetes``."""

from __future__ import annotations

from typing import Any, Mapping

from sklearn.compose import TransformedTargetRegressor
from sklearn.kernel_ridge import KernelRidge
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from harness.space import Categorical, Condition, Float, Int, Space
from problems.sklearn.base import CVTask, register_task

__all__ = ["LogisticTask", "KernelRidgeTask"]

#: The penalty as scikit-learn >= 1.8 spells it: the L1 share of an elastic-net penalty.
_L1_RATIO = {"l2": 0.0, "l1": 1.0}


class LogisticTask(CVTask):
    """Tune an L1 / L2 / elastic-net logistic regression (``LogisticRegression``, saga solver).

    Space: ``penalty`` in {l2, l1, elasticnet}; ``C`` (inverse penalty strength) in
    [1e-4, 1e4] (log); ``l1_ratio`` in [0, 1] only for elasticnet. Features are standardised;
    the saga solver runs at most 300 epochs (``tol`` 1e-3), so weakly regularised configs
    stop unconverged, as they would in practice. The trial seed is ``random_state`` (saga
    visits the rows in random order).
    Reference: Zou & Hastie, "Regularization and variable selection via the elastic net",
    JRSS-B 67 (2005).
    """

    estimator_name = "LogisticRegression"

    def make_space(self) -> Space:
        """Penalty kind and strength; the L1 share only for the elastic net."""
        return Space(
            [
                Categorical("penalty", ("l2", "l1", "elasticnet")),
                Float("C", 1e-4, 1e4, log=True),
                Float("l1_ratio", 0.0, 1.0, condition=Condition("penalty", ("elasticnet",))),
            ]
        )

    def make_estimator(self, config: Mapping[str, Any], fidelity: float | None, random_state: int) -> Any:
        """A saga logistic regression with the configured penalty."""
        l1_ratio = config["l1_ratio"] if config["penalty"] == "elasticnet" else _L1_RATIO[config["penalty"]]
        return LogisticRegression(
            C=config["C"], l1_ratio=l1_ratio, solver="saga", max_iter=300, tol=1e-3, random_state=random_state
        )


class KernelRidgeTask(CVTask):
    """Tune kernel ridge regression (``KernelRidge``) on standardised features and targets.

    Space: ``alpha`` (ridge penalty) in [1e-4, 10] (log); ``kernel`` in {rbf, laplacian,
    poly}; ``gamma`` in [1e-4, 1] (log); ``degree`` 2..4 and ``coef0`` in [0, 2] for poly
    only. The target is standardised on each fold's training rows (kernel ridge has no
    intercept) and predictions are mapped back, so MSE/MAE are in the target's units.
    Deterministic: the trial seed is unused.
    Reference: Schölkopf & Smola, "Learning with Kernels" (2002), ch. 4.
    """

    estimator_name = "KernelRidge"

    def make_space(self) -> Space:
        """Penalty, kernel, and the kernel's own parameters."""
        poly = Condition("kernel", ("poly",))
        return Space(
            [
                Float("alpha", 1e-4, 10.0, log=True),
                Categorical("kernel", ("rbf", "laplacian", "poly")),
                Float("gamma", 1e-4, 1.0, log=True),
                Int("degree", 2, 4, condition=poly),
                Float("coef0", 0.0, 2.0, condition=poly),
            ]
        )

    def make_estimator(self, config: Mapping[str, Any], fidelity: float | None, random_state: int) -> Any:
        """A kernel ridge on a standardised target."""
        model = KernelRidge(
            alpha=config["alpha"],
            kernel=config["kernel"],
            gamma=config["gamma"],
            degree=config.get("degree", 3),
            coef0=config.get("coef0", 1.0),
        )
        return TransformedTargetRegressor(regressor=model, transformer=StandardScaler())


register_task("logreg-breast_cancer", LogisticTask, "breast_cancer")
register_task("kernelridge-diabetes", KernelRidgeTask, "diabetes")

"""Histogram gradient boosting tasks: ``hgb-breast_cancer`` and ``hgb-diabetes`` (regression)."""

from __future__ import annotations

from typing import Any, Mapping

from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

from harness.protocols import Fidelity
from harness.space import Float, Int, Space
from problems.sklearn.base import CVTask, register_task

__all__ = ["BoostingTask"]


class BoostingTask(CVTask):
    """Tune histogram gradient boosting (``HistGradientBoosting{Classifier,Regressor}``).

    Space: ``learning_rate`` in [1e-3, 1] (log), ``max_leaf_nodes`` 2..16 (log),
    ``l2_regularization`` in [1e-6, 10] (log), ``min_samples_leaf`` 1..64 (log),
    ``max_features`` (fraction per split) in [0.2, 1]. Fidelity ``max_iter`` (boosting
    rounds) in 4..256, early stopping off, so fit time grows about linearly with it and cost
    = ``max_iter / 256``. The trial seed is ``random_state`` (it drives feature subsampling).
    Reference: Ke et al., "LightGBM", NeurIPS 2017 (the histogram algorithm sklearn follows).
    """

    estimator_name = "HistGradientBoosting"

    def make_space(self) -> Space:
        """Step size, tree size and regularisation."""
        return Space(
            [
                Float("learning_rate", 1e-3, 1.0, log=True),
                Int("max_leaf_nodes", 2, 16, log=True),
                Float("l2_regularization", 1e-6, 10.0, log=True),
                Int("min_samples_leaf", 1, 64, log=True),
                Float("max_features", 0.2, 1.0),
            ]
        )

    def make_fidelity(self) -> Fidelity:
        """Boosting rounds, 4..256."""
        return Fidelity("max_iter", 4, 256, integer=True)

    def make_estimator(self, config: Mapping[str, Any], fidelity: float | None, random_state: int) -> Any:
        """A booster with ``fidelity`` rounds and no early stopping."""
        cls = HistGradientBoostingClassifier if self.kind == "classification" else HistGradientBoostingRegressor
        return cls(max_iter=int(fidelity), early_stopping=False, random_state=random_state, **config)


register_task("hgb-breast_cancer", BoostingTask, "breast_cancer")
register_task("hgb-diabetes", BoostingTask, "diabetes")

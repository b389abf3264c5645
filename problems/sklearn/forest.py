"""Random forest task ``rf-digits``: the number of trees is the fidelity."""

from __future__ import annotations

from typing import Any, Mapping

from sklearn.ensemble import RandomForestClassifier

from harness.protocols import Fidelity
from harness.space import Categorical, Float, Int, Space
from problems.sklearn.base import CVTask, register_task

__all__ = ["ForestTask"]

_TREE_PARAMS = [
    Int("max_depth", 2, 32, log=True),
    Int("min_samples_split", 2, 20),
    Float("max_features", 0.05, 0.6),
    Int("min_samples_leaf", 1, 10),
    Categorical("criterion", ("gini", "entropy")),
]


class ForestTask(CVTask):
    """Tune a random forest (scikit-learn ``RandomForestClassifier``); fidelity = trees.

    Space: ``max_depth`` 2..32 (log), ``min_samples_split`` 2..20, ``max_features`` (fraction
    of features per split) in [0.05, 0.6], ``min_samples_leaf`` 1..10, ``criterion``
    {gini, entropy}. Fidelity ``n_estimators`` in 4..64 (integer); fit time grows linearly
    with it, so cost = ``n_estimators / 64``. The trial seed is the forest's ``random_state``;
    forests with fewer trees are not prefixes of larger ones. ``rf-digits`` uses a stratified
    subsample of 1,000 of the 1,797 digits (fixed by the data seed) to stay under 2 s.
    Reference: Breiman, "Random Forests", Machine Learning 45 (2001); Li et al.,
    "Hyperband", JMLR 18 (2018) use trees as a resource.
    """

    estimator_name = "RandomForestClassifier"

    def make_space(self) -> Space:
        """Tree-shape and split-sampling parameters."""
        return Space(_TREE_PARAMS)

    def make_fidelity(self) -> Fidelity:
        """Number of trees, 4..64."""
        return Fidelity("n_estimators", 4, 64, integer=True)

    def make_estimator(self, config: Mapping[str, Any], fidelity: float | None, random_state: int) -> Any:
        """A forest of ``fidelity`` trees."""
        return RandomForestClassifier(n_estimators=int(fidelity), n_jobs=1, random_state=random_state, **config)


register_task("rf-digits", ForestTask, "digits", max_rows=1000)

"""Multi-layer perceptron task ``mlp-digits``: training epochs are the fidelity."""

from __future__ import annotations

from typing import Any, Mapping

from sklearn.neural_network import MLPClassifier, MLPRegressor

from harness.protocols import Fidelity
from harness.space import Categorical, Condition, Float, Int, Space
from problems.sklearn.base import CVTask, register_task

__all__ = ["MLPTask"]


class MLPTask(CVTask):
    """Tune a multi-layer perceptron (scikit-learn ``MLPClassifier`` / ``MLPRegressor``).

    Space: ``n_layers`` 1..3 hidden layers of ``width`` 16..64 units (log) each,
    ``activation`` {relu, tanh}, ``solver`` {adam, sgd}, ``learning_rate_init`` in
    [1e-4, 0.3] (log), ``batch_size`` 32..256 (log), ``alpha`` (L2 penalty) in [1e-6, 0.1]
    (log), ``early_stopping`` {False, True} (10 % of the fit rows held out, best weights
    kept); for ``solver = sgd`` only: ``learning_rate`` schedule {constant, invscaling,
    adaptive} and ``momentum`` in [0.5, 0.99]. Fidelity ``epochs`` in 2..32 (``max_iter``).

    Training may stop before ``epochs`` (early stopping, or no improvement for 10 epochs), so
    the cost is measured: mean epochs actually run over the folds / 32. ``ConvergenceWarning``
    is silenced. An ``sgd`` config that diverges fails the trial. ``mlp-digits`` uses a
    stratified subsample of 900 digits (fixed by the data seed) to stay under 2 s.
    Reference: Bergstra & Bengio, "Random Search for Hyper-Parameter Optimization", JMLR 13
    (2012), which tunes a similar neural-network space.
    """

    estimator_name = "MLP"

    def make_space(self) -> Space:
        """Architecture, optimiser and regularisation; schedule and momentum only for sgd."""
        sgd = Condition("solver", ("sgd",))
        return Space(
            [
                Int("n_layers", 1, 3),
                Int("width", 16, 64, log=True),
                Categorical("activation", ("relu", "tanh")),
                Categorical("solver", ("adam", "sgd")),
                Float("learning_rate_init", 1e-4, 0.3, log=True),
                Int("batch_size", 32, 256, log=True),
                Float("alpha", 1e-6, 0.1, log=True),
                Categorical("early_stopping", (False, True)),
                Categorical("learning_rate", ("constant", "invscaling", "adaptive"), condition=sgd),
                Float("momentum", 0.5, 0.99, condition=sgd),
            ]
        )

    def make_fidelity(self) -> Fidelity:
        """Training epochs, 2..32."""
        return Fidelity("epochs", 2, 32, integer=True)

    def make_estimator(self, config: Mapping[str, Any], fidelity: float | None, random_state: int) -> Any:
        """An MLP trained for at most ``fidelity`` epochs."""
        cls = MLPClassifier if self.kind == "classification" else MLPRegressor
        return cls(
            hidden_layer_sizes=(config["width"],) * config["n_layers"],
            activation=config["activation"],
            solver=config["solver"],
            learning_rate_init=config["learning_rate_init"],
            batch_size=config["batch_size"],
            alpha=config["alpha"],
            early_stopping=config["early_stopping"],
            learning_rate=config.get("learning_rate", "constant"),
            momentum=config.get("momentum", 0.9),
            max_iter=int(fidelity),
            random_state=random_state,
        )

    def cost(self, fidelity: float | None, estimators: list) -> float:
        """Mean epochs actually trained over the folds, in units of the maximum (32)."""
        return sum(e.n_iter_ for e in estimators) / len(estimators) / self.fidelity.high


register_task("mlp-digits", MLPTask, "digits", max_rows=900)

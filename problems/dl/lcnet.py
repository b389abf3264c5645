"""``lcnet-digits``: tune a small torch network on scikit-learn's digits, with learning curves."""

from __future__ import annotations

from typing import Any, Mapping

from harness.protocols import Fidelity
from harness.registry import problem
from problems.dl._deps import require_torch
from problems.dl.checkpoints import CheckpointCache
from problems.dl.curve_task import CurveTask
from problems.dl.digits_split import digits_split
from problems.dl.lcnet_space import HYPERPARAMETERS, MAX_EPOCHS, lcnet_space
from problems.sklearn.base import random_state_from_seed

__all__ = ["LCNetDigits", "METRICS"]

#: metric name -> the curve series it reads
METRICS = {"cross_entropy": "loss", "error_rate": "error"}


class LCNetDigits(CurveTask):
    """A network (MLP or small CNN) trained with PyTorch on the CPU on scikit-learn's digits.

    Data: the 1,797 8x8 digit images, pixels / 16, split 50 / 25 / 25 % into train,
    validation and test, stratified and fixed by the data seed (``instance``; None -> 0).
    Fidelity: ``epochs`` 1..50. Objective: the validation ``metric`` (``cross_entropy``, the
    default, or ``error_rate``) of the reported epoch: the last one, or with early stopping
    (``patience`` > 0) the best one, whose weights are kept; ``test_value`` is the same metric
    on the test split. Every learning-rate schedule spans the 50-epoch horizon, so a lower
    fidelity is a prefix of the full run.

    **Learning curves and continuation.** ``info["curve"]`` holds per epoch ``train_loss``,
    ``train_error`` (on the augmented minibatches), ``val_loss``, ``val_error`` and
    ``seconds``. A config this problem object has already trained (same config, any trial
    seed) at fewer epochs is *continued* from its checkpoint, kept in memory only (the most
    recent 64 configs), with the seed it started with; the cost charged is only the extra
    epochs, ``(new - old) / 50``. Continuing gives bit-identical results to training straight
    through (tested). ``info`` also records ``training_seed``, ``resumed_from`` (epochs
    reused), ``epochs_trained`` (epochs run by this evaluation), ``reported_epoch`` and
    ``stopped_early``. A run whose loss becomes non-finite fails the trial.

    Training runs on one thread with deterministic algorithms; the trial seed seeds the
    initial weights and, per epoch, shuffling, augmentation and dropout. A full 50-epoch
    evaluation takes 2.7 CPU seconds (median; max 3.4) on one core (``bench/bench_dl.py``;
    wall time is longer on a shared machine).

    Hyperparameters (conditional ones name their parent):

    {hyperparameters}

    References: the tuned quantities follow Bengio (2012), "Practical recommendations for
    gradient-based training of deep architectures", and Google's Deep Learning Tuning
    Playbook (2023); learning curves and continuation as in LCBench (Zimmer et al. 2021) and
    Syne Tune's pause-and-resume.
    """

    name = "lcnet-digits"

    def __init__(self, *, instance: int | None = None, metric: str = "cross_entropy", checkpoints: int = 64) -> None:
        require_torch(self.name)
        if metric not in METRICS:
            raise ValueError(f"Task '{self.name}': metric must be one of {sorted(METRICS)}. Got {metric!r}.")
        if isinstance(checkpoints, bool) or not isinstance(checkpoints, int) or checkpoints < 0:
            raise ValueError(f"Task '{self.name}': checkpoints must be an integer >= 0. Got {checkpoints!r}.")
        from problems.dl.training import Data

        self.metric = metric
        self.data_seed = 0 if instance is None else int(instance)
        self.space = lcnet_space()
        self.fidelity = Fidelity("epochs", 1, MAX_EPOCHS, integer=True)
        self.optimum = None
        self.tags = ("real", "classification", "deep-learning", "conditional", "multi-fidelity", "learning-curve")
        split = digits_split(self.data_seed)
        self.data = Data(split.X_train, split.y_train, split.X_val, split.y_val, split.X_test, split.y_test)
        self.checkpoints = CheckpointCache(checkpoints)

    def new_run(self, config: Mapping[str, Any], seed: int):
        """A fresh training run of ``config`` seeded by the trial ``seed``."""
        from problems.dl.training import TrainingRun

        return TrainingRun(config, self.data, random_state_from_seed(seed), MAX_EPOCHS, METRICS[self.metric])

    def learning_curve(self, config: Mapping[str, Any], seed: int, epochs: int = MAX_EPOCHS) -> dict[str, list[float]]:
        """The whole curve of ``config`` trained with ``seed`` for ``epochs`` epochs, early
        stopping off (``harness tabulate`` stores these).

        Early stopping is a function of the validation curve alone, so a table of curves
        without it can apply any ``patience`` afterwards (:mod:`problems.dl.curves`). Keys:
        :data:`problems.dl.training.CURVE_KEYS` plus ``diverged`` (a one-element list).
        """
        from problems.dl.training import TrainingRun

        self.space.validate(config)
        run = TrainingRun({**config, "patience": 0}, self.data, random_state_from_seed(seed), MAX_EPOCHS,
                          METRICS[self.metric])
        run.train_to(epochs)
        return {**run.curve, "diverged": [run.diverged]}

    def describe(self) -> dict:
        """The base summary plus the metric and the data seed."""
        return {**super().describe(), "metric": self.metric, "data_seed": self.data_seed}


LCNetDigits.__doc__ = LCNetDigits.__doc__.replace(
    "{hyperparameters}", "\n    ".join(f"* ``{k}``: {v}" for k, v in HYPERPARAMETERS.items())
)


@problem("lcnet-digits")
def lcnet_digits(*, instance: int | None = None, **kwargs: Any) -> LCNetDigits:
    """lcnet-digits: an MLP or CNN trained with PyTorch on digits; epochs are the fidelity."""
    return LCNetDigits(instance=instance, **kwargs)

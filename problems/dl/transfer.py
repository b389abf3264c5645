"""``transfer-digits``: fine-tune a network pre-trained on digits 0-4 to classify digits 5-9."""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
from sklearn.model_selection import train_test_split

from harness.protocols import Fidelity
from harness.registry import problem
from harness.space import Categorical, Float, Int, Space
from problems.dl._deps import require_torch
from problems.dl.checkpoints import CheckpointCache
from problems.dl.curve_task import CurveTask
from problems.dl.lcnet import METRICS
from problems.sklearn.base import random_state_from_seed
from problems.sklearn.datasets import load

__all__ = ["TransferDigits", "TRANSFER_EPOCHS", "LABELLED_PER_CLASS"]

TRANSFER_EPOCHS = 30
LABELLED_PER_CLASS = 10
VALIDATION_PER_CLASS = 40

#: Fixed training settings of fine-tuning (what the space does not tune).
_FIXED = {"momentum": 0.9, "nesterov": False, "step_size": 10, "step_gamma": 0.3, "cosine_floor": 0.0,
          "l1": 0.0, "aug_strength": 0.5, "dropout": 0.0}


def transfer_space() -> Space:
    """Freeze, head re-initialisation, optimiser, fine-tuning rate and schedule, batch, L2, shift."""
    return Space([
        Categorical("freeze", ("none", "first", "body")),
        Categorical("head_reinit", (True, False)),
        Categorical("optimizer", ("sgd", "adam")),
        Float("lr", 1e-4, 0.3, log=True),
        Categorical("schedule", ("constant", "step", "cosine")),
        Int("warmup_epochs", 0, 3),
        Int("batch_size", 8, 50, log=True),
        Float("weight_decay", 1e-6, 1e-2, log=True),
        Categorical("augmentation", ("none", "shift")),
        Int("patience", 0, 10),
    ])


class TransferDigits(CurveTask):
    """Fine-tune an MLP pre-trained on digits 0-4 to classify digits 5-9 from 50 labelled images.

    Source: an MLP 64-128-128-5 trained by a fixed recipe (Adam, 15 epochs, shift
    augmentation, seed 0; :data:`problems.dl.transfer_training.PRETRAIN_RECIPE`) on every image
    of digits 0-4, computed once per process. Target: digits 5-9 (as labels 0-4), split by the
    data seed (``instance``) into 10 labelled training images per class, 40 validation images
    per class and the rest (about 700) as test. ``init="scratch"`` (registered as
    ``transfer-digits-scratch``) starts from random weights instead: the from-scratch
    baseline, same space, same budget.

    Hyperparameters: ``freeze`` (none, the first hidden layer, or the whole body), ``head_reinit``
    (a fresh output layer, or keep the source head, output k read as digit 5 + k),
    ``optimizer`` (sgd with momentum 0.9, or adam), ``lr`` (fine-tuning rate), ``schedule``
    (constant, step: x0.3 every 10 epochs, cosine to 0 over 30 epochs), ``warmup_epochs``,
    ``batch_size``, ``weight_decay`` (L2), ``augmentation`` (none, or random shifts of up to 1
    pixel), ``patience`` (early stopping; 0 = off). Fidelity: fine-tuning epochs 1..30.
    Objective: validation cross-entropy (or ``metric="error_rate"``); test value stored;
    learning curves and checkpoint continuation as in ``lcnet-digits``.

    Reference: Yosinski, Clune, Bengio and Lipson (2014), "How transferable are features in
    deep neural networks?", NeurIPS (freezing and fine-tuning layers).
    """

    name = "transfer-digits"

    def __init__(self, *, instance: int | None = None, init: str = "pretrained", metric: str = "cross_entropy",
                 checkpoints: int = 64) -> None:
        require_torch(self.name)
        if init not in ("pretrained", "scratch"):
            raise ValueError(f"Task '{self.name}': init must be 'pretrained' or 'scratch'. Got {init!r}.")
        if metric not in METRICS:
            raise ValueError(f"Task '{self.name}': metric must be one of {sorted(METRICS)}. Got {metric!r}.")
        from problems.dl.training import Data

        self.init, self.metric = init, metric
        if init == "scratch":
            self.name = "transfer-digits-scratch"
        self.data_seed = 0 if instance is None else int(instance)
        self.space = transfer_space()
        self.fidelity = Fidelity("epochs", 1, TRANSFER_EPOCHS, integer=True)
        self.optimum = None
        self.tags = ("real", "classification", "deep-learning", "transfer", "multi-fidelity", "learning-curve")
        X, y, _ = load("digits")
        images = (np.asarray(X, dtype=np.float32) / 16.0).reshape(-1, 8, 8)
        labels = np.asarray(y, dtype=np.int64)
        self._source = (np.ascontiguousarray(images[labels < 5]), np.ascontiguousarray(labels[labels < 5]))
        target, target_labels = images[labels >= 5], labels[labels >= 5] - 5
        X_train, X_rest, y_train, y_rest = train_test_split(
            target, target_labels, train_size=5 * LABELLED_PER_CLASS, random_state=self.data_seed, stratify=target_labels)
        X_val, X_test, y_val, y_test = train_test_split(
            X_rest, y_rest, train_size=5 * VALIDATION_PER_CLASS, random_state=self.data_seed, stratify=y_rest)
        self.data = Data(X_train, y_train, X_val, y_val, X_test, y_test)
        self.checkpoints = CheckpointCache(checkpoints)

    def source_state(self):
        """The pre-trained weights (None for the from-scratch baseline)."""
        if self.init == "scratch":
            return None
        from problems.dl.transfer_training import pretrained_state

        images, labels = self._source
        return pretrained_state(images.tobytes(), labels.tobytes())

    def new_run(self, config: Mapping[str, Any], seed: int):
        """A fine-tuning run: the source network, frozen and re-headed as ``config`` says."""
        from problems.dl.training import TrainingRun
        from problems.dl.transfer_training import PRETRAIN_RECIPE, fine_tuning_network

        state = self.source_state()
        random_state = random_state_from_seed(seed)
        network, trainable = fine_tuning_network(state, config["freeze"], bool(config["head_reinit"]), random_state)
        full = {**PRETRAIN_RECIPE, **_FIXED, **config}
        return TrainingRun(full, self.data, random_state, TRANSFER_EPOCHS, METRICS[self.metric],
                           network=network, trainable=trainable)

    def describe(self) -> dict:
        """The base summary plus initialisation, metric and data seed."""
        return {**super().describe(), "init": self.init, "metric": self.metric, "data_seed": self.data_seed}


@problem("transfer-digits")
def transfer_digits(*, instance: int | None = None, **kwargs: Any) -> TransferDigits:
    """transfer-digits: fine-tune an MLP pre-trained on digits 0-4 to digits 5-9 (50 labelled images)."""
    return TransferDigits(instance=instance, **kwargs)


@problem("transfer-digits-scratch")
def transfer_digits_scratch(*, instance: int | None = None, **kwargs: Any) -> TransferDigits:
    """transfer-digits-scratch: the same task and space from random weights (the baseline)."""
    return TransferDigits(instance=instance, init="scratch", **kwargs)

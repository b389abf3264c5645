"""Training a digits network epoch by epoch, with a state that can be continued.

A :class:`TrainingRun` holds the network, the optimiser and the learning curve of one
(config, seed) pair, in memory only. :meth:`TrainingRun.train_to` trains up to a number of
epochs; calling it again with a larger number continues where it stopped. Continuing gives
bit-identical weights and curves to training straight through because nothing depends on
how the epochs were split between calls:

* every random draw of epoch ``e`` (shuffling, augmentation, dropout) comes from generators
  seeded by ``SeedSequence([seed, e])``, not from a stream that runs across epochs;
* the learning rate of epoch ``e`` is a pure function of ``e`` (:mod:`problems.dl.schedules`),
  set on the optimiser before the epoch;
* torch runs with one thread and deterministic algorithms.

Early stopping (``patience`` > 0) watches the validation value of the task's metric after
every epoch; once it has not improved for ``patience`` epochs training stops for good and the
best epoch's weights are the ones the run reports (:meth:`TrainingRun.best_state`).
"""

from __future__ import annotations

import copy
import math
import time
from typing import Any, Mapping

import numpy as np
import torch
from torch import nn

from problems.dl.networks import augment, build_network
from problems.dl.schedules import learning_rate

__all__ = ["TrainingRun", "Data", "configure_torch", "CURVE_KEYS"]

#: Per-epoch series of a learning curve.
CURVE_KEYS = ("train_loss", "train_error", "val_loss", "val_error", "test_loss", "test_error", "seconds")


def configure_torch() -> None:
    """One thread and deterministic kernels, so results do not depend on the machine's load."""
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)


class Data:
    """Train / validation / test tensors of one split (images ``(n, 8, 8)``, labels ``(n,)``)."""

    def __init__(self, X_train, y_train, X_val, y_val, X_test, y_test) -> None:
        def t(a, dtype):
            return torch.as_tensor(np.array(a), dtype=dtype)

        self.X_train, self.y_train = t(X_train, torch.float32), t(y_train, torch.int64)
        self.X_val, self.y_val = t(X_val, torch.float32), t(y_val, torch.int64)
        self.X_test, self.y_test = t(X_test, torch.float32), t(y_test, torch.int64)
        self.n_classes = int(max(self.y_train.max(), self.y_val.max(), self.y_test.max()).item()) + 1


def _epoch_seeds(seed: int, epoch: int) -> tuple[int, int]:
    # Stream 0 initialises the weights; stream e + 1 drives epoch e.
    a, b = np.random.SeedSequence([int(seed), int(epoch) + 1]).generate_state(2, dtype=np.uint64)
    return int(a) & 0x7FFFFFFFFFFFFFFF, int(b) & 0x7FFFFFFFFFFFFFFF


def _make_optimizer(config: Mapping[str, Any], params) -> torch.optim.Optimizer:
    kind, lr, wd = config["optimizer"], float(config["lr"]), float(config["weight_decay"])
    if kind == "sgd":
        momentum = float(config["momentum"])
        return torch.optim.SGD(params, lr=lr, momentum=momentum, nesterov=bool(config["nesterov"]) and momentum > 0,
                               weight_decay=wd)
    if kind == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=wd)
    if kind == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, weight_decay=wd)
    if kind == "adagrad":
        return torch.optim.Adagrad(params, lr=lr, weight_decay=wd)
    raise ValueError(f"Unknown optimizer {kind!r}.")


class TrainingRun:
    """One network trained on ``data`` with ``config`` and ``seed``, continued on demand.

    Parameters
    ----------
    config : mapping
        A config of :func:`problems.dl.lcnet_space.lcnet_space` (or any config with the keys
        the network, optimiser, schedule and augmentation read).
    data : Data
        The split to train on (train), select on (validation) and report (test).
    seed : int
        Seeds the initial weights and every epoch's random draws.
    horizon : int
        Epochs the learning-rate schedule is defined over (the task's maximum).
    monitor : str
        ``"loss"`` (cross-entropy) or ``"error"``: the validation series early stopping and
        :meth:`result` use.
    network : nn.Module, optional
        Start from this network instead of building one from ``config`` (transfer learning);
        ``trainable`` then lists the parameters the optimiser updates.
    """

    def __init__(self, config: Mapping[str, Any], data: Data, seed: int, horizon: int, monitor: str = "loss",
                 network: nn.Module | None = None, trainable=None) -> None:
        configure_torch()
        self.config, self.data, self.seed, self.horizon, self.monitor = dict(config), data, int(seed), int(horizon), monitor
        if network is None:
            torch.manual_seed(_epoch_seeds(seed, -1)[0])
            network = build_network(config, data.n_classes)
        self.network = network
        params = [p for p in network.parameters() if p.requires_grad] if trainable is None else list(trainable)
        self.optimizer = _make_optimizer(config, params)
        # The L1 penalty covers weight matrices and kernels, not biases or batch-norm scales.
        self._penalised = [p for p in params if p.dim() > 1]
        self.curve: dict[str, list[float]] = {k: [] for k in CURVE_KEYS}
        self.patience = int(config.get("patience", 0))
        self.best_epoch = 0
        self._best_value = math.inf
        self._best_state: dict | None = None
        self._bad_epochs = 0
        self.stopped = False
        self.diverged = False

    @property
    def epochs(self) -> int:
        """Epochs trained so far."""
        return len(self.curve["seconds"])

    def train_to(self, epochs: int) -> int:
        """Train until ``epochs`` epochs are done or training stopped; returns epochs run now."""
        configure_torch()
        start = self.epochs
        while self.epochs < epochs and not self.stopped:
            self._epoch(self.epochs)
        return self.epochs - start

    def _epoch(self, epoch: int) -> None:
        # CPU seconds of this thread (torch runs single-threaded here): the time an epoch takes on
        # a core of its own, which is what durations and costs model; wall time under load is not.
        tick = time.thread_time()
        config, data, net = self.config, self.data, self.network
        data_seed, dropout_seed = _epoch_seeds(self.seed, epoch)
        generator = torch.Generator().manual_seed(data_seed)
        torch.manual_seed(dropout_seed)
        for group in self.optimizer.param_groups:
            group["lr"] = learning_rate(config, epoch, self.horizon)
        n = len(data.y_train)
        batch = min(int(config["batch_size"]), n)
        order = torch.randperm(n, generator=generator)
        # A last batch of one image would break batch normalisation; it is dropped instead.
        stops = [i for i in range(0, n, batch) if n - i >= 2 or i == 0]
        l1 = float(config.get("l1", 0.0))
        kind, strength = config.get("augmentation", "none"), float(config.get("aug_strength", 0.0))
        net.train()
        loss_sum, wrong, seen = 0.0, 0, 0
        for i in stops:
            index = order[i : i + batch]
            images = augment(data.X_train[index], kind, strength, generator)
            logits = net(images)
            loss = nn.functional.cross_entropy(logits, data.y_train[index])
            objective = loss + l1 * sum(p.abs().sum() for p in self._penalised) if l1 > 0 else loss
            self.optimizer.zero_grad(set_to_none=True)
            objective.backward()
            self.optimizer.step()
            loss_sum += loss.item() * len(index)
            wrong += int((logits.argmax(1) != data.y_train[index]).sum())
            seen += len(index)
        train_loss = loss_sum / seen
        val_loss, val_error = self.score(data.X_val, data.y_val)
        test_loss, test_error = self.score(data.X_test, data.y_test)
        values = (train_loss, wrong / seen, val_loss, val_error, test_loss, test_error, time.thread_time() - tick)
        for key, value in zip(CURVE_KEYS, values):
            self.curve[key].append(float(value))
        if not all(math.isfinite(v) for v in values):
            self.diverged = self.stopped = True
            return
        self._watch(epoch)

    def _watch(self, epoch: int) -> None:
        value = self.curve[f"val_{self.monitor}"][epoch]
        if value < self._best_value:
            self._best_value, self.best_epoch, self._bad_epochs = value, epoch + 1, 0
            if self.patience > 0:
                self._best_state = copy.deepcopy(self.network.state_dict())
        else:
            self._bad_epochs += 1
            if self.patience > 0 and self._bad_epochs >= self.patience:
                self.stopped = True

    @torch.no_grad()
    def score(self, images: torch.Tensor, labels: torch.Tensor) -> tuple[float, float]:
        """Mean cross-entropy and error rate of the current weights on ``images``."""
        self.network.eval()
        logits = self.network(images)
        loss = nn.functional.cross_entropy(logits, labels).item()
        error = (logits.argmax(1) != labels).float().mean().item()
        return loss, error

    def best_state(self) -> dict:
        """The weights the run reports: the best epoch's with early stopping, else the last."""
        return self._best_state if self.patience > 0 and self._best_state is not None else self.network.state_dict()

    def result(self) -> dict:
        """Validation and test value (of :attr:`monitor`) of the reported epoch, and that epoch.

        With early stopping the reported epoch is the best one so far (its weights are kept);
        without, the last one.
        """
        if self.epochs == 0:
            raise RuntimeError("No epoch trained yet.")
        epoch = self.best_epoch if self.patience > 0 and self.best_epoch > 0 else self.epochs
        return {
            "value": self.curve[f"val_{self.monitor}"][epoch - 1],
            "test_value": self.curve[f"test_{self.monitor}"][epoch - 1],
            "epoch": epoch,
        }

"""Learning-rate schedules of the deep-learning tasks, as pure functions of the epoch.

The rate of epoch ``e`` (0-based) is ``lr * warmup(e) * decay(e)``. Every schedule is defined
over a fixed horizon (the task's maximum epochs), not over the epochs of one evaluation, so
training for 10 epochs is exactly the first 10 epochs of training for 50: that is what lets
an evaluation continue from a checkpoint and what makes a learning curve one curve.

* ``constant``: ``1``.
* ``time-based``: ``1 / (1 + time_decay * e)`` (Keras' ``InverseTimeDecay`` per epoch).
* ``step``: ``step_gamma ** floor(e / step_size)``.
* ``exponential``: ``exp_gamma ** e``.
* ``cosine``: ``f + (1 - f) * (1 + cos(pi * e / horizon)) / 2`` with floor ``f = cosine_floor``
  (Loshchilov & Hutter 2017, SGDR, without restarts).
* warm-up: ``(e + 1) / (warmup_epochs + 1)`` for ``e < warmup_epochs``, else 1 (Goyal et al.
  2017's gradual warm-up, per epoch).
"""

from __future__ import annotations

import math
from typing import Any, Mapping

__all__ = ["SCHEDULES", "decay_factor", "warmup_factor", "learning_rate"]

SCHEDULES = ("constant", "time-based", "step", "exponential", "cosine")


def decay_factor(config: Mapping[str, Any], epoch: int, horizon: int) -> float:
    """The schedule's multiplier of the base rate at 0-based ``epoch`` (see the module docstring)."""
    kind = config["schedule"]
    if kind == "constant":
        return 1.0
    if kind == "time-based":
        return 1.0 / (1.0 + config["time_decay"] * epoch)
    if kind == "step":
        return config["step_gamma"] ** (epoch // config["step_size"])
    if kind == "exponential":
        return config["exp_gamma"] ** epoch
    if kind == "cosine":
        floor = config["cosine_floor"]
        return floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * epoch / horizon))
    raise ValueError(f"Unknown learning-rate schedule {kind!r}; expected one of {SCHEDULES}.")


def warmup_factor(warmup_epochs: int, epoch: int) -> float:
    """Linear warm-up multiplier: ``(epoch + 1) / (warmup_epochs + 1)`` during warm-up, else 1."""
    return (epoch + 1) / (warmup_epochs + 1) if epoch < warmup_epochs else 1.0


def learning_rate(config: Mapping[str, Any], epoch: int, horizon: int) -> float:
    """The learning rate of 0-based ``epoch``: base ``lr`` x warm-up x schedule."""
    return config["lr"] * warmup_factor(config.get("warmup_epochs", 0), epoch) * decay_factor(config, epoch, horizon)

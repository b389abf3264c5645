"""The evaluation shared by the torch tasks: continue from a checkpoint, report a curve."""

from __future__ import annotations

import time
from typing import Any, Mapping

from harness.protocols import Evaluation, Problem
from problems.dl.checkpoints import CheckpointCache, config_key
from problems.sklearn.base import TaskError

__all__ = ["CurveTask", "REPORTED_SERIES", "STOPPED_EPOCH_SHARE"]

#: Epochs charged for re-reading a run that had already stopped early (nothing is trained; the
#: harness refuses zero-cost trials under cost budgets, which would never end).
STOPPED_EPOCH_SHARE = 0.1

#: Curve series an evaluation reports in ``info["curve"]`` (the test series stay hidden).
REPORTED_SERIES = ("train_loss", "train_error", "val_loss", "val_error", "seconds")


class CurveTask(Problem):
    """Base of tasks trained epoch by epoch (``fidelity`` = epochs) with in-memory checkpoints.

    Subclasses set ``space``, ``fidelity`` (integer epochs from 1), ``checkpoints`` (a
    :class:`~problems.dl.checkpoints.CheckpointCache`) and implement :meth:`new_run`.
    """

    checkpoints: CheckpointCache

    def new_run(self, config: Mapping[str, Any], seed: int):
        """A fresh :class:`problems.dl.training.TrainingRun` for ``config`` and trial ``seed``."""
        raise NotImplementedError

    def resolve_fidelity(self, fidelity: float | None) -> int:
        """Epochs as an integer in the fidelity range (``None`` -> the maximum)."""
        top = int(self.fidelity.high)
        if fidelity is None:
            return top
        if not self.fidelity.low - 1e-9 <= float(fidelity) <= top + 1e-9:
            raise ValueError(f"Task '{self.name}': epochs must be in [{self.fidelity.low:g}, {top}]. Got {fidelity!r}.")
        return int(round(float(fidelity)))

    def evaluate(self, config: Mapping[str, Any], fidelity: float | None = None, seed: int = 0) -> Evaluation:
        """Train, or continue training, ``config`` to ``fidelity`` epochs.

        A config trained before at fewer epochs continues from its checkpoint with the seed it
        started with, and is charged only the extra epochs; otherwise a new run starts with
        the trial ``seed``. A non-finite loss fails the trial (:class:`TaskError`).
        """
        self.space.validate(config)
        epochs = self.resolve_fidelity(fidelity)
        top = int(self.fidelity.high)
        key = config_key(config)
        run = self.checkpoints.get(key)
        if run is None or run.epochs >= epochs:
            # Asked again at the same or a lower fidelity: a fresh run with this trial's seed.
            run = self.new_run(config, seed)
        resumed_from = run.epochs
        start = time.perf_counter()
        try:
            trained = run.train_to(epochs)
        except RuntimeError as exc:  # e.g. a NaN reaching a kernel that checks its input
            raise TaskError(f"Task '{self.name}': training failed for config {dict(config)}: {exc}") from exc
        if self.checkpoints.limit > 0:
            self.checkpoints.put(key, run)
        if run.diverged:
            raise TaskError(f"Task '{self.name}': the loss became non-finite at epoch {run.epochs} for config {dict(config)}")
        result = run.result()
        return Evaluation(
            value=result["value"],
            cost=max(trained, STOPPED_EPOCH_SHARE) / top,
            test_value=result["test_value"],
            info={
                "curve": {k: run.curve[k][: run.epochs] for k in REPORTED_SERIES},
                "training_seed": run.seed,
                "resumed_from": resumed_from,
                "epochs_trained": trained,
                "reported_epoch": result["epoch"],
                "stopped_early": run.stopped and not run.diverged,
                "fit_seconds": time.perf_counter() - start,
                "fidelity": epochs,
            },
        )

"""A plugin as a third party would write it: problems and a strategy exposed by entry points.

``NamelessParaboloid`` and ``NamelessCoordinateSearch`` set no ``name`` of their own (they would
inherit their parent's): the registry names them after their entry points.
``Faulty`` misbehaves on purpose (raises, returns NaN, hangs, kills its process) so the tests
can check that the harness records such trials as failed and keeps going.
"""

from __future__ import annotations

import os
import time

import numpy as np

from harness.protocols import Evaluation, Problem, Strategy, Suggestion
from harness.space import Categorical, Float, Space


class Paraboloid(Problem):
    """f(x, y) = (x - 0.3)^2 + (y + 0.2)^2 on [-1, 1]^2; minimum 0 at (0.3, -0.2)."""

    name = "plugin-paraboloid"
    optimum = 0.0
    tags = ("plugin",)

    def __init__(self, instance: int | None = None) -> None:
        self.space = Space([Float("x", -1, 1), Float("y", -1, 1)])

    def evaluate(self, config, fidelity, seed):
        return Evaluation((config["x"] - 0.3) ** 2 + (config["y"] + 0.2) ** 2)


class NamelessParaboloid(Paraboloid):
    """The paraboloid again, under its own entry point, without a ``name`` of its own."""


class Faulty(Problem):
    """A paraboloid whose trials misbehave by ``mode`` every ``every``-th call.

    Modes: ``raise`` (ValueError), ``nan`` (returns NaN), ``inf``, ``hang`` (sleeps
    ``hang_seconds``), ``exit`` (``os._exit(3)``, killing the worker process), ``slow``
    (every trial sleeps ``hang_seconds``; used to interrupt suites mid-way), ``priced``
    (every trial sleeps ``hang_seconds`` and reports a cost of ``0.2 + 0.8 |x|``) and ``free``
    (a reported cost of 0: a failed trial under a cost budget).
    Whether a trial misbehaves depends only on its config, so reruns are reproducible.
    """

    name = "plugin-faulty"
    optimum = 0.0
    tags = ("plugin", "faulty")

    def __init__(self, instance: int | None = None, mode: str = "raise", every: int = 3,
                 hang_seconds: float = 30.0) -> None:
        self.space = Space([Float("x", -1, 1), Categorical("side", ["left", "right"])])
        self.mode, self.every, self.hang_seconds = mode, every, hang_seconds

    def evaluate(self, config, fidelity, seed):
        value = (config["x"] - 0.3) ** 2 + (0.0 if config["side"] == "left" else 0.5)
        if self.mode == "slow":
            time.sleep(self.hang_seconds)
            return Evaluation(value)
        if self.mode in ("priced", "free"):
            time.sleep(self.hang_seconds)
            return Evaluation(value, cost=0.2 + 0.8 * abs(config["x"]) if self.mode == "priced" else 0.0)
        if int(abs(config["x"]) * 1e6) % self.every != 0:
            return Evaluation(value)
        if self.mode == "raise":
            raise ValueError(f"bad x={config['x']:.3f}")
        if self.mode == "nan":
            return Evaluation(float("nan"))
        if self.mode == "inf":
            return Evaluation(float("inf"))
        if self.mode == "hang":
            time.sleep(self.hang_seconds)
            return Evaluation(value)
        if self.mode == "exit":
            os._exit(3)
        raise AssertionError(f"unknown mode {self.mode}")


class CoordinateSearch(Strategy):
    """Perturbs one coordinate of the incumbent at a time (a deliberately tiny strategy)."""

    name = "plugin-coordinate"

    def __init__(self, space, seed, budget, fidelity=None, *, step: float = 0.2) -> None:
        super().__init__(space, seed, budget, fidelity)
        self.step = step
        self.best: tuple[float, np.ndarray] | None = None

    def ask(self, n):
        if self.best is None:
            unit = self.rng.random((1, len(self.space)))
        else:
            unit = self.best[1].copy()[None, :]
            j = self.rng.integers(len(self.space))
            unit[0, j] = np.clip(unit[0, j] + self.rng.normal(0, self.step), 0, 1)
        return [Suggestion(c) for c in self.space.decode(unit)]

    def tell(self, trials):
        for trial in trials:
            if trial.ok and (self.best is None or trial.value < self.best[0]):
                self.best = (trial.value, np.nan_to_num(self.space.encode([trial.config])[0], nan=0.5))


class NamelessCoordinateSearch(CoordinateSearch):
    """The coordinate search again, under its own entry point, without a ``name`` of its own."""

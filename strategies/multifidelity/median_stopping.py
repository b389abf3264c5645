"""Median stopping rule: stop a trial whose curve falls below the median of the others.

Golovin, Solnik, Moitra, Kochanski, Karro and Sculley (2017), "Google Vizier: A Service for
Black-Box Optimization", KDD, section 3.2.2 (automated early stopping).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from harness.protocols import Suggestion, Trial, default_cost
from harness.registry import strategy
from harness.validation import Interval, check_parameters

from .base import MultiFidelityStrategy

__all__ = ["MedianStopping"]


@dataclass
class _Curve:
    config: dict
    values: list[float] = field(default_factory=list)
    running: bool = False  # a milestone is out for evaluation
    stopped: bool = False
    finished: bool = False


@strategy("median-stopping")
class MedianStopping(MultiFidelityStrategy):
    """Random configs trained milestone by milestone; the median stopping rule ends bad ones.

    Each config is a trial that reports at ``milestones`` fidelities spaced evenly up to the
    maximum (for ``lcnet-digits``: every 5 epochs of 50). Each report is one harness trial at
    the next milestone; problems that keep checkpoints (``lcnet-digits``) continue training,
    so a trial costs only the extra epochs. After its report at milestone ``s`` a trial is
    stopped when its best value so far is strictly worse than the median, over the other
    trials that reported at ``s``, of their running averages of the values up to ``s``
    (Golovin et al. 2017; Vizier compares with completed trials, Ray Tune's
    ``MedianStoppingRule`` with every trial that reached ``s``, as here, which also works
    while few trials have finished). No decision is taken with fewer than ``min_samples``
    such trials or before milestone ``grace_milestones``. Up to ``batch_size`` trials run at
    once; a stopped or finished trial's slot goes to a new random config. Failed reports stop
    their trial; a report whose ``info["stopped_early"]`` is true (the problem's own early
    stopping ended the run) finishes it. Cost budgets are never overspent.

    Parameters
    ----------
    space, seed, budget, fidelity
        As for every strategy; ``fidelity`` is required.
    milestones : int
        Reports per trial (fidelities ``high * k / milestones``, ``k = 1..milestones``,
        rounded for integer fidelities, at least ``fidelity.low``).
    min_samples : int
        Other trials needed at a milestone before the rule may stop anything (Ray Tune: 3).
    grace_milestones : int
        Milestones every trial completes before it can be stopped (default 1).
    batch_size : int
        Concurrent trials (the number of workers the rule stands in for).
    """

    max_batch = 4

    def __init__(self, space, seed, budget, fidelity=None, *, milestones: int = 10, min_samples: int = 3,
                 grace_milestones: int = 1, batch_size: int = 4):
        super().__init__(space, seed, budget, fidelity, eta=2)
        count = Interval(int, 1, None)
        check_parameters(f"strategy '{self.name}'", {
            "milestones": count, "min_samples": count, "grace_milestones": count, "batch_size": count,
        }, milestones=milestones, min_samples=min_samples, grace_milestones=grace_milestones, batch_size=batch_size)
        points = [self.fidelity_at(self.R * k / milestones) for k in range(1, milestones + 1)]
        self.milestones = sorted(set(points))
        self.min_samples = min_samples
        self.grace = grace_milestones
        self.max_batch = batch_size
        self._curves: list[_Curve] = []
        self._told_cost: dict[int, float] = {}

    def _cost_to(self, k: int) -> float:
        # Until a report at milestone k is told, assume it costs a full evaluation at that
        # fidelity (a problem without checkpoints retrains); afterwards the largest told cost
        # (problems with checkpoints report only the extra epochs).
        return self._told_cost.get(k, default_cost(self.fidelity, self.milestones[k]))

    def _issue(self, cid: int, out: list[Suggestion]) -> None:
        curve = self._curves[cid]
        k = len(curve.values)
        tag = f"c{cid}/m{k}"
        self._pending[tag] = (cid, k)
        self.ledger.commit(tag, self._cost_to(k))
        curve.running = True
        out.append(Suggestion(config=curve.config, fidelity=self.milestones[k], tag=tag))

    def ask(self, n: int) -> list[Suggestion]:
        """Continue the trials waiting for their next milestone, then start new configs."""
        n = min(n, self.max_batch)
        out: list[Suggestion] = []
        alive = [cid for cid, c in enumerate(self._curves) if not (c.stopped or c.finished)]
        for cid in alive:
            curve = self._curves[cid]
            if len(out) < n and not curve.running and self.ledger.fits(self._cost_to(len(curve.values))):
                self._issue(cid, out)
        running = sum(self._curves[cid].running for cid in alive)
        fresh = self.ledger.affordable(self._cost_to(0), min(n - len(out), self.max_batch - running))
        for config in self.sample_configs(fresh):
            self._curves.append(_Curve(config))
            self._issue(len(self._curves) - 1, out)
        return out

    def on_result(self, info: tuple[int, int], value: float, trial: Trial) -> None:
        cid, k = info
        curve = self._curves[cid]
        curve.running = False
        curve.values.append(value)
        if trial.cost is not None and math.isfinite(trial.cost):
            self._told_cost[k] = max(self._told_cost.get(k, 0.0), float(trial.cost))
        if not math.isfinite(value):
            curve.stopped = True
        elif k + 1 >= len(self.milestones) or (trial.info or {}).get("stopped_early"):
            # The problem's own early stopping ended this run: there is nothing to continue.
            curve.finished = True
        elif k + 1 >= self.grace and self.should_stop(cid, k):
            curve.stopped = True

    def should_stop(self, cid: int, k: int) -> bool:
        """The rule at milestone ``k`` (0-based) for trial ``cid`` (see the class docstring)."""
        others = [np.mean(c.values[: k + 1]) for j, c in enumerate(self._curves)
                  if j != cid and len(c.values) > k and all(math.isfinite(v) for v in c.values[: k + 1])]
        if len(others) < self.min_samples:
            return False
        return min(self._curves[cid].values[: k + 1]) > float(np.median(others))

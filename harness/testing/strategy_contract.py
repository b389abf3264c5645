"""The strategy contract: a strategy run through the real runner on six kinds of problem.

Part of :mod:`harness.testing`; see there.
"""

from __future__ import annotations

import math
from typing import Callable

from harness.durations import DurationModel
from harness.protocols import (
    Budget,
    Evaluation,
    Problem,
    Status,
    Strategy,
    StrategyError,
)
from harness.registry import problems, strategies
from harness.runner import RunOutcome, drive
from harness.space import Categorical, Float, Int, Space

__all__ = ["ConditionalQuadratic", "FailingBranin", "CONTRACT_PROBLEMS", "check_strategy_class", "check_strategy"]

#: Budget of one contract run without a fidelity (evaluations) and with one (cost).
EVALUATIONS = 12
COST = 4.0
#: Durations of the parallel runs: heterogeneous, so completions arrive out of start order.
PARALLEL_DURATIONS = DurationModel(seconds=10.0, cv=0.8)
#: The problem-side seed of every contract run (the strategy's seed is what varies).
_RUN_SEED = 7


class ConditionalQuadratic(Problem):
    """A cheap conditional space: the active branch decides which parameters count.

    Parameters
    ----------
    fail_share : float
        Share of the ``x`` axis (its upper end) on which ``evaluate`` raises.
    """

    name = "conditional-quadratic"
    optimum = 0.0

    def __init__(self, fail_share: float = 0.0) -> None:
        self.space = Space([
            Categorical("branch", ["a", "b"]),
            Float("x", -2.0, 2.0),
            Float("y", 1e-3, 1e1, log=True, condition=("branch", ["a"])),
            Int("k", 1, 6, condition=("branch", ["b"])),
        ])
        self.fail_share = fail_share

    def evaluate(self, config, fidelity, seed):
        """``x^2`` plus ``log10(y)^2`` on branch a or ``(k - 3)^2`` on branch b."""
        if config["x"] > 2.0 - 4.0 * self.fail_share:
            raise ValueError("this corner of the space fails")
        extra = math.log10(config["y"]) ** 2 if config["branch"] == "a" else (config["k"] - 3) ** 2
        return Evaluation(config["x"] ** 2 + extra)


class FailingBranin(Problem):
    """Branin returning NaN on a third of the box (``x0 > 5``)."""

    name = "failing-branin"

    def __init__(self) -> None:
        self.inner = problems.create("branin")
        self.space = self.inner.space
        self.optimum = self.inner.optimum

    def evaluate(self, config, fidelity, seed):
        """Branin's value, or NaN (a failed trial) where ``x0 > 5``."""
        if config["x0"] > 5.0:
            return Evaluation(float("nan"))
        return self.inner.evaluate(config, fidelity, seed)


#: The kinds of problem every strategy is checked on, by name: each builds a fresh problem.
CONTRACT_PROBLEMS: dict[str, Callable[[], Problem]] = {
    "continuous": lambda: problems.create("branin"),
    "mixed": lambda: problems.create("hartmann6-mixed"),
    "conditional": lambda: ConditionalQuadratic(),
    "fidelity": lambda: problems.create("branin-mf"),
    "failing": lambda: FailingBranin(),
    "failing-conditional": lambda: ConditionalQuadratic(fail_share=0.3),
}


def _strategy_class(strategy: str | type) -> type:
    return strategies.factory(strategy) if isinstance(strategy, str) else strategy


def check_strategy_class(strategy: str | type) -> None:
    """Assert that a strategy declares itself: a documented ``Strategy`` with listable parameters.

    Parameters
    ----------
    strategy : str or type
        A registered strategy name, or the class itself. By name, the class's ``name`` must be
        the registered one (stored runs and messages use it).
    """
    cls = _strategy_class(strategy)
    assert isinstance(cls, type) and issubclass(cls, Strategy), f"{strategy!r} is not a Strategy subclass"
    assert (cls.__doc__ or "").strip(), f"strategy {strategy!r} has no docstring"
    if isinstance(strategy, str):
        assert cls.name == strategy, f"strategy registered as {strategy!r} calls itself {cls.name!r}"
    else:
        assert cls.name, f"{cls.__name__} sets no `name`"
    parameters = cls.parameters()
    assert all(isinstance(k, str) for k in parameters), f"{strategy!r}: parameters() must map names to defaults"


def _budget(problem: Problem) -> Budget:
    return Budget(COST, "cost") if problem.fidelity is not None else Budget(EVALUATIONS)


def _run(cls: type, problem: Problem, seed: int, workers: int) -> RunOutcome:
    budget = _budget(problem)
    strategy = cls(problem.space, seed, budget, problem.fidelity)
    if workers == 1:
        return drive(problem, strategy, budget, seed=_RUN_SEED)
    return drive(problem, strategy, budget, seed=_RUN_SEED, workers=workers, durations=PARALLEL_DURATIONS)


def _proposals(outcome: RunOutcome) -> list[tuple[dict, float | None]]:
    return [(dict(t.config), t.fidelity) for t in outcome.trials]


def check_strategy(strategy: str | type, kind: str = "continuous", *, workers: int = 1,
                   seed_sensitive: bool = True) -> str | None:
    """Run a strategy on one contract problem and assert the strategy contract.

    Three runs with a small budget (12 evaluations, or a cost of 4 full-fidelity evaluations
    on the fidelity problem) through the real runner: seed 11 twice and seed 12 once.

    Parameters
    ----------
    strategy : str or type
        A registered strategy name, or a ``Strategy`` subclass.
    kind : str
        A key of :data:`CONTRACT_PROBLEMS`.
    workers : int
        1 for the sequential loop; more for that many workers in flight on a simulated clock
        with heterogeneous durations.
    seed_sensitive : bool
        Whether another seed must change the run (``False`` for deterministic methods).

    Returns
    -------
    str or None
        ``None`` when every check ran; the strategy's reason when it refuses this kind of
        problem up front (a :class:`~harness.protocols.StrategyError`), which is allowed.
    """
    check_strategy_class(strategy)
    cls = _strategy_class(strategy)
    problem = CONTRACT_PROBLEMS[kind]()
    try:
        cls.check_compatible(problem.space, problem.fidelity)
        cls(problem.space, 0, _budget(problem), problem.fidelity)
    except StrategyError as exc:
        return str(exc)
    first = _run(cls, problem, 11, workers)
    assert first.status == "ok", f"the run failed: {first.error}"
    trials = first.trials
    assert trials, "a strategy must propose something"
    budget = _budget(problem)
    if budget.kind == "evaluations":
        assert len(trials) <= budget.amount, f"{len(trials)} trials on a budget of {budget.amount:g} evaluations"
    else:
        # The last trial may cross a cost budget; nothing is asked once it is spent.
        spent = sum(t.cost for t in trials[:-1])
        assert spent < budget.amount, f"asked again after spending {spent:g} of a cost budget of {budget.amount:g}"
    for trial in trials:
        problem.space.validate(trial.config)
        if problem.fidelity is not None:
            assert problem.fidelity.low <= trial.fidelity <= problem.fidelity.high, f"fidelity {trial.fidelity}"
    proposals = _proposals(first)
    assert proposals == _proposals(_run(cls, problem, 11, workers)), "same seed must give the same run"
    if seed_sensitive:
        assert proposals != _proposals(_run(cls, problem, 12, workers)), "another seed must change the run"
    if workers > 1:
        _check_parallel(trials, workers)
    if kind == "failing":
        # The run went on past its failed trials, each recorded as failed.
        assert all((t.status is Status.FAILED) == (t.config["x0"] > 5.0) for t in trials), "failed trials mislabelled"
    return None


def _check_parallel(trials, workers: int) -> None:
    """Never more in flight than there are workers; every trial has its slot and times."""
    assert {t.worker for t in trials} <= set(range(workers)), "a trial ran on a slot that does not exist"
    assert all(0 <= t.pending_at_ask < workers and t.start_time <= t.end_time for t in trials)
    assert [t.end_time for t in trials] == sorted(t.end_time for t in trials), "trials must be told in completion order"

"""The loop of one run: ask, evaluate, tell, until the budget is spent.

The loop lives outside both parties (as in Bayesmark's ``run_study``): :func:`drive` times
the strategy and the objective separately, checks every suggestion against the space, turns
an objective that raises, returns a non-finite value or runs past its timeout into a failed
trial (and goes on), and turns a strategy that raises or proposes an invalid config into a
failed *run*, never into a silent fallback.

With one worker and no clock, :func:`drive` runs the sequential loop below (a batch of
``max_batch`` suggestions is evaluated, then told). With several workers, a clock or a time
budget it hands the run to the event loop of :mod:`harness.event_loop`. Both loops are made of
the steps of :class:`harness.run_loop.RunLoop` (checks, evaluation, trial records, tell).
"""

from __future__ import annotations

import time

from harness.durations import DurationModel
from harness.event_loop import drive_events
from harness.protocols import Budget, Problem, Strategy
from harness.records import RunOutcome
from harness.run_loop import BATCH_CAP, RunEnds, RunLoop
from harness.seeding import trial_seed, trial_seeds
from harness.trial_evaluation import evaluate_one, traceback_text
from harness.trial_timeout import TrialTimeout

__all__ = ["RunOutcome", "RunEnds", "RunLoop", "TrialTimeout", "drive", "trial_seed", "trial_seeds", "evaluate_one",
           "traceback_text", "BATCH_CAP", "CLOCKS"]

#: Clocks of the event loop; ``None`` (no clock) is the untimed sequential loop.
CLOCKS = ("simulated", "real")


def drive(
    problem: Problem,
    strategy: Strategy,
    budget: Budget,
    *,
    seed: int,
    trial_timeout: float | None = None,
    workers: int = 1,
    clock: str | None = None,
    durations: DurationModel | None = None,
    charge_strategy_time: bool = False,
) -> RunOutcome:
    """Run ``strategy`` on ``problem`` until ``budget`` is spent.

    Parameters
    ----------
    problem, strategy : Problem, Strategy
        Fresh instances; the strategy is already seeded.
    budget : Budget
        Evaluations, fidelity-weighted cost (the last trial may overshoot a cost budget by
        at most its own cost) or seconds on the run's clock, with an optional wall-clock cap.
    seed : int
        The problem-side seed; trial ``i`` is evaluated with ``trial_seed(seed, i)``.
    trial_timeout : float, optional
        Seconds one evaluation may take before it is recorded as a timeout.
    workers : int
        Evaluations kept in flight at once (:mod:`harness.event_loop`).
    clock : {None, "simulated", "real"}
        ``None`` with one worker and no time budget is the sequential, untimed loop;
        otherwise the default is ``"simulated"``.
    durations : DurationModel, optional
        Trial durations on the simulated clock (default: the problem's
        ``seconds_per_evaluation``, else 1 s, no heterogeneity).
    charge_strategy_time : bool
        Advance the simulated clock by the strategy's measured ask and tell time.

    Returns
    -------
    RunOutcome
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be an integer >= 1. Got {workers!r}.")
    if clock is not None and clock not in CLOCKS:
        raise ValueError(f"clock must be one of {CLOCKS} or None. Got {clock!r}.")
    loop = RunLoop(problem, strategy, budget, seed, trial_timeout)
    if workers > 1 or clock is not None or budget.kind == "time":
        return drive_events(loop, workers=workers, clock=clock or "simulated", durations=durations,
                            charge_strategy_time=charge_strategy_time)
    return _drive_sequential(loop)


def _drive_sequential(loop: RunLoop) -> RunOutcome:
    """Ask a batch, evaluate it, tell it, until the budget is spent (the untimed loop)."""
    budget = loop.budget
    started = time.perf_counter()
    deadline = None if budget.wallclock_seconds is None else started + budget.wallclock_seconds
    status, error, traceback = "ok", None, None
    try:
        with loop.alarm:
            while (n := loop.room()) > 0:
                if deadline is not None and time.perf_counter() > deadline:
                    raise loop.truncated()
                batch, ask_seconds = loop.ask(n)
                if not batch:
                    break  # the strategy is exhausted (e.g. a complete grid)
                if budget.kind == "cost" and not loop.problem.batch:
                    results, batch = _evaluate_within_cost(loop, batch)
                else:
                    results = loop.evaluate(batch)
                    if budget.kind == "cost":
                        results, batch = _within_cost(loop, batch, results)
                since = time.perf_counter()
                ask_share = ask_seconds / len(batch)
                trials = loop.make_trials(batch, results, len(loop.trials), ask_share)
                _, failure = loop.tell(trials, [ask_share] * len(trials), since)
                if failure is not None:
                    raise loop.tell_failed(failure)
    except RunEnds as end:
        status, error, traceback = end.args
    return RunOutcome(tuple(loop.trials), status, error, time.perf_counter() - started, traceback,
                      strategy_seconds=tuple(loop.strategy_seconds))


def _evaluate_within_cost(loop: RunLoop, batch):
    """Evaluate a batch one config at a time, stopping once the cost budget is spent.

    A strategy with no batch limit (random search, Hyperband) is asked for up to
    ``BATCH_CAP`` suggestions under a cost budget, since how many fit depends on costs only
    known after evaluation. A vectorised problem evaluates them all at once, cheaply; for a
    problem that evaluates one config at a time (a network trained for minutes) that would
    train hundreds of configs only to drop them. The same prefix rule as for a vectorised
    batch, fed lazily, keeps the same trials, seeds included.
    """
    first = len(loop.trials)
    lazy = (loop.evaluate([suggestion], [first + offset])[0] for offset, suggestion in enumerate(batch))
    return _within_cost(loop, batch, lazy)


def _within_cost(loop: RunLoop, batch, results):
    """Keep the prefix of a batch that fits a cost budget (the crossing trial included).

    ``results`` may be a lazy iterator: nothing past the crossing trial is drawn from it.
    """
    spent = loop.spent
    kept = []
    for suggestion, result in zip(batch, results):
        kept.append(result)
        spent += loop.cost_of(suggestion, result.evaluation)
        if spent >= loop.budget.amount:
            break
    return kept, batch[:len(kept)]

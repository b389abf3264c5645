"""The steps of one run that both loops share: ask and check, evaluate, record and tell.

:class:`RunLoop` holds one run's state (the problem, the strategy, the budget, the trials
kept so far and the cost spent) and the steps :func:`harness.runner.drive`'s sequential loop
and :mod:`harness.event_loop` are made of. A strategy that raises or breaks the protocol ends
the run with :class:`RunEnds`; an objective that does is a failed trial
(:mod:`harness.trial_evaluation`). Trials are frozen: the trial kept is the very record the
strategy was told, never altered; its share of the tell's time is kept beside it.
"""

from __future__ import annotations

import math
import time
from typing import Any, Sequence

from harness.protocols import Budget, Evaluation, Problem, Status, Strategy, Suggestion, Trial, default_cost
from harness.records import Evaluated
from harness.seeding import trial_seeds
from harness.space import SpaceError
from harness.trial_evaluation import describe_exception, evaluate_single, judge, traceback_text
from harness.trial_timeout import TrialAlarm, TrialTimeout

__all__ = ["RunLoop", "RunEnds", "Flight", "BATCH_CAP"]

#: Largest number of suggestions requested in one ``ask`` from strategies without a limit:
#: large enough to amortise per-call costs, small enough to keep cost budgets tight.
BATCH_CAP = 1024


class RunLoop:
    """The state and the steps of one run shared by both loops (ask, check, evaluate, record, tell).

    ``harness.runner.drive`` is the public face; its sequential loop and the event loop of
    :mod:`harness.event_loop` drive it.
    """

    def __init__(self, problem: Problem, strategy: Strategy, budget: Budget, seed: int,
                 trial_timeout: float | None) -> None:
        self.problem = problem
        self.strategy = strategy
        self.budget = budget
        self.seed = seed
        self.alarm = TrialAlarm(trial_timeout)
        self.trials: list[Trial] = []
        #: Each kept trial's share of the strategy's ask and tell time (see :meth:`tell`).
        self.strategy_seconds: list[float] = []
        self.spent = 0.0
        fidelity = problem.fidelity
        self.fidelity_high = None if fidelity is None else float(fidelity.high)
        self.fidelity_low = None if fidelity is None else float(fidelity.low)
        self.label = strategy.name or type(strategy).__name__

    # -- budget ----------------------------------------------------------------------------
    def room(self) -> int:
        """How many suggestions to ask for next (0 when the budget is spent)."""
        if self.budget.kind == "evaluations":
            left = self.budget.max_evaluations - len(self.trials)
        else:
            left = BATCH_CAP if self.spent < self.budget.amount else 0
        cap = self.strategy.max_batch or BATCH_CAP
        return max(0, min(left, cap, BATCH_CAP))

    # -- asking ----------------------------------------------------------------------------
    def ask(self, n: int, pending: tuple | None = None) -> tuple[list[Suggestion], float]:
        """Up to ``n`` checked suggestions and the seconds the ask took (the check included).

        ``pending`` (the suggestions in flight) is passed only when not None, to strategies
        whose ``ask`` accepts it. A strategy that raises, proposes an invalid config or
        returns more than ``n`` suggestions ends the run (:class:`RunEnds`).
        """
        start = time.perf_counter()
        try:
            batch = self.strategy.ask(n) if pending is None else self.strategy.ask(n, pending=pending)
            batch = [self.check(s) for s in batch]
        except _StrategyFault as exc:
            raise RunEnds("failed", str(exc), traceback_text(exc)) from None
        except Exception as exc:  # noqa: BLE001 - a failing strategy fails its run, visibly
            raise RunEnds("failed", f"strategy '{self.label}' ask raised {describe_exception(exc)}",
                          traceback_text(exc)) from None
        seconds = time.perf_counter() - start
        if len(batch) > n:
            raise RunEnds("failed", f"strategy '{self.label}' returned {len(batch)} suggestions for ask({n})")
        return batch, seconds

    def tell_failed(self, exc: Exception) -> RunEnds:
        """The end of a run whose strategy's ``tell`` raised ``exc``."""
        return RunEnds("failed", f"strategy '{self.label}' tell raised {describe_exception(exc)}", traceback_text(exc))

    def truncated(self) -> RunEnds:
        """The end of a run stopped by its wall-clock cap."""
        return RunEnds("truncated", f"wall-clock cap of {self.budget.wallclock_seconds:g} s reached")

    # -- checks ----------------------------------------------------------------------------
    def check(self, suggestion: Any) -> Suggestion:
        name = self.label
        if not isinstance(suggestion, Suggestion):
            raise _StrategyFault(f"strategy '{name}' returned {type(suggestion).__name__}, not a Suggestion")
        try:
            self.problem.space.validate(suggestion.config)
        except SpaceError as exc:
            raise _StrategyFault(f"strategy '{name}' proposed an invalid config: {exc}") from None
        fid = suggestion.fidelity
        if fid is not None:
            if self.fidelity_high is None:
                raise _StrategyFault(f"strategy '{name}' asked for fidelity {fid!r} on a problem without one")
            if not self.problem.fidelity.contains(fid):
                raise _StrategyFault(
                    f"strategy '{name}' asked for fidelity {fid!r}, outside "
                    f"[{self.fidelity_low:g}, {self.fidelity_high:g}]"
                )
        return suggestion

    # -- evaluation ------------------------------------------------------------------------
    def evaluate(self, batch: Sequence[Suggestion], indices: Sequence[int] | None = None) -> list[Evaluated]:
        """Evaluate a batch (trial ``indices``, default the next ones in order, decide the seeds)."""
        if indices is None:
            first = len(self.trials)
            indices = range(first, first + len(batch))
        seeds = trial_seeds(self.seed, indices)
        fidelities = [s.fidelity for s in batch]
        cost_budget = self.budget.kind == "cost"
        if self.problem.batch and len(batch) > 1:
            start = time.perf_counter()
            try:
                self.alarm.start(len(batch))
                results = self.problem.evaluate_batch([s.config for s in batch], fidelities, seeds)
                self.alarm.stop()
                if self.alarm.overran(time.perf_counter() - start):
                    raise TrialTimeout()  # caught or ignored inside: time each config on its own
                if len(results) != len(batch):
                    raise ValueError("evaluate_batch returned the wrong number of evaluations")
                each = (time.perf_counter() - start) / len(batch)
                return [judge(r, each, cost_budget) for r in results]
            except TrialTimeout:
                self.alarm.stop()
            except Exception:  # noqa: BLE001 - isolate the failing configs one by one below
                self.alarm.stop()
        return [evaluate_single(self.problem, self.alarm, s.config, f, seed, cost_budget)
                for s, f, seed in zip(batch, fidelities, seeds)]

    def make_trials(self, batch: Sequence[Suggestion], results: Sequence[Evaluated], first: int,
                    ask_share: float) -> list[Trial]:
        """Trials ``first, first + 1, ...`` of evaluated suggestions (the sequential loop's batch)."""
        gradients = self._gradients(batch, results)
        make = self.make_trial
        return [make(first + i, s, r, gradients[i], None, ask_share) for i, (s, r) in enumerate(zip(batch, results))]

    def tell(self, trials: list[Trial], ask_shares: Sequence[float], since: float) -> tuple[float, Exception | None]:
        """Tell the strategy ``trials`` and keep them, with their share of the strategy's time.

        The one home of evaluate-and-record for both loops. The trials carry their share of
        the ask that proposed them (``ask_shares``) in ``strategy_seconds``; the time since
        ``since`` (the tell, and whatever bookkeeping preceded it) is known only after the
        strategy saw them, and a told trial is never altered, so each trial's complete share
        (ask plus an equal part of that time) is kept beside it in :attr:`strategy_seconds`
        (``RunOutcome.strategy_seconds``, the stored column). Returns the seconds since
        ``since`` and the exception ``tell`` raised, if any (the trials are kept either way).
        """
        error = None
        try:
            self.strategy.tell(trials)
        except Exception as exc:  # noqa: BLE001 - the caller fails the run with it
            error = exc
        seconds = time.perf_counter() - since
        if len(trials) == 1:  # the event loop's usual step: one completion at a time
            trial = trials[0]
            self.trials.append(trial)
            self.strategy_seconds.append(ask_shares[0] + seconds)
            self.spent += trial.cost
            return seconds, error
        share = seconds / len(trials)
        self.trials += trials
        self.strategy_seconds += [ask_share + share for ask_share in ask_shares]
        self.spent += sum([t.cost for t in trials])
        return seconds, error

    def cost_of(self, suggestion: Suggestion, evaluation: Evaluation | None) -> float:
        """The cost the problem reported, else ``fidelity / max fidelity`` (1 without one)."""
        cost = None if evaluation is None else evaluation.cost
        if cost is None:
            cost = default_cost(self.problem.fidelity, suggestion.fidelity)
        return float(cost)

    def make_trial(self, index: int, suggestion: Suggestion, result: Evaluated, gradient, cost: float | None = None,
                   strategy_seconds: float = 0.0, worker: int | None = None, start_time: float | None = None,
                   end_time: float | None = None, pending_at_ask: int | None = None) -> Trial:
        """The frozen record of one evaluated suggestion (the clock fields stay None when untimed).

        ``cost`` is the trial's cost when the caller already computed it (:meth:`cost_of`).
        The fidelity stored is the suggestion's, the problem's maximum when it gave none.
        """
        evaluation, error, status, seconds = result
        fidelity = suggestion.fidelity
        fidelity = self.fidelity_high if fidelity is None else float(fidelity)
        if cost is None:
            cost = self.cost_of(suggestion, evaluation)
        if evaluation is None:
            value, test_value, info = math.nan, None, None
        else:
            value = float(evaluation.value) if status is Status.OK else math.nan
            test_value = evaluation.test_value
            test_value = None if test_value is None else float(test_value)
            info = evaluation.info
        # Positional: a frozen record's keyword construction costs more, once per trial.
        return Trial(index, suggestion.config, fidelity, value, test_value, cost, seconds, strategy_seconds, status,
                     error, info, suggestion.tag, gradient, worker, start_time, end_time, pending_at_ask)

    def _gradients(self, batch: Sequence[Suggestion], results) -> list[tuple | None]:
        gradients: list[tuple | None] = [None] * len(batch)
        if not self.problem.has_gradient:
            return gradients
        wanted = [i for i, s in enumerate(batch) if s.want_gradient and results[i].status is Status.OK]
        if wanted:
            grads = self.problem.gradient([batch[i].config for i in wanted])
            for i, row in zip(wanted, grads):
                gradients[i] = tuple(float(g) for g in row)
        return gradients


class _StrategyFault(Exception):
    """A strategy broke the protocol; the run fails with this message."""


class RunEnds(Exception):
    """Ends a run early: ``args`` are its status, error and traceback (see :class:`RunOutcome`)."""

    def __init__(self, status: str, error: str, traceback: str | None = None) -> None:
        super().__init__(status, error, traceback)


class Flight:
    """One trial in flight in the event loop (a plain slotted class: one is made per trial)."""

    __slots__ = ("index", "suggestion", "worker", "start", "end", "pending_at_ask", "ask_share", "cost", "result",
                 "handle")

    def __init__(self, index: int, suggestion: Suggestion, worker: int, start: float, end: float,
                 pending_at_ask: int, ask_share: float, cost: float, result: Evaluated | None) -> None:
        self.index = index
        self.suggestion = suggestion
        self.worker = worker
        self.start = start
        self.end = end  # simulated: known at start; real: set on arrival
        self.pending_at_ask = pending_at_ask
        self.ask_share = ask_share
        self.cost = cost  # exact on the simulated clock; on the real one estimated until it arrives
        self.result = result
        self.handle = None  # Ray object ref on the real clock

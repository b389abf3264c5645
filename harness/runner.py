"""The loop of one run: ask, evaluate, tell, until the budget is spent.

The loop lives outside both parties (as in Bayesmark's ``run_study``): :func:`drive` times
the strategy and the objective separately, checks every suggestion against the space, turns
an objective that raises, returns a non-finite value or runs past its timeout into a failed
trial (and goes on), and turns a strategy that raises or proposes an invalid config into a
failed *run*, never into a silent fallback.

With one worker and no clock, :func:`drive` runs the sequential loop below (a batch of
``max_batch`` suggestions is evaluated, then told). With several workers, a clock or a time
budget it hands the run to the event loop of :mod:`harness.event_loop`, which shares this
module's checks, evaluation and trial records.
"""

from __future__ import annotations

import math
import time
import traceback as _tb
from dataclasses import dataclass, field
from numbers import Real
from typing import Any, Sequence

from harness.durations import DurationModel
from harness.evaluation_check import check_evaluation
from harness.protocols import Budget, Evaluation, Problem, Status, Strategy, Suggestion, Trial, default_cost
from harness.seeding import GOLDEN_GAMMA, mix64
from harness.space import SpaceError
from harness.trial_timeout import TrialAlarm, TrialTimeout

__all__ = ["RunOutcome", "TrialTimeout", "drive", "trial_seed", "evaluate_one", "BATCH_CAP", "CLOCKS"]

#: Clocks of the event loop; ``None`` (no clock) is the untimed sequential loop.
CLOCKS = ("simulated", "real")

#: Largest number of suggestions requested in one ``ask`` from strategies without a limit:
#: large enough to amortise per-call costs, small enough to keep cost budgets tight.
BATCH_CAP = 1024


@dataclass
class RunOutcome:
    """What one run produced: its trials and how it ended.

    ``status`` is ``"ok"`` (budget spent or strategy exhausted), ``"failed"`` (the strategy
    raised or proposed an invalid config; ``error`` says which) or ``"truncated"`` (the
    wall-clock cap ended it). ``clock`` is ``"none"`` (sequential, untimed), ``"simulated"``
    or ``"real"``; ``workers`` the number of parallel worker slots.
    """

    trials: list[Trial] = field(default_factory=list)
    status: str = "ok"
    error: str | None = None
    seconds: float = 0.0
    traceback: str | None = None
    clock: str = "none"
    workers: int = 1


def trial_seed(problem_seed: int, index: int) -> int:
    """Seed for trial ``index`` of a run: a SplitMix64 hash of the run's problem seed and index.

    A hash rather than ``SeedSequence.spawn`` because it costs well under a microsecond, and
    the runner derives one per trial.
    """
    return mix64(problem_seed + (index + 1) * GOLDEN_GAMMA) >> 1  # 63 bits: fits a signed int64 column


class FailureText(str):
    """A one-line error message that also carries the full traceback (stored beside it)."""

    traceback: str | None = None


def traceback_text(exc: BaseException) -> str:
    """The full traceback of ``exc`` as text."""
    return "".join(_tb.format_exception(type(exc), exc, exc.__traceback__))


def _describe_exception(exc: BaseException) -> FailureText:
    message = str(exc).strip().splitlines()
    text = FailureText(f"{type(exc).__name__}: {message[0]}" if message else type(exc).__name__)
    text.traceback = traceback_text(exc)
    return text


#: The in-process timer of the runner (see :mod:`harness.trial_timeout`).
_Alarm = TrialAlarm


def _judge(result: Any, seconds: float, cost_budget: bool = False):
    try:
        evaluation = check_evaluation(result, cost_budget=cost_budget)
        value = float(evaluation.value)
    except (TypeError, ValueError) as exc:
        return None, _describe_exception(exc), Status.FAILED, seconds
    if not math.isfinite(value):
        return evaluation, f"objective returned {value}", Status.FAILED, seconds
    return evaluation, None, Status.OK, seconds


def _evaluate_single(problem: Problem, alarm: _Alarm, config, fidelity, seed: int, cost_budget: bool = False):
    start = time.perf_counter()
    try:
        alarm.start()
        result = problem.evaluate(config, fidelity, seed)
        alarm.stop()
        seconds = time.perf_counter() - start
        if alarm.overran(seconds):  # the objective caught or ignored the alarm and returned late
            return None, f"timeout after {alarm.seconds:g} s (the objective caught or ignored it)", Status.TIMEOUT, seconds
        return _judge(result, seconds, cost_budget)
    except TrialTimeout:
        alarm.stop()
        return None, f"timeout after {alarm.seconds:g} s", Status.TIMEOUT, time.perf_counter() - start
    except Exception as exc:  # noqa: BLE001 - any objective error is a failed trial
        alarm.stop()
        return None, _describe_exception(exc), Status.FAILED, time.perf_counter() - start


def evaluate_one(problem: Problem, config, fidelity, seed: int, trial_timeout: float | None):
    """Evaluate one config as the runner does (timeout, failures), e.g. inside a Ray task.

    Returns
    -------
    tuple
        ``(evaluation or None, error or None, status, seconds)``.
    """
    alarm = _Alarm(trial_timeout)
    with alarm:
        return _evaluate_single(problem, alarm, config, fidelity, seed)


class _Loop:
    """State of one run; :func:`drive` is the public face."""

    def __init__(self, problem: Problem, strategy: Strategy, budget: Budget, seed: int,
                 trial_timeout: float | None) -> None:
        self.problem = problem
        self.strategy = strategy
        self.budget = budget
        self.seed = seed
        self.alarm = _Alarm(trial_timeout)
        self.trials: list[Trial] = []
        self.spent = 0.0
        fidelity = problem.fidelity
        self.fidelity_high = None if fidelity is None else float(fidelity.high)
        self.fidelity_low = None if fidelity is None else float(fidelity.low)

    # -- budget ----------------------------------------------------------------------------
    def room(self) -> int:
        """How many suggestions to ask for next (0 when the budget is spent)."""
        if self.budget.kind == "evaluations":
            left = self.budget.max_evaluations - len(self.trials)
        else:
            left = BATCH_CAP if self.spent < self.budget.amount else 0
        cap = self.strategy.max_batch or BATCH_CAP
        return max(0, min(left, cap, BATCH_CAP))

    # -- checks ----------------------------------------------------------------------------
    def check(self, suggestion: Any) -> Suggestion:
        name = self.strategy.name or type(self.strategy).__name__
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
            if not (type(fid) in (int, float) or isinstance(fid, Real)) or not self.fidelity_low <= fid <= self.fidelity_high:
                raise _StrategyFault(
                    f"strategy '{name}' asked for fidelity {fid!r}, outside "
                    f"[{self.fidelity_low:g}, {self.fidelity_high:g}]"
                )
        return suggestion

    # -- evaluation ------------------------------------------------------------------------
    def evaluate(self, batch: Sequence[Suggestion], indices: Sequence[int] | None = None
                 ) -> list[tuple[Evaluation | None, str | None, Status, float]]:
        """Evaluate a batch; each item is (evaluation, error, status, seconds).

        Trial ``indices`` (default: the next ones in order) decide the per-trial seeds.
        """
        if indices is None:
            first = len(self.trials)
            indices = range(first, first + len(batch))
        seeds = [trial_seed(self.seed, i) for i in indices]
        fidelities = [s.fidelity for s in batch]
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
                return [_judge(r, each, self.budget.kind == "cost") for r in results]
            except TrialTimeout:
                self.alarm.stop()
            except Exception:  # noqa: BLE001 - isolate the failing configs one by one below
                self.alarm.stop()
        return [_evaluate_single(self.problem, self.alarm, s.config, f, seed, self.budget.kind == "cost")
                for s, f, seed in zip(batch, fidelities, seeds)]


    def record(self, batch: Sequence[Suggestion], results) -> list[Trial]:
        """Turn evaluated suggestions into trials (strategy seconds are filled in after tell)."""
        gradients = self._gradients(batch, results)
        made = []
        for i, (suggestion, result) in enumerate(zip(batch, results)):
            trial = self.make_trial(len(self.trials), suggestion, result, gradients[i])
            self.trials.append(trial)
            self.spent += trial.cost
            made.append(trial)
        return made

    def full_fidelity(self, suggestion: Suggestion) -> float | None:
        """The suggestion's fidelity, the problem's maximum when it gave none."""
        fidelity = suggestion.fidelity
        if fidelity is None and self.fidelity_high is not None:
            fidelity = self.fidelity_high
        return fidelity

    def cost_of(self, suggestion: Suggestion, evaluation: Evaluation | None) -> float:
        """The cost the problem reported, else ``fidelity / max fidelity`` (1 without one)."""
        cost = None if evaluation is None else evaluation.cost
        if cost is None:
            cost = default_cost(self.problem.fidelity, suggestion.fidelity)
        return float(cost)

    def make_trial(self, index: int, suggestion: Suggestion, result, gradient, cost: float | None = None,
                   **timing) -> Trial:
        """The frozen record of one evaluated suggestion; ``timing`` holds the clock fields.

        ``cost`` is the trial's cost when the caller already computed it (:meth:`cost_of`).
        """
        evaluation, error, status, seconds = result
        fidelity = self.full_fidelity(suggestion)
        ok = status is Status.OK
        test_value = None if evaluation is None or evaluation.test_value is None else float(evaluation.test_value)
        return Trial(
            index=index,
            config=suggestion.config,
            fidelity=None if fidelity is None else float(fidelity),
            value=float(evaluation.value) if ok else math.nan,
            test_value=test_value,
            cost=self.cost_of(suggestion, evaluation) if cost is None else cost,
            eval_seconds=seconds,
            strategy_seconds=0.0,
            status=status,
            error=error,
            info=None if evaluation is None else evaluation.info,
            tag=suggestion.tag,
            gradient=gradient,
            **timing,
        )

    def _gradients(self, batch: Sequence[Suggestion], results) -> list[tuple | None]:
        gradients: list[tuple | None] = [None] * len(batch)
        if not self.problem.has_gradient:
            return gradients
        wanted = [i for i, s in enumerate(batch) if s.want_gradient and results[i][2] is Status.OK]
        if wanted:
            grads = self.problem.gradient([batch[i].config for i in wanted])
            for i, row in zip(wanted, grads):
                gradients[i] = tuple(float(g) for g in row)
        return gradients


class _StrategyFault(Exception):
    """A strategy broke the protocol; the run fails with this message."""


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
    if workers > 1 or clock is not None or budget.kind == "time":
        from harness.event_loop import drive_events

        return drive_events(problem, strategy, budget, seed=seed, trial_timeout=trial_timeout, workers=workers,
                            clock=clock or "simulated", durations=durations, charge_strategy_time=charge_strategy_time)
    loop = _Loop(problem, strategy, budget, seed, trial_timeout)
    outcome = RunOutcome(trials=loop.trials)
    started = time.perf_counter()
    deadline = None if budget.wallclock_seconds is None else started + budget.wallclock_seconds
    label = strategy.name or type(strategy).__name__
    with loop.alarm:
        while True:
            n = loop.room()
            if n == 0:
                break
            if deadline is not None and time.perf_counter() > deadline:
                outcome.status, outcome.error = "truncated", f"wall-clock cap of {budget.wallclock_seconds:g} s reached"
                break
            t0 = time.perf_counter()
            try:
                batch = strategy.ask(n)
                batch = [loop.check(s) for s in batch]
            except _StrategyFault as exc:
                outcome.status, outcome.error, outcome.traceback = "failed", str(exc), traceback_text(exc)
                break
            except Exception as exc:  # noqa: BLE001 - a failing strategy fails its run, visibly
                outcome.status, outcome.error = "failed", f"strategy '{label}' ask raised {_describe_exception(exc)}"
                outcome.traceback = traceback_text(exc)
                break
            ask_seconds = time.perf_counter() - t0
            if not batch:
                break  # the strategy is exhausted (e.g. a complete grid)
            if len(batch) > n:
                outcome.status, outcome.error = "failed", f"strategy '{label}' returned {len(batch)} suggestions for ask({n})"
                break
            results = loop.evaluate(batch)
            if budget.kind == "cost":
                results, batch = _within_cost(loop, batch, results)
            t1 = time.perf_counter()
            trials = loop.record(batch, results)
            try:
                strategy.tell(trials)
            except Exception as exc:  # noqa: BLE001
                outcome.status, outcome.error = "failed", f"strategy '{label}' tell raised {_describe_exception(exc)}"
                outcome.traceback = traceback_text(exc)
                break
            share = (ask_seconds + time.perf_counter() - t1) / len(trials)
            for trial in trials:
                # The tell's duration is only known after the strategy saw the trials; the
                # runner, their only creator, fills it in before they leave the run.
                object.__setattr__(trial, "strategy_seconds", share)
    outcome.seconds = time.perf_counter() - started
    return outcome


def _within_cost(loop: _Loop, batch, results):
    """Keep the prefix of a batch that fits a cost budget (the crossing trial included)."""
    spent = loop.spent
    keep = 0
    for suggestion, (evaluation, _, _, _) in zip(batch, results):
        keep += 1
        spent += loop.cost_of(suggestion, evaluation)
        if spent >= loop.budget.amount:
            break
    return results[:keep], batch[:keep]

"""The event-driven loop of one run: up to k evaluations in flight, on a simulated or real clock.

In the spirit of Syne Tune's simulator backend and of Watanabe et al. (2024, "Fast benchmarking
of asynchronous multi-fidelity optimization on zero-cost benchmarks"): whenever a worker is
free the strategy is asked (with the suggestions still in flight passed as ``pending`` when it
accepts them), each started trial gets the lowest free worker slot, and results are told in
completion order. The in-flight trials sit in a heap keyed by ``(end time, trial index)``, so
completions at the same instant are processed together, in index order, and a simulation is
exactly reproducible.

Two clocks share the loop:

``simulated``
    A trial is evaluated in-process when it starts; its duration comes from the
    :class:`~harness.durations.DurationModel` (deterministic given the trial seed and cost), so
    its end time is known at once. Nothing about the result reaches the strategy before the
    clock reaches that end time. The strategy's own ask/tell time is measured and stored and,
    with ``charge_strategy_time``, advances the clock (off by default: charging it makes a run
    depend on the machine).
``real``
    Each in-flight evaluation is a Ray task (local Ray, or the cluster the run executes on);
    the loop waits for the first to finish. Times are seconds since the run began; the stored
    trials keep the order in which results arrived. Such a run is reproducible only up to that
    order.

Budgets: an evaluation budget caps the number of trials started; a cost budget stops starting
trials once the cost committed by started trials reaches it (in-flight trials count at their
known cost on the simulated clock; on the real one at ``fidelity / max`` until they end, then
at the cost the problem reported, and a cost <= 0 is a failed trial on both clocks); a time
budget stops starting trials at the deadline, and trials still running then are stored as
``cancelled`` (never told, never dropped) with the cost of the part they ran.

The trial index is the order in which trials were *started*: trial ``i`` is evaluated with
``trial_seed(seed, i)`` whatever the completion order. ``RunOutcome.trials`` lists trials in
completion order (cancelled ones last).
"""

from __future__ import annotations

import heapq
from heapq import heappop, heappush
import inspect
import math
import time
from collections import deque
from typing import Any, Sequence

from harness.durations import DurationModel
from harness.protocols import Problem, Status, Strategy, Suggestion
from harness.records import Evaluated, RunOutcome, RunSpec
from harness.real_clock import RealClock
from harness.run_loop import BATCH_CAP, Flight, RunEnds, RunLoop
from harness.seeding import trial_seeds

__all__ = ["drive_events", "accepts_pending", "default_durations", "timing_options"]


def timing_options(spec: RunSpec, problem: Problem) -> dict:
    """Keyword arguments of ``harness.runner.drive`` from a run spec's timing settings."""
    options: dict[str, Any] = {"workers": spec.workers}
    if spec.clock is not None:
        options["clock"] = spec.clock
    if spec.charge_strategy_time:
        options["charge_strategy_time"] = True
    if spec.durations is not None:
        given = spec.durations
        seconds = given.get("seconds", default_durations(problem).seconds)
        options["durations"] = DurationModel(float(seconds), float(given.get("duration_cv", 0.0)),
                                             trial_seconds="seconds" not in given)
    return options


def accepts_pending(strategy: Strategy) -> bool:
    """Whether ``strategy.ask`` takes the in-flight suggestions (a ``pending`` keyword)."""
    try:
        return "pending" in inspect.signature(strategy.ask).parameters
    except (TypeError, ValueError):
        return False


def default_durations(problem: Problem) -> DurationModel:
    """The problem's own duration model: each evaluation's reported ``simulated_seconds``, else
    ``seconds_per_evaluation`` x cost (1 s if unset), no spread."""
    seconds = getattr(problem, "seconds_per_evaluation", None)
    return DurationModel(1.0 if seconds is None else float(seconds), 0.0, trial_seconds=True)


class _SimulatedClock:
    """Evaluates at start; the duration model fixes the end time."""

    name = "simulated"

    def __init__(self, loop: RunLoop, durations: DurationModel) -> None:
        self.loop = loop
        self.durations = durations
        self.heap: list[tuple[float, int]] = []

    def prepare(self, suggestions: Sequence[Suggestion], first: int) -> list[tuple[Evaluated, float, float]]:
        """Evaluate now (results stay hidden until their end time): ``(result, cost, duration)`` each."""
        loop = self.loop
        indices = range(first, first + len(suggestions))
        results = loop.evaluate(suggestions, indices)
        cost_of = loop.cost_of
        costs = [cost_of(s, r.evaluation) for s, r in zip(suggestions, results)]
        own = None
        if self.durations.trial_seconds:  # an evaluation may report its own simulated seconds
            own = [None if r.evaluation is None or not r.evaluation.info else r.evaluation.info.get("simulated_seconds")
                   for r in results]
        durations = self.durations.durations(costs, trial_seeds(loop.seed, indices), own)
        return list(zip(results, costs, durations))

    def schedule(self, flight: Flight, duration: float) -> None:
        flight.end = end = flight.start + duration
        heapq.heappush(self.heap, (end, flight.index))

    def pop_completions(self, deadline: float) -> tuple[float, list[int]]:
        """Indices ending at the earliest end time (if <= deadline), and that time."""
        heap = self.heap
        end = heap[0][0]
        if end > deadline:
            return end, []
        done = [heapq.heappop(heap)[1]]
        while heap and heap[0][0] == end:
            done.append(heapq.heappop(heap)[1])
        return end, done

    def cancel(self, flights: Sequence[Flight]) -> None:
        self.heap.clear()


def drive_events(loop: RunLoop, *, workers: int, clock: str, durations: DurationModel | None,
                 charge_strategy_time: bool) -> RunOutcome:
    """Run ``loop``'s run with up to ``workers`` evaluations in flight (see the module docstring)."""
    return _EventRun(loop, workers, clock, durations, charge_strategy_time).run()


class _EventRun:
    """The state of one event-driven run; :func:`drive_events` is its public face."""

    def __init__(self, loop: RunLoop, workers: int, clock: str, durations: DurationModel | None,
                 charge_strategy_time: bool) -> None:
        budget = loop.budget
        self.loop, self.workers, self.budget = loop, workers, budget
        self.started = time.perf_counter()
        self.wall_deadline = None if budget.wallclock_seconds is None else self.started + budget.wallclock_seconds
        self.real = clock == "real"
        self.clock = clock
        if self.real:
            self.engine: Any = RealClock(loop, loop.alarm.seconds, workers)
        else:
            self.engine = _SimulatedClock(loop, durations or default_durations(loop.problem))
        self.charge = charge_strategy_time and not self.real
        self.opted_in = accepts_pending(loop.strategy)
        self.cap = None if self.opted_in else loop.strategy.max_batch
        # A strategy whose suggestions never depend on results (``max_batch = None`` and no
        # ``pending`` keyword, e.g. random search; the sequential loop asks it 1,024 at a time
        # too) is asked for a chunk at once, evaluated as one batch on the simulated clock, and
        # its suggestions handed to workers as they free up: the same trials, at a fraction of
        # the per-ask cost.
        self.prefetch = not self.opted_in and loop.strategy.max_batch is None
        self.time_limit = float(budget.amount) if budget.kind == "time" else math.inf
        self.max_evaluations = int(budget.amount)
        self.free = list(range(workers))  # a heap: the lowest free worker slot takes the next trial
        self.flights: dict[int, Flight] = {}
        #: Asked but not started: (suggestion, ask share, result, cost, duration) each.
        self.ready: deque = deque()
        self.next_index = 0
        self.committed = 0.0
        self.now = 0.0

    def run(self) -> RunOutcome:
        """Start, wait, tell, until the budget is spent; then cancel what still runs."""
        status, error, traceback = "ok", None, None
        try:
            try:
                with self.loop.alarm if not self.real else _NoAlarm():
                    self._cycle()
            except RunEnds as end:
                status, error, traceback = end.args
        finally:
            self._cancel()
        return RunOutcome(tuple(self.loop.trials), status, error, time.perf_counter() - self.started, traceback,
                          self.clock, self.workers, tuple(self.loop.strategy_seconds))

    def _cycle(self) -> None:
        engine, flights, ready, real, room = self.engine, self.flights, self.ready, self.real, self._room
        pop_completions, time_limit, start, complete = engine.pop_completions, self.time_limit, self._start, self._complete
        while True:
            if real:
                self.now = engine.now()
            n = room()
            if n > 0:
                if len(ready) < n:
                    self._ask(n)
                if ready:
                    start(n)
            if not flights:
                return  # exhausted (nothing to run and nothing to wait for) or spent
            end, done = pop_completions(time_limit)
            if not done:
                if math.isfinite(self.time_limit):
                    self.now = max(self.now, self.time_limit)
                if self.wall_deadline is not None and time.perf_counter() > self.wall_deadline:
                    raise self.loop.truncated()
                return  # the time budget ends with trials in flight
            if end > self.now:
                self.now = end
            complete(done, end)

    def _room(self) -> int:
        """How many trials may start now on the free workers."""
        n = len(self.free)
        if n == 0:
            return 0
        kind = self.budget.kind
        if kind == "evaluations":
            left = self.max_evaluations - self.next_index
            n = n if n < left else max(0, left)
        elif kind == "cost":
            n = n if self.committed < self.budget.amount else 0
        else:
            n = n if self.now < self.time_limit else 0
        if self.cap is not None:
            n = min(n, max(0, self.cap - len(self.flights)))
        return n

    def _ask(self, n: int) -> None:
        """Ask for what ``n`` free workers need beyond the suggestions already waiting."""
        if self.wall_deadline is not None and time.perf_counter() > self.wall_deadline:
            raise self.loop.truncated()
        ready = self.ready
        want = n - len(ready)
        if self.prefetch:
            want = max(want, self._chunk(self.next_index + len(ready)))
        pending = None
        if self.opted_in:
            flights = self.flights
            pending = tuple(flights[i].suggestion for i in sorted(flights))
        batch, ask_seconds = self.loop.ask(want, pending)
        if self.charge:
            self.now += ask_seconds
        if batch:
            prepared = self.engine.prepare(batch, self.next_index + len(ready))
            share = ask_seconds / len(batch)
            ready.extend((s, share, result, cost, duration) for s, (result, cost, duration) in zip(batch, prepared))

    def _chunk(self, taken: int) -> int:
        """How many suggestions to ask ahead of a strategy that does not learn from results."""
        budget = self.budget
        if budget.kind == "evaluations":
            return max(0, min(int(budget.amount) - taken, BATCH_CAP))
        # Cost and time budgets end at an unknown count: ask one round of workers ahead, so at
        # most that many evaluations are made and never started.
        return self.workers

    def _start(self, n: int) -> None:
        """Start up to ``n`` waiting suggestions on the lowest free workers."""
        ready, free, flights, schedule = self.ready, self.free, self.flights, self.engine.schedule
        heap = None if self.real else self.engine.heap  # the simulated clock's schedule, pushed to inline
        limit = self.budget.amount if self.budget.kind == "cost" else math.inf
        index, committed, now = self.next_index, self.committed, self.now
        pending = len(flights)
        for _ in range(min(n, len(ready))):
            if committed >= limit:
                break  # the rest would start past the budget (the crossing trial ran)
            suggestion, share, result, cost, duration = ready.popleft()
            if heap is None:
                flight = Flight(index, suggestion, heappop(free), now, math.nan, pending, share, cost, result)
                schedule(flight, duration)
            else:
                end = now + duration
                flight = Flight(index, suggestion, heappop(free), now, end, pending, share, cost, result)
                heappush(heap, (end, index))
            flights[index] = flight
            index += 1
            pending += 1
            committed += cost
        self.next_index, self.committed = index, committed
        if committed >= limit and not self.real:
            # Spent for good. (On the real clock in-flight trials count at an estimate until they
            # end, so room may open again, for the suggestions already asked.)
            ready.clear()

    def _complete(self, done: list[int], end: float) -> None:
        """Record the trials that ended at ``end`` and tell them to the strategy."""
        loop, flights, free, real = self.loop, self.flights, self.free, self.real
        make_trial = loop.make_trial
        trials, shares = [], []
        for index in done:
            flight = flights.pop(index)
            heappush(free, flight.worker)
            result = flight.result
            suggestion = flight.suggestion
            gradient = _gradient(loop, suggestion, result) if suggestion.want_gradient else None
            cost = flight.cost
            if real:  # the estimate it started with gives way to what the problem reported
                cost = loop.cost_of(suggestion, result.evaluation)
                self.committed += cost - flight.cost
            trials.append(make_trial(index, suggestion, result, gradient, cost, flight.ask_share, flight.worker,
                                     flight.start, end if real else flight.end, flight.pending_at_ask))
            shares.append(flight.ask_share)
        tell_seconds, failure = loop.tell(trials, shares, time.perf_counter())
        if failure is not None:
            raise loop.tell_failed(failure)
        if self.charge:
            self.now += tell_seconds

    def _cancel(self) -> None:
        """Store the trials still in flight when the run ends as ``cancelled``, with the cost they ran."""
        flights = self.flights
        if not flights:
            return
        now = max(self.now, self.engine.now()) if self.real else self.now
        stop = min(now, self.time_limit)
        self.engine.cancel(list(flights.values()))
        loop = self.loop
        for index in sorted(flights):
            flight = flights[index]
            stop_at = max(stop, flight.start)
            # The simulated clock knows how much of the trial ran; on the real clock its length is
            # unknown, so its whole estimated cost is charged (an upper bound).
            planned = flight.end - flight.start if math.isfinite(flight.end) else math.nan
            share = (stop_at - flight.start) / planned if math.isfinite(planned) and planned > 0 else 1.0
            seconds = flight.result.seconds if flight.result is not None else 0.0
            result = Evaluated(None, f"cancelled at {stop_at:g} s, still running when the run ended", Status.CANCELLED,
                               seconds)
            trial = loop.make_trial(index, flight.suggestion, result, None, flight.cost * min(1.0, share),
                                    flight.ask_share, worker=flight.worker, start_time=flight.start, end_time=stop_at,
                                    pending_at_ask=flight.pending_at_ask)
            loop.trials.append(trial)
            loop.strategy_seconds.append(flight.ask_share)
            loop.spent += trial.cost
        flights.clear()


class _NoAlarm:
    """Real-clock runs time out inside their Ray tasks, not in the loop's thread."""

    def __enter__(self) -> "_NoAlarm":
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def _gradient(loop: RunLoop, suggestion: Suggestion, result: Evaluated) -> tuple | None:
    if not (suggestion.want_gradient and loop.problem.has_gradient and result.status is Status.OK):
        return None
    return tuple(float(g) for g in loop.problem.gradient([suggestion.config])[0])

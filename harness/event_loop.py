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
known cost on the simulated clock, at ``fidelity / max`` on the real one); a time budget stops
starting trials at the deadline, and trials still running then are stored as ``cancelled``
(never told, never dropped) with the cost of the part they ran.

The trial index is the order in which trials were *started*: trial ``i`` is evaluated with
``trial_seed(seed, i)`` whatever the completion order. ``RunOutcome.trials`` lists trials in
completion order (cancelled ones last).
"""

from __future__ import annotations

import heapq
from collections import deque
import inspect
import logging
import math
import time
from dataclasses import dataclass
from typing import Any, Sequence

from harness.durations import DurationModel
from harness.protocols import Budget, Problem, Status, Strategy, Suggestion, Trial
from harness.runner import (BATCH_CAP, RunOutcome, _describe_exception, _Loop, _StrategyFault, evaluate_one, traceback_text,
                            trial_seed)

__all__ = ["drive_events", "accepts_pending", "default_durations", "timing_options"]


def timing_options(spec: dict, problem: Problem) -> dict:
    """Keyword arguments of :func:`harness.runner.drive` from a run spec's timing keys."""
    options: dict[str, Any] = {}
    if "workers" in spec:
        options["workers"] = int(spec["workers"])
    if spec.get("clock") is not None:
        options["clock"] = spec["clock"]
    if spec.get("charge_strategy_time"):
        options["charge_strategy_time"] = True
    if "durations" in spec:
        given = spec["durations"]
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


@dataclass(slots=True)
class _Flight:
    """One trial in flight."""

    index: int
    suggestion: Suggestion
    worker: int
    start: float
    end: float  # simulated: known at start; real: set on arrival
    pending_at_ask: int
    ask_share: float
    cost: float  # exact on the simulated clock, estimated (fidelity / max) on the real one
    result: Any = None  # (evaluation, error, status, seconds) once known
    handle: Any = None  # Ray object ref on the real clock


class _SimulatedClock:
    """Evaluates at start; the duration model fixes the end time."""

    name = "simulated"

    def __init__(self, loop: _Loop, durations: DurationModel) -> None:
        self.loop = loop
        self.durations = durations
        self.heap: list[tuple[float, int]] = []

    def prepare(self, suggestions: Sequence[Suggestion], indices: Sequence[int]) -> list[tuple[Any, float]]:
        """Evaluate now (results stay hidden until their end time): ``(result, cost)`` each."""
        loop, duration = self.loop, self.durations.duration
        results = loop.evaluate(suggestions, indices)
        out = []
        for s, r, i in zip(suggestions, results, indices):
            cost = loop.cost_of(s, r[0])
            own = None if r[0] is None or not r[0].info else r[0].info.get("simulated_seconds")
            out.append(((r, duration(cost, trial_seed(loop.seed, i), own)), cost))
        return out

    def schedule(self, flights: Sequence[_Flight]) -> None:
        for flight in flights:
            flight.result, duration = flight.result
            flight.end = flight.start + duration
            heapq.heappush(self.heap, (flight.end, flight.index))

    def pop_completions(self, now: float, deadline: float) -> tuple[float, list[int]]:
        """Indices ending at the earliest end time (if <= deadline), and that time."""
        end = self.heap[0][0]
        if end > deadline:
            return end, []
        done = []
        while self.heap and self.heap[0][0] == end:
            done.append(heapq.heappop(self.heap)[1])
        return end, done

    def cancel(self, flights: Sequence[_Flight]) -> None:
        self.heap.clear()

    def close(self) -> None:
        pass


class _RealClock:
    """Each in-flight evaluation is a Ray task; completions are observed as they arrive."""

    name = "real"

    def __init__(self, loop: _Loop, trial_timeout: float | None, started: float, loop_workers: int) -> None:
        import ray

        if not ray.is_initialized():
            # Outside a Ray worker (the serial executor, a script): a local Ray with one CPU
            # per worker slot, left running for the process's later runs.
            ray.init(address="local", num_cpus=loop_workers, include_dashboard=False, log_to_driver=False,
                     logging_level=logging.ERROR, configure_logging=False)
        self.ray = ray
        self.loop = loop
        self.trial_timeout = trial_timeout
        self.started = started
        self.problem_ref = ray.put(loop.problem)
        self.remote = ray.remote(num_cpus=1, max_retries=0)(_remote_evaluate)
        self.by_ref: dict[Any, _Flight] = {}

    def now(self) -> float:
        return time.perf_counter() - self.started

    def prepare(self, suggestions: Sequence[Suggestion], indices: Sequence[int]) -> list[tuple[Any, float]]:
        """Nothing runs before it starts; until it arrives, ``fidelity / max`` is its cost."""
        return [(None, self.loop.cost_of(s, None)) for s in suggestions]

    def schedule(self, flights: Sequence[_Flight]) -> None:
        for flight in flights:
            s = flight.suggestion
            flight.handle = self.remote.remote(self.problem_ref, dict(s.config), s.fidelity,
                                               trial_seed(self.loop.seed, flight.index), self.trial_timeout)
            self.by_ref[flight.handle] = flight

    def pop_completions(self, now: float, deadline: float) -> tuple[float, list[int]]:
        refs = list(self.by_ref)
        while True:
            timeout = None if math.isinf(deadline) else max(0.0, deadline - self.now())
            ready, _ = self.ray.wait(refs, num_returns=1, timeout=timeout)
            if ready:
                break
            if self.now() >= deadline:  # ray.wait may return a little before its timeout
                return deadline, []
        # Whatever else finished meanwhile arrives in the same step.
        ready, _ = self.ray.wait(refs, num_returns=len(refs), timeout=0)
        end = self.now()
        arrived = []
        for ref in ready:
            flight = self.by_ref.pop(ref)
            try:
                result, finished_at = self.ray.get(ref)
            except Exception as exc:  # noqa: BLE001 - a lost task is a failed trial, visibly
                result, finished_at = (None, f"evaluation task lost: {_describe_exception(exc)}", Status.FAILED, 0.0), end
            flight.result = result
            flight.end = end
            arrived.append((finished_at, flight.index))
        arrived.sort()  # the order the tasks actually finished in
        return end, [index for _, index in arrived]

    def cancel(self, flights: Sequence[_Flight]) -> None:
        for flight in flights:
            self.ray.cancel(flight.handle, force=True)
        self.by_ref.clear()

    def close(self) -> None:
        pass


def _remote_evaluate(problem, config, fidelity, seed, trial_timeout):
    from harness.executors import _single_threaded_blas

    _single_threaded_blas()
    result = evaluate_one(problem, config, fidelity, seed, trial_timeout)
    return result, time.time()


def drive_events(
    problem: Problem,
    strategy: Strategy,
    budget: Budget,
    *,
    seed: int,
    trial_timeout: float | None,
    workers: int,
    clock: str,
    durations: DurationModel | None,
    charge_strategy_time: bool,
) -> RunOutcome:
    """Run with up to ``workers`` evaluations in flight (see the module docstring)."""
    loop = _Loop(problem, strategy, budget, seed, trial_timeout)
    outcome = RunOutcome(trials=loop.trials, clock=clock, workers=workers)
    started = time.perf_counter()
    wall_deadline = None if budget.wallclock_seconds is None else started + budget.wallclock_seconds
    label = strategy.name or type(strategy).__name__
    if clock == "simulated":
        engine: Any = _SimulatedClock(loop, durations or default_durations(problem))
    else:
        engine = _RealClock(loop, trial_timeout, started, workers)
    opted_in = accepts_pending(strategy)
    cap = None if opted_in else strategy.max_batch
    time_limit = float(budget.amount) if budget.kind == "time" else math.inf
    free = list(range(workers))  # a heap: the lowest free worker slot takes the next trial
    flights: dict[int, _Flight] = {}
    # Suggestions asked but not started yet: (suggestion, ask share, result, cost). A strategy
    # whose suggestions never depend on results (``max_batch = None`` and no ``pending``
    # keyword, e.g. random search; the sequential loop asks it 1,024 at a time too) is asked
    # for a chunk at once, evaluated as one batch on the simulated clock, and its suggestions
    # handed to workers as they free up: the same trials, at a fraction of the per-ask cost.
    ready: deque = deque()
    prefetch = not opted_in and strategy.max_batch is None
    next_index = 0
    committed = 0.0
    now = 0.0
    real = clock == "real"
    try:
        with loop.alarm if not real else _NoAlarm():
            while True:
                if real:
                    now = engine.now()
                # -- start trials on free workers ------------------------------------------
                n = _room(budget, len(free), next_index, committed, now, time_limit)
                if cap is not None:
                    n = min(n, max(0, cap - len(flights)))
                if n > 0 and len(ready) < n:
                    if wall_deadline is not None and time.perf_counter() > wall_deadline:
                        outcome.status, outcome.error = "truncated", f"wall-clock cap of {budget.wallclock_seconds:g} s reached"
                        break
                    want = n - len(ready)
                    if prefetch:
                        want = max(want, _chunk(budget, workers, next_index + len(ready)))
                    pending = tuple(flights[i].suggestion for i in sorted(flights))
                    t0 = time.perf_counter()
                    try:
                        batch = strategy.ask(want, pending=pending) if opted_in else strategy.ask(want)
                        batch = [loop.check(s) for s in batch]
                    except _StrategyFault as exc:
                        outcome.status, outcome.error, outcome.traceback = "failed", str(exc), traceback_text(exc)
                        break
                    except Exception as exc:  # noqa: BLE001 - a failing strategy fails its run, visibly
                        outcome.status, outcome.error = "failed", f"strategy '{label}' ask raised {_describe_exception(exc)}"
                        outcome.traceback = traceback_text(exc)
                        break
                    ask_seconds = time.perf_counter() - t0
                    if len(batch) > want:
                        outcome.status, outcome.error = "failed", f"strategy '{label}' returned {len(batch)} suggestions for ask({want})"
                        break
                    if charge_strategy_time and not real:
                        now += ask_seconds
                    if batch:
                        first = next_index + len(ready)
                        prepared = engine.prepare(batch, range(first, first + len(batch)))
                        share = ask_seconds / len(batch)
                        ready.extend((sug, share, result, cost) for sug, (result, cost) in zip(batch, prepared))
                if not ready and not flights:
                    break  # exhausted: nothing to run and nothing to wait for
                if n > 0 and ready:
                    starting = []
                    for j in range(min(n, len(ready))):
                        if budget.kind == "cost" and committed >= budget.amount:
                            break  # the rest would start past the budget (the crossing trial ran)
                        suggestion, share, result, cost = ready.popleft()
                        flight = _Flight(next_index, suggestion, heapq.heappop(free), now, math.nan,
                                         len(flights) + j, share, cost, result)
                        next_index += 1
                        committed += cost
                        starting.append(flight)
                    for flight in starting:
                        flights[flight.index] = flight
                    engine.schedule(starting)
                    if budget.kind == "cost" and committed >= budget.amount:
                        ready.clear()
                if not flights:
                    break
                # -- the next completions ---------------------------------------------------
                end, done = engine.pop_completions(now, time_limit)
                if not done:
                    now = max(now, time_limit) if math.isfinite(time_limit) else now
                    if wall_deadline is not None and time.perf_counter() > wall_deadline:
                        outcome.status, outcome.error = "truncated", f"wall-clock cap of {budget.wallclock_seconds:g} s reached"
                    break  # the time budget ends with trials in flight
                now = max(now, end)
                told = []
                for index in done:
                    flight = flights.pop(index)
                    heapq.heappush(free, flight.worker)
                    result = flight.result
                    gradient = _gradient(loop, flight.suggestion, result)
                    trial = loop.make_trial(index, flight.suggestion, result, gradient, None if real else flight.cost,
                                            worker=flight.worker,
                                            start_time=flight.start, end_time=flight.end if not real else end,
                                            pending_at_ask=flight.pending_at_ask)
                    told.append((trial, flight.ask_share))
                t1 = time.perf_counter()
                trials = [t for t, _ in told]
                loop.trials.extend(trials)
                loop.spent += sum(t.cost for t in trials)
                try:
                    strategy.tell(trials)
                except Exception as exc:  # noqa: BLE001
                    outcome.status, outcome.error = "failed", f"strategy '{label}' tell raised {_describe_exception(exc)}"
                    outcome.traceback = traceback_text(exc)
                    break
                tell_seconds = time.perf_counter() - t1
                if charge_strategy_time and not real:
                    now += tell_seconds
                for trial, ask_share in told:
                    object.__setattr__(trial, "strategy_seconds", ask_share + tell_seconds / len(told))
    finally:
        _cancel(loop, engine, flights, max(now, engine.now()) if real else now, time_limit)
        engine.close()
    outcome.seconds = time.perf_counter() - started
    return outcome


class _NoAlarm:
    """Real-clock runs time out inside their Ray tasks, not in the loop's thread."""

    def __enter__(self) -> "_NoAlarm":
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def _room(budget: Budget, free: int, started: int, committed: float, now: float, time_limit: float) -> int:
    """How many trials may start now on ``free`` workers."""
    if free == 0:
        return 0
    if budget.kind == "evaluations":
        return max(0, min(free, int(budget.amount) - started))
    if budget.kind == "cost":
        return free if committed < budget.amount else 0
    return free if now < time_limit else 0


def _chunk(budget: Budget, workers: int, taken: int) -> int:
    """How many suggestions to ask ahead of a strategy that does not learn from results."""
    if budget.kind == "evaluations":
        return max(0, min(int(budget.amount) - taken, BATCH_CAP))
    # Cost and time budgets end at an unknown count: ask one round of workers ahead, so at
    # most that many evaluations are made and never started.
    return workers


def _gradient(loop: _Loop, suggestion: Suggestion, result) -> tuple | None:
    if not (loop.problem.has_gradient and suggestion.want_gradient and result[2] is Status.OK):
        return None
    return tuple(float(g) for g in loop.problem.gradient([suggestion.config])[0])


def _cancel(loop: _Loop, engine: Any, flights: dict[int, _Flight], now: float, time_limit: float) -> None:
    """Store the trials still in flight when the run ends as ``cancelled``, with the cost they ran."""
    if not flights:
        return
    stop = min(now, time_limit) if math.isfinite(time_limit) else now
    engine.cancel(list(flights.values()))
    for index in sorted(flights):
        flight = flights[index]
        stop_at = max(stop, flight.start)
        # The simulated clock knows how much of the trial ran; on the real clock its length is
        # unknown, so its whole estimated cost is charged (an upper bound).
        planned = flight.end - flight.start if math.isfinite(flight.end) else math.nan
        share = (stop_at - flight.start) / planned if math.isfinite(planned) and planned > 0 else 1.0
        seconds = flight.result[3] if flight.result is not None else 0.0
        result = (None, f"cancelled at {stop_at:g} s, still running when the run ended", Status.CANCELLED, seconds)
        trial = loop.make_trial(index, flight.suggestion, result, None, worker=flight.worker, start_time=flight.start,
                                end_time=stop_at, pending_at_ask=flight.pending_at_ask)
        object.__setattr__(trial, "cost", flight.cost * min(1.0, share))
        object.__setattr__(trial, "strategy_seconds", flight.ask_share)
        loop.trials.append(trial)
        loop.spent += trial.cost
    flights.clear()

"""The real clock of the event loop: each in-flight evaluation is a Ray task.

Used by :mod:`harness.event_loop` for ``clock = "real"``: a started trial becomes a Ray task on
the local Ray (started here when none runs) or the cluster the run executes on, and the loop
waits for the first to finish. Times are seconds since the clock was made; trials arriving
together are ordered by the time their tasks finished.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any, Sequence

from harness.protocols import Status, Suggestion
from harness.records import Evaluated
from harness.run_loop import Flight, RunLoop
from harness.seeding import trial_seed
from harness.trial_evaluation import describe_exception, evaluate_one, single_threaded_blas

__all__ = ["RealClock"]


class RealClock:
    """Each in-flight evaluation is a Ray task; completions are observed as they arrive."""

    name = "real"

    def __init__(self, loop: RunLoop, trial_timeout: float | None, loop_workers: int) -> None:
        import ray

        if not ray.is_initialized():
            # Outside a Ray worker (the serial executor, a script): a local Ray with one CPU
            # per worker slot, left running for the process's later runs.
            ray.init(address="local", num_cpus=loop_workers, include_dashboard=False, log_to_driver=False,
                     logging_level=logging.ERROR, configure_logging=False)
        self.ray = ray
        self.loop = loop
        self.trial_timeout = trial_timeout
        self.started = time.perf_counter()
        self.problem_ref = ray.put(loop.problem)
        self.remote = ray.remote(num_cpus=1, max_retries=0)(_remote_evaluate)
        self.by_ref: dict[Any, Flight] = {}

    def now(self) -> float:
        """Seconds since the clock was made."""
        return time.perf_counter() - self.started

    def prepare(self, suggestions: Sequence[Suggestion], first: int) -> list[tuple[None, float, None]]:
        """Nothing runs before it starts; until it arrives, ``fidelity / max`` is its cost."""
        return [(None, self.loop.cost_of(s, None), None) for s in suggestions]

    def schedule(self, flight: Flight, duration: None) -> None:
        s = flight.suggestion
        flight.handle = self.remote.remote(self.problem_ref, dict(s.config), s.fidelity,
                                           trial_seed(self.loop.seed, flight.index), self.trial_timeout,
                                           self.loop.budget.kind == "cost")
        self.by_ref[flight.handle] = flight

    def pop_completions(self, deadline: float) -> tuple[float, list[int]]:
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
                result = Evaluated(None, f"evaluation task lost: {describe_exception(exc)}", Status.FAILED, 0.0)
                finished_at = end
            flight.result = result
            flight.end = end
            arrived.append((finished_at, flight.index))
        arrived.sort()  # the order the tasks actually finished in
        return end, [index for _, index in arrived]

    def cancel(self, flights: Sequence[Flight]) -> None:
        for flight in flights:
            self.ray.cancel(flight.handle, force=True)
        self.by_ref.clear()


def _remote_evaluate(problem, config, fidelity, seed, trial_timeout, cost_budget):
    single_threaded_blas()
    result = evaluate_one(problem, config, fidelity, seed, trial_timeout, cost_budget)
    return result, time.time()

"""Timeouts an objective cannot defeat: catching the alarm, ignoring SIGALRM, or never
returning at all (then a watchdog kills the Ray worker and the run fails visibly)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from harness.protocols import Budget, Evaluation, Problem, Status
from harness.registry import strategies
from harness.runner import drive
from harness.space import Float, Space


class Stubborn(Problem):
    """Every second trial runs 1.5 s; ``mode`` says how it defends itself against the alarm."""

    name = "stubborn"
    optimum = 0.0

    def __init__(self, mode: str) -> None:
        self.space = Space([Float("x", -1, 1)])
        self.mode = mode
        self.calls = 0

    def evaluate(self, config, fidelity, seed):
        self.calls += 1
        if self.calls % 2:
            return Evaluation(config["x"] ** 2)
        if self.mode == "ignore":
            previous = signal.signal(signal.SIGALRM, signal.SIG_IGN)
            time.sleep(1.5)
            signal.signal(signal.SIGALRM, previous)
        else:
            deadline = time.monotonic() + 1.5
            while time.monotonic() < deadline:  # swallows every alarm, as a bare except would
                try:
                    time.sleep(0.05)
                except BaseException:  # noqa: BLE001
                    pass
        return Evaluation(config["x"] ** 2)


def test_a_caught_or_ignored_alarm_is_still_a_timeout():
    for mode in ("catch", "ignore"):
        problem = Stubborn(mode)
        strategy = strategies.factory("random")(problem.space, 0, Budget(4))
        outcome = drive(problem, strategy, Budget(4), seed=0, trial_timeout=0.5)
        statuses = [t.status for t in outcome.trials]
        assert statuses == [Status.OK, Status.TIMEOUT, Status.OK, Status.TIMEOUT], (mode, statuses)
        assert all("timeout after 0.5 s" in t.error for t in outcome.trials if t.status is Status.TIMEOUT)


RUNAWAY = """
import time
from harness.executors import WATCHDOG_GRACE
from harness.protocols import Budget, Evaluation, Problem
from harness.registry import strategies
from harness.runner import drive
from harness.space import Float, Space
from harness.trial_timeout import enable_watchdog


class Runaway(Problem):
    name = "runaway"
    optimum = 0.0
    space = Space([Float("x", -1, 1)])

    def evaluate(self, config, fidelity, seed):
        while True:  # swallows every alarm, as C code that never returns to Python would
            try:
                time.sleep(0.05)
            except BaseException:
                pass


enable_watchdog(WATCHDOG_GRACE)  # what a Ray worker does before running a run
problem = Runaway()
drive(problem, strategies.factory("random")(problem.space, 0, Budget(3)), Budget(3), seed=0, trial_timeout=0.5)
print("returned")
"""


def test_a_trial_that_never_returns_has_its_worker_process_killed():
    """Ray then retries the run and records it as failed (test_execution: a dying worker)."""
    from harness.executors import WATCHDOG_GRACE

    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", RUNAWAY], capture_output=True, text=True, timeout=120)
    elapsed = time.monotonic() - started
    assert done.returncode == -signal.SIGKILL and "returned" not in done.stdout, done.stderr[-2000:]
    assert 0.5 + WATCHDOG_GRACE <= elapsed < 0.5 + WATCHDOG_GRACE + 30

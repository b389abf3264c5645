"""Trial timeouts an objective cannot defeat.

Inside the process, ``SIGALRM`` raises :class:`TrialTimeout` in the objective, then again
every second while the trial still runs, so catching it once does not escape it. Whatever
the objective does with it (a bare ``except BaseException``, ignoring ``SIGALRM``), a trial
that ran past its timeout is recorded as a timeout, never as ok: the runner asks
:meth:`TrialAlarm.overran` after the objective returns.

An objective that never returns (caught in a loop, or stuck in C code) is handled from
outside: in a Ray worker a watchdog thread kills the worker process once a trial has run
``timeout + grace`` seconds; Ray then retries the run as for any dying worker, and after
its retries the run is recorded as failed. The serial executor has no such watchdog: killing
the process would kill the whole suite (README, "Timeouts").
"""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any

__all__ = ["TrialTimeout", "TrialAlarm", "enable_watchdog"]

#: Seconds between repeated alarms once a trial has run past its timeout.
REPEAT_SECONDS = 1.0
_WATCHDOG_GRACE: float | None = None


class TrialTimeout(BaseException):
    """Raised inside an objective that ran past its timeout.

    A ``BaseException`` so that an objective's own ``except Exception`` cannot swallow it.
    """


def enable_watchdog(grace: float | None) -> None:
    """Kill this process when a trial overruns its timeout by ``grace`` seconds (None: off).

    Only for processes that are disposable (Ray workers): the caller retries the run.
    """
    global _WATCHDOG_GRACE
    _WATCHDOG_GRACE = grace


class TrialAlarm:
    """A per-trial timeout via ``SIGALRM`` (main thread on POSIX), plus an elapsed-time check
    that works everywhere and, when enabled, an outside watchdog."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.enabled = (
            seconds is not None
            and hasattr(signal, "setitimer")
            and threading.current_thread() is threading.main_thread()
        )
        self._previous: Any = None
        self._limit: float | None = None
        self._started: float | None = None
        self.fired = False
        self._stop_watchdog: threading.Event | None = None

    def __enter__(self) -> "TrialAlarm":
        if self.enabled:
            self._previous = signal.signal(signal.SIGALRM, self._fire)
        if self.seconds is not None and _WATCHDOG_GRACE is not None:
            self._stop_watchdog = threading.Event()
            threading.Thread(target=self._watch, args=(self._stop_watchdog, _WATCHDOG_GRACE),
                             name="harness-trial-watchdog", daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._stop_watchdog is not None:
            self._stop_watchdog.set()
        if self.enabled:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._previous)

    def _fire(self, signum: int, frame: object) -> None:
        self.fired = True
        raise TrialTimeout()

    def _watch(self, stop: threading.Event, grace: float) -> None:
        while not stop.wait(0.5):
            started, limit = self._started, self._limit
            if started is not None and limit is not None and time.perf_counter() - started > limit + grace:
                # The objective neither returned nor let the alarm through: only killing the
                # process stops it. Its run is retried by Ray, then recorded as failed.
                os.kill(os.getpid(), signal.SIGKILL)

    def start(self, n_trials: int = 1) -> None:
        """Start timing ``n_trials`` evaluations (a batch gets ``n`` times the timeout)."""
        self.fired = False
        if self.seconds is None:
            return
        self._limit = self.seconds * n_trials
        self._started = time.perf_counter()
        if self.enabled:
            signal.setitimer(signal.ITIMER_REAL, self._limit, REPEAT_SECONDS)

    def stop(self) -> None:
        """Stop timing (the objective returned or raised)."""
        self._started = None
        if self.enabled:
            signal.setitimer(signal.ITIMER_REAL, 0)

    def overran(self, elapsed: float) -> bool:
        """Whether the trial that just ended ran past its timeout (caught alarm or not)."""
        return self._limit is not None and (self.fired or elapsed > self._limit)

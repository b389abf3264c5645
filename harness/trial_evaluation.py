"""One evaluation as the runner makes it: timed, under a trial alarm, judged into an :class:`Evaluated`.

An objective that raises, returns something malformed or non-finite, or runs past its timeout
becomes a failed (or timed-out) evaluation with a one-line error, never an exception that
ends the run. The runner's loops and the real clock's Ray tasks share these functions.
"""

from __future__ import annotations

import math
import time
import traceback as _tb
from typing import Any

from harness.evaluation_check import check_evaluation
from harness.protocols import Evaluation, Problem, Status
from harness.records import Evaluated
from harness.trial_timeout import TrialAlarm, TrialTimeout

__all__ = ["FailureText", "traceback_text", "describe_exception", "judge", "evaluate_single", "evaluate_one",
           "single_threaded_blas"]

_BLAS_LIMITED = False


def single_threaded_blas() -> None:
    """Limit BLAS/OpenMP pools to one thread, once per process (inspecting them costs ms).

    Every process that runs trials does so, so results are bit-identical whether a run
    executes in the driver, in a Ray worker or in a real-clock evaluation task.
    """
    global _BLAS_LIMITED
    if not _BLAS_LIMITED:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
        _BLAS_LIMITED = True


class FailureText(str):
    """A one-line error message that also carries the full traceback (stored beside it)."""

    traceback: str | None = None


def traceback_text(exc: BaseException) -> str:
    """The full traceback of ``exc`` as text."""
    return "".join(_tb.format_exception(type(exc), exc, exc.__traceback__))


def describe_exception(exc: BaseException) -> FailureText:
    """``Type: first line of the message``, carrying the full traceback."""
    message = str(exc).strip().splitlines()
    text = FailureText(f"{type(exc).__name__}: {message[0]}" if message else type(exc).__name__)
    text.traceback = traceback_text(exc)
    return text


def judge(result: Any, seconds: float, cost_budget: bool = False) -> Evaluated:
    """What an objective returned, checked: an OK evaluation or a failed one naming the field."""
    if (type(result) is Evaluation and type(result.value) is float and result.cost is None
            and result.test_value is None and result.info is None and result.value - result.value == 0.0):
        # The common case (a finite float and nothing else, as most problems return) needs
        # none of the field-by-field checks below.
        return Evaluated(result, None, Status.OK, seconds)
    try:
        evaluation = check_evaluation(result, cost_budget=cost_budget)
        value = float(evaluation.value)
    except (TypeError, ValueError) as exc:
        return Evaluated(None, describe_exception(exc), Status.FAILED, seconds)
    if not math.isfinite(value):
        return Evaluated(evaluation, f"objective returned {value}", Status.FAILED, seconds)
    return Evaluated(evaluation, None, Status.OK, seconds)


def evaluate_single(problem: Problem, alarm: TrialAlarm, config, fidelity, seed: int, cost_budget: bool = False
                     ) -> Evaluated:
    """Evaluate one config under ``alarm`` (already armed for the run), timed and judged."""
    start = time.perf_counter()
    try:
        alarm.start()
        result = problem.evaluate(config, fidelity, seed)
        alarm.stop()
        seconds = time.perf_counter() - start
        if alarm.overran(seconds):  # the objective caught or ignored the alarm and returned late
            return Evaluated(None, f"timeout after {alarm.seconds:g} s (the objective caught or ignored it)",
                             Status.TIMEOUT, seconds)
        return judge(result, seconds, cost_budget)
    except TrialTimeout:
        alarm.stop()
        return Evaluated(None, f"timeout after {alarm.seconds:g} s", Status.TIMEOUT, time.perf_counter() - start)
    except Exception as exc:  # noqa: BLE001 - any objective error is a failed trial
        alarm.stop()
        return Evaluated(None, describe_exception(exc), Status.FAILED, time.perf_counter() - start)


def evaluate_one(problem: Problem, config, fidelity, seed: int, trial_timeout: float | None,
                 cost_budget: bool = False) -> Evaluated:
    """Evaluate one config as the runner does (timeout, failures), e.g. inside a Ray task.

    ``cost_budget`` says the run's budget counts cost, where a cost <= 0 is a failed trial
    (it would never end the run), exactly as in the in-process loops.
    """
    alarm = TrialAlarm(trial_timeout)
    with alarm:
        return evaluate_single(problem, alarm, config, fidelity, seed, cost_budget)

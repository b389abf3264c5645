"""Executors: run many independent runs, serially or as Ray tasks, yielding each as it ends.

A run is built from its :class:`~harness.records.RunSpec` inside the worker (problem and
strategy come from the registries there), so nothing heavier than that small record crosses to
a worker, and a worker returns one finished run (record + Arrow table) to the driver, the only
writer of the store.
"""

from __future__ import annotations

import os
import time
import warnings
from typing import Iterable, Iterator

from harness.provenance import run_code
from harness.ray_start import (InfrastructureError, dead_ray_processes, plain_text, reap_session, run_failure_types,
                               session_dir, start_ray)
from harness.registry import problems, strategies
from harness.event_loop import timing_options
from harness.records import RunOutcome, RunRecord, RunSpec
from harness.runner import drive, traceback_text
from harness.trial_evaluation import single_threaded_blas as _single_threaded_blas  # also used by harness.tabulate
from harness.trial_timeout import enable_watchdog
from harness.store import RunResult, trials_table

__all__ = ["ExecutorError", "execute_run", "SerialExecutor", "RayExecutor", "make_executor", "RUN_RETRIES"]

#: How many times Ray re-runs a run whose worker process died (e.g. ``os._exit`` in an
#: objective, or the OOM killer) before recording the run as failed.
RUN_RETRIES = 2
#: Seconds past its timeout after which a trial that ignores its alarm has its worker killed.
WATCHDOG_GRACE = 3.0


def execute_run(spec: RunSpec) -> RunResult:
    """Build the problem and strategy of ``spec``, drive the run, and package the result.

    BLAS thread pools are limited to one thread so that results are bit-identical whether
    a run executes in the driver or in a Ray worker.
    """
    _single_threaded_blas()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        problem = problems.create(spec.problem_name, instance=spec.instance, **spec.problem_params)
        cls = strategies.factory(spec.strategy_name)
        try:
            strategy = cls(problem.space, spec.seed, spec.budget, problem.fidelity, **spec.strategy_params)
        except Exception as exc:  # noqa: BLE001 - recorded on the run, the suite goes on
            outcome = RunOutcome(status="failed", error=f"strategy '{spec.strategy_name}' could not start: {exc}",
                                 traceback=traceback_text(exc))
        else:
            outcome = drive(problem, strategy, spec.budget, seed=spec.problem_seed, trial_timeout=spec.trial_timeout,
                            **timing_options(spec, problem))
    return _result(spec, problem, outcome, _node_address())


def _result(spec: RunSpec, problem, outcome: RunOutcome, node: str | None = None) -> RunResult:
    """The record and the trial table of a finished run."""
    record = RunRecord.of_run(spec, problem, outcome, code=run_code(spec.strategy_name, spec.problem_name), node=node)
    return RunResult(record, trials_table(record, problem, outcome))


def _execute_run_in_worker(spec: RunSpec) -> RunResult:
    """:func:`execute_run` in a Ray worker, whose process a runaway trial may be killed with.

    A trial running ``WATCHDOG_GRACE`` (or half its timeout, if longer) past its timeout has
    defeated the in-process alarm; the worker is killed and Ray's retries take over.
    """
    timeout = spec.trial_timeout
    enable_watchdog(None if timeout is None else max(WATCHDOG_GRACE, 0.5 * timeout))
    return execute_run(spec)


def _node_address() -> str | None:
    """The address of the Ray node running this process (None outside Ray)."""
    import sys

    ray = sys.modules.get("ray")  # a serial run never imports Ray just to say it is not on one
    if ray is None or not ray.is_initialized():
        return None
    try:
        return ray.util.get_node_ip_address()
    except Exception:  # noqa: BLE001 - informative only
        return None


def failed_result(spec: RunSpec, error: str, details: str | None = None) -> RunResult:
    """A run that could not execute at all (its worker kept dying); ``details`` is stored as its traceback."""
    outcome = RunOutcome(status="failed", error=error, traceback=details)
    try:
        problem = problems.create(spec.problem_name, instance=spec.instance, **spec.problem_params)
    except Exception:  # noqa: BLE001 - the record must be written even if the problem breaks
        problem = None
    return _result(spec, problem, outcome)


class ExecutorError(RuntimeError):
    """Ray could not be started or joined."""


def _first_line(exc: BaseException) -> str:
    text = plain_text(str(exc)).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _run_failure_message(exc: BaseException) -> str:
    """One line for a run that failed on Ray: the run's own error, or how its worker died."""
    import ray.exceptions as rex

    if isinstance(exc, rex.RayTaskError):
        cause = exc.cause if getattr(exc, "cause", None) is not None else exc
        return f"run raised {_first_line(cause)}"
    if isinstance(exc, rex.OutOfMemoryError):
        return f"worker killed for lack of memory {RUN_RETRIES + 1} times: {_first_line(exc)}"
    return f"worker failed {RUN_RETRIES + 1} times: {_first_line(exc)}"


class SerialExecutor:
    """Runs in the driver process, one after another (debugging, tests, tiny suites)."""

    name = "serial"
    workers = 1

    def run(self, specs: Iterable[RunSpec]) -> Iterator[RunResult]:
        """Yield each run's result as it finishes."""
        for spec in specs:
            yield execute_run(spec)

    def close(self) -> None:
        """Nothing to release."""


class RayExecutor:
    """Runs as Ray tasks (one CPU each) on a local Ray or on a cluster.

    Parameters
    ----------
    address : str, optional
        A cluster to join (``ray://...`` or ``host:port``); falls back to ``RAY_ADDRESS``;
        without either a local Ray is started and shut down again by :meth:`close`.
    workers : int, optional
        CPUs of a local Ray (default: all). Ignored when joining a cluster.
    """

    name = "ray"

    def __init__(self, address: str | None = None, workers: int | None = None) -> None:
        import ray

        self._ray = ray
        address = address or os.environ.get("RAY_ADDRESS") or None
        self._started_here = not ray.is_initialized()
        #: Runs Ray could not run (a lost node kept taking them): left unstored, run on resume.
        self.unrun: list[tuple[RunSpec, str]] = []
        if self._started_here:
            try:
                address = start_ray(address, workers, RUN_RETRIES)
            except KeyboardInterrupt:
                raise
            except Exception as exc:  # noqa: BLE001 - one line for the user, not Ray's traceback
                text = str(exc).strip().splitlines()
                raise ExecutorError(f"could not {'start' if address is None else 'join'} Ray"
                                    f"{'' if address is None else ' at ' + address}: "
                                    f"{text[0] if text else type(exc).__name__}") from None
        self.address = address
        self.workers = int(ray.cluster_resources().get("CPU", 1))
        self._remote = ray.remote(num_cpus=1, max_retries=RUN_RETRIES, retry_exceptions=False)(_execute_run_in_worker)

    def run(self, specs: Iterable[RunSpec]) -> Iterator[RunResult]:
        """Submit every run, then yield results in completion order.

        A run whose worker kept dying, or that raised, is yielded as a failed run. A run
        Ray could not run (its node or raylet died) is not yielded but listed in
        :attr:`unrun`. A dead GCS or raylet of the local Ray raises
        :class:`~harness.ray_start.InfrastructureError` within about a second.
        """
        ray = self._ray
        run_failures = run_failure_types()
        pending = {self._remote.remote(spec): spec for spec in specs}
        checked = time.monotonic()
        try:
            while pending:
                done, _ = ray.wait(list(pending), num_returns=min(len(pending), 64), timeout=0.2)
                if not done:
                    done, _ = ray.wait(list(pending), num_returns=1, timeout=1.0)
                if time.monotonic() - checked >= 1.0:
                    # Without its GCS a local Ray limps on until its processes give up a
                    # minute later; stop now, keeping what finished.
                    checked = time.monotonic()
                    dead = dead_ray_processes()
                    if dead:
                        raise InfrastructureError(f"Ray's {' and '.join(dead)} died")
                for ref in done:
                    spec = pending.pop(ref)
                    try:
                        yield ray.get(ref)
                    except run_failures as exc:
                        yield failed_result(spec, _run_failure_message(exc), plain_text(str(exc)))
                    except ray.exceptions.RayError as exc:
                        self.unrun.append((spec, _first_line(exc)))
                        dead = dead_ray_processes()
                        if dead:
                            raise InfrastructureError(f"Ray's {' and '.join(dead)} died ({_first_line(exc)})") from None
        finally:
            for ref in pending:
                try:
                    ray.cancel(ref, force=True)
                except Exception:  # noqa: BLE001 - a dead Ray cannot cancel; shutdown follows
                    pass

    def close(self) -> None:
        """Shut down the Ray this executor started (a joined cluster is left running)."""
        if self._started_here and self._ray.is_initialized():
            directory = session_dir() if self.address == "local" else None
            self._ray.shutdown()
            reap_session(directory)


def make_executor(kind: str = "ray", address: str | None = None, workers: int | None = None):
    """The executor named ``kind`` (``"ray"`` or ``"serial"``)."""
    if kind == "serial":
        return SerialExecutor()
    if kind == "ray":
        return RayExecutor(address=address, workers=workers)
    raise ValueError(f"Unknown executor '{kind}' (use 'ray' or 'serial')")

"""Executors: run many independent runs, serially or as Ray tasks, yielding each as it ends.

A run is built from its plain spec inside the worker (problem and strategy come from the
registries there), so nothing heavier than a dict crosses to a worker, and a worker returns
one finished run (record + Arrow table) to the driver, the only writer of the store.
"""

from __future__ import annotations

import logging
import os
import warnings
from typing import Iterable, Iterator, Mapping, Any

from harness.protocols import Budget
from harness.registry import problems, strategies
from harness.event_loop import timing_options
from harness.runner import RunOutcome, drive, traceback_text
from harness.store import RunResult, run_record, trials_table

__all__ = ["ExecutorError", "execute_run", "SerialExecutor", "RayExecutor", "make_executor", "RUN_RETRIES"]

#: How many times Ray re-runs a run whose worker process died (e.g. ``os._exit`` in an
#: objective, or the OOM killer) before recording the run as failed.
RUN_RETRIES = 2


_BLAS_LIMITED = False


def _single_threaded_blas() -> None:
    """Limit BLAS/OpenMP pools to one thread, once per process (inspecting them costs ms)."""
    global _BLAS_LIMITED
    if not _BLAS_LIMITED:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
        _BLAS_LIMITED = True


def execute_run(spec: Mapping[str, Any]) -> RunResult:
    """Build the problem and strategy of ``spec``, drive the run, and package the result.

    BLAS thread pools are limited to one thread so that results are bit-identical whether
    a run executes in the driver or in a Ray worker.
    """
    _single_threaded_blas()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        problem = problems.create(spec["problem_name"], instance=spec["instance"], **spec["problem_params"])
        budget = Budget(**spec["budget"])
        cls = strategies.factory(spec["strategy_name"])
        try:
            strategy = cls(problem.space, spec["seed"], budget, problem.fidelity, **spec["strategy_params"])
        except Exception as exc:  # noqa: BLE001 - recorded on the run, the suite goes on
            outcome = RunOutcome(status="failed", error=f"strategy '{spec['strategy_name']}' could not start: {exc}",
                                 traceback=traceback_text(exc))
        else:
            outcome = drive(problem, strategy, budget, seed=spec["problem_seed"], trial_timeout=spec["trial_timeout"],
                            **timing_options(spec, problem))
    record = run_record(spec, problem, outcome)
    return RunResult(record, trials_table(record, problem, outcome))


def failed_result(spec: Mapping[str, Any], error: str, details: str | None = None) -> RunResult:
    """A run that could not execute at all (its worker kept dying); ``details`` is stored as its traceback."""
    outcome = RunOutcome(status="failed", error=error, traceback=details)
    try:
        problem = problems.create(spec["problem_name"], instance=spec["instance"], **spec["problem_params"])
    except Exception:  # noqa: BLE001 - the record must be written even if the problem breaks
        problem = None
    record = run_record(spec, problem, outcome)
    return RunResult(record, trials_table(record, problem, outcome))


class ExecutorError(RuntimeError):
    """Ray could not be started or joined."""


class SerialExecutor:
    """Runs in the driver process, one after another (debugging, tests, tiny suites)."""

    name = "serial"
    workers = 1

    def run(self, specs: Iterable[Mapping[str, Any]]) -> Iterator[RunResult]:
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
        if self._started_here:
            kwargs = dict(include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR,
                          configure_logging=False)
            if address is None:
                # "local" starts a fresh Ray even when another one runs on this machine;
                # joining someone else's cluster must be asked for by address.
                address = "local"
                kwargs["num_cpus"] = workers or os.cpu_count() or 1
            try:
                ray.init(address=address, **kwargs)
            except Exception as exc:  # noqa: BLE001 - one line for the user, not Ray's traceback
                text = str(exc).strip().splitlines()
                raise ExecutorError(f"could not {'start' if address == 'local' else 'join'} Ray"
                                    f"{'' if address == 'local' else ' at ' + address}: "
                                    f"{text[0] if text else type(exc).__name__}") from None
        self.address = address
        self.workers = int(ray.cluster_resources().get("CPU", 1))
        self._remote = ray.remote(num_cpus=1, max_retries=RUN_RETRIES, retry_exceptions=False)(execute_run)

    def run(self, specs: Iterable[Mapping[str, Any]]) -> Iterator[RunResult]:
        """Submit every run, then yield results in completion order."""
        ray = self._ray
        pending = {self._remote.remote(spec): spec for spec in specs}
        try:
            while pending:
                done, _ = ray.wait(list(pending), num_returns=min(len(pending), 64), timeout=0.2)
                if not done:
                    done, _ = ray.wait(list(pending), num_returns=1)
                for ref in done:
                    spec = pending.pop(ref)
                    try:
                        yield ray.get(ref)
                    except ray.exceptions.RayError as exc:
                        # Retries are exhausted: record the run as failed, keep the suite going.
                        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                        yield failed_result(spec, f"worker failed {RUN_RETRIES + 1} times: {type(exc).__name__}: {reason}",
                                            str(exc))
        finally:
            for ref in pending:
                ray.cancel(ref, force=True)

    def close(self) -> None:
        """Shut down the Ray this executor started (a joined cluster is left running)."""
        if self._started_here and self._ray.is_initialized():
            self._ray.shutdown()


def make_executor(kind: str = "ray", address: str | None = None, workers: int | None = None):
    """The executor named ``kind`` (``"ray"`` or ``"serial"``)."""
    if kind == "serial":
        return SerialExecutor()
    if kind == "ray":
        return RayExecutor(address=address, workers=workers)
    raise ValueError(f"Unknown executor '{kind}' (use 'ray' or 'serial')")

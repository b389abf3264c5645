"""Run a whole suite: validate, plan, skip stored runs, execute, store.

The report is not this module's part: :mod:`harness.cli` composes run -> report -> paper, so
nothing here imports the report and the report never imports this back.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from harness.environment import environment
from harness.executors import make_executor
from harness.lock import ResultsLock, ResultsLocked
from harness.progress import Progress
from harness.ray_start import InfrastructureError
from harness.provenance import changed_code, describe_changes
from harness.records import RunRecord
from harness.store import Store, StoreError
from harness.suite import Suite, load_suite

__all__ = ["SuiteSummary", "Interrupted", "RayFailed", "run_suite", "results_dir_for"]


@dataclass
class SuiteSummary:
    """What one invocation did."""

    results: Path
    planned: int
    skipped: int
    ran: int
    failed_runs: int
    trials: int
    #: Failed runs of the suite, stored before or run now (``failed_runs`` counts only now).
    failed_total: int = 0
    #: Why each run Ray could not run was left unrun (they run on resume).
    unrun: list = field(default_factory=list)


class Interrupted(Exception):
    """The user stopped the suite; finished runs are stored."""

    def __init__(self, results: Path, stored: int, planned: int) -> None:
        super().__init__(
            f"interrupted: {stored} of {planned} runs are stored in {results}; "
            "run the same command again to resume"
        )


class RayFailed(Exception):
    """Ray itself failed mid-suite; finished runs are stored, the rest run on resume."""

    def __init__(self, results: Path, stored: int, planned: int, reason: str) -> None:
        super().__init__(
            f"stopped: {reason}; {stored} of {planned} runs are stored in {results}; "
            "run the same command again to run the rest"
        )


def results_dir_for(suite: Suite, results: str | os.PathLike | None) -> Path:
    """``results/<suite name>`` under the working directory unless given."""
    return Path(results) if results is not None else Path("results") / suite.name


def _stderr_line(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def run_suite(
    suite_path: str | os.PathLike,
    *,
    executor: str | None = None,
    address: str | None = None,
    workers: int | None = None,
    results: str | os.PathLike | None = None,
    retry_failed: bool = False,
    rerun_changed: bool = False,
    progress: bool = True,
    on_result: Callable[[RunRecord], None] | None = None,
    notify: Callable[[str], None] = _stderr_line,
) -> SuiteSummary:
    """Run (or resume) the suite in ``suite_path`` and return a summary.

    The suite is validated before anything is written. Runs already stored are skipped
    (failed ones too, unless ``retry_failed``; runs made by other code than is installed
    too, with a one-line note, unless ``rerun_changed``), so a rerun after a crash resumes.
    Stored runs no longer in the suite are kept. ``executor``, ``address`` and ``workers``
    override the suite's ``[executor]`` table. The results directory is locked for the
    duration (:class:`~harness.lock.ResultsLock`).
    """
    suite = load_suite(suite_path)
    settings = dict(suite.executor)
    kind = executor or settings.get("kind", "ray")
    address = address or settings.get("address")
    workers = workers or settings.get("workers")
    path = results_dir_for(suite, results)
    lock = ResultsLock(path, notify=notify)
    try:
        lock.acquire()
    except ResultsLocked as exc:
        raise StoreError(str(exc)) from None
    try:
        return _run_locked(suite, path, kind, address, workers, retry_failed, rerun_changed, progress,
                           on_result, notify)
    finally:
        lock.release()


def _run_locked(suite: Suite, path: Path, kind, address, workers, retry_failed, rerun_changed, progress,
                on_result, notify) -> SuiteSummary:
    store = Store(path)
    runs = suite.runs()
    planned_ids = {r.run_id for r in runs}
    stored_records = store.run_records(all_runs=True) if (path / "trials").exists() else []
    stored = {r.run_id: r for r in stored_records if r.run_id in planned_ids}
    kept_aside = len(stored_records) - len(stored)
    if kept_aside:
        notify(f"note: {kept_aside} stored run{'s' if kept_aside != 1 else ''} not in this suite "
               "kept (ignored by the report; `harness prune RESULTS --keep-current` removes them)")
    redo: set[str] = set()
    if retry_failed:
        redo |= {k for k, v in stored.items() if v.run_status == "failed"}
    changed = changed_code(stored.values())
    if changed:
        notify(describe_changes(changed, rerun_changed))
        if rerun_changed:
            redo |= set(changed)
    stored = {k: v for k, v in stored.items() if k not in redo}
    pending = [r for r in runs if r.run_id not in stored]

    engine = make_executor(kind, address=address, workers=workers) if pending else None
    store.prepare(suite.text, runs, environment(kind, engine.workers) if engine is not None else None)
    if redo:
        store.drop_runs(redo)
    bar = Progress(len(pending), skipped=len(stored), enabled=progress)
    ran = failed = trials = 0
    try:
        with store.autoflush():
            if engine is not None:
                bar.draw()
                for result in engine.run(pending):
                    store.add(result)
                    ran += 1
                    record = result.record
                    trials += record.n_trials
                    failed += record.run_status == "failed"
                    bar.update(record.n_trials, record.run_status == "failed")
                    if on_result is not None:
                        on_result(record)
        store.flush()
        store.compact()
    except KeyboardInterrupt:
        store.flush()
        bar.finish()
        if engine is not None:
            engine.close()
        raise Interrupted(path, len(stored) + ran, len(runs)) from None
    except InfrastructureError as exc:
        store.flush()
        bar.finish()
        engine.close()
        raise RayFailed(path, len(stored) + ran, len(runs), str(exc)) from None
    finally:
        bar.finish()
        if engine is not None:
            engine.close()  # also when the store failed (a full disk): no Ray left behind
    summary = SuiteSummary(path, len(runs), len(stored), ran, failed, trials)
    summary.unrun = [reason for _, reason in getattr(engine, "unrun", [])]
    summary.failed_total = failed + sum(v.run_status == "failed" for v in stored.values())
    return summary

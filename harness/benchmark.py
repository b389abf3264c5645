"""Run a whole suite: validate, plan, skip stored runs, execute, store, report."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from harness.environment import environment
from harness.executors import make_executor
from harness.progress import Progress
from harness.store import Store
from harness.suite import Suite, load_suite

__all__ = ["SuiteSummary", "Interrupted", "run_suite", "results_dir_for"]


@dataclass
class SuiteSummary:
    """What one invocation did."""

    results: Path
    planned: int
    skipped: int
    ran: int
    failed_runs: int
    trials: int
    report: Path | None = None


class Interrupted(Exception):
    """The user stopped the suite; finished runs are stored."""

    def __init__(self, results: Path, stored: int, planned: int) -> None:
        super().__init__(
            f"interrupted: {stored} of {planned} runs are stored in {results}; "
            "run the same command again to resume"
        )


def results_dir_for(suite: Suite, results: str | os.PathLike | None) -> Path:
    """``results/<suite name>`` under the working directory unless given."""
    return Path(results) if results is not None else Path("results") / suite.name


def run_suite(
    suite_path: str | os.PathLike,
    *,
    executor: str | None = None,
    address: str | None = None,
    workers: int | None = None,
    results: str | os.PathLike | None = None,
    retry_failed: bool = False,
    report: bool = True,
    progress: bool = True,
    on_result: Callable[[dict], None] | None = None,
) -> SuiteSummary:
    """Run (or resume) the suite in ``suite_path`` and return a summary.

    The suite is validated before anything is written. Runs already stored are skipped
    (failed ones too, unless ``retry_failed``), so a rerun after a crash resumes.
    ``executor``, ``address`` and ``workers`` override the suite's ``[executor]`` table.
    """
    suite = load_suite(suite_path)
    settings = dict(suite.executor)
    kind = executor or settings.get("kind", "ray")
    address = address or settings.get("address")
    workers = workers or settings.get("workers")
    path = results_dir_for(suite, results)
    store = Store(path)
    runs = suite.runs()
    stored = {r["run_id"]: r for r in (store.run_records() if (path / "trials").exists() else [])}
    planned_ids = {r["run_id"] for r in runs}
    stored = {k: v for k, v in stored.items() if k in planned_ids}
    if retry_failed:
        stored = {k: v for k, v in stored.items() if v["run_status"] != "failed"}
    pending = [r for r in runs if r["run_id"] not in stored]

    engine = make_executor(kind, address=address, workers=workers) if pending else None
    store.prepare(suite.text, runs, environment(kind, engine.workers) if engine is not None else None)
    if retry_failed:
        store.drop_runs(planned_ids - set(stored))
    bar = Progress(len(pending), skipped=len(stored), enabled=progress)
    ran = failed = trials = 0
    try:
        if engine is not None:
            bar.draw()
            for result in engine.run(pending):
                store.add(result)
                ran += 1
                trials += result.record["n_trials"]
                failed += result.record["run_status"] == "failed"
                bar.update(result.record["n_trials"], result.record["run_status"] == "failed")
                if on_result is not None:
                    on_result(result.record)
        store.flush()
        store.compact()
    except KeyboardInterrupt:
        store.flush()
        bar.finish()
        if engine is not None:
            engine.close()
        raise Interrupted(path, len(stored) + ran, len(runs)) from None
    finally:
        bar.finish()
    if engine is not None:
        engine.close()
    summary = SuiteSummary(path, len(runs), len(stored), ran, failed, trials)
    if report:
        summary.report = build_report_if_available(path)
    return summary


def build_report_if_available(path: Path) -> Path | None:
    """Write the report when the report package is installed; None otherwise."""
    try:
        from harness.report import build_report
    except ImportError:
        return None
    return build_report(path)


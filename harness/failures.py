"""``harness show RESULTS --failures``: every failed run and failed trial, with tracebacks."""

from __future__ import annotations

import textwrap
from pathlib import Path

from harness.store import Store

__all__ = ["describe_failures"]


def _indent(text: str | None) -> str:
    return textwrap.indent((text or "(no traceback stored)").rstrip(), "    ")


def describe_failures(results: str | Path, all_runs: bool = False) -> str:
    """A listing of failed runs (error and traceback) and failed trials grouped by error.

    Parameters
    ----------
    results : path
        A results directory.
    all_runs : bool
        Include stored runs no longer in the suite.

    Returns
    -------
    str
        Text ending with a count line; "no failures" when there are none.
    """
    store = Store(results)
    runs = store.run_records(all_runs)
    failed_runs = [r for r in runs if r.run_status == "failed"]
    lines: list[str] = []
    for r in sorted(failed_runs, key=lambda r: (r.problem, r.strategy, r.repetition)):
        lines.append(f"run {r.problem} / {r.strategy} / repetition {r.repetition} ({r.run_id}): {r.run_error}")
        lines.append(_indent(r.run_traceback))
    trial_groups = 0
    n_failed_trials = 0
    if any(r.n_failed for r in runs):
        frame = store.load(all_runs=all_runs)
        bad = frame[frame.status != "ok"]
        n_failed_trials = len(bad)
        if "traceback" not in bad.columns:
            bad = bad.assign(traceback=None)
        # Messages often carry the config ("bad x=0.529"): group by the exception's kind.
        kind = bad.error.fillna("").str.split(":", n=1).str[0]
        for (problem, strategy, status, _), group in bad.groupby(["problem", "strategy", "status", kind],
                                                                   sort=True, dropna=False):
            trial_groups += 1
            first = group.iloc[0]
            lines.append(f"{len(group)} trial{'s' if len(group) != 1 else ''} of {problem} / {strategy} "
                         f"({status}), e.g. run {first.run_id} trial {first.trial}: {first.error}")
            lines.append(_indent(first.traceback if isinstance(first.traceback, str) else None))
    if not failed_runs and not n_failed_trials:
        return f"no failures among {len(runs)} stored runs in {store.path}"
    lines.append(f"{len(failed_runs)} runs failed, {n_failed_trials} trials failed or timed out "
                 f"({trial_groups} distinct errors), of {len(runs)} stored runs")
    return "\n".join(lines)

"""Which stored runs belong to the current suite, and why the others are set aside.

The store keeps every finished run, including runs of problems or strategies since removed
from the suite and runs made under older factory defaults: nothing is deleted unless the
user asks (``harness prune RESULTS --keep-current``). Loading, the report and resuming look
only at the runs of the current suite (``runs.json``) unless asked for all of them; this
module decides which those are and counts the rest, so whoever shows results can say how
many were ignored and why.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from harness.records import RunIdentity, RunRecord, RunSpec

__all__ = ["RunSelection", "select_runs", "REASON_NOT_IN_SUITE", "REASON_SUPERSEDED"]

#: A stored run whose problem, strategy or repetition the current suite no longer has.
REASON_NOT_IN_SUITE = "not in the current suite"
#: A stored run whose labels the suite still has, but with another spec (parameters, seeds,
#: budget, or the factories' defaults at the time it ran).
REASON_SUPERSEDED = "made under an older spec or factory defaults"


@dataclass
class RunSelection:
    """The outcome of :func:`select_runs`.

    Attributes
    ----------
    kept : list of RunRecord
        Run records of the current suite (all of them with ``all_runs``).
    ignored : list of RunRecord
        Stored run records left out.
    reasons : dict
        How many ignored runs per reason (``REASON_*``).
    """

    kept: list[RunRecord] = field(default_factory=list)
    ignored: list[RunRecord] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def ignored_count(self) -> int:
        """Number of stored runs left out."""
        return len(self.ignored)

    def note(self) -> str | None:
        """One line for users ("12 stored runs are ignored: ..."), or None if none is."""
        if not self.ignored:
            return None
        why = ", ".join(f"{n} {reason}" for reason, n in sorted(self.reasons.items()))
        runs = "run is" if len(self.ignored) == 1 else "runs are"
        return (f"{len(self.ignored)} stored {runs} ignored ({why}); `harness report --all-runs` includes them, "
                f"`harness prune RESULTS --keep-current` removes them")


def _labels(run: RunIdentity) -> tuple:
    return run.problem, run.strategy, run.repetition


def select_runs(records: Iterable[RunRecord], planned: Sequence[RunSpec] | None,
                *, all_runs: bool = False) -> RunSelection:
    """Split stored run records into those of the current suite and the rest.

    Parameters
    ----------
    records : iterable of RunRecord
        Stored run records (one per run id).
    planned : sequence of RunSpec, optional
        The current suite's run specs (``runs.json``); None keeps everything.
    all_runs : bool
        Keep every stored run, still counting which ones are not in the current suite.

    Returns
    -------
    RunSelection
    """
    records = list(records)
    if planned is None:
        return RunSelection(kept=records)
    planned_ids = {p.run_id for p in planned}
    planned_labels = {_labels(p) for p in planned}
    selection = RunSelection()
    reasons: Counter = Counter()
    for record in records:
        if record.run_id in planned_ids:
            selection.kept.append(record)
            continue
        reasons[REASON_SUPERSEDED if _labels(record) in planned_labels else REASON_NOT_IN_SUITE] += 1
        (selection.kept if all_runs else selection.ignored).append(record)
    if not all_runs:
        selection.reasons = dict(reasons)
    return selection

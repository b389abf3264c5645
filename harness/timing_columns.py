"""The stored columns that place each trial on its run's clock (see README, "Stored trials")."""

from __future__ import annotations

import math

import pyarrow as pa

from harness.records import RunOutcome

__all__ = ["timing_columns", "TIMING_COLUMNS"]

#: Column names, in storage order.
TIMING_COLUMNS = ("clock", "workers", "worker", "start_time", "end_time", "pending_at_ask")


def timing_columns(outcome: RunOutcome) -> dict[str, pa.Array]:
    """``clock`` and ``workers`` of the run, and each trial's worker slot, start and end
    (seconds since the run began) and in-flight count at its ask; null/NaN when untimed."""
    trials = outcome.trials
    n = len(trials)

    def seconds(values):
        return pa.array([math.nan if v is None else float(v) for v in values], pa.float64())

    return {
        "clock": pa.array([outcome.clock] * n, pa.string()),
        "workers": pa.array([outcome.workers] * n, pa.int64()),
        "worker": pa.array([t.worker for t in trials], pa.int64()),
        "start_time": seconds(t.start_time for t in trials),
        "end_time": seconds(t.end_time for t in trials),
        "pending_at_ask": pa.array([t.pending_at_ask for t in trials], pa.int64()),
    }

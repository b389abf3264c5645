"""A run's trials as one Arrow table: the stored schema (README, "Stored trials").

One row per trial. The run-level fields of its :class:`~harness.records.RunRecord` listed in
:data:`RUN_COLUMNS` are repeated on every row, so one tidy frame needs no join; then the
config (as JSON and one ``param_<name>`` column per parameter), the outcome, the strategy's
``tag`` and the timing columns of :mod:`harness.timing_columns`.
"""

from __future__ import annotations

import json
import math
from typing import Any, Mapping

import pyarrow as pa

from harness.protocols import Problem
from harness.records import RunOutcome, RunRecord, tag_text
from harness.timing_columns import timing_columns

__all__ = ["RUN_COLUMNS", "trials_table", "config_json"]

#: Run-level columns repeated on every trial row (so one tidy frame needs no join).
RUN_COLUMNS = (
    "suite", "problem", "problem_name", "strategy", "strategy_name", "repetition", "seed",
    "problem_seed", "instance", "run_id", "optimum", "reference", "reference_source", "fidelity_max",
    "budget", "budget_kind", "run_status", "run_error", "run_traceback",
)



def _num(value: Any) -> float:
    return math.nan if value is None else float(value)


def trials_table(record: RunRecord, problem: Problem | None, outcome: RunOutcome) -> pa.Table:
    """Columnar form of a run's trials (the schema documented in the README)."""
    trials = outcome.trials
    n = len(trials)
    configs = [t.config for t in trials]
    columns: dict[str, Any] = {}
    for key in RUN_COLUMNS:
        columns[key] = [getattr(record, key)] * n
    columns["trial"] = pa.array([t.index for t in trials], pa.int64())
    columns["config"] = pa.array([config_json(c) for c in configs], pa.string())
    for param in () if problem is None else problem.space.params:
        values = [c.get(param.name) for c in configs]
        if param.kind == "float":
            columns[f"param_{param.name}"] = pa.array(values, pa.float64())
        elif param.kind == "int":
            columns[f"param_{param.name}"] = pa.array(values, pa.int64())
        else:
            columns[f"param_{param.name}"] = pa.array([None if v is None else str(v) for v in values], pa.string())
    columns["fidelity"] = pa.array([_num(t.fidelity) for t in trials], pa.float64())
    columns["value"] = pa.array([t.value for t in trials], pa.float64())
    columns["test_value"] = pa.array([_num(t.test_value) for t in trials], pa.float64())
    for name in ("noise_free_value", "full_fidelity_value"):
        columns[name] = pa.array(
            [_num(t.info.get(name)) if t.info else math.nan for t in trials], pa.float64())
    costs = [t.cost for t in trials]
    cumulative, total = [], 0.0
    for c in costs:
        total += c
        cumulative.append(total)
    columns["cost"] = pa.array(costs, pa.float64())
    columns["cum_cost"] = pa.array(cumulative, pa.float64())
    columns["eval_seconds"] = pa.array([t.eval_seconds for t in trials], pa.float64())
    columns["strategy_seconds"] = pa.array(outcome.strategy_seconds_of_trials(), pa.float64())
    # Whether the strategy received the problem's exact gradient with this trial: reports
    # mark such strategies, which see more than a black-box method does.
    columns["gradient_used"] = pa.array([getattr(t, "gradient", None) is not None for t in trials],
                                        pa.bool_())
    columns["status"] = pa.array([t.status.value for t in trials], pa.string())
    columns["error"] = pa.array([t.error for t in trials], pa.string())
    columns["traceback"] = pa.array([getattr(t.error, "traceback", None) for t in trials], pa.string())
    columns["info"] = pa.array([None if not t.info else json.dumps(t.info, default=str) for t in trials], pa.string())
    # The suggestion's tag (a strategy's design / model / fallback / restart mark, a bracket):
    # what the strategy said of each proposal, kept so it can be read from the data.
    columns["tag"] = pa.array([tag_text(t.tag) for t in trials], pa.string())
    columns.update(timing_columns(outcome))
    schema_types = {"repetition": pa.int64(), "seed": pa.int64(), "problem_seed": pa.int64(), "instance": pa.int64(),
                    "optimum": pa.float64(), "reference": pa.float64(),
                    "fidelity_max": pa.float64(), "budget": pa.float64()}
    for key in RUN_COLUMNS:
        columns[key] = pa.array(columns[key], schema_types.get(key, pa.string()))
    return pa.table(columns)


def config_json(config: Mapping[str, Any]) -> str:
    """A config as JSON text; all-float configs take a fast path (``repr`` round-trips floats)."""
    try:
        if all(type(v) is float and v == v and v not in (math.inf, -math.inf) for v in config.values()):
            return "{" + ", ".join(f"{json.dumps(k)}: {v!r}" for k, v in config.items()) + "}"
    except TypeError:
        pass
    return json.dumps(config)

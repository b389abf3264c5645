"""The frozen records of a run's life: what to run, what one evaluation and one run produced, what is stored.

:class:`RunSpec` is what the suite resolves and the executors ship to a worker (``runs.json``
holds its JSON); :class:`Evaluated` is one evaluation as the runner judged it; :class:`RunOutcome`
is what :func:`harness.runner.drive` returns; :class:`RunRecord` is the run-level record the store
writes beside the run's trials (and repeats on every trial row). Trials themselves are
:class:`harness.protocols.Trial`. Every record is immutable: nothing is patched after it is made.

The JSON forms keep the keys of the plain dicts these records replaced, so results folders
written before them load, resume and report unchanged; keys added since are optional on reading.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any, Mapping, NamedTuple

from harness.protocols import Budget, Evaluation, Status, Trial

__all__ = ["RunIdentity", "RunSpec", "Evaluated", "RunOutcome", "RunRecord", "tag_text"]


@dataclass(frozen=True, slots=True)
class RunIdentity:
    """Which run: a suite's (problem, strategy, repetition) and its two seeds.

    ``problem`` and ``strategy`` are the suite's labels, ``*_name`` the registry names;
    ``seed`` seeds the strategy and ``problem_seed`` the trials.
    """

    suite: str
    problem: str
    problem_name: str
    strategy: str
    strategy_name: str
    repetition: int
    seed: int
    problem_seed: int


@dataclass(frozen=True, slots=True)
class RunSpec(RunIdentity):
    """What to run: a run's identity (:class:`RunIdentity`), its budget and settings.

    ``workers``, ``clock``, ``charge_strategy_time`` and ``durations`` (the problem entry's
    ``seconds`` and ``duration_cv`` as given) are the parallel-workers settings. ``run_id`` is
    the content hash of the spec (see :meth:`harness.suite.Suite.runs`). The parameter
    mappings are not to be changed after construction.
    """

    budget: Budget
    problem_params: Mapping[str, Any] = field(default_factory=dict)
    strategy_params: Mapping[str, Any] = field(default_factory=dict)
    instance: Any = None
    trial_timeout: float | None = None
    workers: int = 1
    clock: str | None = None
    charge_strategy_time: bool = False
    durations: Mapping[str, float] | None = None
    run_id: str = ""

    def to_json(self) -> dict:
        """The spec as ``runs.json`` stores it (and as its ``run_id`` hashes it).

        Timing keys appear only when they differ from the sequential default, so a
        sequential run's JSON, and therefore its run id, is what it was before workers existed.
        """
        out = {
            "suite": self.suite, "problem": self.problem, "problem_name": self.problem_name,
            "problem_params": dict(self.problem_params), "instance": self.instance,
            "strategy": self.strategy, "strategy_name": self.strategy_name,
            "strategy_params": dict(self.strategy_params), "repetition": self.repetition,
            "seed": self.seed, "problem_seed": self.problem_seed, "budget": self.budget.to_json(),
            "trial_timeout": self.trial_timeout,
        }
        if self.workers != 1:
            out["workers"] = self.workers
        if self.clock is not None:
            out["clock"] = self.clock
        if self.charge_strategy_time:
            out["charge_strategy_time"] = True
        if self.durations is not None:
            out["durations"] = dict(self.durations)
        if self.run_id:
            out["run_id"] = self.run_id
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "RunSpec":
        """A spec from its JSON (``runs.json``); keys missing from older files take their defaults."""
        return cls(
            suite=data.get("suite", ""), problem=data["problem"], problem_name=data.get("problem_name", data["problem"]),
            strategy=data["strategy"], strategy_name=data.get("strategy_name", data["strategy"]),
            repetition=data["repetition"], seed=data.get("seed", 0), problem_seed=data.get("problem_seed", 0),
            budget=Budget(**data["budget"]) if "budget" in data else Budget(1),
            problem_params=data.get("problem_params") or {}, strategy_params=data.get("strategy_params") or {},
            instance=data.get("instance"), trial_timeout=data.get("trial_timeout"),
            workers=int(data.get("workers", 1)), clock=data.get("clock"),
            charge_strategy_time=bool(data.get("charge_strategy_time", False)), durations=data.get("durations"),
            run_id=data.get("run_id", ""),
        )


class Evaluated(NamedTuple):
    """One evaluation as the runner judged it (a named tuple: one is made per trial, cheaply).

    ``evaluation`` is None when the objective raised, timed out or returned something
    malformed; ``error`` is the one-line message of a failed trial (a
    :class:`~harness.trial_evaluation.FailureText` carrying the traceback when there is one);
    ``seconds`` the time spent in the objective.
    """

    evaluation: Evaluation | None
    error: str | None
    status: Status
    seconds: float


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """What one run produced: its trials and how it ended.

    ``status`` is ``"ok"`` (budget spent or strategy exhausted), ``"failed"`` (the strategy
    raised or proposed an invalid config; ``error`` says which) or ``"truncated"`` (the
    wall-clock cap ended it). ``clock`` is ``"none"`` (sequential, untimed), ``"simulated"``
    or ``"real"``; ``workers`` the number of parallel worker slots. ``trials`` are in the
    order they finished (cancelled ones last), exactly the records the strategy was told.

    ``strategy_seconds`` holds, for each trial, its share of the strategy's ask *and* tell
    time (the stored ``strategy_seconds`` column). A trial's own ``strategy_seconds`` is its
    share of the ask alone: the tell's time is known only after the strategy saw the trial,
    and a frozen record is never altered nor copied per trial (a copy would cost the
    sequential loop a fifth of its time). Empty: take each trial's own.
    """

    trials: tuple[Trial, ...] = ()
    status: str = "ok"
    error: str | None = None
    seconds: float = 0.0
    traceback: str | None = None
    clock: str = "none"
    workers: int = 1
    strategy_seconds: tuple[float, ...] = ()

    def strategy_seconds_of_trials(self) -> list[float]:
        """Each trial's share of the strategy's ask and tell time, in the order of ``trials``."""
        if len(self.strategy_seconds) == len(self.trials):
            return list(self.strategy_seconds)
        return [t.strategy_seconds for t in self.trials]


def tag_text(tag: Any) -> str | None:
    """A suggestion's tag as stored: text as is, anything else as JSON (``None`` stays null)."""
    if tag is None or type(tag) is str:
        return tag
    import json

    return json.dumps(tag, default=str)


@dataclass(frozen=True, slots=True)
class RunRecord(RunIdentity):
    """The run-level record the store writes with a run (its JSON sits in the part's metadata).

    The identity's fields and the next ones are repeated on every trial row
    (``harness.trial_table.RUN_COLUMNS``).
    ``space`` is the problem's search space as JSON (:meth:`harness.space.Space.to_json`), so
    a report never rebuilds a problem to learn it; None in records stored before it was kept,
    and for runs whose problem could not be built. ``code`` is the code identity of the
    strategy's and problem's providers (:mod:`harness.provenance`); ``node`` the Ray node that
    ran it.
    """

    instance: Any
    run_id: str
    optimum: float
    reference: float
    reference_source: str | None
    fidelity_max: float
    budget: float
    budget_kind: str
    run_status: str
    run_error: str | None
    run_traceback: str | None
    code: Mapping[str, Any] | None = None
    n_trials: int = 0
    n_failed: int = 0
    seconds: float = 0.0
    node: str | None = None
    problem_params: Mapping[str, Any] | None = None
    strategy_params: Mapping[str, Any] | None = None
    workers: int = 1
    clock: str = "none"
    space: list | None = None

    @classmethod
    def of_run(cls, spec: RunSpec, problem: Any, outcome: RunOutcome, *, code: Mapping[str, Any] | None = None,
               node: str | None = None) -> "RunRecord":
        """The record of ``spec`` run on ``problem`` (None when it could not be built)."""
        fidelity = None if problem is None else problem.fidelity
        return cls(
            suite=spec.suite, problem=spec.problem, problem_name=spec.problem_name, strategy=spec.strategy,
            strategy_name=spec.strategy_name, repetition=spec.repetition, seed=spec.seed,
            problem_seed=spec.problem_seed, instance=spec.instance, run_id=spec.run_id,
            optimum=_num(None if problem is None else problem.optimum),
            reference=_num(getattr(problem, "reference", None)),
            # How the reference was found (search, evaluations, data seed): printed by reports.
            reference_source=getattr(problem, "reference_source", None),
            fidelity_max=_num(None if fidelity is None else fidelity.high),
            budget=float(spec.budget.amount), budget_kind=spec.budget.kind,
            run_status=outcome.status, run_error=outcome.error, run_traceback=outcome.traceback,
            code=code, n_trials=len(outcome.trials),
            n_failed=sum(t.status is not Status.OK for t in outcome.trials), seconds=outcome.seconds, node=node,
            problem_params=dict(spec.problem_params), strategy_params=dict(spec.strategy_params),
            workers=outcome.workers, clock=outcome.clock,
            space=None if problem is None else problem.space.to_json(),
        )

    def to_json(self) -> dict:
        """Plain JSON (the keys of the stored metadata)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "RunRecord":
        """A record from stored JSON; keys unknown to this version are ignored, missing optional ones default."""
        return cls(**{name: data[name] for name in _RECORD_FIELDS if name in data},
                   **{name: data.get(name) for name in _REQUIRED_OPTIONAL if name not in data})


def _num(value: Any) -> float:
    return math.nan if value is None else float(value)


_RECORD_FIELDS = tuple(f.name for f in fields(RunRecord))
#: Fields without defaults that records of older versions may lack (stored as null then).
_REQUIRED_OPTIONAL = ("instance", "reference", "reference_source", "fidelity_max", "run_traceback")

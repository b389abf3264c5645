"""The records and base classes that cross the seams between the harness's parts.

Problems produce :class:`Evaluation` records, strategies produce :class:`Suggestion` records,
and the runner joins them into frozen :class:`Trial` records that it hands both to the
strategy (``tell``) and, via the executor, to the store. Nothing else crosses those seams.
"""

from __future__ import annotations

import enum
import inspect
from dataclasses import dataclass
from numbers import Real
from typing import Any, ClassVar, Mapping, Sequence

import numpy as np

from harness.space import Space

__all__ = [
    "Status",
    "Fidelity",
    "FIDELITY_TOLERANCE",
    "Budget",
    "Suggestion",
    "Evaluation",
    "Trial",
    "Problem",
    "Strategy",
    "StrategyError",
    "default_cost",
]


class Status(str, enum.Enum):
    """Outcome of one trial."""

    OK = "ok"
    FAILED = "failed"
    TIMEOUT = "timeout"
    #: Still running when a time budget ran out: stored (never dropped), never told.
    CANCELLED = "cancelled"


#: How far outside its range a fidelity may fall and still count as the bound (:meth:`Fidelity.check`).
FIDELITY_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Fidelity:
    """A fidelity axis of a problem, e.g. epochs, trees or data fraction.

    ``integer`` fidelities are rounded by the problem. The default cost model of the runner
    is ``fidelity / high`` full-fidelity evaluations per trial.
    """

    name: str
    low: float
    high: float
    integer: bool = False

    def __post_init__(self) -> None:
        if not 0 < self.low < self.high:
            raise ValueError(
                f"Fidelity '{self.name}' needs 0 < low < high. Got low={self.low!r}, high={self.high!r}."
            )

    def to_json(self) -> dict:
        """Plain-JSON description."""
        return {"name": self.name, "low": self.low, "high": self.high, "integer": self.integer}

    def contains(self, value: Any, tolerance: float = 0.0) -> bool:
        """Whether ``value`` is a real number in ``[low - tolerance, high + tolerance]``.

        The runner asks it with no tolerance of what a strategy suggests (a strategy must stay
        in range); :meth:`check` with :data:`FIDELITY_TOLERANCE` of what a problem is given.
        """
        return isinstance(value, Real) and self.low - tolerance <= value <= self.high + tolerance

    def check(self, value: float | None, owner: str) -> float:
        """``value`` as a float in ``[low, high]``; ``None`` is ``high``.

        The one range check of a fidelity a problem is asked to evaluate at. A value within
        :data:`FIDELITY_TOLERANCE` outside the range (the float error of rung arithmetic such
        as ``high * eta**-k``) is taken as the bound; anything else raises ``ValueError``
        naming ``owner`` (e.g. ``"task 'svm-wine'"``). Integer fidelities are left for the
        problem to round.
        """
        if value is None:
            return float(self.high)
        if not self.contains(value, FIDELITY_TOLERANCE):
            raise ValueError(f"Fidelity '{self.name}' of {owner} must be in [{self.low:g}, {self.high:g}]. Got {value!r}.")
        return float(min(max(value, self.low), self.high))


def default_cost(fidelity: Fidelity | None, value: float | None) -> float:
    """A trial's cost in full-fidelity evaluations when its problem reports none.

    ``value / fidelity.high``; 1 at full fidelity (``value`` ``None``) or without a fidelity.
    The runner charges it, and strategies that plan spending estimate with it.
    """
    if fidelity is None or value is None:
        return 1.0
    return value / float(fidelity.high)


@dataclass(frozen=True)
class Budget:
    """How much one run may spend.

    ``kind`` is ``"evaluations"`` (each trial costs 1), ``"cost"`` (each trial costs its
    fidelity-weighted cost, in full-fidelity evaluations) or ``"time"`` (seconds on the run's
    clock, simulated or real; trials still running at the deadline are cancelled).
    ``wallclock_seconds`` optionally caps a run's real time; a capped run is no longer
    reproducible and is marked as such.
    """

    amount: float
    kind: str = "evaluations"
    wallclock_seconds: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("evaluations", "cost", "time"):
            raise ValueError(f"Budget kind must be 'evaluations', 'cost' or 'time'. Got {self.kind!r}.")
        if not self.amount > 0:
            raise ValueError(f"Budget amount must be > 0. Got {self.amount!r}.")

    @property
    def max_evaluations(self) -> int | None:
        """The evaluation cap, when the budget counts evaluations."""
        return int(self.amount) if self.kind == "evaluations" else None

    def to_json(self) -> dict:
        """Plain-JSON description."""
        return {"amount": self.amount, "kind": self.kind, "wallclock_seconds": self.wallclock_seconds}


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A config proposed by a strategy, at a fidelity (``None`` means the problem's maximum).

    ``tag`` is opaque to the harness; strategies use it to match tells to their own
    bookkeeping (a Hyperband bracket, an Optuna trial number).
    """

    config: Mapping[str, Any]
    fidelity: float | None = None
    tag: Any = None
    #: Ask the runner for the problem's exact unit-cube gradient at this config (problems
    #: with ``has_gradient`` only); it arrives in ``Trial.gradient``.
    want_gradient: bool = False


@dataclass(frozen=True, slots=True)
class Evaluation:
    """What a problem reports for one config.

    ``value`` is minimised. ``cost`` is in full-fidelity evaluations (``None``: the runner
    uses ``fidelity / max fidelity``, or 1 without a fidelity). ``test_value`` is a held-out
    score never shown to strategies. ``info`` holds JSON-serialisable extras, e.g. the
    noise-free value of a noisy function.
    """

    value: float
    cost: float | None = None
    test_value: float | None = None
    info: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Trial:
    """One finished evaluation as the runner recorded it (immutable)."""

    index: int
    config: Mapping[str, Any]
    fidelity: float | None
    value: float
    test_value: float | None
    cost: float
    eval_seconds: float
    #: This trial's share of the ask that proposed it. The strategy is told this very record,
    #: before its tell is timed, so the tell's share is not here: the stored column
    #: ``strategy_seconds`` (``RunOutcome.strategy_seconds``) is ask plus tell.
    strategy_seconds: float
    status: Status
    error: str | None = None
    info: Mapping[str, Any] | None = None
    tag: Any = None
    gradient: tuple | None = None
    #: Where and when it ran on the run's clock (``None`` in the untimed sequential loop):
    #: the worker slot, start and end in seconds since the run began, and how many trials
    #: were in flight when it was proposed (the suggestions the strategy was shown as pending).
    worker: int | None = None
    start_time: float | None = None
    end_time: float | None = None
    pending_at_ask: int | None = None

    @property
    def ok(self) -> bool:
        """Whether the trial produced a finite value."""
        return self.status is Status.OK


class Problem:
    """Base class of every problem: a minimisation over ``space``.

    Subclasses set ``name``, ``space``, optional ``fidelity`` and ``optimum`` (the known
    global minimum value, or ``None``), ``tags``, and implement :meth:`evaluate`. Problems
    that evaluate many configs cheaply at once also implement :meth:`evaluate_batch` and set
    ``batch = True``; the runner then evaluates a whole ``ask(n)`` in one call.
    """

    name: ClassVar[str] = ""
    space: Space
    fidelity: Fidelity | None = None
    optimum: float | None = None
    tags: tuple[str, ...] = ()
    batch: ClassVar[bool] = False
    #: Set by problems that can give an exact gradient in the unit cube (see ``gradient``).
    has_gradient: ClassVar[bool] = False
    #: Seconds one full-fidelity evaluation lasts on a simulated clock (``None``: 1 s, unless
    #: the suite's ``seconds`` says otherwise); see :mod:`harness.durations`.
    seconds_per_evaluation: ClassVar[float | None] = None

    def evaluate(self, config: Mapping[str, Any], fidelity: float | None, seed: int) -> Evaluation:
        """Evaluate one config at ``fidelity`` (``None``: maximum) with a per-trial ``seed``."""
        raise NotImplementedError

    def evaluate_batch(
        self, configs: Sequence[Mapping[str, Any]], fidelities: Sequence[float | None], seeds: Sequence[int]
    ) -> list[Evaluation]:
        """Evaluate many configs; the default loops over :meth:`evaluate`."""
        return [self.evaluate(c, f, s) for c, f, s in zip(configs, fidelities, seeds)]

    def gradient(self, configs: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """Exact gradient of the objective with respect to ``space.encode(configs)``.

        Returns an ``(n, d)`` array (d = number of parameters; entries of non-float or
        inactive parameters are 0). Only problems with ``has_gradient = True`` implement it.
        """
        raise NotImplementedError(f"Problem '{self.name}' has no analytic gradient.")

    def describe(self) -> dict:
        """A JSON-friendly summary for listings."""
        return {
            "name": self.name,
            "space": self.space.describe(),
            "fidelity": None if self.fidelity is None else self.fidelity.to_json(),
            "optimum": self.optimum,
            "tags": list(self.tags),
        }


class StrategyError(RuntimeError):
    """A strategy cannot be used as configured (raised at validation time)."""


class Strategy:
    """Base class of every strategy: ``ask(n)`` proposes, ``tell(trials)`` learns.

    A strategy is constructed with the space, an explicit integer seed, the run's budget and
    the problem's fidelity (or ``None``), plus its own keyword parameters. It never calls
    the problem, never reads the clock for decisions and never touches the store.

    Capability flags (class attributes) let the harness check compatibility up front:
    ``needs_fidelity``, ``supports_conditionals``, ``supports_mixed`` and ``max_batch``
    (how many suggestions one ``ask`` may usefully return before the strategy needs a tell;
    ``None`` means unlimited, e.g. random search).
    """

    name: ClassVar[str] = ""
    needs_fidelity: ClassVar[bool] = False
    supports_conditionals: ClassVar[bool] = True
    supports_mixed: ClassVar[bool] = True
    max_batch: ClassVar[int | None] = 1

    def __init__(self, space: Space, seed: int, budget: Budget, fidelity: Fidelity | None = None) -> None:
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise StrategyError(f"Strategy '{self.name}' needs an explicit integer seed. Got {seed!r}.")
        self.space = space
        self.seed = int(seed)
        self.budget = budget
        self.fidelity = fidelity
        self.rng = np.random.default_rng(self.seed)

    @classmethod
    def check_compatible(cls, space: Space, fidelity: Fidelity | None) -> None:
        """Raise :class:`StrategyError` if this strategy cannot run on such a problem."""
        if cls.needs_fidelity and fidelity is None:
            raise StrategyError(f"Strategy '{cls.name}' needs a problem with a fidelity.")
        if not cls.supports_conditionals and space.is_conditional:
            raise StrategyError(f"Strategy '{cls.name}' does not support conditional spaces.")
        if not cls.supports_mixed and not all(p.kind == "float" for p in space.params):
            raise StrategyError(f"Strategy '{cls.name}' supports only continuous (float) spaces.")

    def ask(self, n: int) -> list[Suggestion]:
        """Propose up to ``n`` suggestions (at least one unless the strategy is exhausted).

        Subclasses may add a ``pending: Sequence[Suggestion] = ()`` keyword: the suggestions
        still being evaluated, in the order they were proposed (see the class docstring).
        """
        raise NotImplementedError

    def tell(self, trials: Sequence[Trial]) -> None:
        """Learn from finished trials (failed ones included, with their status)."""

    @classmethod
    def parameters(cls) -> dict[str, Any]:
        """The strategy's own keyword parameters and their defaults."""
        signature = inspect.signature(cls.__init__)
        skip = {"self", "space", "seed", "budget", "fidelity"}
        kinds = (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        return {
            name: (None if p.default is inspect.Parameter.empty else p.default)
            for name, p in signature.parameters.items()
            if name not in skip and p.kind in kinds
        }

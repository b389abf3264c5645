"""Shared machinery of the multi-fidelity strategies (Hyperband, successive halving, ASHA, BOHB).

Resources follow Li et al. (2018, JMLR, "Hyperband: A Novel Bandit-Based Approach to
Hyperparameter Optimization"): the maximum resource ``R`` is the ratio of the problem's highest
fidelity to the smallest fidelity a strategy may use, and a rung's resource ``r`` (in units of
that smallest fidelity) maps to the fidelity ``min_fidelity * r``. Every rung is therefore
anchored at the top: the last rung of every bracket runs at ``fidelity.high``.

Budgets are counted in full-fidelity evaluations: a trial at fidelity ``f`` is estimated to
cost ``f / fidelity.high`` until its tell reports the real cost. A :class:`CostLedger` refuses
a suggestion that would push the committed cost (told plus pending) past a cost budget, so a
run never overspends even though the runner only stops once the amount is reached.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence


from harness.protocols import Budget, Fidelity, Strategy, StrategyError, Suggestion, Trial, default_cost
from harness.space import Space

__all__ = [
    "max_bracket",
    "hyperband_schedule",
    "successive_halving_rungs",
    "CostLedger",
    "Bracket",
    "MultiFidelityStrategy",
    "BracketStrategy",
]

# Relative slack for float comparisons of resources and costs (R = 81 must give s_max = 4
# although log(81) / log(3) is not exactly 4 in floating point).
_EPS = 1e-9


def max_bracket(R: float, eta: float) -> int:
    """The largest ``s`` with ``eta**s <= R``: ``s_max = floor(log_eta(R))``.

    Parameters
    ----------
    R : float
        Maximum resource in units of the minimum resource (``>= 1``).
    eta : float
        Reduction factor (``> 1``).
    """
    s = 0
    while eta ** (s + 1) <= R * (1 + _EPS):
        s += 1
    return s


def successive_halving_rungs(n: int, s: int, eta: float, R: float) -> list[tuple[int, float]]:
    """Rungs of one successive-halving bracket as ``(n_i, r_i)`` pairs, ``i = 0..s``.

    ``n_i = floor(n * eta**-i)`` configs run with resource ``r_i = R * eta**(i - s)``
    (Li et al. 2018, Algorithm 1, inner loop). At least one config goes on to every rung, so a
    bracket started with fewer than ``eta**s`` configs still reaches the top fidelity.
    """
    return [(max(1, int(math.floor(n * eta ** (-i) + _EPS))), R * eta ** (i - s)) for i in range(s + 1)]


def hyperband_schedule(R: float, eta: float) -> list[list[tuple[int, float]]]:
    """Every bracket of one Hyperband iteration, most exploratory (``s = s_max``) first.

    Bracket ``s`` starts ``n = ceil((s_max + 1) / (s + 1) * eta**s)`` configs at resource
    ``R * eta**-s`` (Li et al. 2018, Algorithm 1). For ``R = 81, eta = 3`` this is the
    paper's Table 1: ``n`` = 81, 34, 15, 8, 5 for ``s`` = 4..0.

    Returns
    -------
    list of list of (int, float)
        ``schedule[j]`` holds bracket ``s = s_max - j`` as ``(n_i, r_i)`` pairs.
    """
    s_max = max_bracket(R, eta)
    schedule = []
    for s in range(s_max, -1, -1):
        n = int(math.ceil((s_max + 1) / (s + 1) * eta**s - _EPS))
        schedule.append(successive_halving_rungs(n, s, eta, R))
    return schedule


class CostLedger:
    """Committed spend of a run, in full-fidelity evaluations.

    Parameters
    ----------
    budget : Budget
        Only ``kind="cost"`` budgets limit the ledger; with an evaluation budget the runner
        caps the number of asks and the ledger never refuses.
    """

    def __init__(self, budget: Budget) -> None:
        self.limit = float(budget.amount) if budget.kind == "cost" else math.inf
        self.told = 0.0
        self._pending: dict[Any, float] = {}

    @property
    def committed(self) -> float:
        """Told cost plus the estimated cost of suggestions not yet told."""
        return self.told + sum(self._pending.values())

    def fits(self, cost: float) -> bool:
        """Whether a suggestion costing ``cost`` stays within the budget."""
        return self.committed + cost <= self.limit * (1 + _EPS)

    def affordable(self, cost: float, n: int) -> int:
        """How many of ``n`` suggestions costing ``cost`` each still fit (``<= n``)."""
        if not math.isfinite(self.limit) or cost <= 0:
            return n
        room = self.limit * (1 + _EPS) - self.committed
        return max(0, min(n, int(math.floor(room / cost + _EPS))))

    def commit(self, tag: Any, cost: float) -> None:
        """Record a suggestion as pending at its estimated ``cost``."""
        self._pending[tag] = cost

    def settle(self, tag: Any, cost: float | None) -> None:
        """Replace a pending estimate by the told ``cost`` (the estimate if unknown)."""
        estimate = self._pending.pop(tag, 0.0)
        self.told += estimate if cost is None or not math.isfinite(cost) else float(cost)


@dataclass(eq=False)
class Bracket:
    """One synchronous successive-halving bracket.

    A rung's configs are issued, and once every one of them is told the best
    ``n_{i+1}`` (by value at this rung; failed trials count as worst and are never
    promoted) move up to the next rung.

    Parameters
    ----------
    index : int
        Running number of the bracket within the run (used in tags).
    rungs : list of (int, float)
        ``(n_i, fidelity_i)`` per rung.
    sampler : callable
        ``sampler(k) -> list[dict]`` draws ``k`` new configs for the first rung.
    """

    index: int
    rungs: list[tuple[int, float]]
    sampler: Callable[[int], list[dict]]
    rung: int = 0
    members: list[tuple[int, dict]] = field(default_factory=list)
    issued: int = 0
    results: dict[int, float] = field(default_factory=dict)
    finished: bool = False
    _next_id: int = 0

    def __post_init__(self) -> None:
        # A rung of zero configs cannot happen with n_i >= 1, but guard a degenerate schedule.
        if self.rungs[0][0] < 1:
            self.finished = True

    @property
    def fidelity(self) -> float:
        """Fidelity of the current rung."""
        return self.rungs[self.rung][1]

    def issuable(self) -> int:
        """How many suggestions the current rung can still hand out."""
        if self.finished:
            return 0
        size = self.rungs[0][0] if self.rung == 0 else len(self.members)
        return size - self.issued

    def issue(self, k: int) -> list[tuple[int, dict]]:
        """Hand out the next ``k`` ``(config_id, config)`` pairs of the current rung."""
        k = min(k, self.issuable())
        if self.rung == 0 and k > 0:
            for config in self.sampler(k):
                self.members.append((self._next_id, config))
                self._next_id += 1
        out = self.members[self.issued : self.issued + k]
        self.issued += k
        return out

    def record(self, rung: int, config_id: int, value: float) -> None:
        """Store a told value (``inf`` for failures) and promote once the rung is complete."""
        if rung != self.rung:
            raise StrategyError(f"Bracket {self.index}: a result for rung {rung} arrived during rung {self.rung}.")
        self.results[config_id] = value
        if len(self.results) < len(self.members) or self.issuable() > 0:
            return
        if self.rung + 1 >= len(self.rungs):
            self.finished = True
            return
        keep = self.rungs[self.rung + 1][0]
        ranked = sorted((v, cid) for cid, v in self.results.items() if math.isfinite(v))
        chosen = {cid for _, cid in ranked[:keep]}
        # Keep the members' original order among the promoted, so tags stay easy to follow.
        self.members = [(cid, cfg) for cid, cfg in self.members if cid in chosen]
        self.results = {}
        self.issued = 0
        self.rung += 1
        if not self.members:
            self.finished = True


class MultiFidelityStrategy(Strategy):
    """Base of the strategies that choose a fidelity per suggestion.

    Handles what they share: refusing problems without a fidelity, the ``eta`` and
    ``min_fidelity`` parameters, mapping resources to fidelity values, the cost ledger, tags
    and turning failed trials into the worst possible value.

    Parameters
    ----------
    space, seed, budget, fidelity
        As for every :class:`~harness.protocols.Strategy`.
    eta : float
        Reduction factor between rungs (``> 1``; 3 in the papers).
    min_fidelity : float or None
        Smallest fidelity to use (default: ``fidelity.low``); ``R = fidelity.high / min_fidelity``.
    """

    needs_fidelity = True
    # Synchronous strategies return at most the rest of their current rung per ask, so the
    # runner need not cap the batch; ASHA sets its own per-instance cap (its ``batch_size``).
    max_batch = None

    def __init__(
        self,
        space: Space,
        seed: int,
        budget: Budget,
        fidelity: Fidelity | None = None,
        *,
        eta: float = 3,
        min_fidelity: float | None = None,
    ) -> None:
        super().__init__(space, seed, budget, fidelity)
        type(self).check_compatible(space, fidelity)
        if isinstance(eta, bool) or not isinstance(eta, (int, float)) or not eta > 1:
            raise StrategyError(f"The 'eta' parameter of strategy '{self.name}' must be a number > 1. Got {eta!r}.")
        low = fidelity.low if min_fidelity is None else min_fidelity
        if isinstance(low, bool) or not isinstance(low, (int, float)) or not fidelity.low <= low < fidelity.high:
            raise StrategyError(
                f"The 'min_fidelity' parameter of strategy '{self.name}' must lie in "
                f"[{fidelity.low:g}, {fidelity.high:g}) (the problem's fidelity '{fidelity.name}'). "
                f"Got {min_fidelity!r}."
            )
        self.eta = eta
        self.min_fidelity = float(low)
        self.R = fidelity.high / self.min_fidelity
        self.ledger = CostLedger(budget)
        self._pending: dict[str, Any] = {}
        self._seen_cost: dict[float, float] = {}

    @classmethod
    def check_compatible(cls, space: Space, fidelity: Fidelity | None) -> None:
        """Refuse problems without a fidelity, naming the alternative."""
        if fidelity is None:
            raise StrategyError(
                f"Strategy '{cls.name}' allocates budget across fidelities (e.g. epochs or trees) and "
                "needs a problem with a fidelity; this problem has none. Use a full-fidelity strategy "
                "such as 'random' or 'bayesian', or a problem with a fidelity."
            )
        super().check_compatible(space, fidelity)

    # -- helpers for subclasses -----------------------------------------------------------
    def fidelity_at(self, resource: float) -> float:
        """The fidelity of ``resource`` (in units of ``min_fidelity``), rounded if integer."""
        value = min(max(self.min_fidelity * resource, self.fidelity.low), self.fidelity.high)
        if self.fidelity.integer:
            value = float(min(max(round(value), math.ceil(self.fidelity.low)), math.floor(self.fidelity.high)))
        return float(value)

    def cost_of(self, fidelity: float) -> float:
        """Estimated cost of one trial at ``fidelity``, in full-fidelity evaluations.

        The largest cost told so far at that fidelity (problems may report their own cost
        model), else the runner's default ``fidelity / fidelity.high``.
        """
        return self._seen_cost.get(fidelity, default_cost(self.fidelity, fidelity))

    def suggest(self, config: dict, fidelity: float, tag: str, info: Any) -> Suggestion:
        """Build a suggestion, commit its cost and remember ``info`` under ``tag``."""
        if tag in self._pending:
            raise StrategyError(f"Strategy '{self.name}' issued tag {tag!r} twice.")
        self._pending[tag] = info
        self.ledger.commit(tag, self.cost_of(fidelity))
        return Suggestion(config=config, fidelity=fidelity, tag=tag)

    def tell(self, trials: Sequence[Trial]) -> None:
        """Match each trial to its suggestion by tag and pass its value to :meth:`on_result`.

        Failed and non-finite trials arrive as ``inf`` (the worst value), so they are never
        promoted and rank last in models.
        """
        for trial in trials:
            if trial.tag not in self._pending:
                raise StrategyError(
                    f"Strategy '{self.name}' was told a trial with tag {trial.tag!r}, which it has not "
                    "suggested or was already told."
                )
            info = self._pending.pop(trial.tag)
            self.ledger.settle(trial.tag, trial.cost)
            if trial.ok and trial.fidelity is not None and trial.cost is not None and math.isfinite(trial.cost):
                self._seen_cost[trial.fidelity] = max(self._seen_cost.get(trial.fidelity, 0.0), float(trial.cost))
            value = float(trial.value) if trial.ok and trial.value is not None else math.inf
            if not math.isfinite(value):
                value = math.inf
            self.on_result(info, value, trial)

    def on_result(self, info: Any, value: float, trial: Trial) -> None:
        """Learn one result (``value`` is ``inf`` for failures); subclasses override."""
        raise NotImplementedError

    def sample_configs(self, k: int) -> list[dict]:
        """``k`` new configs for a first rung: uniform in the space (BOHB overrides)."""
        return self.space.sample(self.rng, k)


class BracketStrategy(MultiFidelityStrategy):
    """Synchronous brackets run one after another, as Hyperband and successive halving do.

    ``ask(n)`` hands out the rest of the current bracket's current rung (up to ``n``). When
    every open bracket waits for results and the caller passes no ``pending`` suggestions, the
    next bracket of the cycle opens, as HpBandSter does; with ``pending`` (the parallel
    runner) the ask returns ``[]`` instead, so brackets stay synchronous. Subclasses define
    :meth:`bracket_rungs`.
    """

    def __init__(self, space, seed, budget, fidelity=None, *, eta=3, min_fidelity=None) -> None:
        super().__init__(space, seed, budget, fidelity, eta=eta, min_fidelity=min_fidelity)
        self._brackets: list[Bracket] = []
        self._opened = 0

    def bracket_rungs(self, index: int) -> list[tuple[int, float]]:
        """``(n_i, fidelity_i)`` rungs of the ``index``-th bracket opened in this run."""
        raise NotImplementedError

    def ask(self, n: int, pending: Sequence[Suggestion] = ()) -> list[Suggestion]:
        """Up to ``n`` suggestions from the current rung; ``[]`` once the budget is spent.

        Synchronous with parallel workers: while results of a rung are ``pending`` and no
        open rung has configs left to hand out, it returns ``[]`` and the worker idles until
        the rung completes (the barrier that asynchronous successive halving removes).
        """
        out: list[Suggestion] = []
        while len(out) < n:
            bracket = next((b for b in self._brackets if b.issuable() > 0), None)
            if bracket is None:
                if out or pending:
                    break
                bracket = Bracket(self._opened, self.bracket_rungs(self._opened), self.sample_configs)
                self._opened += 1
                self._brackets.append(bracket)
                continue
            affordable = self.ledger.affordable(self.cost_of(bracket.fidelity), n - len(out))
            if affordable <= 0:
                break
            for config_id, config in bracket.issue(affordable):
                tag = f"b{bracket.index}/r{bracket.rung}/c{config_id}"
                out.append(self.suggest(config, bracket.fidelity, tag, (bracket, bracket.rung, config_id)))
        self._brackets = [b for b in self._brackets if not b.finished]
        return out

    def on_result(self, info: tuple[Bracket, int, int], value: float, trial: Trial) -> None:
        bracket, rung, config_id = info
        bracket.record(rung, config_id, value)
        if bracket.finished and bracket in self._brackets:
            self._brackets.remove(bracket)

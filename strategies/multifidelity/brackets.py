"""Synchronous successive-halving brackets: the schedules of Li et al. (2018) and their base.

:func:`hyperband_schedule` and :func:`successive_halving_rungs` give the rungs of Algorithm 1
of Li et al. (2018, JMLR); a :class:`Bracket` runs one bracket's rungs, promoting the best
``1 / eta`` once a rung is complete; :class:`BracketStrategy` runs brackets one after another
(Hyperband, successive halving, BOHB).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Sequence

from harness.protocols import StrategyError, Suggestion, Trial

from .base import EPS, MultiFidelityStrategy

__all__ = ["max_bracket", "successive_halving_rungs", "hyperband_schedule", "Bracket", "BracketStrategy"]


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
    while eta ** (s + 1) <= R * (1 + EPS):
        s += 1
    return s


def successive_halving_rungs(n: int, s: int, eta: float, R: float) -> list[tuple[int, float]]:
    """Rungs of one successive-halving bracket as ``(n_i, r_i)`` pairs, ``i = 0..s``.

    ``n_i = floor(n * eta**-i)`` configs run with resource ``r_i = R * eta**(i - s)``
    (Li et al. 2018, Algorithm 1, inner loop). At least one config goes on to every rung, so a
    bracket started with fewer than ``eta**s`` configs still reaches the top fidelity.
    """
    return [(max(1, int(math.floor(n * eta ** (-i) + EPS))), R * eta ** (i - s)) for i in range(s + 1)]


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
        n = int(math.ceil((s_max + 1) / (s + 1) * eta**s - EPS))
        schedule.append(successive_halving_rungs(n, s, eta, R))
    return schedule


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

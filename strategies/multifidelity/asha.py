"""ASHA: asynchronous successive halving, promoting as soon as a rung allows.

Li, Jamieson, Rostamizadeh, Gonina, Ben-tzur, Hardt, Recht and Talwalkar (2020), "A System for
Massively Parallel Hyperparameter Tuning", MLSys, Algorithm 2.
"""

from __future__ import annotations

import bisect
import itertools
import math

from typing import Iterator, Sequence

from harness.protocols import Suggestion, Trial
from harness.registry import strategy
from harness.validation import Interval, check_parameters

from .base import MultiFidelityStrategy
from .brackets import max_bracket

__all__ = ["ASHA"]


@strategy("asha")
class ASHA(MultiFidelityStrategy):
    """Asynchronous successive halving (Li et al. 2020).

    Rungs ``k = 0..K`` (``K = s_max - early_stopping_rate``) run at fidelity
    ``fidelity.high * eta**(k - K)``. Whenever a suggestion is wanted, ASHA looks from the
    highest rung down for a config among the top ``floor(|rung k| / eta)`` of the *finished*
    results of rung ``k`` that has not been promoted yet, and promotes it to rung ``k + 1``;
    when none exists it starts a new random config in rung 0. Nothing waits for a rung to
    complete, so ``ask(n)`` returns ``n`` suggestions at once: every promotion available now
    (highest rung first, best first), then new configs. Failed trials rank last and are never
    promoted. Runs until the budget is spent; cost budgets are never overspent.

    Parameters
    ----------
    space, seed, budget, fidelity
        As for every strategy; ``fidelity`` is required.
    eta : float
        Reduction factor between rungs (default 4, the default of Ray Tune's
        ``ASHAScheduler``, so the two ASHAs compare like for like; Hyperband keeps 3).
    min_fidelity : float or None
        Smallest fidelity used (default ``fidelity.low``).
    early_stopping_rate : int
        ``s`` in the paper: skip the ``s`` lowest rungs (default 0).
    batch_size : int
        Most suggestions per ask, i.e. the number of parallel workers ASHA stands in for
        (default 4). Also the instance's ``max_batch``, so the runner asks for that many; an
        unlimited batch would start every config of a run before any result is known.
    """

    #: The default ``batch_size``; each instance sets its own.
    max_batch = 4

    def __init__(self, space, seed, budget, fidelity=None, *, eta: float = 4, min_fidelity: float | None = None,
                 early_stopping_rate: int = 0, batch_size: int = 4):
        super().__init__(space, seed, budget, fidelity, eta=eta, min_fidelity=min_fidelity)
        s_max = max_bracket(self.R, self.eta)
        check_parameters(f"strategy '{self.name}'", {
            "batch_size": Interval(int, 1, None),
            "early_stopping_rate": Interval(int, 0, s_max, note=f"eta={eta!r}, fidelity ratio {self.R:g}"),
        }, batch_size=batch_size, early_stopping_rate=early_stopping_rate)
        self.max_batch = batch_size
        top = s_max - early_stopping_rate
        self.rung_fidelities = [self.fidelity_at(self.R * self.eta ** (k - top)) for k in range(top + 1)]
        self._configs: list[dict] = []
        # Finished results per rung (config id -> value) and ids already promoted out of it.
        self._results: list[dict[int, float]] = [{} for _ in self.rung_fidelities]
        self._promoted: list[set[int]] = [set() for _ in self.rung_fidelities]
        # Finite results per rung kept sorted as (value, config id) as they arrive, so a
        # promotion check costs a walk over the top quota, not a sort of the whole rung (runs
        # with many workers ask thousands of times).
        self._ranked: list[list[tuple[float, int]]] = [[] for _ in self.rung_fidelities]

    def _promotable(self) -> Iterator[tuple[int, int]]:
        for k in range(len(self.rung_fidelities) - 2, -1, -1):
            quota = int(len(self._results[k]) // self.eta)
            promoted = self._promoted[k]
            for _, cid in itertools.islice(self._ranked[k], quota):
                if cid not in promoted:
                    yield k, cid

    def promotable(self) -> list[tuple[int, int]]:
        """``(rung, config_id)`` pairs that may move up now, highest rung first, best first."""
        return list(self._promotable())

    def ask(self, n: int, pending: Sequence[Suggestion] = ()) -> list[Suggestion]:
        """Up to ``n`` suggestions: promotions first, then new configs at the bottom rung.

        Asynchronous: in-flight trials (``pending``) never block a promotion or a new
        config; ASHA's own bookkeeping already knows which configs are out.
        """
        out: list[Suggestion] = []
        n = min(n, self.max_batch)
        for k, config_id in self._promotable():
            if len(out) >= n:
                break
            fidelity = self.rung_fidelities[k + 1]
            if not self.ledger.fits(self.cost_of(fidelity)):
                continue  # a cheaper promotion or a new config may still fit
            self._promoted[k].add(config_id)
            out.append(self.suggest(self._configs[config_id], fidelity, f"r{k + 1}/c{config_id}", (k + 1, config_id)))
        fidelity = self.rung_fidelities[0]
        new = self.ledger.affordable(self.cost_of(fidelity), n - len(out))
        if new > 0:
            for config in self.sample_configs(new):
                config_id = len(self._configs)
                self._configs.append(config)
                out.append(self.suggest(config, fidelity, f"r0/c{config_id}", (0, config_id)))
        return out

    def on_result(self, info: tuple[int, int], value: float, trial: Trial) -> None:
        rung, config_id = info
        self._results[rung][config_id] = value
        if math.isfinite(value):
            bisect.insort(self._ranked[rung], (value, config_id))

"""Hyperband: successive-halving brackets of every aggressiveness, cycled until the budget ends.

Li, Jamieson, DeSalvo, Rostamizadeh and Talwalkar (2018), "Hyperband: A Novel Bandit-Based
Approach to Hyperparameter Optimization", JMLR 18(185), Algorithm 1.
"""

from __future__ import annotations

from harness.registry import strategy

from .brackets import BracketStrategy, hyperband_schedule

__all__ = ["Hyperband"]


@strategy("hyperband")
class Hyperband(BracketStrategy):
    """Hyperband with random sampling (Li et al. 2018).

    With ``R = fidelity.high / min_fidelity`` and ``s_max = floor(log_eta R)``, one Hyperband
    iteration runs brackets ``s = s_max, ..., 0``; bracket ``s`` samples
    ``n = ceil((s_max + 1) / (s + 1) * eta**s)`` configs at fidelity ``fidelity.high * eta**-s``
    and keeps the best ``1/eta`` of them at each rung, multiplying the fidelity by ``eta``,
    up to ``fidelity.high``. Iterations repeat until the budget is spent (the paper's
    "infinite horizon" use). Synchronous: an ask returns the rest of the current rung, and a
    rung is promoted once all of it is told. Promotion ranks configs by their value at the
    rung just finished; failed trials rank last and are never promoted. Budgets in cost are
    never overspent: a suggestion that would exceed the remaining cost is not made.

    Parameters
    ----------
    space, seed, budget, fidelity
        As for every strategy; ``fidelity`` is required.
    eta : float
        Reduction factor between rungs. Default 4: Li et al. recommend 3 or 4, and on the
        multi-fidelity Branin and Hartmann-6 (``bench/bench_multifidelity.py``, 20 seeds,
        budgets of 50, 100 and 200 full-fidelity evaluations) 4 reached full-fidelity random
        search's final median regret at 0.21-0.31 of its cost, against 0.33-0.44 for 3. It is
        also ``asha``'s and Ray Tune's ASHA default.
    min_fidelity : float or None
        Smallest fidelity used (default ``fidelity.low``).
    """

    def __init__(self, space, seed, budget, fidelity=None, *, eta: float = 4, min_fidelity: float | None = None):
        super().__init__(space, seed, budget, fidelity, eta=eta, min_fidelity=min_fidelity)
        self.schedule = hyperband_schedule(self.R, self.eta)

    def bracket_rungs(self, index: int) -> list[tuple[int, float]]:
        """Rungs of the ``index``-th bracket: the schedule's brackets in turn, cycled."""
        rungs = self.schedule[index % len(self.schedule)]
        return [(n, self.fidelity_at(r)) for n, r in rungs]

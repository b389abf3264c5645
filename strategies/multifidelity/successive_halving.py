"""Successive halving, repeated with fresh configs until the budget ends.

Jamieson and Talwalkar (2016), "Non-stochastic Best Arm Identification and Hyperparameter
Optimization", AISTATS; in the rung form of Li et al. (2018, JMLR), i.e. one Hyperband bracket.
"""

from __future__ import annotations

import math

from harness.registry import strategy
from harness.validation import Interval, check_parameters

from .brackets import BracketStrategy, max_bracket, successive_halving_rungs

__all__ = ["SuccessiveHalving"]


@strategy("successive-halving")
class SuccessiveHalving(BracketStrategy):
    """Synchronous successive halving (Jamieson & Talwalkar 2016).

    Each bracket starts ``n_configs`` random configs at ``fidelity.high * eta**-s`` (``s`` =
    ``s_max = floor(log_eta(fidelity.high / min_fidelity))`` unless ``rungs`` is given) and
    keeps the best ``1/eta`` at each rung while multiplying the fidelity by ``eta``, ending
    at ``fidelity.high``. Brackets repeat with new configs until the budget is spent. An ask
    returns the rest of the current rung; failed trials are never promoted.

    Parameters
    ----------
    space, seed, budget, fidelity
        As for every strategy; ``fidelity`` is required.
    eta : float
        Reduction factor between rungs (default 3).
    min_fidelity : float or None
        Smallest fidelity used (default ``fidelity.low``).
    n_configs : int or None
        Configs in the first rung (default ``ceil(eta**s)``, so one config reaches the top).
    rungs : int or None
        Number of rungs ``s + 1`` (default ``s_max + 1``, the most aggressive bracket).
    """

    def __init__(self, space, seed, budget, fidelity=None, *, eta: float = 3, min_fidelity: float | None = None,
                 n_configs: int | None = None, rungs: int | None = None):
        super().__init__(space, seed, budget, fidelity, eta=eta, min_fidelity=min_fidelity)
        s_max = max_bracket(self.R, self.eta)
        check_parameters(f"strategy '{self.name}'", {
            "rungs": Interval(int, 1, s_max + 1, none=True, note=f"eta={eta!r}, fidelity ratio {self.R:g}"),
            "n_configs": Interval(int, 1, None, none=True),
        }, rungs=rungs, n_configs=n_configs)
        s = s_max if rungs is None else rungs - 1
        if n_configs is None:
            n_configs = int(math.ceil(self.eta**s - 1e-9))
        self.rungs = [(n, self.fidelity_at(r)) for n, r in successive_halving_rungs(n_configs, s, self.eta, self.R)]

    def bracket_rungs(self, index: int) -> list[tuple[int, float]]:
        """Every bracket has the same rungs."""
        return self.rungs

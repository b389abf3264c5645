"""Random search: uniform (log-uniform where declared) or quasi-random (Sobol, Latin hypercube).

Reference: Bergstra & Bengio, "Random Search for Hyper-Parameter Optimization", JMLR 2012;
quasi-random sequences from ``scipy.stats.qmc`` (Sobol: Owen-scrambled; LHS: Tang/McKay).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import qmc

from harness.protocols import Budget, Fidelity, Strategy, Suggestion
from harness.registry import strategy
from harness.space import Space
from harness.validation import Options, check_parameters

_METHODS = ("uniform", "sobol", "lhs")


@strategy("random")
class RandomSearch(Strategy):
    """Independent draws from the space, at full fidelity.

    Parameters
    ----------
    method : {"uniform", "sobol", "lhs"}
        ``uniform`` draws i.i.d. points; ``sobol`` a scrambled Sobol sequence (its balance
        properties hold for powers of two); ``lhs`` one Latin hypercube sized to the
        evaluation budget (or 256 points at a time for cost budgets).
    """

    max_batch = None  # suggestions never depend on results

    def __init__(self, space: Space, seed: int, budget: Budget, fidelity: Fidelity | None = None,
                 *, method: str = "uniform") -> None:
        super().__init__(space, seed, budget, fidelity)
        check_parameters(f"strategy '{self.name}'", {"method": Options(*_METHODS)}, method=method)
        self.method = method
        d = len(space)
        if method == "sobol":
            self._engine = qmc.Sobol(d, scramble=True, seed=self.rng)
        elif method == "lhs":
            self._engine = qmc.LatinHypercube(d, seed=self.rng)
        self._lhs_block = np.empty((0, d))

    def ask(self, n: int) -> list[Suggestion]:
        """Return ``n`` fresh points."""
        return [Suggestion(c) for c in self.space.decode(self._unit(n))]

    def _unit(self, n: int) -> np.ndarray:
        if self.method == "uniform":
            return self.rng.random((n, len(self.space)))
        if self.method == "sobol":
            return self._engine.random(n)
        # A Latin hypercube is stratified over a whole block, so draw it budget-sized and
        # hand it out in pieces rather than n points (unstratified) at a time.
        while len(self._lhs_block) < n:
            size = self.budget.max_evaluations or 256
            self._lhs_block = np.vstack([self._lhs_block, self._engine.random(size)])
        out, self._lhs_block = self._lhs_block[:n], self._lhs_block[n:]
        return out

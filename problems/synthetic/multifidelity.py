"""Multi-fidelity Branin and Hartmann functions (Kandasamy et al., BOCA, ICML 2017).

The fidelity ``s`` runs from 0.05 to 1. The lower fidelities are the classic formula with
biased constants, exact at ``s = 1``; BOCA gives each constant its own fidelity axis
``z``, here all axes move together (``z = (s, ..., s)``, the diagonal of BOCA's fidelity
space). Cost, in full-fidelity evaluations, is BOCA/Dragonfly's Branin cost model
``0.05 + 0.95 s^1.5`` for all three, so ``cost(1) = 1`` and the cheapest evaluation costs
about 6% of a full one. The optimum is the top-fidelity minimum; no lower fidelity goes
below it (the biases only raise the function), and ``gradient`` is the top-fidelity one.

Reference: Kandasamy, Dasarathy, Schneider and Póczos (2017), "Multi-fidelity Bayesian
optimisation with continuous approximations", ICML; constants as in the Dragonfly library's
``demos_synthetic`` (``branin_mf``, ``hartmann*_mf``).
"""

from __future__ import annotations

import numpy as np

from harness.protocols import Fidelity

from problems.synthetic.catalog import synthetic_problem
from problems.synthetic.classic2d import Branin
from problems.synthetic.hartmann import Hartmann3, Hartmann6

__all__ = ["BraninMF", "Hartmann3MF", "Hartmann6MF", "boca_cost"]

FIDELITY = Fidelity("fidelity", 0.05, 1.0)


def boca_cost(s: np.ndarray) -> np.ndarray:
    """Cost ``0.05 + 0.95 s^1.5`` of fidelities ``s`` ``(n,)``, in full-fidelity evaluations."""
    return 0.05 + 0.95 * np.asarray(s, dtype=float) ** 1.5


@synthetic_problem(variants=("",))
class BraninMF(Branin):
    r"""Multi-fidelity Branin: :class:`Branin` with :math:`b(s) = b - 0.01 (1 - s)`,
    :math:`c(s) = c - 0.1 (1 - s)`, :math:`t(s) = t + 0.005 (1 - s)`, fidelity
    :math:`s \in [0.05, 1]`, cost :math:`0.05 + 0.95 s^{1.5}`. Exact Branin at :math:`s = 1`;
    the minimum over R^2 at fidelity s is :math:`10\,t(s) \ge 10\,t`.

    Reference: Kandasamy et al. (2017), "Multi-fidelity Bayesian optimisation with
    continuous approximations", ICML (see :mod:`problems.synthetic.multifidelity`).
    """

    family = "branin-mf"
    fidelity = FIDELITY

    def _f_fidelity(self, X: np.ndarray, s: np.ndarray) -> np.ndarray:
        x0, x1 = X[:, 0], X[:, 1]
        b = self.b - 0.01 * (1 - s)
        c = self.c - 0.1 * (1 - s)
        t = self.t + 0.005 * (1 - s)
        return (x1 - b * x0**2 + c * x0 - self.r) ** 2 + self.s * (1 - t) * np.cos(x0) + self.s

    def cost_model(self, s: np.ndarray) -> np.ndarray:
        """``0.05 + 0.95 s^1.5`` full-fidelity evaluations."""
        return boca_cost(s)


class _HartmannMF:
    """Hartmann with every weight :math:`\\alpha_i(s) = \\alpha_i - 0.1 (1 - s)`."""

    fidelity = FIDELITY

    def _f_fidelity(self, X: np.ndarray, s: np.ndarray) -> np.ndarray:
        alpha = self.alpha[None, :] - 0.1 * (1 - np.asarray(s, dtype=float))[:, None]
        return -self._wells(X, alpha)[1].sum(axis=1)

    def cost_model(self, s: np.ndarray) -> np.ndarray:
        """``0.05 + 0.95 s^1.5`` full-fidelity evaluations."""
        return boca_cost(s)


@synthetic_problem(variants=("",))
class Hartmann3MF(_HartmannMF, Hartmann3):
    r"""Multi-fidelity Hartmann-3: :class:`Hartmann3` with weights
    :math:`\alpha_i(s) = \alpha_i - 0.1 (1 - s)` (shallower wells at low fidelity), fidelity
    :math:`s \in [0.05, 1]`, cost :math:`0.05 + 0.95 s^{1.5}`; exact at :math:`s = 1`.

    Reference: Kandasamy et al. (2017), ICML; BoTorch's ``AugmentedHartmann`` biases only
    :math:`\alpha_1` the same way.
    """

    family = "hartmann3-mf"


@synthetic_problem(variants=("",))
class Hartmann6MF(_HartmannMF, Hartmann6):
    r"""Multi-fidelity Hartmann-6: :class:`Hartmann6` with weights
    :math:`\alpha_i(s) = \alpha_i - 0.1 (1 - s)`, fidelity :math:`s \in [0.05, 1]`, cost
    :math:`0.05 + 0.95 s^{1.5}`; exact at :math:`s = 1`.

    Reference: Kandasamy et al. (2017), ICML; BoTorch's ``AugmentedHartmann``.
    """

    family = "hartmann6-mf"

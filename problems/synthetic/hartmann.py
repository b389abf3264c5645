"""Hartmann-3 and Hartmann-6: sums of four Gaussian wells on the unit cube."""

from __future__ import annotations

import numpy as np

from problems.synthetic.base import SyntheticFunction
from problems.synthetic.catalog import synthetic_problem

__all__ = ["Hartmann", "Hartmann3", "Hartmann6"]


class Hartmann(SyntheticFunction):
    r"""Hartmann family: :math:`f(x) = -\sum_{i=1}^4 \alpha_i \exp(-\sum_j A_{ij} (x_j - P_{ij})^2)`.

    On :math:`[0, 1]^d`, :math:`\alpha = (1, 1.2, 3, 3.2)`. Every centre :math:`P_i` lies in
    the cube, so moving a coordinate outside the cube back onto its face brings it closer to
    every centre and lowers :math:`f`: the infimum over R^d is attained in the cube and
    rotated instances are exact. Subclasses give ``A`` and ``P``.

    Reference: Hartmann (1973), "Some experiments in global optimization", Naval Research
    Logistics Quarterly 20; Dixon and Szegő (1978).
    """

    alpha = np.array([1.0, 1.2, 3.0, 3.2])
    A: np.ndarray
    P: np.ndarray
    has_gradient = True
    default_noise_sd = 0.1
    landscape = ("smooth", "multimodal")

    def _wells(self, X: np.ndarray, alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        diff = X[:, None, :] - self.P[None, :, :]  # (n, 4, d)
        return diff, alpha * np.exp(-np.einsum("ij,nij->ni", self.A, diff**2))  # (n, 4)

    def _f(self, X: np.ndarray) -> np.ndarray:
        return -self._wells(X, self.alpha)[1].sum(axis=1)

    def _grad(self, X: np.ndarray) -> np.ndarray:
        diff, wells = self._wells(X, self.alpha)
        return 2 * np.einsum("ni,ij,nij->nj", wells, self.A, diff)


@synthetic_problem
class Hartmann3(Hartmann):
    """Hartmann-3 on :math:`[0, 1]^3` (see :class:`Hartmann`).

    Global minimum -3.862779787332663 at (0.114588876657, 0.555648894618, 0.852546984686)
    (BFGS-refined from the published -3.86278 at (0.114614, 0.555649, 0.852547)).
    """

    family = "hartmann3"
    dim = 3
    bounds = np.array([[0.0, 1.0]] * 3)
    A = np.array([[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]])
    P = 1e-4 * np.array([[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]])
    optimal_value = -3.862779787332663
    optimizers = np.array([[0.11458887665749713, 0.5556488946176636, 0.8525469846855153]])


@synthetic_problem
class Hartmann6(Hartmann):
    """Hartmann-6 on :math:`[0, 1]^6` (see :class:`Hartmann`).

    Global minimum -3.3223680114155143 at (0.201690, 0.150011, 0.476874, 0.275332,
    0.311652, 0.657301) (BFGS-refined from the published -3.32237).
    """

    family = "hartmann6"
    dim = 6
    bounds = np.array([[0.0, 1.0]] * 6)
    A = np.array(
        [
            [10, 3, 17, 3.5, 1.7, 8],
            [0.05, 10, 17, 0.1, 8, 14],
            [3, 3.5, 1.7, 10, 17, 8],
            [17, 8, 0.05, 10, 0.1, 14],
        ]
    )
    P = 1e-4 * np.array(
        [
            [1312, 1696, 5569, 124, 8283, 5886],
            [2329, 4135, 8307, 3736, 1004, 9991],
            [2348, 1451, 3522, 2883, 3047, 6650],
            [4047, 8828, 8732, 5743, 1091, 381],
        ]
    )
    optimal_value = -3.3223680114155143
    optimizers = np.array(
        [[0.20168951111050587, 0.1500106917325482, 0.4768739739111425,
          0.2753324305141201, 0.31165161659384755, 0.6573005340676887]]
    )

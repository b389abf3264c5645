"""Classic two-dimensional test functions: Branin, six-hump camel, Goldstein-Price."""

from __future__ import annotations

import math

import numpy as np

from problems.synthetic.base import SyntheticFunction
from problems.synthetic.catalog import synthetic_problem

__all__ = ["Branin", "SixHumpCamel", "GoldsteinPrice"]


@synthetic_problem
class Branin(SyntheticFunction):
    r"""Branin (Branin-Hoo) function.

    .. math:: f(x) = (x_1 - b x_0^2 + c x_0 - r)^2 + s (1 - t) \cos x_0 + s,

    with :math:`b = 5.1 / (4\pi^2)`, :math:`c = 5/\pi`, :math:`r = 6`, :math:`s = 10`,
    :math:`t = 1/(8\pi)`, on :math:`[-5, 10] \times [0, 15]`. Global minimum
    :math:`s t = 0.397887...` at :math:`(-\pi, 12.275)`, :math:`(\pi, 2.275)` and
    :math:`(3\pi, 2.475)`. Smooth, three global minima. The infimum over R^2 is the same
    value (the squared term vanishes on a parabola and :math:`\cos x_0 = -1`), so rotated
    instances are exact.

    Reference: Dixon and Szegő (1978), "The global optimization problem: an introduction";
    Surjanovic and Bingham, Virtual Library of Simulation Experiments (sfu.ca/~ssurjano).
    """

    family = "branin"
    dim = 2
    bounds = np.array([[-5.0, 10.0], [0.0, 15.0]])
    optimal_value = 10.0 / (8.0 * math.pi)
    optimizers = np.array([[-math.pi, 12.275], [math.pi, 2.275], [3 * math.pi, 2.475]])
    has_gradient = True
    default_noise_sd = 0.5
    landscape = ("smooth", "multimodal")
    b, c, r, s, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 6.0, 10.0, 1 / (8 * math.pi)

    def _f(self, X: np.ndarray) -> np.ndarray:
        x0, x1 = X[:, 0], X[:, 1]
        return (x1 - self.b * x0**2 + self.c * x0 - self.r) ** 2 + self.s * (1 - self.t) * np.cos(x0) + self.s

    def _grad(self, X: np.ndarray) -> np.ndarray:
        x0, x1 = X[:, 0], X[:, 1]
        g = 2 * (x1 - self.b * x0**2 + self.c * x0 - self.r)
        return np.column_stack([g * (self.c - 2 * self.b * x0) - self.s * (1 - self.t) * np.sin(x0), g])


@synthetic_problem
class SixHumpCamel(SyntheticFunction):
    r"""Six-hump camel function.

    .. math:: f(x) = (4 - 2.1 x_0^2 + x_0^4 / 3) x_0^2 + x_0 x_1 + (4 x_1^2 - 4) x_1^2

    on :math:`[-3, 3] \times [-2, 2]`. Global minimum :math:`-1.0316284534898774` at
    :math:`\pm(0.0898420131003181, -0.7126564030207396)` (refined by BFGS to gradient
    1e-15); six local minima. A polynomial whose degree-6 and degree-4 terms dominate, so the
    infimum over R^2 is the same value and rotated instances are exact.

    Reference: Dixon and Szegő (1978); Molga and Smutnicki (2005), "Test functions for
    optimization needs".
    """

    family = "six-hump-camel"
    dim = 2
    bounds = np.array([[-3.0, 3.0], [-2.0, 2.0]])
    optimal_value = -1.0316284534898774
    optimizers = np.array([[0.08984201310031806, -0.7126564030207396], [-0.08984201310031806, 0.7126564030207396]])
    has_gradient = True
    default_noise_sd = 0.1
    landscape = ("smooth", "multimodal")

    def _f(self, X: np.ndarray) -> np.ndarray:
        x, y = X[:, 0], X[:, 1]
        return (4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (4 * y**2 - 4) * y**2

    def _grad(self, X: np.ndarray) -> np.ndarray:
        x, y = X[:, 0], X[:, 1]
        return np.column_stack([8 * x - 8.4 * x**3 + 2 * x**5 + y, x - 8 * y + 16 * y**3])


@synthetic_problem
class GoldsteinPrice(SyntheticFunction):
    r"""Goldstein-Price function.

    .. math:: f(x) = [1 + (x_0 + x_1 + 1)^2 B(x)] \, [30 + (2 x_0 - 3 x_1)^2 D(x)],

    :math:`B = 19 - 14 x_0 + 3 x_0^2 - 14 x_1 + 6 x_0 x_1 + 3 x_1^2`,
    :math:`D = 18 - 32 x_0 + 12 x_0^2 + 48 x_1 - 36 x_0 x_1 + 27 x_1^2`, on :math:`[-2, 2]^2`.
    Global minimum 3 at :math:`(0, -1)`. With :math:`t = x_0 + x_1`, the first factor is
    :math:`1 + (t+1)^2 (3t^2 - 14t + 19) \ge 1`; with :math:`u = 2x_0 - 3x_1` the second is
    :math:`3u^4 - 16u^3 + 18u^2 + 30 \ge 3`: the infimum over R^2 is 3, so rotated
    instances are exact. Values span six orders of magnitude over the box.

    Reference: Goldstein and Price (1971), "On descent from local minima", Math. Comp. 25.
    """

    family = "goldstein-price"
    dim = 2
    bounds = np.array([[-2.0, 2.0], [-2.0, 2.0]])
    optimal_value = 3.0
    optimizers = np.array([[0.0, -1.0]])
    has_gradient = True
    default_noise_sd = 1.0
    landscape = ("smooth", "multimodal", "ill-scaled")

    def _f(self, X: np.ndarray) -> np.ndarray:
        x, y = X[:, 0], X[:, 1]
        first = 1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x**2 - 14 * y + 6 * x * y + 3 * y**2)
        second = 30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x**2 + 48 * y - 36 * x * y + 27 * y**2)
        return first * second

    def _grad(self, X: np.ndarray) -> np.ndarray:
        x, y = X[:, 0], X[:, 1]
        a, u = x + y + 1, 2 * x - 3 * y
        B = 19 - 14 * x + 3 * x**2 - 14 * y + 6 * x * y + 3 * y**2
        D = 18 - 32 * x + 12 * x**2 + 48 * y - 36 * x * y + 27 * y**2
        first, second = 1 + a**2 * B, 30 + u**2 * D
        dB = -14 + 6 * x + 6 * y  # the same in x and y
        d_first = np.column_stack([2 * a * B + a**2 * dB, 2 * a * B + a**2 * dB])
        d_second = np.column_stack(
            [4 * u * D + u**2 * (-32 + 24 * x - 36 * y), -6 * u * D + u**2 * (48 - 36 * x + 54 * y)]
        )
        return d_first * second[:, None] + first[:, None] * d_second

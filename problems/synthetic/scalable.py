"""Scalable test functions (any dimension d): Rosenbrock, Ackley, Rastrigin, Levy,
Styblinski-Tang, Griewank and sphere.

Each is bounded below on all of R^d by its optimal value (noted per class), so rotated
instances are exact.
"""

from __future__ import annotations

import math

import numpy as np

from problems.synthetic.base import SyntheticFunction
from problems.synthetic.catalog import synthetic_problem

__all__ = ["Scalable", "Rosenbrock", "Ackley", "Rastrigin", "Levy", "StyblinskiTang", "Griewank", "Sphere"]


class Scalable(SyntheticFunction):
    """A function defined for every dimension: the same interval on every axis.

    Subclasses set ``domain = (low, high)`` and ``optimum_1d``: the minimiser coordinate
    (the same on every axis); the optimal value is ``value_per_dim * d``.
    """

    domain: tuple[float, float]
    optimum_1d: float = 0.0
    value_per_dim: float = 0.0

    def _classic(self, d: int) -> tuple[np.ndarray, float, np.ndarray]:
        return np.array([self.domain] * d, dtype=float), self.value_per_dim * d, np.full((1, d), self.optimum_1d)


@synthetic_problem
class Rosenbrock(Scalable):
    r"""Rosenbrock function :math:`f(x) = \sum_{i<d-1} 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2`.

    On :math:`[-5, 10]^d`, d >= 2. Global minimum 0 at :math:`(1, \dots, 1)` (non-negative
    on R^d). A curved narrow valley; for d >= 4 there is also a local minimum near
    :math:`(-1, 1, \dots, 1)`.

    Reference: Rosenbrock (1960), "An automatic method for finding the greatest or least
    value of a function", The Computer Journal 3.
    """

    family = "rosenbrock"
    min_dim = 2
    domain = (-5.0, 10.0)
    optimum_1d = 1.0
    has_gradient = True
    default_noise_sd = 1.0
    landscape = ("smooth", "valley")

    def _f(self, X: np.ndarray) -> np.ndarray:
        return np.sum(100 * (X[:, 1:] - X[:, :-1] ** 2) ** 2 + (1 - X[:, :-1]) ** 2, axis=1)

    def _grad(self, X: np.ndarray) -> np.ndarray:
        G = np.zeros_like(X)
        inner = X[:, 1:] - X[:, :-1] ** 2
        G[:, :-1] = -400 * X[:, :-1] * inner - 2 * (1 - X[:, :-1])
        G[:, 1:] += 200 * inner
        return G


@synthetic_problem
class Ackley(Scalable):
    r"""Ackley function.

    .. math:: f(x) = -a \exp(-b \sqrt{\tfrac1d \sum x_i^2}) - \exp(\tfrac1d \sum \cos(c x_i)) + a + e

    with :math:`a = 20`, :math:`b = 0.2`, :math:`c = 2\pi`, on :math:`[-32.768, 32.768]^d`.
    Global minimum 0 at the origin (non-negative on R^d); many regularly spaced local
    minima. Not differentiable at the origin (the gradient there is reported as 0).

    Reference: Ackley (1987), "A connectionist machine for genetic hillclimbing"; BBOB f8-f24
    conventions follow Hansen et al. (2009).
    """

    family = "ackley"
    domain = (-32.768, 32.768)
    has_gradient = True
    default_noise_sd = 0.5
    landscape = ("multimodal",)
    a, b, c = 20.0, 0.2, 2 * math.pi

    def _f(self, X: np.ndarray) -> np.ndarray:
        d = X.shape[1]
        radius = np.sqrt(np.sum(X**2, axis=1) / d)
        waves = np.sum(np.cos(self.c * X), axis=1) / d
        return -self.a * np.exp(-self.b * radius) - np.exp(waves) + self.a + math.e

    def _grad(self, X: np.ndarray) -> np.ndarray:
        d = X.shape[1]
        radius = np.sqrt(np.sum(X**2, axis=1) / d)
        safe = np.where(radius > 0, radius, 1.0)
        pull = np.where(radius > 0, self.a * self.b * np.exp(-self.b * radius) / (d * safe), 0.0)
        waves = np.exp(np.sum(np.cos(self.c * X), axis=1) / d)
        return pull[:, None] * X + (waves * self.c / d)[:, None] * np.sin(self.c * X)


@synthetic_problem
class Rastrigin(Scalable):
    r"""Rastrigin function :math:`f(x) = 10 d + \sum (x_i^2 - 10 \cos(2\pi x_i))`.

    On :math:`[-5.12, 5.12]^d`. Global minimum 0 at the origin (each term
    :math:`x^2 + 10(1 - \cos 2\pi x) \ge 0`); about :math:`11^d` local minima on a grid.

    Reference: Rastrigin (1974), "Systems of extremal control"; Mühlenbein et al. (1991).
    """

    family = "rastrigin"
    domain = (-5.12, 5.12)
    has_gradient = True
    default_noise_sd = 1.0
    landscape = ("smooth", "multimodal", "separable")

    def _f(self, X: np.ndarray) -> np.ndarray:
        return 10 * X.shape[1] + np.sum(X**2 - 10 * np.cos(2 * math.pi * X), axis=1)

    def _grad(self, X: np.ndarray) -> np.ndarray:
        return 2 * X + 20 * math.pi * np.sin(2 * math.pi * X)


@synthetic_problem
class Levy(Scalable):
    r"""Levy function, with :math:`w_i = 1 + (x_i - 1)/4`:

    .. math:: f(x) = \sin^2(\pi w_1) + \sum_{i<d} (w_i - 1)^2 [1 + 10 \sin^2(\pi w_i + 1)]
              + (w_d - 1)^2 [1 + \sin^2(2 \pi w_d)]

    On :math:`[-10, 10]^d`. Global minimum 0 at :math:`(1, \dots, 1)` (a sum of
    non-negative terms on R^d).

    Reference: Laguna and Martí (2005), "Experimental testing of advanced scatter search
    designs for global optimization of multimodal functions", J. Global Optim. 33.
    """

    family = "levy"
    domain = (-10.0, 10.0)
    optimum_1d = 1.0
    has_gradient = True
    default_noise_sd = 0.5
    landscape = ("smooth", "multimodal")

    def _f(self, X: np.ndarray) -> np.ndarray:
        W = 1 + (X - 1) / 4
        head = np.sin(math.pi * W[:, 0]) ** 2
        body = np.sum((W[:, :-1] - 1) ** 2 * (1 + 10 * np.sin(math.pi * W[:, :-1] + 1) ** 2), axis=1)
        tail = (W[:, -1] - 1) ** 2 * (1 + np.sin(2 * math.pi * W[:, -1]) ** 2)
        return head + body + tail

    def _grad(self, X: np.ndarray) -> np.ndarray:
        W = 1 + (X - 1) / 4
        G = np.zeros_like(X)
        G[:, 0] = math.pi * np.sin(2 * math.pi * W[:, 0])
        Wb = W[:, :-1]
        G[:, :-1] += 2 * (Wb - 1) * (1 + 10 * np.sin(math.pi * Wb + 1) ** 2) + (Wb - 1) ** 2 * 10 * math.pi * np.sin(
            2 * (math.pi * Wb + 1)
        )
        w = W[:, -1]
        G[:, -1] += 2 * (w - 1) * (1 + np.sin(2 * math.pi * w) ** 2)
        G[:, -1] += (w - 1) ** 2 * 2 * math.pi * np.sin(4 * math.pi * w)
        return G / 4


@synthetic_problem
class StyblinskiTang(Scalable):
    r"""Styblinski-Tang function :math:`f(x) = \tfrac12 \sum (x_i^4 - 16 x_i^2 + 5 x_i)`.

    On :math:`[-5, 5]^d`. Separable; global minimum :math:`-39.16616570377141\,d` at
    :math:`x_i = -2.9035340277711783` (the smallest root of :math:`4x^3 - 32x + 5`, which
    minimises each term over R, so rotated instances are exact); :math:`2^d` local minima.

    Reference: Styblinski and Tang (1990), "Experiments in nonconvex optimization:
    stochastic approximation with function smoothing and simulated annealing", Neural
    Networks 3.
    """

    family = "styblinski-tang"
    domain = (-5.0, 5.0)
    optimum_1d = -2.9035340277711783
    value_per_dim = -39.16616570377141
    has_gradient = True
    default_noise_sd = 2.0
    landscape = ("smooth", "multimodal", "separable")

    def _f(self, X: np.ndarray) -> np.ndarray:
        X2 = X * X  # products, not np.power: several times faster
        return 0.5 * np.sum(X2 * X2 - 16 * X2 + 5 * X, axis=1)

    def _grad(self, X: np.ndarray) -> np.ndarray:
        return 2 * X * X * X - 16 * X + 2.5


@synthetic_problem
class Griewank(Scalable):
    r"""Griewank function :math:`f(x) = 1 + \sum x_i^2 / 4000 - \prod \cos(x_i / \sqrt{i})`.

    On :math:`[-600, 600]^d`. Global minimum 0 at the origin (the product is at most 1);
    a bowl covered with many shallow local minima.

    Reference: Griewank (1981), "Generalized descent for global optimization", J. Optim.
    Theory Appl. 34.
    """

    family = "griewank"
    domain = (-600.0, 600.0)
    has_gradient = True
    default_noise_sd = 0.1
    landscape = ("smooth", "multimodal")

    def _f(self, X: np.ndarray) -> np.ndarray:
        root = np.sqrt(np.arange(1, X.shape[1] + 1))
        return 1 + np.sum(X**2, axis=1) / 4000 - np.prod(np.cos(X / root), axis=1)

    def _grad(self, X: np.ndarray) -> np.ndarray:
        root = np.sqrt(np.arange(1, X.shape[1] + 1))
        cos = np.cos(X / root)
        # Products of all the other cosines without dividing (a cosine may be 0).
        before = np.cumprod(np.column_stack([np.ones(len(X)), cos[:, :-1]]), axis=1)
        after = np.cumprod(np.column_stack([np.ones(len(X)), cos[:, :0:-1]]), axis=1)[:, ::-1]
        return X / 2000 + before * after * np.sin(X / root) / root


@synthetic_problem
class Sphere(Scalable):
    r"""Sphere function :math:`f(x) = \sum x_i^2` on :math:`[-5.12, 5.12]^d`.

    Global minimum 0 at the origin. Convex, separable: a sanity check that every strategy
    should solve.

    Reference: De Jong (1975), "An analysis of the behavior of a class of genetic adaptive
    systems" (function F1).
    """

    family = "sphere"
    domain = (-5.12, 5.12)
    has_gradient = True
    default_noise_sd = 0.1
    landscape = ("smooth", "unimodal", "separable")

    def _f(self, X: np.ndarray) -> np.ndarray:
        return np.sum(X**2, axis=1)

    def _grad(self, X: np.ndarray) -> np.ndarray:
        return 2 * X

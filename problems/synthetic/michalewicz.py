"""Michalewicz function, with its optimum computed exactly from its separability."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy.optimize import minimize_scalar

from problems.synthetic.catalog import synthetic_problem
from problems.synthetic.scalable import Scalable

__all__ = ["Michalewicz", "michalewicz_axis_minimum"]

_M = 10  # steepness


def _term(x: np.ndarray, i: int) -> np.ndarray:
    return -np.sin(x) * np.sin(i * x**2 / math.pi) ** (2 * _M)


@lru_cache(maxsize=None)
def michalewicz_axis_minimum(i: int) -> tuple[float, float]:
    """``(argmin, min)`` over ``[0, pi]`` of axis ``i``'s term (1-based), to ~1e-12.

    A dense grid finds the best basin (its width shrinks like ``1/i``; 200 points per
    basin), then a bounded Brent search polishes it.
    """
    n = max(20001, 400 * i)
    grid = np.linspace(0.0, math.pi, n)
    k = int(np.argmin(_term(grid, i)))
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, n - 1)]
    res = minimize_scalar(lambda x: float(_term(np.array(x), i)), bounds=(lo, hi), method="bounded",
                          options={"xatol": 1e-13})
    return float(res.x), float(res.fun)


@synthetic_problem
class Michalewicz(Scalable):
    r"""Michalewicz function :math:`f(x) = -\sum_{i=1}^d \sin(x_i) \sin^{2m}(i x_i^2 / \pi)`, m = 10.

    On :math:`[0, \pi]^d`. Steep narrow valleys; the search space is mostly flat. The
    function is separable, so its global minimum is the sum of one-dimensional minima, which
    are computed here (dense grid + Brent, to ~1e-12) for any d; they reproduce the
    published -1.8013 (d=2), -4.687658 (d=5) and -9.66015 (d=10). Outside its box the formula
    goes lower, so shifted instances use the box-preserving warp (no rotation; see
    :mod:`problems.synthetic.instances`).

    Reference: Michalewicz (1992), "Genetic Algorithms + Data Structures = Evolution
    Programs"; published optima from Surjanovic and Bingham (sfu.ca/~ssurjano) and
    Vanaret et al. (2020).
    """

    family = "michalewicz"
    domain = (0.0, math.pi)
    affine_instances = False
    has_gradient = True
    default_noise_sd = 0.05
    landscape = ("smooth", "multimodal", "separable", "plateaus")

    def _classic(self, d: int) -> tuple[np.ndarray, float, np.ndarray]:
        axes = [michalewicz_axis_minimum(i) for i in range(1, d + 1)]
        optimizer = np.array([[x for x, _ in axes]])
        return np.array([self.domain] * d), math.fsum(v for _, v in axes), optimizer

    @staticmethod
    def _powers(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        i = np.arange(1, X.shape[1] + 1)
        theta = i * X * X / math.pi
        s = np.sin(theta)
        s2 = s * s
        s4 = s2 * s2
        s9 = s4 * s4 * s  # products, not np.power: several times faster
        return theta, s9 * s9 * s, s9 * s9 * s2  # theta, s^19, s^20 (m = 10)

    def _f(self, X: np.ndarray) -> np.ndarray:
        return -np.sum(np.sin(X) * self._powers(X)[2], axis=1)

    def _grad(self, X: np.ndarray) -> np.ndarray:
        i = np.arange(1, X.shape[1] + 1)
        theta, s19, s20 = self._powers(X)
        return -(np.cos(X) * s20 + np.sin(X) * 2 * _M * s19 * np.cos(theta) * 2 * i * X / math.pi)

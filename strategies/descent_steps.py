"""The numerical steps of the ``gradient`` strategy: directions, line search, finite differences.

Pure functions on unit-cube vectors, kept apart from the strategy's ask/tell bookkeeping.
References: J. Nocedal and S. J. Wright, "Numerical Optimization", 2nd ed., Springer 2006
(eq. 6.17 and 6.20 for BFGS, Sec. 3.5 for the interpolating backtrack, Sec. 8.1 for finite
differences).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["quasi_newton_direction", "bfgs_update", "backtrack", "probe_points", "finite_difference"]

#: A probe of a finite difference: (point, coordinate, signed offset actually taken).
Probe = tuple[np.ndarray, int, float]


def quasi_newton_direction(inverse_hessian: np.ndarray, g: np.ndarray, free: np.ndarray) -> np.ndarray | None:
    """``-H g`` on the ``free`` coordinates (boolean mask), or None if it does not descend."""
    direction = np.zeros(len(g))
    direction[free] = -(inverse_hessian[np.ix_(free, free)] @ g[free])
    size = float(np.linalg.norm(direction))
    if size == 0 or g @ direction >= -1e-12 * float(np.linalg.norm(g[free])) * size:
        return None
    return direction


def bfgs_update(inverse_hessian: np.ndarray | None, s: np.ndarray, y: np.ndarray) -> np.ndarray | None:
    """Inverse BFGS update (Nocedal and Wright eq. 6.17; first scaling eq. 6.20)."""
    sy = float(s @ y)
    if not sy > 1e-12 * float(np.linalg.norm(s) * np.linalg.norm(y)):
        return inverse_hessian  # curvature condition fails (e.g. at a bound): skip
    if inverse_hessian is None:
        inverse_hessian = (sy / float(y @ y)) * np.eye(len(s))
    rho = 1.0 / sy
    v = np.eye(len(s)) - rho * np.outer(s, y)
    return v @ inverse_hessian @ v.T + rho * np.outer(s, s)


def backtrack(t: float, f: float, slope: float, f_new: float) -> float:
    """Minimiser of the quadratic interpolating phi(0), phi'(0) and phi(t), kept in [0.1 t, 0.5 t]."""
    if not math.isfinite(f_new):
        return 0.25 * t
    curvature = f_new - f - slope * t
    t_q = -slope * t * t / (2 * curvature) if curvature > 0 else 0.5 * t
    return float(np.clip(t_q, 0.1 * t, 0.5 * t))


def probe_points(x: np.ndarray, movable: np.ndarray, h: float, scheme: str) -> list[Probe]:
    """Probes of the ``movable`` coordinates of ``x``; central pairs are adjacent.

    A forward probe steps ``+h``, or ``-h`` when that would leave the cube.
    """
    probes = []
    for j in np.flatnonzero(movable):
        offsets = (h, -h) if scheme == "central" else ((h,) if x[j] + h <= 1.0 else (-h,))
        for offset in offsets:
            point = x.copy()
            point[j] = np.clip(x[j] + offset, 0.0, 1.0)
            probes.append((point, int(j), float(point[j] - x[j])))
    return probes


def finite_difference(f: float, probes: list[Probe], values: list[float], scheme: str, dim: int) -> np.ndarray:
    """The gradient, shape ``(dim,)``, from probe values; a failed probe leaves its component 0."""
    g = np.zeros(dim)
    if scheme == "forward":
        for (_, j, offset), value in zip(probes, values):
            if math.isfinite(value) and math.isfinite(f) and offset != 0:
                g[j] = (value - f) / offset
        return g
    for k in range(0, len(probes), 2):
        (_, j, up), (_, _, down) = probes[k], probes[k + 1]
        plus, minus = values[k], values[k + 1]
        if math.isfinite(plus) and math.isfinite(minus) and up != down:
            g[j] = (plus - minus) / (up - down)
    return g

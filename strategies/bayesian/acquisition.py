"""Acquisition functions for minimisation: log expected improvement and a confidence bound.

Both are written to be *maximised* and return their gradients with respect to the posterior
mean and standard deviation, so the caller can chain them through the GP's input gradients.

``log_h`` follows Ament, Daulton, Eriksson, Balandat & Bakshy (2023), *Unexpected
Improvements to Expected Improvement for Bayesian Optimization* (NeurIPS), eq. (9): the plain
formula ``log(phi(z) + z Phi(z))`` loses every digit for ``z < -5`` or so, which makes EI flat
(zero gradient) in most of the space once the model is confident; the rewritten branches stay
accurate down to ``z = -1e150`` and beyond.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

__all__ = ["log_h", "log_h_grad", "log_expected_improvement", "lower_confidence_bound"]

_C1 = 0.5 * math.log(2.0 * math.pi)
_C2 = 0.5 * math.log(0.5 * math.pi)
_INV_SQRT_EPS = 1.0 / math.sqrt(np.finfo(float).eps)


def _log1mexp(x: np.ndarray) -> np.ndarray:
    """``log(1 - exp(x))`` for ``x < 0``, accurate on both sides of ``-log 2`` (Maechler 2012)."""
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    near = x > -math.log(2.0)
    out[near] = np.log(-np.expm1(x[near]))
    out[~near] = np.log1p(-np.exp(x[~near]))
    return out


def log_h(z: np.ndarray) -> np.ndarray:
    """``log(phi(z) + z Phi(z))``, numerically stable for all real ``z``.

    Parameters
    ----------
    z : ndarray, shape (m,)

    Returns
    -------
    ndarray, shape (m,)
    """
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    mid = z > -1.0
    zm = z[mid]
    out[mid] = np.log(np.exp(-0.5 * zm * zm - _C1) + zm * special.ndtr(zm))
    tail = (~mid) & (z > -_INV_SQRT_EPS)
    zt = z[tail]
    out[tail] = -0.5 * zt * zt - _C1 + _log1mexp(np.log(special.erfcx(-zt / math.sqrt(2.0)) * np.abs(zt)) + _C2)
    far = ~(mid | tail)
    zf = z[far]
    out[far] = -0.5 * zf * zf - _C1 - 2.0 * np.log(np.abs(zf))
    return out


def log_h_grad(z: np.ndarray, logh: np.ndarray | None = None) -> np.ndarray:
    """``d log_h / dz = Phi(z) / h(z)``, computed in log space (stable for very negative z)."""
    z = np.asarray(z, dtype=float)
    if logh is None:
        logh = log_h(z)
    return np.exp(special.log_ndtr(z) - logh)


def log_expected_improvement(mean: np.ndarray, std: np.ndarray, best: float):
    """Log expected improvement below ``best`` and its gradients.

    ``EI = std * h(z)`` with ``z = (best - mean) / std`` and ``h(z) = phi(z) + z Phi(z)``.

    Parameters
    ----------
    mean, std : ndarray, shape (m,)
        Posterior mean and standard deviation (``std > 0``).
    best : float
        The incumbent (lowest) value in the same units.

    Returns
    -------
    value : ndarray, shape (m,)
    dmean, dstd : ndarray, shape (m,)
        Gradients of ``value`` with respect to ``mean`` and ``std``.
    """
    z = (best - mean) / std
    logh = log_h(z)
    dz = log_h_grad(z, logh)
    return np.log(std) + logh, -dz / std, 1.0 / std - dz * z / std


def lower_confidence_bound(mean: np.ndarray, std: np.ndarray, kappa: float):
    """Negated lower confidence bound ``-(mean - kappa * std)`` (to maximise) and gradients.

    Returns
    -------
    value, dmean, dstd : ndarray, shape (m,)
    """
    return -(mean - kappa * std), -np.ones_like(mean), np.full_like(std, kappa)

"""Seeded instances of synthetic functions: the optimum moves, its value stays exact.

Many classic functions have their minimiser at the centre of the box or at a round number,
which flatters grid search and centre-biased strategies. Following COCO/BBOB (Hansen et
al., "Real-parameter black-box optimization benchmarking 2009: noiseless functions
definitions", INRIA RR-6829), an instance evaluates ``f(T(x))`` where ``T`` maps a shifted
point ``s`` (drawn from the instance seed inside the box) onto a known minimiser ``x*`` of
the classic function. Two constructions, chosen per function:

``AffineInstance`` (rotation + shift), ``T(x) = x* + R (x - s)`` with ``R`` a random
    orthogonal matrix. ``T(x)`` may leave the classic box, so it is used only for formulas
    whose infimum over all of R^d is the known optimal value (checked per function and noted
    in its docstring). Then ``min over the box of f(T(x)) = f*`` exactly, attained at ``s``.
    Caveat: parts of the box map outside the classic domain, so the landscape far from ``s``
    is the formula's continuation, not a cropped copy of the classic picture; other classic
    minimisers are kept in ``optimizers`` only when their preimage lies in the box, and
    further minimisers of the continuation (e.g. Branin's periodic copies) are not listed.

``WarpInstance`` (per-axis piecewise-linear bijection of the box onto itself, no rotation),
    for formulas that are lower outside their box (Michalewicz). ``T`` maps ``[lo, s]``
    linearly onto ``[lo, x*]`` and ``[s, hi]`` onto ``[x*, hi]``, so the image of the box is the
    box and the minimum value is exactly preserved. Caveat: ``f(T(x))`` has a kink (a
    gradient jump) across each hyperplane ``x_j = s_j`` away from the optimum.

Shifted points are drawn uniformly from the inner 80% of each axis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Transform", "IdentityInstance", "AffineInstance", "WarpInstance", "make_instance"]

_INNER = 0.1  # keep shifted optima this fraction of the span away from every face


class Transform:
    """A map ``T`` from the problem's box to the classic function's coordinates."""

    def forward(self, X: np.ndarray) -> np.ndarray:
        """``T(X)`` for an ``(n, d)`` array."""
        raise NotImplementedError

    def backward(self, Z: np.ndarray) -> np.ndarray:
        """``T^{-1}(Z)`` for an ``(n, d)`` array of classic coordinates."""
        raise NotImplementedError

    def pull_gradient(self, X: np.ndarray, G: np.ndarray) -> np.ndarray:
        """Chain rule: ``(n, d)`` gradients at ``T(X)`` to gradients with respect to ``X``."""
        raise NotImplementedError


class IdentityInstance(Transform):
    """The classic function (``instance=None``)."""

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Return ``X`` unchanged."""
        return X

    def backward(self, Z: np.ndarray) -> np.ndarray:
        """Return ``Z`` unchanged."""
        return Z

    def pull_gradient(self, X: np.ndarray, G: np.ndarray) -> np.ndarray:
        """Return ``G`` unchanged."""
        return G


@dataclass(frozen=True)
class AffineInstance(Transform):
    """``T(x) = anchor + R (x - shift)`` with ``R`` orthogonal, ``(d, d)``."""

    anchor: np.ndarray
    shift: np.ndarray
    rotation: np.ndarray

    def forward(self, X: np.ndarray) -> np.ndarray:
        """``anchor + (X - shift) R^T`` row by row."""
        return self.anchor + (X - self.shift) @ self.rotation.T

    def backward(self, Z: np.ndarray) -> np.ndarray:
        """``shift + (Z - anchor) R`` row by row (``R^{-1} = R^T``)."""
        return self.shift + (Z - self.anchor) @ self.rotation

    def pull_gradient(self, X: np.ndarray, G: np.ndarray) -> np.ndarray:
        """``R^T g`` row by row."""
        return G @ self.rotation


@dataclass(frozen=True)
class WarpInstance(Transform):
    """Per-axis piecewise-linear bijection of ``[lo, hi]`` taking ``shift`` to ``anchor``."""

    low: np.ndarray
    high: np.ndarray
    anchor: np.ndarray
    shift: np.ndarray

    def _slopes(self, below: np.ndarray) -> np.ndarray:
        left = (self.anchor - self.low) / (self.shift - self.low)
        right = (self.high - self.anchor) / (self.high - self.shift)
        return np.where(below, left, right)

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Map each axis piecewise-linearly."""
        return self.anchor + (X - self.shift) * self._slopes(X <= self.shift)

    def backward(self, Z: np.ndarray) -> np.ndarray:
        """The inverse map, axis by axis."""
        return self.shift + (Z - self.anchor) / self._slopes(Z <= self.anchor)

    def pull_gradient(self, X: np.ndarray, G: np.ndarray) -> np.ndarray:
        """Scale each component by its axis slope (one-sided at ``x_j = s_j``)."""
        return G * self._slopes(X <= self.shift)


def _random_rotation(rng: np.random.Generator, d: int) -> np.ndarray:
    # QR of a Gaussian matrix with the signs of R's diagonal folded into Q is Haar-distributed
    # (Mezzadri, "How to generate random matrices from the classical compact groups", 2007).
    if d == 1:
        return np.ones((1, 1))
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    return q * np.sign(np.diag(r))


def make_instance(
    instance: int | None, bounds: np.ndarray, anchor: np.ndarray, *, affine: bool, rotate: bool
) -> Transform:
    """Build the transform of instance ``instance`` (``None``: identity).

    Parameters
    ----------
    instance : int or None
        Instance seed; the shift and rotation come from ``np.random.default_rng(instance)``.
    bounds : ndarray, shape (d, 2)
        The box.
    anchor : ndarray, shape (d,)
        The classic minimiser the shifted point maps to.
    affine : bool
        Whether the formula allows ``AffineInstance`` (infimum over R^d equals the optimum);
        otherwise ``WarpInstance`` is used.
    rotate : bool
        Whether an affine instance also rotates (ignored by the warp).
    """
    if instance is None:
        return IdentityInstance()
    if isinstance(instance, bool) or not isinstance(instance, (int, np.integer)) or instance < 0:
        raise ValueError(f"The 'instance' of a synthetic function must be an integer >= 0 or None. Got {instance!r}.")
    rng = np.random.default_rng(int(instance))
    low, high = bounds[:, 0], bounds[:, 1]
    d = len(low)
    shift = low + (high - low) * (_INNER + (1 - 2 * _INNER) * rng.random(d))
    rotation = _random_rotation(rng, d)
    if affine:
        return AffineInstance(anchor=np.asarray(anchor, float), shift=shift, rotation=rotation if rotate else np.eye(d))
    return WarpInstance(low=low, high=high, anchor=np.asarray(anchor, float), shift=shift)

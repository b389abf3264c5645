"""Mixed-integer and categorical versions of a synthetic function's box.

The last ``integer_dims`` axes become :class:`~harness.space.Int` parameters and the
``categorical_dims`` axes before them become :class:`~harness.space.Categorical` parameters.
Each discretised axis takes values on an evenly spaced grid (step ``span / (levels - 1)``)
that is anchored at the problem's first minimiser, so the grid always contains the optimum
and the minimum over the mixed domain is still exactly the known optimal value.

An integer parameter's value ``k`` in ``0 .. n-1`` is the k-th grid value (ordered). A
categorical parameter's choices ``"c0", "c1", ...`` are the grid values in an order shuffled
by the instance seed, so the order of the choices says nothing about the function.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harness.space import Categorical, Float, Int

__all__ = ["Discretisation"]


@dataclass(frozen=True)
class Axis:
    """One discretised axis: its column, kind, grid values and (categorical) choice order."""

    column: int
    kind: str  # "int" or "categorical"
    values: np.ndarray  # grid values in domain coordinates, ascending
    order: np.ndarray  # choice index -> grid index (identity for integers)

    def param(self, name: str) -> Int | Categorical:
        """The space parameter for this axis."""
        if self.kind == "int":
            return Int(name, 0, len(self.values) - 1)
        return Categorical(name, tuple(f"c{i}" for i in range(len(self.values))))

    def value_of(self, x: float) -> int | str:
        """The parameter value whose grid point equals ``x`` (which must be on the grid)."""
        k = int(np.argmin(np.abs(self.values - x)))
        if self.kind == "int":
            return k
        return f"c{int(np.flatnonzero(self.order == k)[0])}"


class Discretisation:
    """Which axes are discrete and how parameter values map to domain coordinates.

    Parameters
    ----------
    bounds : ndarray, shape (d, 2)
    anchor : ndarray, shape (d,)
        A minimiser the grids must contain.
    integer_dims, categorical_dims : int
        How many trailing axes become integer, and how many before them categorical.
    levels : int
        Grid points per axis when the anchor sits on a face (a few fewer otherwise).
    rng : numpy Generator
        Shuffles the categorical choices.
    """

    def __init__(
        self,
        bounds: np.ndarray,
        anchor: np.ndarray,
        integer_dims: int,
        categorical_dims: int,
        levels: int,
        rng: np.random.Generator,
    ) -> None:
        d = len(bounds)
        for label, value in (("integer_dims", integer_dims), ("categorical_dims", categorical_dims)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
                raise ValueError(f"'{label}' must be an integer >= 0. Got {value!r}.")
        if integer_dims + categorical_dims > d:
            raise ValueError(
                f"'integer_dims' + 'categorical_dims' must be <= the dimension {d}. "
                f"Got {integer_dims} + {categorical_dims}."
            )
        if isinstance(levels, bool) or not isinstance(levels, (int, np.integer)) or levels < 2:
            raise ValueError(f"'levels' must be an integer >= 2. Got {levels!r}.")
        self.bounds = bounds
        self.axes: dict[int, Axis] = {}
        first = d - integer_dims - categorical_dims
        for j in range(first, d):
            kind = "categorical" if j < d - integer_dims else "int"
            low, high = bounds[j]
            step = (high - low) / (levels - 1)
            # Grid points a + k*step inside [low, high] through the anchor (tolerance for
            # rounding, so an anchor on a face keeps all `levels` points).
            below = int(np.floor((anchor[j] - low) / step + 1e-9))
            above = int(np.floor((high - anchor[j]) / step + 1e-9))
            values = anchor[j] + step * np.arange(-below, above + 1)
            values = np.clip(values, low, high)
            values[below] = anchor[j]  # exactly, not up to rounding
            order = rng.permutation(len(values)) if kind == "categorical" else np.arange(len(values))
            self.axes[j] = Axis(j, kind, values, order)
        self._lookup = {
            j: {f"c{i}": axis.values[axis.order[i]] for i in range(len(axis.values))}
            for j, axis in self.axes.items()
            if axis.kind == "categorical"
        }

    @property
    def continuous_columns(self) -> np.ndarray:
        """Indices of the axes that stay Float."""
        return np.array([j for j in range(len(self.bounds)) if j not in self.axes], dtype=int)

    def params(self, names: list[str]) -> list:
        """Space parameters, one per axis, named by ``names``."""
        return [
            self.axes[j].param(name) if j in self.axes else Float(name, float(lo), float(hi))
            for j, (name, (lo, hi)) in enumerate(zip(names, self.bounds))
        ]

    def to_domain(self, columns: list[list]) -> np.ndarray:
        """Parameter values, one list per axis, to an ``(n, d)`` array of domain coordinates."""
        n = len(columns[0]) if columns else 0
        X = np.empty((n, len(columns)))
        for j, column in enumerate(columns):
            axis = self.axes.get(j)
            if axis is None:
                X[:, j] = column
            elif axis.kind == "int":
                index = np.asarray(column)
                if index.dtype.kind not in "iu" or index.min() < 0 or index.max() >= len(axis.values):
                    raise ValueError(f"Axis x{j} takes integers in 0..{len(axis.values) - 1}.")
                X[:, j] = axis.values[index]
            else:
                lookup = self._lookup[j]
                X[:, j] = [lookup[v] for v in column]
        return X

    def on_grid(self, X: np.ndarray) -> np.ndarray:
        """Whether each row of an ``(n, d)`` array lies on every discrete axis's grid."""
        ok = np.ones(len(X), dtype=bool)
        for j, axis in self.axes.items():
            ok &= np.isclose(X[:, j, None], axis.values[None, :], rtol=0, atol=1e-12).any(axis=1)
        return ok

    def to_config(self, x: np.ndarray, names: list[str]) -> dict:
        """A point of the domain (on the grids) as a config."""
        return {
            name: (self.axes[j].value_of(v) if j in self.axes else float(v))
            for j, (name, v) in enumerate(zip(names, x))
        }

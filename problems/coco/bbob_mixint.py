"""COCO's mixed-integer BBOB functions (``bbob-mixint``), evaluated by COCO's own code.

``bbob-mixint-f{function}-{dim}d`` is function ``function`` (1..24) of COCO's ``bbob-mixint``
suite in ``dim`` dimensions (5, 10, 20, 40): the bbob function of the same id, dimension and
instance with its first 80% of variables discretised, in four equal groups of cardinality 2, 4,
8 and 16 (integers ``0..1``, ``0..3``, ``0..7``, ``0..15``; our :class:`~harness.space.Int`
parameters), the last 20% continuous in [-5, 5], and its value scaled by a per-function
factor (Tušar, Brockhoff, Hansen, "Mixed-integer benchmark problems for single- and
bi-objective optimization", GECCO 2019). cocoex offers it only as a suite problem
(``cocoex.Suite("bbob-mixint", ...)``; its ``BareProblem`` knows "bbob" alone), which is what
is wrapped here. COCO's 80-D and 160-D versions use its large-scale functions and are not
wrapped.

Optimum. The suite problem does not expose f_opt (cocoex 2.8's ``Problem._f0`` refers to an
attribute it lacks). COCO builds the problem by scaling the bbob function, whose optimum lies
on the integer grid, so ``f_opt = factor(function) * bbob f_opt`` with COCO's factors
(:data:`SCALING_FACTORS`, from COCO's ``suite_bbob_mixint.c``) and the bbob f_opt from
``BareProblem``; ``tests/test_bbob_mixint.py`` checks it equals the suite problem's value at
the x_opt COCO reports, for every function.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from harness.protocols import Problem
from harness.registry import problem
from harness.space import Float, Int, Space, SpaceError

from problems.coco.bbob import BBOB_FUNCTIONS, FUNCTION_NAMES, CocoEvaluation, require_cocoex

__all__ = ["BBOBMixint", "MIXINT_DIMENSIONS", "SCALING_FACTORS"]

#: Dimensions wrapped (COCO's bbob-mixint also has 80 and 160, built on its large-scale functions).
MIXINT_DIMENSIONS = (5, 10, 20, 40)
#: COCO's value scaling of each bbob-mixint function f1..f24 (suite_bbob_mixint.c).
SCALING_FACTORS = (1, 1e-3, 1e-1, 1e-1, 1, 1e-2, 1, 1e-2, 1e-2, 1e-3, 1e-2, 1e-4,
                   1e-1, 1, 1e-1, 1, 10, 1, 10, 1e-1, 1, 1, 10, 1e-1)


@problem("bbob-mixint-f{function}-{dim}d", example="bbob-mixint-f1-5d")
class BBOBMixint(CocoEvaluation, Problem):
    """Mixed-integer BBOB function f_function in ``dim`` dimensions, evaluated by COCO (cocoex).

    Parameters ``x0 .. x{d-1}``: the first ``0.8 d`` are integers with COCO's bounds, the rest
    floats in [-5, 5].

    Parameters
    ----------
    function : int
        BBOB function id, 1..24.
    dim : int
        Dimension, one of 5, 10, 20, 40.
    instance : int or None
        COCO instance id (>= 1); ``None`` is instance 1.

    Attributes
    ----------
    coco_instance : int
        The COCO instance evaluated.
    optimum : float
        f_opt of the instance (see the module docstring).

    References
    ----------
    T. Tušar, D. Brockhoff, N. Hansen (2019), Mixed-integer benchmark problems for single- and
    bi-objective optimization, GECCO 2019, 718-726.
    """

    batch = True

    def __init__(self, function: int, dim: int, *, instance: int | None = None) -> None:
        if isinstance(function, bool) or not isinstance(function, (int, np.integer)) or function not in BBOB_FUNCTIONS:
            raise ValueError(f"A BBOB function id must be an integer in 1..24. Got {function!r}.")
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim not in MIXINT_DIMENSIONS:
            raise ValueError(f"A bbob-mixint dimension must be one of {', '.join(map(str, MIXINT_DIMENSIONS))}. Got {dim!r}.")
        instance = 1 if instance is None else instance
        if isinstance(instance, bool) or not isinstance(instance, (int, np.integer)) or instance < 1:
            raise ValueError(f"The 'instance' of a BBOB problem is a COCO instance id, an integer >= 1. Got {instance!r}.")
        cocoex = require_cocoex()
        self.function, self.dim, self.coco_instance = int(function), int(dim), int(instance)
        # The suite must outlive its problem: freeing it frees the problem's C object.
        self._suite = cocoex.Suite("bbob-mixint", f"instances: {self.coco_instance}",
                                   f"function_indices: {self.function} dimensions: {self.dim} "
                                   f"instance_indices: 1")
        self._coco = next(iter(self._suite))
        bbob_optimum = cocoex.BareProblem("bbob", self.function, self.dim, self.coco_instance).best_value()
        self.optimum = float(SCALING_FACTORS[self.function - 1] * bbob_optimum)
        lower, upper = np.asarray(self._coco.lower_bounds), np.asarray(self._coco.upper_bounds)
        self.n_integer = int(self._coco.number_of_integer_variables)
        self.names = [f"x{j}" for j in range(self.dim)]
        self.space = Space([Int(n, int(lower[j]), int(upper[j])) if j < self.n_integer else Float(n, -5.0, 5.0)
                            for j, n in enumerate(self.names)])
        self._lower, self._upper = lower, upper
        self.name = f"bbob-mixint-f{self.function}-{self.dim}d"
        self.instance = self.coco_instance
        self.tags = ("synthetic", "bbob", "bbob-mixint", "mixed", FUNCTION_NAMES[self.function - 1])

    def to_array(self, configs: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """Configs to an ``(n, d)`` array, checked against COCO's bounds and integrality."""
        X = self.config_matrix(configs)
        bad = ~np.isfinite(X) | (X < self._lower) | (X > self._upper)
        bad[:, :self.n_integer] |= X[:, :self.n_integer] != np.round(X[:, :self.n_integer])
        if bad.any():
            i, j = np.argwhere(bad)[0]
            kind = "an integer in" if j < self.n_integer else "in"
            raise SpaceError(f"Parameter 'x{j}' of '{self.name}' must be {kind} "
                             f"[{self._lower[j]:g}, {self._upper[j]:g}]. Got {X[i, j]!r}.")
        return X


"""The 24 noiseless BBOB functions, evaluated by COCO's own code (``cocoex``).

``bbob-f{function}-{dim}d`` is BBOB function ``function`` (1..24) in ``dim`` dimensions
(COCO's 2, 3, 5, 10, 20, 40) over COCO's box ``[-5, 5]^d``, as defined in N. Hansen, S.
Finck, R. Ros and A. Auger, "Real-parameter black-box optimization benchmarking 2009:
noiseless functions definitions", INRIA RR-6829. Instances are COCO's: ``instance = k`` is
COCO instance ``k`` (``k >= 1``; ``None`` is instance 1), and a suite's ``instance =
"seed"`` gives repetition ``r`` COCO instance ``1 + r mod 15``, the 15 instances 1..15 of
COCO's 2010/2012 protocol (``Suite("bbob", "year: 2010", "")``). ``optimum`` is COCO's
f_opt of the instance (``BareProblem.best_value``), so regret is COCO's ``f - f_opt`` and
the COCO export (:mod:`harness.analysis.export`) writes exactly what COCO's logger would.

``cocoex`` ships in the ``coco`` extra (``pip install -e ".[coco]"``); without it, building a
BBOB problem raises a ``ValueError`` whose one line says so, which a suite reports at
validation.
"""

from __future__ import annotations

import importlib
import re
from typing import Any, Mapping, Sequence

import numpy as np

from harness.protocols import Evaluation, Problem
from harness.registry import problem
from harness.space import Float, Space, SpaceError

__all__ = ["BBOB", "BBOB_DIMENSIONS", "BBOB_FUNCTIONS", "CocoEvaluation", "INSTALL_HINT", "parse_bbob_name", "require_cocoex"]

#: Dimensions of COCO's bbob suite (cocopp's figures assume these).
BBOB_DIMENSIONS = (2, 3, 5, 10, 20, 40)
#: BBOB function ids.
BBOB_FUNCTIONS = tuple(range(1, 25))
#: Number of instances ``instance = "seed"`` cycles through (COCO's 2010 protocol: 1..15).
SEED_INSTANCES = 15
INSTALL_HINT = 'pip install -e ".[coco]"  (or: pip install coco-experiment)'

_NAME = re.compile(r"bbob-f(\d+)-(\d+)d\Z")
#: Short names of the 24 functions (Hansen et al. 2009), shown by ``harness show``.
FUNCTION_NAMES = (
    "sphere", "separable ellipsoid", "Rastrigin", "Bueche-Rastrigin", "linear slope",
    "attractive sector", "step ellipsoid", "Rosenbrock", "rotated Rosenbrock", "ellipsoid",
    "discus", "bent cigar", "sharp ridge", "different powers", "rotated Rastrigin", "Weierstrass",
    "Schaffers F7", "ill-conditioned Schaffers F7", "composite Griewank-Rosenbrock F8F2",
    "Schwefel x*sin(x)", "Gallagher 101 peaks", "Gallagher 21 peaks", "Katsuura", "Lunacek bi-Rastrigin",
)


def require_cocoex():
    """Import ``cocoex`` or raise a ``ValueError`` whose one line says how to install it."""
    try:
        return importlib.import_module("cocoex")
    except ImportError as exc:
        raise ValueError(
            f"BBOB problems need the 'coco-experiment' package (cocoex), which is not installed ({exc}). "
            f"Install it with: {INSTALL_HINT}"
        ) from None


def parse_bbob_name(name: str) -> tuple[int, int] | None:
    """``(function, dim)`` of a name like ``"bbob-f3-5d"``, or ``None`` for any other name."""
    match = _NAME.match(str(name))
    return None if match is None else (int(match.group(1)), int(match.group(2)))


class CocoEvaluation:
    """Evaluation by COCO's own C code of ``self._coco``, a whole batch validated at once.

    Shared by the BBOB problems here and :mod:`problems.coco.bbob_mixint`; a subclass builds
    ``_coco`` and ``to_array`` (configs -> a validated ``(n, d)`` array). COCO's noiseless
    functions ignore ``fidelity`` and ``seed``.
    """

    @staticmethod
    def instance_of_repetition(repetition: int) -> int:
        """COCO instance of repetition ``repetition`` under ``instance = "seed"``: 1..15, cycling."""
        return 1 + int(repetition) % SEED_INSTANCES

    def config_matrix(self, configs: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """Configs to an ``(n, d)`` float array in parameter order (bounds not checked yet)."""
        try:
            X = np.array([[c[n] for n in self.names] for c in configs], dtype=float).reshape(len(configs), self.dim)
        except KeyError as err:
            raise SpaceError(f"Config of '{self.name}' is missing parameter {err}.") from None
        except (TypeError, ValueError) as err:
            raise SpaceError(f"Invalid value in a config of '{self.name}': {err}") from None
        return X

    def value_at(self, X: np.ndarray) -> np.ndarray:
        """COCO's values at the rows of an ``(n, d)`` array."""
        f = self._coco
        return np.fromiter((f(x) for x in np.asarray(X, dtype=float)), dtype=float, count=len(X))

    def evaluate(self, config: Mapping[str, Any], fidelity: float | None = None, seed: int = 0) -> Evaluation:
        """Evaluate one config (BBOB noiseless functions ignore ``fidelity`` and ``seed``)."""
        return self.evaluate_batch([config])[0]

    def evaluate_batch(
        self,
        configs: Sequence[Mapping[str, Any]],
        fidelities: Sequence[float | None] | None = None,
        seeds: Sequence[int] | None = None,
    ) -> list[Evaluation]:
        """Evaluate a whole batch: one validation, then COCO's C code row by row."""
        return [Evaluation(value=v) for v in self.value_at(self.to_array(configs)).tolist()]


@problem("bbob-f{function}-{dim}d", example="bbob-f1-2d")
class BBOB(CocoEvaluation, Problem):
    """BBOB noiseless function f_function in ``dim`` dimensions, evaluated by COCO (cocoex).

    Parameters ``x0 .. x{d-1}`` are floats in COCO's box [-5, 5]; the minimiser of every
    instance lies in [-5, 5]^d (in [-4, 4]^d except f5, whose optimum is on the box boundary).

    Parameters
    ----------
    function : int
        BBOB function id, 1..24.
    dim : int
        Dimension, one of 2, 3, 5, 10, 20, 40.
    instance : int or None
        COCO instance id (>= 1); ``None`` is instance 1.

    Attributes
    ----------
    coco_instance : int
        The COCO instance evaluated.
    optimizers : ndarray, shape (1, d)
        COCO's x_opt of the instance.
    optimum : float
        COCO's f_opt of the instance.

    References
    ----------
    N. Hansen, S. Finck, R. Ros, A. Auger (2009), Real-parameter black-box optimization
    benchmarking 2009: noiseless functions definitions, INRIA RR-6829. N. Hansen, A. Auger, R.
    Ros, O. Mersmann, T. Tusar, D. Brockhoff (2021), COCO: a platform for comparing continuous
    optimizers in a black-box setting, Optimization Methods and Software 36(1).
    """

    batch = True
    suite_name = "bbob"

    def __init__(self, function: int, dim: int, *, instance: int | None = None) -> None:
        if isinstance(function, bool) or not isinstance(function, (int, np.integer)) or function not in BBOB_FUNCTIONS:
            raise ValueError(f"A BBOB function id must be an integer in 1..24. Got {function!r}.")
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim not in BBOB_DIMENSIONS:
            raise ValueError(f"A BBOB dimension must be one of {', '.join(map(str, BBOB_DIMENSIONS))}. Got {dim!r}.")
        if instance is None:
            instance = 1
        if isinstance(instance, bool) or not isinstance(instance, (int, np.integer)) or instance < 1:
            raise ValueError(f"The 'instance' of a BBOB problem is a COCO instance id, an integer >= 1. Got {instance!r}.")
        cocoex = require_cocoex()
        self.function, self.dim, self.coco_instance = int(function), int(dim), int(instance)
        self._coco = cocoex.BareProblem(self.suite_name, self.function, self.dim, self.coco_instance)
        self.optimum = float(self._coco.best_value())
        self.optimizers = np.asarray(self._coco.best_parameter(), dtype=float).reshape(1, self.dim)
        self.bounds = np.tile([-5.0, 5.0], (self.dim, 1))
        self.names = [f"x{j}" for j in range(self.dim)]
        self.space = Space([Float(n, -5.0, 5.0) for n in self.names])
        self.name = f"bbob-f{self.function}-{self.dim}d"
        self.instance = self.coco_instance
        self.tags = ("synthetic", "bbob", FUNCTION_NAMES[self.function - 1])

    def to_array(self, configs: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """Configs to an ``(n, d)`` array, checked against the box."""
        X = self.config_matrix(configs)
        inside = np.isfinite(X) & (X >= -5.0) & (X <= 5.0)
        if not inside.all():
            i, j = np.argwhere(~inside)[0]
            raise SpaceError(f"Parameter 'x{j}' of '{self.name}' must be in [-5, 5]. Got {X[i, j]!r}.")
        return X


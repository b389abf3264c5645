"""The shared machinery of synthetic test functions (BoTorch ``test_functions`` style).

Each function is a small subclass of :class:`SyntheticFunction` carrying its data next to its
formula: ``bounds`` ``(d, 2)``, ``optimal_value``, known minimisers ``optimizers`` ``(k, d)``
and a private batch formula ``_f(X: (n, d)) -> (n,)`` (plus ``_grad(X) -> (n, d)`` when it
has an analytic gradient). The base class turns that into a :class:`~harness.protocols.Problem`:
Float parameters ``x0 .. x{d-1}`` over the bounds, validation, a whole batch in one numpy
call, unit-cube gradients, and the variants every synthetic function accepts as keywords:

- ``instance``: a seeded shift (and rotation) of the optimum keeping its value exact
  (see :mod:`problems.synthetic.instances`); ``None`` is the classic function;
- ``noise_sd``: additive Gaussian noise seeded by the per-trial seed; the noise-free value
  is kept in ``Evaluation.info["noise_free_value"]`` and ``optimum`` stays the noise-free
  minimum (see :mod:`problems.synthetic.noise`);
- ``integer_dims`` / ``categorical_dims`` / ``levels``: discretised trailing axes on grids
  that contain the optimum (see :mod:`problems.synthetic.mixed`).

Multi-fidelity subclasses set ``fidelity`` and implement ``_f_fidelity(X, s)`` and
``cost_model(s)`` (see :mod:`problems.synthetic.multifidelity`).
"""

from __future__ import annotations

from itertools import chain
from operator import itemgetter
from typing import Any, ClassVar, Mapping, Sequence

import numpy as np

from harness.protocols import Evaluation, Problem
from harness.space import Space, SpaceError

from problems.synthetic.instances import make_instance
from problems.synthetic.mixed import Discretisation
from problems.synthetic.noise import standard_normal_from_seeds

__all__ = ["SyntheticFunction"]


class SyntheticFunction(Problem):
    """A closed-form test function over a box, minimised.

    Parameters
    ----------
    dim : int, optional
        Dimension of a scalable function (fixed-dimension functions take none).
    instance : int or None
        Instance seed: ``None`` is the classic function; an integer shifts (and, where the
        formula allows, rotates) the optimum within the box, keeping ``optimum`` exact.
    noise_sd : float
        Standard deviation of additive Gaussian noise (0: noise-free).
    integer_dims, categorical_dims : int
        Trailing axes turned into integer / categorical parameters on grids through the
        optimum.
    levels : int
        Grid points per discretised axis (about).
    rotate : bool
        Whether shifted instances also rotate (ignored when the formula forbids it).
    name : str, optional
        The registered name (defaults to the family name).

    Attributes
    ----------
    dim : int
    bounds : ndarray, shape (d, 2)
    optimal_value : float
        The known global minimum over the box (equal to ``optimum``).
    optimizers : ndarray, shape (k, d)
        Known minimisers of this instance, in domain coordinates (the first one always
        exists; for shifted instances these are the shifted minimisers).
    classic_optimizers : ndarray, shape (k, d)
        Known minimisers of the classic function.
    """

    #: Registered base name, e.g. ``"branin"`` or ``"rosenbrock"`` (templates add ``-{dim}d``).
    family: ClassVar[str] = ""
    #: Dimension of fixed-dimension functions; ``None`` for scalable ones.
    dim: ClassVar[int | None] = None
    #: Smallest allowed dimension of scalable functions.
    min_dim: ClassVar[int] = 1
    #: Whether the formula's infimum over all of R^d is ``optimal_value`` (allows rotations).
    affine_instances: ClassVar[bool] = True
    #: Noise level of the registered ``-noisy`` variant.
    default_noise_sd: ClassVar[float] = 0.1
    #: Tags describing the landscape, beside "synthetic".
    landscape: ClassVar[tuple[str, ...]] = ()
    bounds: np.ndarray
    optimal_value: float
    optimizers: np.ndarray
    batch: ClassVar[bool] = True

    def __init__(
        self,
        dim: int | None = None,
        *,
        instance: int | None = None,
        noise_sd: float = 0.0,
        integer_dims: int = 0,
        categorical_dims: int = 0,
        levels: int = 11,
        rotate: bool = True,
        name: str | None = None,
    ) -> None:
        d = self._check_dim(dim)
        self.dim = d
        self.bounds, self.optimal_value, self.classic_optimizers = self._classic(d)
        self.bounds = np.asarray(self.bounds, dtype=float).reshape(d, 2)
        self.classic_optimizers = np.atleast_2d(np.asarray(self.classic_optimizers, dtype=float))
        if isinstance(noise_sd, bool) or not isinstance(noise_sd, (int, float)) or not 0 <= noise_sd < np.inf:
            raise ValueError(f"'noise_sd' of '{self.family}' must be a finite number >= 0. Got {noise_sd!r}.")
        self.noise_sd = float(noise_sd)
        self.instance = instance
        self.transform = make_instance(
            instance, self.bounds, self.classic_optimizers[0], affine=self.affine_instances, rotate=rotate
        )
        self.optimizers = self._inside(self.transform.backward(self.classic_optimizers))
        rng = np.random.default_rng([0 if instance is None else int(instance), 1])
        self.discretisation = Discretisation(
            self.bounds, self.optimizers[0], integer_dims, categorical_dims, levels, rng
        )
        self.optimizers = self.optimizers[self.discretisation.on_grid(self.optimizers)]
        self.names = [f"x{j}" for j in range(d)]
        self.space = Space(self.discretisation.params(self.names))
        self._mixed = bool(self.discretisation.axes)
        self._getter = itemgetter(*self.names)
        self.optimum = float(self.optimal_value)
        self.name = name or self.family
        self.tags = self._tags()

    # -- class data hooks ------------------------------------------------------------------
    def _check_dim(self, dim: int | None) -> int:
        fixed = type(self).dim
        if fixed is not None:
            if dim is not None and dim != fixed:
                raise ValueError(f"'{self.family}' is {fixed}-dimensional. Got dim={dim!r}.")
            return fixed
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < self.min_dim:
            raise ValueError(f"'{self.family}' needs an integer dimension >= {self.min_dim}. Got {dim!r}.")
        return int(dim)

    def _classic(self, d: int) -> tuple[np.ndarray, float, np.ndarray]:
        """``(bounds, optimal_value, optimizers)`` of the classic function in dimension ``d``."""
        return type(self).bounds, type(self).optimal_value, type(self).optimizers

    def _f(self, X: np.ndarray) -> np.ndarray:
        """The classic formula, ``(n, d)`` -> ``(n,)``."""
        raise NotImplementedError

    def _grad(self, X: np.ndarray) -> np.ndarray:
        """The classic formula's gradient, ``(n, d)`` -> ``(n, d)`` (when ``has_gradient``)."""
        raise NotImplementedError

    def _f_fidelity(self, X: np.ndarray, s: np.ndarray) -> np.ndarray:
        """The formula at fidelities ``s`` ``(n,)``; single-fidelity functions ignore ``s``."""
        return self._f(X)

    def cost_model(self, s: np.ndarray) -> np.ndarray | None:
        """Cost in full-fidelity evaluations at fidelities ``s`` (``None``: no fidelity)."""
        return None

    def _inside(self, X: np.ndarray) -> np.ndarray:
        tol = 1e-9 * (self.bounds[:, 1] - self.bounds[:, 0])
        ok = np.all((X >= self.bounds[:, 0] - tol) & (X <= self.bounds[:, 1] + tol), axis=1)
        return np.clip(X[ok], self.bounds[:, 0], self.bounds[:, 1])

    def _tags(self) -> tuple[str, ...]:
        tags = ["synthetic", *self.landscape]
        if self.instance is not None:
            tags.append("shifted")
        if self.noise_sd > 0:
            tags.append("noisy")
        if self._mixed:
            tags.append("mixed")
        if self.fidelity is not None:
            tags.append("multi-fidelity")
        return tuple(tags)

    # -- evaluation ------------------------------------------------------------------------
    def to_array(self, configs: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """Configs to an ``(n, d)`` array of domain coordinates, checked against the box."""
        d = len(self.names)
        if any(len(c) != d for c in configs):
            bad = next(c for c in configs if len(c) != d)
            raise SpaceError(f"A config of '{self.name}' needs exactly the parameters {self.names}. Got {dict(bad)!r}.")
        try:
            if self._mixed:
                rows = list(map(self._getter, configs))
                columns = [list(col) for col in zip(*rows)] if d > 1 else [rows]
                X = self.discretisation.to_domain(columns)
            else:
                # fromiter over the flattened values is ~5x faster than np.array(list of tuples).
                values = map(self._getter, configs)
                flat = chain.from_iterable(values) if d > 1 else values
                X = np.fromiter(flat, dtype=float, count=len(configs) * d).reshape(len(configs), d)
        except KeyError as err:
            raise SpaceError(f"Config of '{self.name}' is missing parameter {err}.") from None
        except (TypeError, ValueError) as err:
            raise SpaceError(f"Invalid value in a config of '{self.name}': {err}") from None
        inside = np.isfinite(X) & (X >= self.bounds[:, 0]) & (X <= self.bounds[:, 1])
        if not inside.all():
            i, j = np.argwhere(~inside)[0]
            lo, hi = self.bounds[j]
            raise SpaceError(f"Parameter 'x{j}' of '{self.name}' must be in [{lo:g}, {hi:g}]. Got {X[i, j]!r}.")
        return X

    def to_config(self, x: np.ndarray) -> dict:
        """A point of the domain, shape ``(d,)``, as a config (discrete axes must be on grid)."""
        return self.discretisation.to_config(np.asarray(x, dtype=float), self.names)

    def _fidelities(self, fidelities: Sequence[float | None], n: int) -> np.ndarray:
        if self.fidelity is None:
            return np.ones(n)
        return np.array([self.fidelity.check(f, f"'{self.name}'") for f in fidelities], dtype=float)

    def value_at(self, X: np.ndarray, fidelities: np.ndarray | None = None) -> np.ndarray:
        """Noise-free values at an ``(n, d)`` array of domain points (``None``: top fidelity)."""
        Z = self.transform.forward(np.asarray(X, dtype=float))
        if self.fidelity is None or fidelities is None:
            return self._f(Z)
        return self._f_fidelity(Z, np.asarray(fidelities, dtype=float))

    def evaluate(self, config: Mapping[str, Any], fidelity: float | None = None, seed: int = 0) -> Evaluation:
        """Evaluate one config (validated) at ``fidelity`` with per-trial noise ``seed``."""
        return self.evaluate_batch([config], [fidelity], [seed])[0]

    def evaluate_batch(
        self,
        configs: Sequence[Mapping[str, Any]],
        fidelities: Sequence[float | None] | None = None,
        seeds: Sequence[int] | None = None,
    ) -> list[Evaluation]:
        """Evaluate a whole batch with one call of the formula.

        ``fidelities`` and ``seeds`` default to the top fidelity and seed 0 for every config.
        """
        n = len(configs)
        fidelities = [None] * n if fidelities is None else fidelities
        seeds = [0] * n if seeds is None else seeds
        X = self.to_array(configs)
        s = self._fidelities(fidelities, n)
        exact = self.value_at(X, s if self.fidelity is not None else None)
        costs = self.cost_model(s)
        costs = [None] * n if costs is None else costs.tolist()
        # The full-fidelity value of every config is stored so that reports can show how far
        # cheap evaluations are from what the configuration is worth (analysis only counts
        # full-fidelity evaluations as incumbents).
        full = self.value_at(X).tolist() if self.fidelity is not None else None
        if self.noise_sd == 0:
            if full is None:
                return [Evaluation(value=v, cost=c) for v, c in zip(exact.tolist(), costs)]
            return [Evaluation(value=v, cost=c, info={"full_fidelity_value": f})
                    for v, c, f in zip(exact.tolist(), costs, full)]
        noisy = exact + self.noise_sd * standard_normal_from_seeds(seeds)
        infos = [{"noise_free_value": e} for e in exact.tolist()]
        for info, f in zip(infos, full or ()):
            info["full_fidelity_value"] = f
        return [Evaluation(value=v, cost=c, info=info)
                for v, c, info in zip(noisy.tolist(), costs, infos)]

    def gradient(self, configs: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """Exact ``(n, d)`` gradient of the noise-free top-fidelity objective in the unit cube.

        Chain rule through the instance transform and the box scaling; columns of integer
        and categorical parameters are 0.
        """
        if not self.has_gradient:
            raise NotImplementedError(f"Problem '{self.name}' has no analytic gradient.")
        X = self.to_array(configs)
        G = self.transform.pull_gradient(X, self._grad(self.transform.forward(X)))
        G = G * (self.bounds[:, 1] - self.bounds[:, 0])
        G[:, list(self.discretisation.axes)] = 0.0
        return G

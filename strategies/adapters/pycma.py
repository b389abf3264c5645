"""pycma, the reference CMA-ES by its author (``cma`` package), as a strategy.

pycma's own ``CMAEvolutionStrategy`` runs in the unit cube of the space (``space.encode``)
with its ``bounds = [0, 1]`` and its default boundary handler (``BoundTransform``), so every
solution it asks for is inside the cube and decodes to a valid config; integer and
categorical parameters are searched as continuous coordinates and rounded by the decode (as
the in-house ``cmaes`` does). Conditional spaces are refused: CMA-ES has no notion of a
parameter that is sometimes absent.

Seeding: pycma draws every normal variate through its ``randn`` option, which here is the
run's ``numpy.random.Generator``; its ``seed`` option is ``nan`` ("do nothing"), so the global
``numpy.random`` state is neither read nor changed, and the same seed gives the same run.
The first mean is uniform in the cube (drawn from the same generator).

Restarts: when pycma's own termination criteria fire (``es.stop()``: tolfun, tolx,
stagnation, conditioning...), a new ``CMAEvolutionStrategy`` starts at a new uniform mean;
with ``restarts = "ipop"`` its population doubles each time (Auger & Hansen 2005, as
``cma.fmin(..., restarts=k, incpopsize=2)`` does). Failed or non-finite trials are told as
worse than the generation's worst finite value (pycma needs numbers), so they rank last.

pycma is in the ``peers`` extra (``pip install -e ".[peers]"``; ``pip install cma``); without
it the strategy is refused at validation with that hint.

Reference: N. Hansen, Y. Akimoto, P. Baudis, "CMA-ES/pycma on Github", Zenodo,
doi:10.5281/zenodo.2559634 (2019); N. Hansen, "The CMA Evolution Strategy: A Tutorial",
arXiv:1604.00772.
"""

from __future__ import annotations

import math

import numpy as np

from harness.protocols import Budget, Fidelity, StrategyError
from harness.registry import strategy
from harness.space import Space
from harness.validation import Interval, Options, check_parameters
from strategies.evolution import GenerationalStrategy
from strategies.adapters._deps import require

_INSTALL = 'pip install -e ".[peers]"  (or: pip install cma)'
_RESTARTS = ("ipop", "random", "none")


@strategy("pycma")
class PyCMA(GenerationalStrategy):
    """pycma's ``CMAEvolutionStrategy`` in the unit cube, with IPOP restarts.

    Parameters
    ----------
    sigma0 : float
        Initial step size in the unit cube (0.2: pycma's recommendation for BBOB, sigma0 = 2
        on [-5, 5]).
    population : int or None
        ``popsize``; ``None`` is pycma's default ``4 + floor(3 ln d)``.
    restarts : {"ipop", "random", "none"}
        What to do when pycma's termination criteria fire: restart with a doubled
        population, restart with the same population, or keep sampling the last
        distribution.
    max_doublings : int
        Cap on IPOP population doublings.
    options : mapping, optional
        Further pycma options (e.g. ``{"CMA_diagonal": True}``); ``bounds``, ``seed``,
        ``randn``, ``popsize`` and the verbosity options are set by the adapter.
    """

    supports_conditionals = False
    supports_mixed = True

    def __init__(self, space: Space, seed: int, budget: Budget, fidelity: Fidelity | None = None, *,
                 sigma0: float = 0.2, population: int | None = None, restarts: str = "ipop",
                 max_doublings: int = 8, options: dict | None = None) -> None:
        super().__init__(space, seed, budget, fidelity)
        self.check_compatible(space, fidelity)
        check_parameters(f"strategy '{self.name}'", {
            "sigma0": Interval(float, 0, None, closed="neither"), "population": Interval(int, 2, None, none=True),
            "restarts": Options(*_RESTARTS),
        }, sigma0=sigma0, population=population, restarts=restarts)
        reserved = {"bounds", "seed", "randn", "popsize", "verbose", "verb_log", "verb_disp"} & set(options or {})
        if reserved:
            raise ValueError(f"pycma: the options {sorted(reserved)} are set by the adapter.")
        self._cma = require("cma", "pycma", _INSTALL)
        self.sigma0 = float(sigma0)
        self.base_population = population or 4 + int(math.floor(3 * math.log(self.dim)))
        self.restarts = restarts
        self.max_doublings = int(max_doublings)
        self.extra_options = dict(options or {})
        self.n_restarts = 0
        self._es = None

    @classmethod
    def check_compatible(cls, space: Space, fidelity: Fidelity | None) -> None:
        """Refuse conditional spaces and a missing ``cma`` package up front."""
        if space.is_conditional:
            raise StrategyError(
                "Strategy 'pycma' does not support conditional spaces (CMA-ES samples every "
                "coordinate in every generation); use 'cmaes', which ignores inactive coordinates."
            )
        super().check_compatible(space, fidelity)
        require("cma", "pycma", _INSTALL)

    def _randn(self, *shape: int) -> np.ndarray:
        return self.rng.standard_normal(shape)

    def _start(self) -> None:
        doublings = min(self.n_restarts, self.max_doublings) if self.restarts == "ipop" else 0
        options = {
            **self.extra_options,
            "bounds": [0.0, 1.0],
            "popsize": self.base_population * 2 ** doublings,
            "seed": math.nan,  # pycma leaves numpy's global generator alone
            "randn": self._randn,
            "verbose": -9,
            "verb_log": 0,  # no outcmaes/ files
            "verb_disp": 0,
        }
        self._es = self._cma.CMAEvolutionStrategy(self.rng.random(self.dim).tolist(), self.sigma0, options)

    def _sample(self) -> np.ndarray:
        return np.array(self._es.ask(), dtype=float).reshape(-1, self.dim)

    def first_generation(self) -> np.ndarray:
        self._start()
        return self._sample()

    def next_generation(self, genotypes: np.ndarray, values: np.ndarray) -> np.ndarray:
        finite = np.isfinite(values)
        if not finite.all():
            worst = values[finite].max() if finite.any() else 0.0
            spread = np.ptp(values[finite]) if finite.sum() > 1 else 0.0
            values = np.where(finite, values, worst + max(spread, abs(worst), 1.0))
        self._es.tell(list(genotypes), values.tolist())
        if self.restarts != "none" and self._es.stop():
            self.n_restarts += 1
            self._start()
        return self._sample()

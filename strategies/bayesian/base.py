"""The public base of model-based strategies: a seeded Sobol design, then a model's proposals.

:class:`ModelBasedStrategy` keeps what every surrogate-model strategy needs and nothing
model-specific: the scrambled-Sobol initial design, the observations in the unit cube
(failures as ``nan``), the suggestions still pending (by tag), *episodes* (a restart starts
a new design and a model that sees only the episode's own data), tags naming the source of
every suggestion, and single-threaded BLAS while asking.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from typing import Sequence

import numpy as np
from scipy.stats import qmc

from harness.protocols import Budget, Fidelity, Strategy, Suggestion, Trial
from harness.space import Space
from harness.validation import Interval, check_parameters

__all__ = ["ModelBasedStrategy", "single_thread_blas"]


def single_thread_blas():
    """A context running BLAS on one thread (a no-op without threadpoolctl).

    The matrices of a surrogate model are small (a few hundred rows): multi-threaded BLAS only
    adds synchronisation, which costs 10x on a loaded machine.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # threadpoolctl comes with scikit-learn; without it, run as is
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


class ModelBasedStrategy(Strategy):
    """Base of strategies that propose from a model fitted to the observations (public).

    A subclass implements ``propose(n) -> list[Suggestion]``: ``n`` suggestions from its
    model, each made by :meth:`suggest` (``suggest(unit_point, source)``). It reads the data
    of the current episode from :meth:`episode` (``(unit point, value)`` pairs; ``value`` is
    ``nan`` for a failed trial) and the suggestions still being evaluated from
    :attr:`pending_points`, and draws its randomness from :attr:`search_rng`. It may override
    :meth:`should_restart` (with :meth:`restart`) to begin a fresh episode.

    ``ask`` hands out the design until ``n_initial`` points of the episode are observed or
    pending and at least two values are finite (a model needs two), then calls ``propose``.
    Unit points are raw vectors of the cube ``[0, 1]^d`` (one column per parameter); a
    suggestion's config is their decode, and the observation stored for it is the
    re-encoding of that config (inactive parameters ``nan``).

    Parameters
    ----------
    space, seed, budget, fidelity
        As for every strategy; the fidelity is ignored (suggestions are at full fidelity).
    n_initial : int or None
        Size of the Sobol initial design; ``None`` gives ``min(max(d + 1, 5), budget / 4)``
        (at least 2), d the number of parameters.
    batch_size : int
        How many suggestions the runner should ask for at once (sets ``max_batch``).
    """

    supports_conditionals = True
    supports_mixed = True
    #: The runner asks ``max_batch`` points at a time; sequential model-based search is the
    #: most sample-efficient, so 1 unless ``batch_size`` says otherwise (set per instance).
    max_batch = 1

    def __init__(self, space: Space, seed: int, budget: Budget, fidelity: Fidelity | None = None, *,
                 n_initial: int | None = None, batch_size: int = 1) -> None:
        super().__init__(space, seed, budget, fidelity)
        check_parameters(f"strategy '{self.name}'", {
            "n_initial": Interval(int, 1, None, none=True), "batch_size": Interval(int, 1, None),
        }, n_initial=n_initial, batch_size=batch_size)
        d = len(space.params)
        if n_initial is None:
            n_initial = max(2, min(max(d + 1, 5), (budget.max_evaluations or int(budget.amount)) // 4))
        self.n_initial = int(n_initial)
        self.max_batch = int(batch_size)
        design_seed, search_seed = np.random.SeedSequence(self.seed).spawn(2)
        self._design = qmc.Sobol(d, scramble=True, seed=np.random.default_rng(design_seed))
        #: The generator of everything but the design (model fits, searches, draws).
        self.search_rng = np.random.default_rng(search_seed)
        self._asked = 0
        #: Every observation: (canonical unit point, value), ``nan`` for failures.
        self.observations: list[tuple[np.ndarray, float]] = []
        #: Suggestions not yet told: tag -> canonical unit point.
        self.pending_points: dict[str, np.ndarray] = {}
        #: Index in :attr:`observations` where the current episode began.
        self.episode_start = 0
        #: Number of observations at each restart (one entry per restart).
        self.restarts: list[int] = []

    # -- protocol ---------------------------------------------------------------------------
    def ask(self, n: int, pending: Sequence[Suggestion] = ()) -> list[Suggestion]:
        """Propose ``n`` configs: the episode's design first, then :meth:`propose`.

        The strategy tracks suggestions still being evaluated itself, by tag, so ``pending``
        (from parallel workers) only confirms what it already knows.
        """
        with single_thread_blas():
            if self.should_restart():
                self.restart()
            out: list[Suggestion] = []
            # Points told from elsewhere count towards the design too; failures prolong it.
            while len(out) < n and (len(self.episode()) + len(self.pending_points) < self.n_initial
                                    or self.n_usable() < 2):
                with warnings.catch_warnings():
                    # Sobol warns when drawn one at a time; the first n of a scrambled sequence
                    # are still well spread.
                    warnings.simplefilter("ignore", UserWarning)
                    point = self._design.random(1)
                out.append(self.suggest(point, "restart" if self.restarts else "init"))
            if len(out) < n:
                out.extend(self.propose(n - len(out)))
            return out

    def tell(self, trials: Sequence[Trial]) -> None:
        """Record finished trials; failed ones (nan value) are kept as failures."""
        for trial in trials:
            if isinstance(trial.tag, str):
                self.pending_points.pop(trial.tag, None)
            unit = self.space.encode([trial.config])[0]
            value = float(trial.value) if trial.ok and trial.value is not None else math.nan
            self.observations.append((unit, value if math.isfinite(value) else math.nan))

    # -- for subclasses ---------------------------------------------------------------------
    def propose(self, n: int) -> list[Suggestion]:
        """``n`` model-based suggestions, each made by :meth:`suggest`; subclasses implement it."""
        raise NotImplementedError

    def should_restart(self) -> bool:
        """Whether the next ask begins a new episode (default: never)."""
        return False

    def suggest(self, raw: np.ndarray, source: str) -> Suggestion:
        """A suggestion of the unit point ``raw`` (clipped), tagged ``<name>:<source>:<k>``."""
        raw = np.clip(np.asarray(raw, dtype=float).reshape(1, -1), 0.0, 1.0)
        config = self.space.decode(raw)[0]
        tag = f"{self.name}:{source}:{self._asked}"
        self._asked += 1
        self.pending_points[tag] = self.space.encode([config])[0]
        return Suggestion(config=config, tag=tag)

    def episode(self) -> list[tuple[np.ndarray, float]]:
        """Observations since the last restart: the only data a model should see."""
        return self.observations[self.episode_start:]

    def n_usable(self) -> int:
        """Finite values in the current episode."""
        return sum(math.isfinite(v) for _, v in self.episode())

    def restart(self) -> None:
        """Begin a new episode: the Sobol design continues where it stopped, so the new
        episode's design fills the cube away from the first points."""
        self.restarts.append(len(self.observations))
        self.episode_start = len(self.observations)

"""DEHB (differential evolution + Hyperband) driven ask/tell style: ``dehb``.

On a problem with a fidelity the adapter is DEHB itself: ``DEHB.ask()`` hands out a job (a
config as DEHB's unit-hypercube vector, a fidelity, bracket bookkeeping), the harness
evaluates it, and ``DEHB.tell(job, {"fitness": value, "cost": cost})`` runs DEHB's
selection and Hyperband bookkeeping. DEHB's fidelities are our fidelity range.

DEHB refuses a fixed fidelity and points to its DE component instead ("If you have a fixed
fidelity, you can instead run DE"); on a problem without a fidelity the adapter does that:
DEHB's ``AsyncDE`` operators (its mutation, crossover and boundary repair, with DEHB's
defaults ``rand1_bin``, F = 0.5, CR = 0.5) with the "immediate" update DEHB uses inside its
brackets: the population starts as ``pop_size`` configs sampled from the ConfigSpace, then
the targets are visited in turn and a trial replaces its target as soon as it is told and is
no worse. That loop is ours (DE's own ``run`` calls the objective itself); the operators and
their random streams are DEHB's.

A failed or timed-out trial is told with fitness ``inf``, the value DEHB gives configs not
yet evaluated, so selection never keeps one. Seeds: DEHB's generator and the ConfigSpace
sampler are seeded from the run's seed (:func:`harness.seeding.seed32`). DEHB writes a log file
and, by default, pickled checkpoints on every new incumbent; the adapter points its output
at a private temporary directory, removes the log sink DEHB adds to ``loguru``, silences
DEHB's console logging and sets ``save_freq="end"`` (saving only at the end of DEHB's own
``run``, which is never called), so nothing is pickled.

Version: DEHB 0.1.2 pins ``numpy<2`` only because ConfigSpace 0.7 did not support numpy 2
(automl/DEHB#93); the ``peers`` extra takes DEHB 0.1.1 (same algorithm, no pin), which
resolves beside this project's numpy 2.

Reference: Awad, Mallik & Hutter, "DEHB: Evolutionary Hyperband for Scalable, Robust and
Efficient Hyperparameter Optimization", IJCAI 2021.
"""

from __future__ import annotations

import contextlib
import tempfile
import warnings
from typing import Any, Iterator, Sequence

import numpy as np

from harness.protocols import Budget, Fidelity, Status, Strategy, Suggestion, Trial
from harness.registry import strategy
from harness.seeding import seed32
from harness.space import Space
from harness.validation import Interval, check_parameters

from strategies.adapters import _configspace
from strategies.adapters._deps import require

DEHB_INSTALL = 'pip install -e ".[peers]"  (or: pip install "dehb==0.1.1")'


def _quiet_dehb(make: Any) -> Any:
    """Call ``make()`` with DEHB's loguru output off; drop the file sinks it adds."""
    from loguru import logger

    logger.disable("dehb")
    before = set(logger._core.handlers)  # loguru has no public way to list sinks
    try:
        with _legacy_configspace_calls():
            return make()
    finally:
        for handler_id in set(logger._core.handlers) - before:
            logger.remove(handler_id)


@contextlib.contextmanager
def _legacy_configspace_calls() -> Iterator[None]:
    """DEHB 0.1.1 calls ConfigSpace's pre-1.0 names (``get_hyperparameters``...), which
    ConfigSpace 1.x still serves with a DeprecationWarning on every call: not ours to fix."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


@strategy("dehb")
class DEHBStrategy(Strategy):
    """DEHB (with a fidelity) or DEHB's asynchronous DE (without one).

    Parameters
    ----------
    eta : int
        Hyperband's halving rate (DEHB's default 3).
    mutation_factor : float
        DE's F (DEHB's default 0.5).
    crossover_prob : float
        DE's CR (DEHB's default 0.5).
    pop_size : int
        Population size of the DE used on problems without a fidelity (DE's default 20).
    batch_size : int
        Suggestions per ask (at most ``pop_size``: each DE trial has its own target).
    """

    name = "dehb"
    max_batch = 1

    def __init__(self, space: Space, seed: int, budget: Budget, fidelity: Fidelity | None = None, *,
                 eta: int = 3, mutation_factor: float = 0.5, crossover_prob: float = 0.5,
                 pop_size: int = 20, batch_size: int = 1) -> None:
        super().__init__(space, seed, budget, fidelity)
        self.check_compatible(space, fidelity)
        check_parameters(f"strategy '{self.name}'", {
            "pop_size": Interval(int, 4, None), "batch_size": Interval(int, 1, pop_size, note="at most pop_size"),
        }, pop_size=pop_size, batch_size=batch_size)
        self.max_batch = batch_size
        self._workdir = tempfile.TemporaryDirectory(prefix="harness-dehb-")
        cs = _configspace.to_configspace(space, seed32(self.seed))
        common = dict(cs=cs, dimensions=len(space.params), mutation_factor=mutation_factor,
                      crossover_prob=crossover_prob, strategy="rand1_bin", seed=seed32(self.seed),
                      output_path=self._workdir.name)
        self._pending: dict[int, Any] = {}
        self._asked = 0
        if fidelity is not None:
            from dehb import DEHB

            self._dehb = _quiet_dehb(lambda: DEHB(
                f=None, min_fidelity=float(fidelity.low), max_fidelity=float(fidelity.high), eta=eta,
                n_workers=1, save_freq="end", **common))
            self._de = None
        else:
            from dehb import AsyncDE

            self._dehb = None
            self._de = _quiet_dehb(lambda: AsyncDE(f=None, pop_size=pop_size, async_strategy="immediate", **common))
            with _legacy_configspace_calls():
                self._de.population = self._de.init_population(pop_size)
            self._de.fitness = np.full(pop_size, np.inf)
            self._next_target = 0
            self._initial = list(range(pop_size))  # initial members still to hand out

    @classmethod
    def check_compatible(cls, space: Space, fidelity: Fidelity | None) -> None:
        """Refuse when DEHB is missing or the space has no ConfigSpace equivalent."""
        super().check_compatible(space, fidelity)
        require("dehb", cls.name, DEHB_INSTALL)
        _configspace.check_translatable(cls.name, space)

    def _config(self, config: Any) -> dict:
        """The harness config of a DE vector (or of the ``Configuration`` DEHB's jobs carry)."""
        if isinstance(config, np.ndarray):
            with _legacy_configspace_calls():
                config = self._de.vector_to_configspace(config)
        return _configspace.from_configspace(self.space, dict(config))

    def _fidelity_of(self, dehb_fidelity: float) -> float:
        assert self.fidelity is not None
        value = min(max(float(dehb_fidelity), self.fidelity.low), self.fidelity.high)
        return float(round(value)) if self.fidelity.integer else value

    def ask(self, n: int, pending: Sequence[Suggestion] = ()) -> list[Suggestion]:
        """Propose ``n`` configs (DEHB jobs, or DE initial members then trials).

        Asynchronous: DEHB hands out the next job of its brackets (opening a new bracket
        when the open ones wait on results), DE the next target's trial; the ``pending``
        suggestions are already in their bookkeeping.
        """
        out = []
        for _ in range(n):
            key = self._asked
            self._asked += 1
            if self._dehb is not None:
                with _legacy_configspace_calls():
                    job = self._dehb.ask()
                self._pending[key] = job
                out.append(Suggestion(self._config(job["config"]), self._fidelity_of(job["fidelity"]), tag=key))
                continue
            if self._initial:
                target = self._initial.pop(0)
                vector = self._de.population[target]
                self._pending[key] = (target, None)
            else:
                target = self._next_target
                self._next_target = (target + 1) % len(self._de.population)
                parent = self._de.population[target]
                donor = self._de.mutation(current=parent, best=None, alt_pop=None)
                vector = self._de.boundary_check(self._de.crossover(parent, donor))
                self._pending[key] = (target, vector)
            out.append(Suggestion(self._config(vector), tag=key))
        return out

    def tell(self, trials: Sequence[Trial]) -> None:
        """Tell each fitness (``inf`` for failures); DE replaces a target by a trial no worse."""
        for trial in trials:
            fitness = float(trial.value) if trial.status is Status.OK else np.inf
            pending = self._pending.pop(trial.tag)
            if self._dehb is not None:
                with _legacy_configspace_calls():
                    self._dehb.tell(pending, {"fitness": fitness, "cost": float(trial.cost)})
                continue
            target, vector = pending
            if vector is None:
                self._de.fitness[target] = fitness
            elif fitness <= self._de.fitness[target]:
                self._de.population[target] = vector
                self._de.fitness[target] = fitness

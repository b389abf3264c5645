"""Differential evolution: DE/rand/1/bin and DE/current-to-best/1/bin in the unit cube.

References: R. Storn and K. Price, "Differential Evolution - A Simple and Efficient Heuristic
for Global Optimization over Continuous Spaces", J. Global Optim. 11 (1997) (rand/1/bin);
K. Price, R. Storn and J. Lampinen, "Differential Evolution: A Practical Approach to Global
Optimization", Springer 2005 (current-to-best/1, bounce-back boundary handling).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from harness.protocols import Budget, Fidelity, Suggestion, Trial
from harness.registry import strategy
from harness.space import Space
from harness.validation import Interval, Options, check_parameters

from .base import GenerationalStrategy, fitness, latin_hypercube

_VARIANTS = ("rand/1/bin", "current-to-best/1/bin")
_BOUNDS = ("bounce-back", "clip")


@strategy("differential-evolution")
class DifferentialEvolution(GenerationalStrategy):
    """Synchronous (generational) differential evolution on mixed and conditional spaces.

    Every individual is a point of the unit cube (one coordinate per parameter, see
    ``space.encode``); integers and categoricals are decoded from their cell, inactive
    conditional coordinates evolve unseen. Generation 0 is a Latin hypercube. Each further
    generation makes one trial vector per target ``x_i``:

    * ``rand/1/bin``: ``v = x_r1 + F (x_r2 - x_r3)``;
    * ``current-to-best/1/bin``: ``v = x_i + F (x_best - x_i) + F (x_r1 - x_r2)``;

    (``r1, r2, r3`` distinct and different from ``i``), then binomial crossover with the
    target (each coordinate from ``v`` with probability ``CR``, one forced coordinate
    ``j_rand``). A coordinate outside ``[0, 1]`` is repaired by *bounce-back* (placed at
    random between the mutation's base point and the violated bound) or by clipping. After
    the whole generation is evaluated, each trial replaces its target if it is no worse.
    Failed trials rank worst, so they never replace a target.

    Parameters
    ----------
    variant : {"rand/1/bin", "current-to-best/1/bin"}
        Mutation strategy; the classic ``rand/1/bin`` explores more, ``current-to-best``
        converges faster and does better at small budgets (bench/bench_gradient_evolutionary.py).
    population : int or None
        Population size ``NP`` (at least 4); ``None`` uses ``max(8, 2 d)``, smaller than the
        classic ``10 d`` because HPO budgets allow only tens of generations.
    F : float
        Differential weight in ``(0, 2]``.
    CR : float
        Crossover probability in ``[0, 1]``.
    bounds : {"bounce-back", "clip"}
        Repair of coordinates that leave the cube.
    """

    supports_conditionals = True
    supports_mixed = True

    def __init__(self, space: Space, seed: int, budget: Budget, fidelity: Fidelity | None = None, *,
                 variant: str = "rand/1/bin", population: int | None = None, F: float = 0.7,
                 CR: float = 0.9, bounds: str = "bounce-back") -> None:
        super().__init__(space, seed, budget, fidelity)
        check_parameters(f"strategy '{self.name}'", {
            "variant": Options(*_VARIANTS), "bounds": Options(*_BOUNDS), "F": Interval(float, 0, 2, closed="right"),
            "CR": Interval(float, 0, 1), "population": Interval(int, 4, None, none=True),
        }, variant=variant, bounds=bounds, F=F, CR=CR, population=population)
        population = population if population is not None else max(8, 2 * self.dim)
        self.variant, self.bounds = variant, bounds
        self.population_size, self.F, self.CR = int(population), float(F), float(CR)
        self.max_batch = self.population_size
        self.population: np.ndarray | None = None
        self.values: np.ndarray | None = None
        self._trials: np.ndarray | None = None
        self._steady: dict[str, tuple[int, np.ndarray]] = {}
        self._steady_target = 0

    def first_generation(self) -> np.ndarray:
        return latin_hypercube(self.rng, self.population_size, self.dim)

    def next_generation(self, genotypes: np.ndarray, values: np.ndarray) -> np.ndarray:
        if self.population is None:
            # The first generation may be cut short only by asks beyond it; keep the best NP.
            order = np.argsort(values, kind="stable")[: self.population_size]
            self.population, self.values = genotypes[order], values[order]
        else:
            self._select(genotypes, values)
        self._trials = self._make_trials()
        return self._trials

    def _select(self, genotypes: np.ndarray, values: np.ndarray) -> None:
        """Greedy one-to-one selection: trial ``i`` replaces target ``i`` if no worse."""
        for genotype, value in zip(genotypes, values):
            matches = np.flatnonzero(np.all(self._trials == genotype, axis=1))
            if matches.size == 0:
                continue  # an extra genotype asked beyond the generation: no target
            i = int(matches[0])
            if value <= self.values[i]:
                self.population[i], self.values[i] = genotype, value

    def _make_trials(self) -> np.ndarray:
        pop = self.population
        best = pop[int(np.argmin(self.values))]
        trials = np.empty_like(pop)
        for i in range(self.population_size):
            trials[i] = self._trial_vector(i, best)
        return trials

    def _trial_vector(self, i: int, best: np.ndarray) -> np.ndarray:
        """Mutation, binomial crossover and repair of target ``i`` of the current population."""
        pop, n, d = self.population, self.population_size, self.dim
        others = self.rng.choice(np.delete(np.arange(n), i), size=3, replace=False)
        r1, r2, r3 = pop[others]
        if self.variant == "rand/1/bin":
            base = r1
            mutant = r1 + self.F * (r2 - r3)
        else:
            base = pop[i]
            mutant = pop[i] + self.F * (best - pop[i]) + self.F * (r1 - r2)
        cross = self.rng.random(d) < self.CR
        cross[self.rng.integers(d)] = True
        trial = np.where(cross, mutant, pop[i])
        return self._repair(trial, base)

    def _repair(self, trial: np.ndarray, base: np.ndarray) -> np.ndarray:
        if self.bounds == "clip":
            return np.clip(trial, 0.0, 1.0)
        u = self.rng.random(self.dim)
        low, high = trial < 0.0, trial > 1.0
        trial = np.where(low, base * (1 - u), trial)  # between 0 and the base
        trial = np.where(high, base + u * (1 - base), trial)  # between the base and 1
        return np.clip(trial, 0.0, 1.0)

    def extra_genotype(self) -> np.ndarray:
        return self.rng.random(self.dim)

    # -- steady state with parallel workers ----------------------------------------------------
    def ask(self, n: int, pending: Sequence[Suggestion] = ()) -> list[Suggestion]:
        """Hand out the current generation; with parallel workers, keep idle ones busy.

        Once the initial population is known, a worker that would wait for the rest of a
        generation (its trials still ``pending``) gets a steady-state trial vector instead: one
        mutation + crossover of target ``i`` (round robin) from the current population, which
        replaces the target as soon as it is told and no worse (asynchronous DE, Zhabitskaya &
        Zhabitsky 2013). The sequential runner never passes ``pending``, so generations there
        are unchanged.
        """
        out = super().ask(n, pending)
        if out or not pending or self.population is None:
            return out
        for _ in range(n):
            i = self._steady_target % self.population_size
            self._steady_target += 1
            genotype = self._trial_vector(i, self.population[int(np.argmin(self.values))])
            tag = f"s{self._steady_target}:{i}"
            self._steady[tag] = (i, genotype)
            out.append(Suggestion(self.space.decode(genotype[None, :])[0], tag=tag))
        return out

    def tell(self, trials: Sequence[Trial]) -> None:
        """Steady-state trial vectors replace their target at once; the rest as generations."""
        generational = []
        for trial in trials:
            entry = self._steady.pop(trial.tag, None) if isinstance(trial.tag, str) else None
            if entry is None:
                generational.append(trial)
                continue
            i, genotype = entry
            value = fitness(trial)
            if value <= self.values[i]:
                self.population[i], self.values[i] = genotype, value
        super().tell(generational)

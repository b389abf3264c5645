"""A real-coded generational genetic algorithm on mixed and conditional spaces.

References: K. Deb and R. B. Agrawal, "Simulated Binary Crossover for Continuous Search
Space", Complex Systems 9 (1995), with the bounded form of K. Deb and M. Goyal (1996) as in
NSGA-II; tournament selection and elitism as in D. E. Goldberg, "Genetic Algorithms in Search,
Optimization and Machine Learning" (1989).
"""

from __future__ import annotations

import numpy as np

from harness.protocols import Budget, Fidelity
from harness.registry import strategy
from harness.space import Categorical, Float, Int, Space
from harness.validation import Interval, check_parameters

from .base import GenerationalStrategy, latin_hypercube


@strategy("genetic")
class GeneticAlgorithm(GenerationalStrategy):
    """Generational GA with tournament selection, typed crossover and mutation, and elitism.

    Individuals are points of the unit cube (one gene per parameter, ``space.encode``);
    configs come from ``space.decode``, so every child is valid and inactive conditional
    genes are carried along unseen. Generation 0 is a Latin hypercube of ``population``
    points. Each later generation keeps the ``elite`` best individuals (not re-evaluated) and
    fills the rest with children:

    * parents by *tournament selection* (best of ``tournament`` individuals drawn at random);
    * with probability ``crossover_rate``, *crossover*: bounded simulated binary crossover
      (SBX, index ``sbx_eta``) on float genes, each gene swapped with probability 1/2;
      *uniform* crossover on integer and categorical genes;
    * *mutation*, each gene with probability ``mutation_rate`` (``None``: ``1/d``): a float
      gene gets Gaussian noise of standard deviation ``mutation_sigma`` in the unit cube
      (clipped); an integer moves by ``+-k`` steps, ``k`` geometric with mean 1.5
      (clipped to its range); a categorical is resampled uniformly among its *other* choices.

    Failed trials rank worst. ``ask(n)`` returns up to the rest of the current generation, so
    ``max_batch`` is the number of children per generation (``population - elite``).

    Parameters
    ----------
    population : int
        Individuals per generation (at least 2). The defaults (10, tournament of 3) suit
        HPO budgets of tens to hundreds of evaluations; see bench/bench_gradient_evolutionary.py.
    elite : int
        Best individuals copied unchanged into the next generation (``< population``).
    tournament : int
        Tournament size (at least 1; 1 is uniform random selection).
    crossover_rate : float
        Probability that a pair of parents is recombined (else children copy them).
    sbx_eta : float
        SBX distribution index: larger keeps children closer to their parents.
    mutation_rate : float or None
        Per-gene mutation probability; ``None`` uses ``1/d``.
    mutation_sigma : float
        Standard deviation of the Gaussian mutation of float genes, in the unit cube.
    """

    supports_conditionals = True
    supports_mixed = True

    def __init__(self, space: Space, seed: int, budget: Budget, fidelity: Fidelity | None = None, *,
                 population: int = 10, elite: int = 2, tournament: int = 3, crossover_rate: float = 0.9,
                 sbx_eta: float = 15.0, mutation_rate: float | None = None,
                 mutation_sigma: float = 0.1) -> None:
        super().__init__(space, seed, budget, fidelity)
        check_parameters(f"strategy '{self.name}'", {
            "population": Interval(int, 2, None), "elite": Interval(int, 0, population, closed="left"),
            "tournament": Interval(int, 1, None), "crossover_rate": Interval(float, 0, 1),
            "mutation_rate": Interval(float, 0, 1, none=True), "sbx_eta": Interval(float, 0, None),
            "mutation_sigma": Interval(float, 0, None, closed="neither"),
        }, population=population, elite=elite, tournament=tournament, crossover_rate=crossover_rate,
            mutation_rate=mutation_rate, sbx_eta=sbx_eta, mutation_sigma=mutation_sigma)
        self.population_size, self.elite, self.tournament = int(population), int(elite), int(tournament)
        self.crossover_rate, self.sbx_eta = float(crossover_rate), float(sbx_eta)
        self.mutation_rate = 1.0 / self.dim if mutation_rate is None else float(mutation_rate)
        self.mutation_sigma = float(mutation_sigma)
        self.is_float = np.array([isinstance(p, Float) for p in space.params])
        self.max_batch = self.population_size
        self.parents: np.ndarray | None = None
        self.parent_values: np.ndarray | None = None

    def first_generation(self) -> np.ndarray:
        return latin_hypercube(self.rng, self.population_size, self.dim)

    def next_generation(self, genotypes: np.ndarray, values: np.ndarray) -> np.ndarray:
        if self.parents is not None:
            # Survivors: the elite of the previous generation plus the evaluated children.
            keep = np.argsort(self.parent_values, kind="stable")[: self.elite]
            genotypes = np.vstack([self.parents[keep], genotypes])
            values = np.concatenate([self.parent_values[keep], values])
        order = np.argsort(values, kind="stable")
        self.parents, self.parent_values = genotypes[order], values[order]
        n_children = self.population_size - min(self.elite, len(self.parents))
        children = []
        while len(children) < n_children:
            a, b = self._select(), self._select()
            if self.rng.random() < self.crossover_rate:
                a, b = self._crossover(a, b)
            children.extend([self._mutate(a), self._mutate(b)])
        return np.array(children[:n_children])

    def _select(self) -> np.ndarray:
        """Tournament: the best of ``tournament`` individuals drawn with replacement."""
        entrants = self.rng.integers(len(self.parents), size=self.tournament)
        return self.parents[entrants.min()].copy()  # parents are sorted best first

    def _crossover(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        c1, c2 = a.copy(), b.copy()
        # Uniform crossover on integer and categorical genes.
        swap = (self.rng.random(self.dim) < 0.5) & ~self.is_float
        c1[swap], c2[swap] = b[swap], a[swap]
        # Bounded SBX on float genes, each gene recombined with probability 1/2 (Deb's NSGA-II).
        for j in np.flatnonzero(self.is_float):
            if self.rng.random() >= 0.5 or abs(a[j] - b[j]) < 1e-14:
                continue
            c1[j], c2[j] = self._sbx(min(a[j], b[j]), max(a[j], b[j]))
            if self.rng.random() < 0.5:
                c1[j], c2[j] = c2[j], c1[j]
        return c1, c2

    def _sbx(self, y1: float, y2: float) -> tuple[float, float]:
        eta, u = self.sbx_eta, self.rng.random()
        children = []
        for spread_to_bound in (y1, 1.0 - y2):  # distance from the pair to the lower/upper bound
            beta = 1.0 + 2.0 * spread_to_bound / (y2 - y1)
            alpha = 2.0 - beta ** -(eta + 1.0)
            if u <= 1.0 / alpha:
                beta_q = (u * alpha) ** (1.0 / (eta + 1.0))
            else:
                beta_q = (1.0 / (2.0 - u * alpha)) ** (1.0 / (eta + 1.0))
            children.append(beta_q)
        c1 = 0.5 * ((y1 + y2) - children[0] * (y2 - y1))
        c2 = 0.5 * ((y1 + y2) + children[1] * (y2 - y1))
        return float(np.clip(c1, 0.0, 1.0)), float(np.clip(c2, 0.0, 1.0))

    def _mutate(self, genes: np.ndarray) -> np.ndarray:
        for j in np.flatnonzero(self.rng.random(self.dim) < self.mutation_rate):
            param = self.space.params[j]
            if isinstance(param, Float):
                genes[j] = np.clip(genes[j] + self.mutation_sigma * self.rng.standard_normal(), 0.0, 1.0)
            elif isinstance(param, Int):
                steps = int(self.rng.geometric(2.0 / 3.0))  # 1, 2, 3, ... with mean 1.5
                value = param.from_unit(genes[j]) + (steps if self.rng.random() < 0.5 else -steps)
                genes[j] = param.to_unit(int(np.clip(value, param.low, param.high)))
            elif isinstance(param, Categorical) and len(param.choices) > 1:
                current = param.index(param.from_unit(genes[j]))
                choice = int(self.rng.integers(len(param.choices) - 1))
                genes[j] = param.to_unit(param.choices[choice + (choice >= current)])
        return genes

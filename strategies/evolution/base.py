"""The public base of population strategies: generational ask/tell bookkeeping in the unit
cube and the treatment of failures (genetic, differential evolution, CMA-ES, pycma).

Every individual is a *genotype*: a point of the unit cube ``[0, 1]^d`` with one column per
parameter of the space (integers and categoricals included, in the equal-width cells of
:meth:`harness.space.Space.encode`). Its config is ``space.decode(genotype)``, which is
always valid: decoding rounds integer and categorical columns to their cell and ignores the
columns of inactive conditional parameters (they keep evolving, unseen, until their parent
switches them on again).
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from harness.protocols import Budget, Fidelity, Strategy, Suggestion, Trial
from harness.space import Space

__all__ = ["GenerationalStrategy", "fitness", "latin_hypercube"]


def fitness(trial: Trial) -> float:
    """The value used for ranking: a failed or non-finite trial ranks worst (``+inf``)."""
    value = trial.value
    if not trial.ok or value is None or not math.isfinite(value):
        return math.inf
    return float(value)


def latin_hypercube(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    """``(n, d)`` Latin hypercube sample in the unit cube (one point per stratum and axis)."""
    strata = np.argsort(rng.random((d, n)), axis=1).T
    return (strata + rng.random((n, d))) / n


class GenerationalStrategy(Strategy):
    """Base class: hands out a generation of genotypes and updates once all are told.

    Subclasses implement :meth:`first_generation` and :meth:`next_generation`, each
    returning an ``(m, d)`` array of genotypes to evaluate, and may override
    :meth:`extra_genotype` (used only if the caller asks beyond the generation while some of
    it is still being evaluated; the synchronous runner never does, since ``max_batch`` is
    the generation size).

    ``ask(n)`` returns up to the rest of the current generation. A generation is complete
    when every genotype handed out has been told; :meth:`next_generation` then receives all
    of them with their fitness (failed trials as ``+inf``). Trials of an older generation
    arriving late are ignored.

    Genotypes may leave the cube (CMA-ES samples an unbounded Gaussian): a config is always
    decoded from the genotype's projection onto the cube, since ``space.decode`` clips.

    ``max_batch`` is set per instance to the current generation size (the class attribute
    keeps the conservative default of 1 for listings that cannot know it).
    """

    def __init__(self, space: Space, seed: int, budget: Budget, fidelity: Fidelity | None = None) -> None:
        super().__init__(space, seed, budget, fidelity)
        self.dim = len(space)
        self.generation = 0
        self._queue: list[np.ndarray] = []
        self._out: dict[str, tuple[int, np.ndarray]] = {}
        self._done: list[tuple[np.ndarray, float]] = []
        self._next_tag = 0
        self._started = False

    # -- hooks ------------------------------------------------------------------------------
    def first_generation(self) -> np.ndarray:
        raise NotImplementedError

    def next_generation(self, genotypes: np.ndarray, values: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def extra_genotype(self) -> np.ndarray:
        """A further genotype for the current generation (default: uniform at random)."""
        return self.rng.random(self.dim)

    # -- protocol ---------------------------------------------------------------------------
    def ask(self, n: int, pending: Sequence[Suggestion] = ()) -> list[Suggestion]:
        """Return up to ``n`` genotypes of the current generation, decoded to configs.

        With parallel workers, once a generation is handed out and some of it is still
        ``pending``, returns ``[]``: the worker idles until the generation completes (the
        generational barrier), rather than spending budget beyond the generation.
        """
        if not self._started:
            self._started = True
            self._queue = list(self.first_generation())
            self.max_batch = max(1, len(self._queue))
        chosen: list[np.ndarray] = []
        while len(chosen) < n and self._queue:
            chosen.append(self._queue.pop(0))
        if not chosen:
            if pending:
                return []
            chosen.append(self.extra_genotype())
        configs = self.space.decode(np.array(chosen))
        out = []
        for genotype, config in zip(chosen, configs):
            # A plain string tag, so stores that keep tags need no special type.
            tag = f"g{self.generation}:{self._next_tag}"
            self._next_tag += 1
            self._out[tag] = (self.generation, genotype)
            out.append(Suggestion(config, tag=tag))
        return out

    def tell(self, trials: Sequence[Trial]) -> None:
        """Record the fitness of told genotypes; start the next generation when complete."""
        for trial in trials:
            entry = self._out.pop(trial.tag, None)
            if entry is None or entry[0] != self.generation:
                continue
            self._done.append((entry[1], fitness(trial)))
        pending = any(gen == self.generation for gen, _ in self._out.values())
        if not self._queue and not pending and self._done:
            genotypes = np.array([g for g, _ in self._done])
            values = np.array([v for _, v in self._done])
            self._done = []
            self.generation += 1
            self._queue = list(self.next_generation(genotypes, values))
            self.max_batch = max(1, len(self._queue))

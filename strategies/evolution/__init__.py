"""Population strategies: a generation of genotypes in the unit cube is asked, then updated.

To write a population strategy (in this package or in a plugin), subclass
:class:`GenerationalStrategy` and implement

* ``first_generation() -> ndarray (m, d)``: the genotypes of generation 0, points of the
  unit cube ``[0, 1]^d`` (one column per parameter, as :meth:`harness.space.Space.encode`);
* ``next_generation(genotypes (k, d), values (k,)) -> ndarray (m, d)``: the next
  generation, given every genotype of the last one with its fitness (failed trials
  ``+inf``; see :func:`fitness`).

Optionally override ``extra_genotype()`` (a genotype for an ask beyond the generation).
The base decodes genotypes to configs, tags suggestions, matches told trials to their
generation and sets ``max_batch`` to the generation size. :func:`latin_hypercube` is a
ready-made first generation.

Built in: ``genetic`` (:class:`GeneticAlgorithm`), ``differential-evolution``
(:class:`DifferentialEvolution`), ``cmaes`` and ``cmaes-passive`` (:class:`CMAES`).
"""

from .base import GenerationalStrategy, fitness, latin_hypercube
from .cmaes import CMAES
from .differential_evolution import DifferentialEvolution
from .genetic import GeneticAlgorithm

__all__ = ["GenerationalStrategy", "fitness", "latin_hypercube", "GeneticAlgorithm", "DifferentialEvolution", "CMAES"]

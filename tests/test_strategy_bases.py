"""A plugin can build on each family's public base: a small subclass of each, written as a
third-party package would write it, passes the public strategy contract (harness.testing)."""

from __future__ import annotations

import numpy as np

from harness.testing import strategy_tests
from strategies.evolution import GenerationalStrategy, latin_hypercube


class PluginEvolution(GenerationalStrategy):
    """A (mu, lambda) evolution strategy: the 2 best of 6 parents spawn Gaussian children."""

    name = "plugin-evolution"

    def first_generation(self) -> np.ndarray:
        return latin_hypercube(self.rng, 6, self.dim)

    def next_generation(self, genotypes: np.ndarray, values: np.ndarray) -> np.ndarray:
        parents = genotypes[np.argsort(values, kind="stable")[:2]]
        children = parents[self.rng.integers(len(parents), size=6)]
        return np.clip(children + 0.1 * self.rng.standard_normal(children.shape), 0.0, 1.0)


test_plugin_bases = strategy_tests(PluginEvolution, kinds=("continuous", "mixed", "failing"), workers=(1, 4))

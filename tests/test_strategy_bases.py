"""A plugin can build on each family's public base: a small subclass of each, written as a
third-party package would write it, passes the public strategy contract (harness.testing)."""

from __future__ import annotations

import numpy as np

from harness.protocols import Budget
from harness.registry import problems
from harness.runner import drive
from harness.testing import strategy_tests
from strategies.evolution import GenerationalStrategy, latin_hypercube
from strategies.multifidelity import BracketStrategy, MultiFidelityStrategy


class PluginEvolution(GenerationalStrategy):
    """A (mu, lambda) evolution strategy: the 2 best of 6 parents spawn Gaussian children."""

    name = "plugin-evolution"

    def first_generation(self) -> np.ndarray:
        return latin_hypercube(self.rng, 6, self.dim)

    def next_generation(self, genotypes: np.ndarray, values: np.ndarray) -> np.ndarray:
        parents = genotypes[np.argsort(values, kind="stable")[:2]]
        children = parents[self.rng.integers(len(parents), size=6)]
        return np.clip(children + 0.1 * self.rng.standard_normal(children.shape), 0.0, 1.0)


class PluginBrackets(BracketStrategy):
    """Two-rung successive halving: 4 configs at a ninth of the top fidelity, the best 2 at the top."""

    name = "plugin-brackets"

    def bracket_rungs(self, index: int) -> list[tuple[int, float]]:
        return [(4, self.fidelity_at(self.R / 9)), (2, self.fidelity_at(self.R))]


class PluginTwoStep(MultiFidelityStrategy):
    """Every new config runs at the lowest fidelity; one that beats all before it reruns at the top."""

    name = "plugin-two-step"
    max_batch = 2

    def __init__(self, space, seed, budget, fidelity=None, *, eta: float = 3) -> None:
        super().__init__(space, seed, budget, fidelity, eta=eta)
        self.best, self.promote, self.count = np.inf, [], 0

    def ask(self, n: int):
        out = []
        while len(out) < n:
            top = bool(self.promote)
            fidelity = self.fidelity.high if top else self.fidelity_at(1)
            if not self.ledger.fits(self.cost_of(fidelity)):
                break
            config = self.promote.pop(0) if top else self.sample_configs(1)[0]
            out.append(self.suggest(config, fidelity, f"c{self.count}", (top, config)))
            self.count += 1
        return out

    def on_result(self, info, value: float, trial) -> None:
        top, config = info
        if not top and value < self.best:
            self.best = value
            self.promote.append(config)


test_evolution_base = strategy_tests(PluginEvolution, kinds=("continuous", "mixed", "failing"), workers=(1, 4))
test_multifidelity_bases = strategy_tests(PluginBrackets, PluginTwoStep, kinds=("fidelity",), workers=(1, 4))


def test_multifidelity_plugins_use_fidelities_below_the_top():
    problem = problems.create("branin-mf")
    for cls in (PluginBrackets, PluginTwoStep):
        outcome = drive(problem, cls(problem.space, 3, Budget(4.0, "cost"), problem.fidelity), Budget(4.0, "cost"), seed=1)
        fidelities = {t.fidelity for t in outcome.trials}
        assert min(fidelities) < problem.fidelity.high and problem.fidelity.high in fidelities, (cls.name, fidelities)

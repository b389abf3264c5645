"""A plugin can build on each family's public base: a small subclass of each, written as a
third-party package would write it, passes the public strategy contract (harness.testing)."""

from __future__ import annotations

import numpy as np
from scipy import special

from harness.protocols import Budget
from harness.registry import problems
from harness.runner import drive
from harness.testing import strategy_tests
from strategies.bayesian import BayesianOptimization, ModelBasedStrategy
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


class PluginNearestNeighbour(ModelBasedStrategy):
    """A nearest-neighbour surrogate: of 64 random points, the one whose nearest observation is
    best, less a bonus for distance from it (exploration)."""

    name = "plugin-nearest"

    def propose(self, n: int):
        data = [(u, v) for u, v in self.episode() if np.isfinite(v)]
        units = np.nan_to_num(np.array([u for u, _ in data]), nan=0.5)
        values = np.array([v for _, v in data])
        out = []
        for _ in range(n):
            candidates = self.search_rng.random((64, len(self.space)))
            distance = np.linalg.norm(candidates[:, None, :] - units[None, :, :], axis=2)
            score = values[distance.argmin(axis=1)] - 0.5 * np.ptp(values) * distance.min(axis=1)
            out.append(self.suggest(candidates[int(score.argmin())], "nn"))
        return out


class PluginProbabilityOfImprovement(BayesianOptimization):
    """The GP of ``bayesian`` with the log probability of improvement as its acquisition."""

    name = "plugin-log-pi"

    def acquisition_function(self, gp, best: float):
        def acq(features: np.ndarray, with_grad: bool = False):
            out = gp.predict(features, with_grad=with_grad)
            std = np.sqrt(out[1])
            z = (best - out[0]) / std
            value = special.log_ndtr(z)
            if not with_grad:
                return value
            ratio = np.exp(-0.5 * z * z - 0.5 * np.log(2 * np.pi) - value)  # phi(z) / Phi(z)
            g_mean, g_std = -ratio / std, -ratio * z / std
            return value, g_mean[:, None] * out[2] + (g_std / (2.0 * std))[:, None] * out[3]

        return acq


test_evolution_base = strategy_tests(PluginEvolution, kinds=("continuous", "mixed", "failing"), workers=(1, 4))
test_multifidelity_bases = strategy_tests(PluginBrackets, PluginTwoStep, kinds=("fidelity",), workers=(1, 4))
test_model_based_base = strategy_tests(PluginNearestNeighbour, kinds=("continuous", "mixed", "failing"), workers=(1, 4))


def test_an_acquisition_override_changes_the_search_not_the_design():
    problem = problems.create("branin")
    budget = Budget(6)
    runs = [drive(problem, cls(problem.space, 4, budget, n_initial=3), budget, seed=1).trials
            for cls in (BayesianOptimization, PluginProbabilityOfImprovement)]
    assert [t.config for t in runs[0][:3]] == [t.config for t in runs[1][:3]]  # the same Sobol design
    assert runs[0][3].config != runs[1][3].config
    assert runs[1][3].tag == "plugin-log-pi:logei:3" and runs[1][3].ok


def test_multifidelity_plugins_use_fidelities_below_the_top():
    problem = problems.create("branin-mf")
    for cls in (PluginBrackets, PluginTwoStep):
        outcome = drive(problem, cls(problem.space, 3, Budget(4.0, "cost"), problem.fidelity), Budget(4.0, "cost"), seed=1)
        fidelities = {t.fidelity for t in outcome.trials}
        assert min(fidelities) < problem.fidelity.high and problem.fidelity.high in fidelities, (cls.name, fidelities)

"""The in-house evolutionary family: genetic, differential evolution and CMA-ES.

Runs go through the real runner (``harness.runner.drive``) on registered synthetic problems
(sphere, branin, hartmann6) and on small local problems built on the real harness Space: a
mixed conditional space, and problems that fail on part or all of their domain. CMA-ES is
checked against the ``cmaes`` package (an independent implementation of the same algorithm)
as the reference.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from harness.protocols import Budget, Evaluation, Problem
from harness.registry import problems, strategies
from harness.runner import drive
from harness.space import Categorical, Condition, Float, Int, Space

EVOLUTIONARY = [
    ("genetic", {}),
    ("differential-evolution", {}),
    ("differential-evolution", {"variant": "current-to-best/1/bin"}),
    ("cmaes", {}),
]
IDS = ["genetic", "de-rand", "de-best", "cmaes"]


def sphere(dim: int):
    """The registry's sphere with a shifted, rotated optimum (instance 1): minimum 0."""
    return problems.create(f"sphere-{dim}d", instance=1)


class MixedConditional(Problem):
    """A mixed space with a conditional branch; fails (raises) on a corner of it."""

    def __init__(self, fail: bool = False) -> None:
        self.name = "local-mixed"
        self.space = Space([
            Float("lr", 1e-4, 1.0, log=True),
            Int("layers", 1, 8),
            Categorical("model", ("linear", "tree", "net")),
            Float("depth_penalty", 0.0, 1.0, condition=Condition("model", ("tree",))),
            Int("width", 4, 256, log=True, condition=Condition("model", ("net",))),
        ])
        self.optimum = None
        self.fail = fail

    def evaluate(self, config, fidelity, seed):
        if self.fail and config["layers"] >= 6:
            raise RuntimeError("diverged")
        value = (math.log10(config["lr"]) + 2) ** 2 + 0.1 * abs(config["layers"] - 3)
        value += {"linear": 1.0, "tree": 0.5 + config.get("depth_penalty", 0.0), "net": 0.0}[config["model"]]
        if "width" in config:
            value += 0.5 * abs(math.log2(config["width"]) - 5)
        return Evaluation(value)


class AlwaysFails(Problem):
    """Every evaluation fails (a non-finite value)."""

    def __init__(self, dim: int) -> None:
        self.name = "local-always-fails"
        self.space = Space([Float(f"x{i}", 0.0, 1.0) for i in range(dim)])

    def evaluate(self, config, fidelity, seed):
        return Evaluation(math.nan)


def run(name, params, problem, budget, seed):
    strategy = strategies.factory(name)(problem.space, seed, Budget(budget), None, **params)
    outcome = drive(problem, strategy, Budget(budget), seed=seed)
    assert outcome.status == "ok", outcome.error
    assert len(outcome.trials) == budget
    return strategy, outcome.trials


def best(trials):
    return min((t.value for t in trials if t.ok), default=math.inf)


@pytest.mark.parametrize(("name", "params"), EVOLUTIONARY, ids=IDS)
def test_registered_with_honest_flags(name, params):
    cls = strategies.factory(name)
    assert cls.supports_mixed and cls.supports_conditionals and not cls.needs_fidelity
    strategy = cls(MixedConditional().space, 0, Budget(40), None, **params)
    assert strategy.max_batch >= 4  # one generation per ask
    assert set(params) <= set(cls.parameters())


@pytest.mark.parametrize(("name", "params"), EVOLUTIONARY, ids=IDS)
def test_mixed_conditional_valid_and_reproducible(name, params):
    problem = MixedConditional()
    _, first = run(name, params, problem, 60, seed=3)
    _, again = run(name, params, problem, 60, seed=3)
    _, other = run(name, params, problem, 60, seed=4)
    for trial in first:
        problem.space.validate(trial.config)  # the runner checks too; be explicit
    assert [t.config for t in first] == [t.config for t in again]
    assert [t.config for t in first] != [t.config for t in other]
    assert best(first) < np.median([t.value for t in first[:10]])


@pytest.mark.parametrize(("name", "params"), EVOLUTIONARY, ids=IDS)
def test_survives_failed_trials(name, params):
    _, trials = run(name, params, MixedConditional(fail=True), 60, seed=0)
    assert any(not t.ok for t in trials) and any(t.ok for t in trials)
    # Failures rank worst, so the search drifts away from the failing region.
    late_failures = sum(not t.ok for t in trials[30:])
    early_failures = sum(not t.ok for t in trials[:30])
    assert late_failures <= early_failures
    _, trials = run(name, params, AlwaysFails(3), 30, seed=0)
    assert not any(t.ok for t in trials)


@pytest.mark.parametrize(("name", "params"), EVOLUTIONARY, ids=IDS)
def test_improves_on_its_random_start(name, params):
    problem = sphere(5)
    for seed in range(3):
        _, trials = run(name, params, problem, 300, seed=seed)
        size = strategies.factory(name)(problem.space, seed, Budget(300), None, **params).max_batch
        start = best(trials[:size])  # the first generation: random (a Latin hypercube for GA/DE)
        assert best(trials) < 0.25 * start


@pytest.mark.parametrize(("name", "params"), EVOLUTIONARY, ids=IDS)
@pytest.mark.parametrize(("problem_name", "budget"), [("branin", 50), ("hartmann6", 100)])
def test_beats_its_first_generation_on_branin_and_hartmann6(name, params, problem_name, budget):
    problem = problems.create(problem_name)
    first, final = [], []
    for seed in range(5):
        strategy, trials = run(name, params, problem, budget, seed)
        size = strategies.factory(name)(problem.space, seed, Budget(budget), None, **params).max_batch
        first.append(best(trials[:size]) - problem.optimum)
        final.append(best(trials) - problem.optimum)
    assert np.median(final) < 0.5 * np.median(first)


def test_genetic_elitism_keeps_the_best():
    problem = sphere(3)
    strategy = strategies.factory("genetic")(problem.space, 1, Budget(140), None, population=10, elite=2)
    incumbents = []
    for _ in range(10):
        batch = strategy.ask(strategy.max_batch)
        trials = drive_batch(problem, batch)
        strategy.tell(trials)
        incumbents.append(strategy.parent_values[0])
        assert np.all(np.diff(strategy.parent_values) >= 0)  # sorted best first
    assert all(b <= a for a, b in zip(incumbents, incumbents[1:]))
    assert len(strategy.parents) == 10  # 2 elites + 8 children per generation


def test_differential_evolution_selection_is_monotone_and_in_bounds():
    problem = sphere(4)
    strategy = strategies.factory("differential-evolution")(problem.space, 2, Budget(200), None, population=8)
    previous = None
    for _ in range(12):
        batch = strategy.ask(strategy.max_batch)
        assert len(batch) == 8
        strategy.tell(drive_batch(problem, batch))
        if strategy.values is not None:
            if previous is not None:
                assert np.all(strategy.values <= previous)  # a target is only ever replaced by better
            previous = strategy.values.copy()
            assert np.all((strategy.population >= 0) & (strategy.population <= 1))


def drive_batch(problem, batch):
    """Evaluate one ask through the real runner's record path (a one-batch run)."""
    from harness.protocols import Status, Trial

    out = []
    for i, suggestion in enumerate(batch):
        problem.space.validate(suggestion.config)
        value = problem.evaluate(suggestion.config, None, i).value
        out.append(Trial(i, suggestion.config, None, value, None, 1.0, 0.0, 0.0, Status.OK, tag=suggestion.tag))
    return out


# -- CMA-ES against the reference implementation (the `cmaes` package) ---------------------
def test_cmaes_default_population_matches_reference():
    from cmaes import CMA

    for d in (1, 2, 5, 10, 30):
        space = Space([Float(f"x{i}", 0.0, 1.0) for i in range(d)])
        ours = strategies.factory("cmaes")(space, 0, Budget(100), None)
        reference = CMA(mean=np.full(d, 0.5), sigma=0.3, seed=0)
        assert ours.lam == reference.population_size == 4 + int(3 * math.log(d))


def evaluations_to_target(problem, target, budget, seed):
    _, trials = run("cmaes", {}, problem, budget, seed)
    hits = [t.index for t in trials if t.ok and t.value < target]
    return (hits[0] + 1) if hits else math.inf


def reference_evaluations_to_target(problem, target, budget, seed):
    from cmaes import CMA

    d = len(problem.space)
    rng = np.random.default_rng(seed)
    optimizer = CMA(mean=rng.random(d), sigma=0.3, bounds=np.array([[0.0, 1.0]] * d), seed=seed)
    count = 0
    while count < budget:
        told = []
        for _ in range(optimizer.population_size):
            x = optimizer.ask()
            value = problem.evaluate(problem.space.decode(x[None, :])[0], None, 0).value
            count += 1
            if value < target:
                return count
            told.append((x, value))
        optimizer.tell(told)
    return math.inf


def test_cmaes_converges_on_sphere_like_the_reference():
    problem = sphere(5)
    ours = [evaluations_to_target(problem, 1e-6, 1500, seed) for seed in range(5)]
    reference = [reference_evaluations_to_target(problem, 1e-6, 1500, seed) for seed in range(5)]
    assert max(ours) <= 1000  # f < 1e-6 on sphere-5d within 1000 evaluations, every seed
    # Same algorithm, same defaults: the median cost to target agrees within a factor 1.5.
    assert np.median(ours) <= 1.5 * np.median(reference)
    assert np.median(reference) <= 1.5 * np.median(ours)


def test_cmaes_step_size_shrinks_and_restarts_with_larger_population():
    problem = sphere(2)
    strategy, _ = run("cmaes", {}, problem, 200, seed=0)
    assert strategy.sigma < 0.3 / 10  # converging: sigma has shrunk (the cmaes package: 0.003-0.007)
    assert strategy.n_restarts == 0
    strategy, _ = run("cmaes", {"tol_x": 1e-3}, problem, 300, seed=0)  # force collapses
    assert strategy.n_restarts >= 1
    assert strategy.lam == 6 * 2 ** min(strategy.n_restarts, strategy.max_doublings)  # IPOP doubling

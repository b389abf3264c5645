"""The gradient strategy: exact gradients, finite differences (and their exact evaluation
count), auto-detection, mixed/conditional spaces, failures and reproducibility.

Runs use the real runner on registered problems (sphere, branin, hartmann6, all with exact
gradients) where the trial record is enough. A local quadratic with and without a gradient
covers what the registry cannot (every registered synthetic function has a gradient). The
counting tests drive ``ask``/``tell`` by hand to see each ask's batch and its
``want_gradient`` flags, evaluating through the problem (and its exact gradient) as the
runner would.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from harness.protocols import Budget, Evaluation, Problem, Status, StrategyError, Trial
from harness.registry import problems, strategies
from harness.runner import drive
from harness.space import Categorical, Condition, Float, Int, Space


class Quadratic(Problem):
    """``sum w_i (x_i - c_i)^2`` over ``[-5, 5]^d`` (minimum 0), optionally with its gradient."""

    batch = True

    def __init__(self, dim: int = 5, gradient: bool = True) -> None:
        self.name = f"local-quadratic-{dim}d"
        self.space = Space([Float(f"x{i}", -5.0, 5.0) for i in range(dim)])
        self.optimum = 0.0
        self.centre = np.linspace(-1.0, 2.0, dim)
        self.weights = np.linspace(1.0, 3.0, dim)
        self.has_gradient = gradient  # instance attribute: one class, both kinds of problem

    def _x(self, configs):
        return np.array([[c[n] for n in self.space.names] for c in configs])

    def evaluate(self, config, fidelity, seed):
        x = self._x([config])[0]
        return Evaluation(float(np.sum(self.weights * (x - self.centre) ** 2)))

    def gradient(self, configs):
        # d f / d u = d f / d x * (high - low): the unit cube is 10 wide per axis.
        return 2 * self.weights * (self._x(configs) - self.centre) * 10.0


class MixedConditional(Problem):
    """Two floats (one conditional), an integer and a categorical; fails when ``k >= 7``."""

    def __init__(self) -> None:
        self.name = "local-mixed"
        self.space = Space([
            Float("lr", 1e-4, 1.0, log=True),
            Int("k", 1, 8),
            Categorical("kind", ("a", "b")),
            Float("alpha", 0.0, 1.0, condition=Condition("kind", ("b",))),
        ])
        self.optimum = None

    def evaluate(self, config, fidelity, seed):
        if config["k"] >= 7:
            return Evaluation(math.nan)
        value = (math.log10(config["lr"]) + 2) ** 2 + abs(config["k"] - 3)
        return Evaluation(value + ((config["alpha"] - 0.3) ** 2 if config["kind"] == "b" else 1.0))


def make(problem, seed, budget, **params):
    return strategies.factory("gradient")(problem.space, seed, Budget(budget), None, **params)


def run(problem, seed, budget, **params):
    strategy = make(problem, seed, budget, **params)
    outcome = drive(problem, strategy, Budget(budget), seed=seed)
    return strategy, outcome


def hand_loop(problem, strategy, budget):
    """ask/tell by hand; returns the batches as lists of (config, want_gradient)."""
    batches, index = [], 0
    strategy.descent_of_batch = []
    while index < budget:
        batch = strategy.ask(min(strategy.max_batch, budget - index))
        strategy.descent_of_batch.append(strategy.n_descents)
        trials = []
        for suggestion in batch:
            problem.space.validate(suggestion.config)
            value = problem.evaluate(suggestion.config, None, index).value
            gradient = None
            if suggestion.want_gradient and problem.has_gradient:
                gradient = tuple(problem.gradient([suggestion.config])[0])
            trials.append(Trial(index, suggestion.config, None, value, None, 1.0, 0.0, 0.0,
                                Status.OK if math.isfinite(value) else Status.FAILED, tag=suggestion.tag,
                                gradient=gradient))
            index += 1
        strategy.tell(trials)
        batches.append([(s.config, s.want_gradient) for s in batch])
    return batches


def unit(problem, config):
    return problem.space.encode([config])[0]


def is_probe_batch(problem, batch, base, k, step):
    """Whether ``batch`` is the ``k`` forward probes of ``base``: one coordinate each, by ``step``."""
    if len(batch) != k:
        return False
    moved = sorted(int(np.flatnonzero(np.abs(unit(problem, c) - base) > 1e-12)[0]) for c, _ in batch)
    offsets = [np.abs(unit(problem, c) - base).max() for c, _ in batch]
    return moved == list(range(k)) and np.allclose(offsets, step, rtol=1e-6)


# -- registration and flags ------------------------------------------------------------------
def test_registered_with_honest_flags():
    cls = strategies.factory("gradient")
    assert cls.supports_mixed and cls.supports_conditionals and not cls.needs_fidelity
    assert {"gradient", "fd_scheme", "fd_step"} <= set(cls.parameters())
    assert make(Quadratic(4), 0, 10).max_batch == 5  # a point and its 4 forward probes
    assert make(Quadratic(4), 0, 10, fd_scheme="central").max_batch == 9
    assert make(Quadratic(4), 0, 10, gradient="exact").max_batch == 1
    discrete = Space([Int("a", 1, 3), Categorical("b", ("x", "y"))])
    with pytest.raises(StrategyError, match="float parameter"):
        cls.check_compatible(discrete, None)


# -- exact gradients ---------------------------------------------------------------------------
@pytest.mark.parametrize("direction", ["steepest", "bfgs"])
@pytest.mark.parametrize("problem", [Quadratic(5), problems.create("sphere-5d", instance=1)],
                         ids=["quadratic-5d", "sphere-5d"])
def test_exact_gradient_converges_on_a_convex_problem_in_few_evaluations(problem, direction):
    for seed in range(5):
        strategy, outcome = run(problem, seed, 40, gradient="exact", direction=direction)
        assert outcome.status == "ok", outcome.error
        values = [t.value for t in outcome.trials]
        hits = [i for i, v in enumerate(values) if v < 1e-8]
        assert hits and hits[0] < 40  # from a random start to 1e-8 in under 40 evaluations
        assert all(t.gradient is not None for t in outcome.trials)  # asked with want_gradient


@pytest.mark.parametrize("direction", ["steepest", "bfgs"])
def test_projection_reaches_a_minimum_on_the_boundary(direction):
    problem = Quadratic(3)
    problem.centre = np.array([-1.0, 2.0, 7.0])  # outside the box in x2: the minimum is at x2 = 5
    constrained_minimum = 3.0 * (5.0 - 7.0) ** 2  # weight 3 on x2
    for seed in range(3):
        _, outcome = run(problem, seed, 40, gradient="exact", direction=direction)
        assert min(t.value for t in outcome.trials) - constrained_minimum < 1e-6


def test_bfgs_is_registered_as_a_named_variant():
    cls = strategies.factory("gradient-bfgs")
    assert cls.name == "gradient-bfgs" and cls.parameters()["direction"] == "bfgs"
    problem = problems.create("rosenbrock-2d")  # curved valley: steepest descent crawls
    steepest = min(t.value for t in run(problem, 0, 60)[1].trials)
    strategy = cls(problem.space, 0, Budget(60), None)
    bfgs = min(t.value for t in drive(problem, strategy, Budget(60), seed=0).trials)
    assert bfgs < 1e-6 < steepest


def test_exact_gradients_on_hartmann6_and_a_mixed_sphere():
    hartmann = problems.create("hartmann6")
    regrets = [min(t.value for t in run(hartmann, seed, 100)[1].trials) - hartmann.optimum for seed in range(5)]
    assert np.median(regrets) < 1e-3
    mixed = problems.create("sphere-mixed-5d")  # 2 floats, 2 ints, 1 categorical
    for seed in range(3):
        _, outcome = run(mixed, seed, 60)
        assert outcome.status == "ok", outcome.error
        assert min(t.value for t in outcome.trials) < outcome.trials[0].value


def test_exact_mode_every_evaluation_is_one_point_with_its_gradient():
    problem = Quadratic(3)
    batches = hand_loop(problem, make(problem, 0, 25, gradient="exact"), 25)
    assert all(len(b) == 1 and b[0][1] for b in batches)  # no probes, gradient always wanted


def test_auto_uses_exact_gradients_when_the_problem_has_them():
    problem = Quadratic(3)
    strategy = make(problem, 1, 25)
    batches = hand_loop(problem, strategy, 25)
    assert strategy.mode == "auto" and all(len(b) == 1 and b[0][1] for b in batches)


def test_exact_mode_without_a_gradient_fails_the_run_visibly():
    _, outcome = run(Quadratic(3, gradient=False), 0, 10, gradient="exact")
    assert outcome.status == "failed" and "no gradient" in outcome.error


# -- finite differences: the count documented in the class docstring --------------------------
@pytest.mark.parametrize("direction", ["steepest", "bfgs"])
@pytest.mark.parametrize("mode", ["auto", "finite-difference"])
def test_forward_differences_cost_k_probes_per_gradient(mode, direction):
    problem, k, h = Quadratic(4, gradient=False), 4, 1e-6
    strategy = make(problem, 2, 60, gradient=mode, fd_step=h, direction=direction)
    batches = hand_loop(problem, strategy, 60)
    assert strategy.mode == "finite-difference"
    if mode == "auto":
        # The first point asks for an exact gradient; none comes, so its k probes follow.
        assert len(batches[0]) == 1 and batches[0][0][1]
        start, rest = unit(problem, batches[0][0][0]), batches[1:]
        assert is_probe_batch(problem, rest[0], start, k, h)
        rest = rest[1:]
    else:
        # The start point and its k probes are asked in one batch of 1 + k.
        assert len(batches[0]) == 1 + k and not any(w for _, w in batches[0])
        start = unit(problem, batches[0][0][0])
        assert is_probe_batch(problem, batches[0][1:], start, k, h)
        rest = batches[1:]
    # After that: single line-search points; an accepted one is followed by its k probes
    # (the run's last batch may be cut short by the budget).
    rest, last = rest[:-1], rest[-1]
    n_probes, n_line = 0, 0
    previous = None
    for batch in rest:
        if len(batch) == 1:
            n_line += 1
            previous = unit(problem, batch[0][0])
        else:
            assert previous is not None and is_probe_batch(problem, batch, previous, k, h)
            n_probes += len(batch)
    assert n_probes % k == 0 and n_probes > 0 and len(last) <= k
    assert 1 + k + n_line + n_probes + len(last) == 60  # every probe is an evaluation


def test_central_differences_cost_2k_probes_and_find_the_minimum():
    problem = Quadratic(3, gradient=False)
    strategy = make(problem, 0, 60, gradient="finite-difference", fd_scheme="central")
    batches = hand_loop(problem, strategy, 60)
    assert len(batches[0]) == 1 + 2 * 3
    assert all(len(b) in (1, 6) for b in batches[1:-1])  # the last batch may be cut by the budget
    _, outcome = run(problem, 0, 60, gradient="finite-difference", fd_scheme="central")
    values = [t.value for t in outcome.trials]
    assert min(values) < 1e-3 * values[0]


def test_finite_differences_converge_on_the_quadratic():
    problem = Quadratic(5, gradient=False)
    for seed in range(3):
        _, outcome = run(problem, seed, 80)
        assert min(t.value for t in outcome.trials) < 1e-4


# -- robustness, mixed spaces, reproducibility ---------------------------------------------------
def test_mixed_conditional_valid_reproducible_and_survives_failures():
    problem = MixedConditional()
    configs = {}
    for seed in (5, 5, 6):
        _, outcome = run(problem, seed, 80)
        assert outcome.status == "ok", outcome.error
        configs.setdefault(seed, []).append([t.config for t in outcome.trials])
    assert configs[5][0] == configs[5][1]
    assert configs[5][0] != configs[6][0]
    _, outcome = run(problem, 5, 80)
    assert any(not t.ok for t in outcome.trials)  # the failing region was visited ...
    ok = [t.value for t in outcome.trials if t.ok]
    assert min(ok) < ok[0] - 1.0  # ... and the search went on improving


def test_discrete_parameters_are_held_during_a_descent():
    problem = MixedConditional()
    strategy = make(problem, 7, 80, gradient="finite-difference", discrete="hold")
    batches = hand_loop(problem, strategy, 80)
    by_descent = {}
    for descent, batch in zip(strategy.descent_of_batch, batches):
        by_descent.setdefault(descent, []).extend(c for c, _ in batch)
    assert len(by_descent) >= 3
    for configs in by_descent.values():
        assert len({(c["k"], c["kind"]) for c in configs}) == 1


def test_coordinate_search_sweeps_the_discrete_neighbours():
    problem = MixedConditional()  # k in 1..8, kind in {a, b}: at most 2 + 1 neighbours
    strategy = make(problem, 3, 120, gradient="finite-difference")
    assert strategy.max_batch == 3  # 1 + 2 probes, or the sweep of 3
    batches = hand_loop(problem, strategy, 120)
    sweeps = 0
    for batch in batches:
        configs = [c for c, _ in batch]
        if len(configs) < 2 or len({(c["k"], c["kind"]) for c in configs}) != len(configs):
            continue  # probes share their discrete values; a sweep's neighbours never do
        sweeps += 1
        assert len(configs) in (2, 3)  # k - 1 and/or k + 1, and the other kind
    assert sweeps >= 1


def test_coordinate_search_solves_the_mixed_sphere():
    problem = problems.create("sphere-mixed-5d")  # 2 floats, 2 ints, 1 categorical
    held = [min(t.value for t in run(problem, s, 100, discrete="hold")[1].trials) for s in range(5)]
    searched = [min(t.value for t in run(problem, s, 100)[1].trials) for s in range(5)]
    assert np.median(searched) < 1e-8 < np.median(held)


def test_finite_differences_improve_on_the_random_start_on_branin():
    problem = problems.create("branin")
    for seed in range(5):
        _, outcome = run(problem, seed, 50, gradient="finite-difference")
        values = [t.value for t in outcome.trials]
        assert all(t.gradient is None for t in outcome.trials)  # never asked for one
        assert min(values) < values[0] and min(values) - problem.optimum < 0.5

"""The pycma adapter: it is pycma (same points as a plain ask/tell loop), seeded, and refuses clearly."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

cma = pytest.importorskip("cma", reason="needs the 'peers' extra (cma)")

from harness.protocols import Budget  # noqa: E402
from harness.registry import problems, strategies  # noqa: E402
from harness.runner import drive  # noqa: E402
from harness.suite import ConfigError, parse_suite  # noqa: E402


def test_adapter_evaluates_exactly_the_points_of_a_plain_pycma_loop():
    problem = problems.create("rosenbrock-4d", instance=2)
    budget = Budget(400)
    run = drive(problem, strategies.create("pycma", space=problem.space, seed=5, budget=budget,
                                           restarts="none"), budget, seed=0)
    ours = problem.space.encode([t.config for t in run.trials])

    # The same pycma, driven by hand with the same generator, as its documentation shows.
    rng = np.random.default_rng(5)
    x0 = rng.random(4).tolist()
    es = cma.CMAEvolutionStrategy(x0, 0.2, {"bounds": [0, 1], "seed": math.nan, "verbose": -9, "verb_log": 0,
                                            "verb_disp": 0, "randn": lambda *shape: rng.standard_normal(shape)})
    points = []
    while len(points) < len(ours):
        X = es.ask()
        es.tell(X, problem.value_at(problem.to_array(problem.space.decode(np.array(X)))).tolist())
        points += X
    np.testing.assert_allclose(ours, np.array(points[:len(ours)]), rtol=0, atol=1e-12)
    values = [t.value for t in run.trials]
    assert min(values) < np.median(values[:7]) / 100  # and it optimises


def test_ipop_restarts_reach_the_sphere_optimum_and_leave_numpys_global_generator_alone():
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    problem = problems.create("sphere-3d", instance=1)
    budget = Budget(3000)
    strategy = strategies.create("pycma", space=problem.space, seed=1, budget=budget)
    run = drive(problem, strategy, budget, seed=0)
    assert min(t.value for t in run.trials) - problem.optimum < 1e-8
    assert strategy.n_restarts >= 1 and strategy.max_batch > strategy.base_population  # IPOP doubled it
    np.testing.assert_array_equal(np.random.get_state()[1], before)


SUITE = 'name = "p"\nbudget = 5\nproblems = ["{problem}"]\nstrategies = ["pycma"]\n'


def test_conditional_spaces_and_a_missing_package_are_refused_in_one_line(monkeypatch):
    with pytest.raises(ConfigError, match=r"strategies\[0\].*pycma.*does not support conditional spaces"):
        parse_suite(SUITE.format(problem="cash-wine"))
    monkeypatch.setitem(sys.modules, "cma", None)  # what an environment without the extra sees
    with pytest.raises(ConfigError, match=r"strategies\[0\].*pip install -e \"\.\[peers\]\""):
        parse_suite(SUITE.format(problem="branin"))


def test_active_cmaes_weights_equal_pycmas_and_pay_off_on_an_ellipsoid():
    """``cmaes`` (active by default): Table 1's negative weights, checked against pycma's own."""
    from cma.recombination_weights import RecombinationWeights

    from harness.space import Float, Space

    for dim, lam in ((2, 6), (5, 8), (10, 10), (3, 13), (20, 12)):
        space = Space([Float(f"x{i}", 0.0, 1.0) for i in range(dim)])
        ours = strategies.create("cmaes", space=space, seed=0, budget=Budget(10), population=lam)
        reference = RecombinationWeights(lam)
        reference.finalize_negative_weights(dim, ours.c_1, ours.c_mu)
        zeros = np.zeros(lam - ours.mu - len(ours.negative_weights))
        np.testing.assert_allclose(np.r_[ours.weights, zeros, ours.negative_weights], np.asarray(reference), atol=1e-15)
    problem = problems.create("bbob-f10-10d", instance=1) if _has("cocoex") else problems.create("rosenbrock-10d")
    for seed in (0, 1):
        regret = []
        for name in ("cmaes-passive", "cmaes"):
            budget = Budget(4000)
            run = drive(problem, strategies.create(name, space=problem.space, seed=seed, budget=budget), budget, seed=0)
            regret.append(min(t.value for t in run.trials) - problem.optimum)
        assert regret[1] < regret[0] / 100, regret  # f10: 7.9 -> 1.3e-4 and 35 -> 1.6e-3


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None

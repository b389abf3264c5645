"""Variants of the synthetic functions: noise, multi-fidelity, mixed domains, instances."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from harness.protocols import Budget
from harness.registry import problems, strategies
from harness.runner import drive
from harness.space import SpaceError
from problems.synthetic.instances import AffineInstance, WarpInstance
from problems.synthetic.noise import standard_normal_from_seeds

MF_NAMES = [
    n for n in problems.names() if n.endswith("-mf") and problems.factory(n).__module__.startswith("problems.synthetic")
]


# -- noise -------------------------------------------------------------------------------
def test_noise_is_reproducible_per_seed_and_keeps_the_noise_free_value():
    noisy = problems.create("hartmann6-noisy", instance=2)
    exact = problems.create("hartmann6", instance=2)
    config = noisy.space.sample(np.random.default_rng(0), 1)[0]
    first, again, other = (noisy.evaluate(config, None, s) for s in (11, 11, 12))
    assert first == again
    assert first.value != other.value
    assert first.info == {"noise_free_value": exact.evaluate(config, None, 0).value}
    assert "noisy" in noisy.tags and noisy.optimum == exact.optimum


def test_noise_is_gaussian_with_the_given_sd():
    """Independent reference: scipy's Kolmogorov-Smirnov test against N(0, sd)."""
    problem = problems.create("branin", noise_sd=0.7)
    config = {"x0": 1.0, "x1": 2.0}
    evaluations = problem.evaluate_batch([config] * 4000, None, list(range(4000)))
    residuals = np.array([e.value - e.info["noise_free_value"] for e in evaluations])
    assert stats.kstest(residuals, stats.norm(0, 0.7).cdf).pvalue > 1e-3


def test_noise_draws_do_not_depend_on_the_batch():
    seeds = [0, 1, 2**63 + 5, -3, 123456789]
    together = standard_normal_from_seeds(seeds)
    alone = np.concatenate([standard_normal_from_seeds([s]) for s in seeds])
    np.testing.assert_array_equal(together, alone)
    assert np.all(np.isfinite(together)) and len(set(together.tolist())) == len(seeds)


def test_every_function_takes_a_noise_level():
    problem = problems.create("rosenbrock-3d", noise_sd=0.5, instance=1)
    assert "noisy" in problem.tags
    assert problem.evaluate({"x0": 1.0, "x1": 1.0, "x2": 1.0}, None, 4).info is not None


# -- multi-fidelity ------------------------------------------------------------------------
@pytest.mark.parametrize("name", MF_NAMES)
def test_cost_grows_with_fidelity_and_is_one_at_the_top(name):
    problem = problems.create(name)
    fid = problem.fidelity
    assert 0 < fid.low < fid.high
    levels = np.linspace(fid.low, fid.high, 12).tolist()
    config = problem.to_config(problem.optimizers[0])
    costs = [e.cost for e in problem.evaluate_batch([config] * 12, levels, [0] * 12)]
    assert np.all(np.diff(costs) > 0)
    assert costs[-1] == pytest.approx(1.0) and problem.evaluate(config, None, 0).cost == pytest.approx(1.0)
    assert costs[0] < 0.1
    assert "multi-fidelity" in problem.tags


@pytest.mark.parametrize("name", MF_NAMES)
@pytest.mark.parametrize("instance", [None, 4])
def test_max_fidelity_is_the_exact_function_and_lower_ones_are_biased(name, instance):
    problem = problems.create(name, instance=instance)
    exact = problems.create(name.removesuffix("-mf"), instance=instance)
    configs = problem.space.sample(np.random.default_rng(1), 200)
    top = [e.value for e in problem.evaluate_batch(configs, [problem.fidelity.high] * 200, [0] * 200)]
    default = [e.value for e in problem.evaluate_batch(configs, [None] * 200, [0] * 200)]
    reference = [e.value for e in exact.evaluate_batch(configs, [None] * 200, [0] * 200)]
    assert top == reference == default
    low = np.array([e.value for e in problem.evaluate_batch(configs, [problem.fidelity.low] * 200, [0] * 200)])
    assert np.all(low != np.array(reference))
    # Biased but informative: the cheap fidelity ranks configs much like the exact one.
    assert stats.spearmanr(low, reference).statistic > 0.9
    np.testing.assert_allclose(problem.gradient(configs[:5]), exact.gradient(configs[:5]))


# -- mixed domains ---------------------------------------------------------------------------
def test_integer_and_categorical_axes_are_on_grids_through_the_optimum():
    problem = problems.create("sphere-5d", integer_dims=2, categorical_dims=1, instance=6)
    kinds = [p.kind for p in problem.space.params]
    assert kinds == ["float", "float", "categorical", "int", "int"]
    assert "mixed" in problem.tags
    best = problem.to_config(problem.optimizers[0])
    assert isinstance(best["x3"], int) and isinstance(best["x2"], str)
    assert problem.evaluate(best, None, 0).value == pytest.approx(0.0, abs=1e-12)
    # Every grid point of a discrete axis is reachable and evaluates where the grid says.
    axis = problem.discretisation.axes[3]
    for k, value in enumerate(axis.values):
        X = problem.to_array([{**best, "x3": k}])
        assert X[0, 3] == value
    assert problem.bounds[3, 0] <= axis.values.min() and axis.values.max() <= problem.bounds[3, 1]


def test_categorical_choice_order_is_shuffled_per_instance():
    orders = {tuple(problems.create("ackley-4d", categorical_dims=2, instance=i).discretisation.axes[2].order)
              for i in range(5)}
    assert len(orders) > 1


def test_invalid_discrete_values_are_refused():
    problem = problems.create("branin-mixed")
    good = problem.to_config(problem.optimizers[0])
    with pytest.raises(SpaceError):
        problem.evaluate({**good, "x1": 99}, None, 0)
    with pytest.raises(SpaceError):
        problem.evaluate({**good, "x1": 2.5}, None, 0)
    mixed = problems.create("hartmann6-mixed")
    with pytest.raises(SpaceError):
        mixed.evaluate({**mixed.to_config(mixed.optimizers[0]), "x2": "nope"}, None, 0)


# -- instances ---------------------------------------------------------------------------------
def test_affine_and_warp_transforms_are_exact_bijections():
    rosenbrock = problems.create("rosenbrock-4d", instance=9)
    michalewicz = problems.create("michalewicz-4d", instance=9)
    assert isinstance(rosenbrock.transform, AffineInstance) and isinstance(michalewicz.transform, WarpInstance)
    R = rosenbrock.transform.rotation
    np.testing.assert_allclose(R @ R.T, np.eye(4), atol=1e-12)
    X = np.random.default_rng(0).uniform(size=(50, 4)) * np.pi
    for t in (rosenbrock.transform, michalewicz.transform):
        np.testing.assert_allclose(t.backward(t.forward(X)), X, atol=1e-12)
    # The warp maps the box onto itself: corners to corners.
    corners = michalewicz.bounds.T
    np.testing.assert_allclose(michalewicz.transform.forward(corners), corners, atol=1e-12)
    unrotated = problems.create("rosenbrock-4d", instance=9, rotate=False)
    np.testing.assert_array_equal(unrotated.transform.rotation, np.eye(4))


def test_instances_are_stable_across_versions():
    """Golden values: changing how instances are drawn would silently change stored suites."""
    np.testing.assert_allclose(
        problems.create("branin", instance=3).optimizers[0], [-2.4722099942765077, 4.341726079153196], rtol=1e-12
    )
    np.testing.assert_allclose(
        problems.create("michalewicz-2d", instance=3).optimizers[0], [0.529419100786575, 0.9093289836111266],
        rtol=1e-12,
    )


# -- through the runner --------------------------------------------------------------------------
def test_runner_records_noisy_and_multi_fidelity_trials():
    noisy = problems.create("branin-noisy", instance=1)
    random_search = strategies.factory("random")(noisy.space, 0, Budget(30), None)
    outcome = drive(noisy, random_search, Budget(30), seed=0)
    assert outcome.status == "ok" and len(outcome.trials) == 30
    assert all(t.info and "noise_free_value" in t.info for t in outcome.trials)

    mf = problems.create("hartmann3-mf")
    budget = Budget(5, kind="cost")
    hyperband = strategies.factory("hyperband")(mf.space, 0, budget, mf.fidelity)
    outcome = drive(mf, hyperband, budget, seed=0)
    assert outcome.status == "ok"
    fidelities = {t.fidelity for t in outcome.trials}
    assert len(fidelities) > 1
    for t in outcome.trials:
        s = mf.fidelity.high if t.fidelity is None else t.fidelity
        assert t.cost == pytest.approx(0.05 + 0.95 * s**1.5)


def test_runner_passes_the_exact_unit_cube_gradient():
    problem = problems.create("rosenbrock-3d", instance=2)
    budget = Budget(25)
    descent = strategies.factory("gradient")(problem.space, 0, budget, None)
    outcome = drive(problem, descent, budget, seed=0)
    with_gradient = [t for t in outcome.trials if t.gradient is not None]
    assert outcome.status == "ok" and with_gradient
    for t in with_gradient:
        np.testing.assert_allclose(t.gradient, problem.gradient([t.config])[0])


@pytest.mark.parametrize("name", ["hartmann6-mixed", "michalewicz-3d", "branin-mf", "ackley-noisy-4d"])
def test_problems_survive_pickling_for_ray_workers(name):
    import pickle

    problem = problems.create(name, instance=3)
    clone = pickle.loads(pickle.dumps(problem))
    config = problem.to_config(problem.optimizers[0])
    assert clone.evaluate(config, None, 1) == problem.evaluate(config, None, 1)

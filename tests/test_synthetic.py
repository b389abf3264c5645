"""Contract tests of every registered synthetic problem, read from the registry.

A new synthetic family registered in ``problems.synthetic`` is checked here for free: the
public problem contract of :mod:`harness.testing` (reproducible values, batch and single
evaluation in agreement, gradients matching finite differences), and what only synthetic
functions know: their optimum at their minimisers, that nothing sampled beats it, that
shifted instances keep the value and move the minimiser.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from harness.registry import problems
from harness.space import SpaceError
from harness.testing import problem_tests
from problems.synthetic.base import SyntheticFunction


def _synthetic_names() -> list[str]:
    names = []
    for entry in problems.entries():
        if entry.source != "builtin" or not entry.load().__module__.startswith("problems.synthetic"):
            continue
        if entry.regex is None:
            names.append(entry.name)
        else:
            names += [entry.example, entry.name.format(dim=5)]
    return names


NAMES = _synthetic_names()
INSTANCES = [None, 7]


def _exact(problem: SyntheticFunction, configs, fidelities=None) -> np.ndarray:
    """Noise-free values through the public path (``info`` of noisy variants)."""
    evaluations = problem.evaluate_batch(configs, fidelities, list(range(len(configs))))
    return np.array([(e.info or {}).get("noise_free_value", e.value) for e in evaluations])


def _tolerance(optimum: float) -> float:
    return 1e-4 * abs(optimum) + 1e-8


def test_registry_has_every_family():
    families = {n.replace("-{dim}d", "") for n in problems.names()} & {
        "branin", "six-hump-camel", "goldstein-price", "hartmann3", "hartmann6", "rosenbrock", "ackley",
        "rastrigin", "levy", "styblinski-tang", "griewank", "michalewicz", "sphere",
    }
    assert len(families) == 13
    assert {"branin-mf", "hartmann3-mf", "hartmann6-mf", "branin-noisy", "ackley-mixed-{dim}d"} <= set(problems.names())


@pytest.mark.parametrize("instance", INSTANCES)
@pytest.mark.parametrize("name", NAMES)
def test_known_minimum_at_known_minimisers(name, instance):
    problem = problems.create(name, instance=instance)
    assert isinstance(problem, SyntheticFunction)
    assert problem.optimum == problem.optimal_value
    assert len(problem.optimizers) >= 1
    values = _exact(problem, [problem.to_config(x) for x in problem.optimizers])
    np.testing.assert_allclose(values, problem.optimum, rtol=1e-4, atol=1e-8)


@pytest.mark.parametrize("instance", INSTANCES)
@pytest.mark.parametrize("name", NAMES)
def test_nothing_sampled_beats_the_minimum(name, instance):
    problem = problems.create(name, instance=instance)
    rng = np.random.default_rng(0)
    configs = problem.space.sample(rng, 1500)
    # Points near the minimisers probe that they are really (local) minima.
    lo, hi = problem.bounds[:, 0], problem.bounds[:, 1]
    cont = problem.discretisation.continuous_columns
    for x in problem.optimizers:
        near = np.repeat(x[None, :], 100, axis=0)
        near[:, cont] += rng.normal(0, 1e-3, (100, len(cont))) * (hi - lo)[cont]
        configs += [problem.to_config(p) for p in np.clip(near, lo, hi)]
    fidelities = None
    if problem.fidelity is not None:  # lower fidelities are biased upwards only
        fidelities = rng.uniform(problem.fidelity.low, problem.fidelity.high, len(configs)).tolist()
    assert _exact(problem, configs, fidelities).min() >= problem.optimum - _tolerance(problem.optimum)


@pytest.mark.parametrize("instance", INSTANCES)
@pytest.mark.parametrize("name", [n for n in NAMES if "noisy" not in n and "-5d" not in n])
def test_box_corners_are_finite_and_not_below_the_minimum(name, instance):
    problem = problems.create(name, instance=instance)
    d = len(problem.names)
    corners = np.array(np.meshgrid(*[[0.0, 1.0]] * d)).reshape(d, -1).T
    values = _exact(problem, problem.space.decode(corners))
    assert np.all(np.isfinite(values))
    assert values.min() >= problem.optimum - _tolerance(problem.optimum)


@pytest.mark.parametrize("name", [n for n in NAMES if "noisy" not in n])  # noise-free part is the same
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_property_no_point_beats_the_minimum(name, data):
    problem = problems.create(name, instance=data.draw(st.one_of(st.none(), st.integers(0, 2**31))))
    d = len(problem.names)
    point = st.lists(st.floats(0, 1), min_size=d, max_size=d)
    unit = np.array(data.draw(st.lists(point, min_size=1, max_size=30)))
    configs = problem.space.decode(unit)
    assert _exact(problem, configs).min() >= problem.optimum - _tolerance(problem.optimum)


@pytest.mark.parametrize("name", [n for n in NAMES if "mixed" not in n and "noisy" not in n])
def test_local_search_from_the_minimiser_finds_nothing_lower(name):
    """An independent optimiser (scipy L-BFGS-B) started near the minimiser stays at the value."""
    for instance in INSTANCES:
        problem = problems.create(name, instance=instance)
        rng = np.random.default_rng(1)
        span = problem.bounds[:, 1] - problem.bounds[:, 0]
        start = np.clip(problem.optimizers[0] + rng.normal(0, 1e-3, span.shape) * span, *problem.bounds.T)
        result = minimize(lambda x: problem.value_at(x[None, :])[0], start, method="L-BFGS-B", bounds=problem.bounds,
                          options={"maxfun": 200})
        assert result.fun >= problem.optimum - _tolerance(problem.optimum)
        assert result.fun == pytest.approx(problem.optimum, rel=1e-4, abs=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_shifted_instances_keep_the_value_and_move_the_minimiser(name):
    classic = problems.create(name)
    shifted = problems.create(name, instance=3)
    again = problems.create(name, instance=3)
    other = problems.create(name, instance=4)
    assert shifted.optimum == classic.optimum == other.optimum
    assert "shifted" in shifted.tags and "shifted" not in classic.tags
    np.testing.assert_array_equal(shifted.optimizers, again.optimizers)
    cont = classic.discretisation.continuous_columns
    distance = np.abs(shifted.optimizers[0] - classic.optimizers[0])[cont if len(cont) else slice(None)]
    assert distance.max() > 1e-3 * (classic.bounds[:, 1] - classic.bounds[:, 0]).max()
    assert not np.allclose(shifted.optimizers[0], other.optimizers[0])
    # A shifted instance is a different function: the classic minimiser is no longer optimal.
    classic_x = [shifted.to_config(x) for x in classic.optimizers if shifted.discretisation.on_grid(x[None, :])[0]]
    if classic_x:
        assert _exact(shifted, classic_x).min() > shifted.optimum + _tolerance(shifted.optimum)


#: The public problem contract (harness.testing) on every family and instance: a sound
#: description, reproducible values, batch and single evaluation in agreement, nothing below
#: the optimum, and gradients that match finite differences.
test_problem_contract = problem_tests(*NAMES, instances=INSTANCES, evaluations=25)


@pytest.mark.parametrize("name", NAMES)
def test_every_factory_is_a_batch_synthetic_function_named_as_registered(name):
    problem = problems.create(name, instance=None)
    assert problem.name == name
    assert "synthetic" in problem.tags
    assert problem.describe()["optimum"] == problem.optimum
    assert problem.batch


def test_invalid_configs_and_parameters_are_refused():
    branin = problems.create("branin")
    with pytest.raises(SpaceError, match="x0"):
        branin.evaluate({"x0": 11.0, "x1": 1.0}, None, 0)
    with pytest.raises(SpaceError, match="missing"):
        branin.evaluate({"x0": 1.0, "y": 1.0}, None, 0)
    with pytest.raises(SpaceError):
        branin.evaluate({"x0": 1.0}, None, 0)
    with pytest.raises(ValueError, match="dimension >= 2"):
        problems.create("rosenbrock-1d")
    with pytest.raises(ValueError, match="instance"):
        problems.create("branin", instance=-1)
    with pytest.raises(ValueError, match="noise_sd"):
        problems.create("branin", noise_sd=-1.0)
    with pytest.raises(ValueError, match="integer_dims"):
        problems.create("sphere-2d", integer_dims=2, categorical_dims=1)
    with pytest.raises(ValueError, match="Fidelity"):
        problems.create("branin-mf").evaluate({"x0": 1.0, "x1": 1.0}, 2.0, 0)


@pytest.mark.parametrize(
    "name, published",
    [
        ("branin", 0.397887),
        ("six-hump-camel", -1.0316),
        ("goldstein-price", 3.0),
        ("hartmann3", -3.86278),
        ("hartmann6", -3.32237),
        ("michalewicz-2d", -1.8013),
        ("michalewicz-5d", -4.687658),
        ("michalewicz-10d", -9.66015),
        ("styblinski-tang-4d", -39.16599 * 4),
    ],
)
def test_optima_match_published_values(name, published):
    """Independent reference: values printed in the literature (sfu.ca/~ssurjano)."""
    assert problems.create(name).optimum == pytest.approx(published, rel=1e-4)

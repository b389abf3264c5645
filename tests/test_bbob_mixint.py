"""bbob-mixint problems: COCO's own values, bounds, integer variables and optima.

The reference is cocoex's ``bbob-mixint`` suite itself (an independent suite object per test),
and the optimum is checked against the x_opt COCO reports for the instance.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("cocoex", reason="bbob-mixint problems need the 'coco' extra (coco-experiment)")
import cocoex  # noqa: E402

from harness.registry import problems  # noqa: E402
from harness.space import Float, Int, SpaceError  # noqa: E402
from harness.suite import parse_suite  # noqa: E402

FUNCTIONS = range(1, 25)


def _random_configs(problem, rng, n):
    return [{p.name: int(rng.integers(p.low, p.high + 1)) if isinstance(p, Int) else float(rng.uniform(p.low, p.high))
             for p in problem.space.params} for _ in range(n)]


@pytest.mark.parametrize("function", FUNCTIONS)
def test_values_bounds_and_integers_equal_coco_suite(function):
    coco_suite = cocoex.Suite("bbob-mixint", "", f"function_indices: {function} dimensions: 5,10,20")
    rng = np.random.default_rng(function)
    for dim, instance in ((5, 1), (10, 7), (20, 15)):
        ours = problems.create(f"bbob-mixint-f{function}-{dim}d", instance=instance)
        theirs = coco_suite.get_problem_by_function_dimension_instance(function, dim, instance)
        kinds = [type(p) for p in ours.space.params]
        assert kinds == [Int] * theirs.number_of_integer_variables + [Float] * (dim - theirs.number_of_integer_variables)
        assert [p.low for p in ours.space.params] == list(theirs.lower_bounds)
        assert [p.high for p in ours.space.params] == list(theirs.upper_bounds)
        configs = _random_configs(ours, rng, 30)
        values = [e.value for e in ours.evaluate_batch(configs)]
        assert values == [theirs(np.array([c[n] for n in ours.names], float)) for c in configs]  # bit for bit
    coco_suite.free()


@pytest.mark.parametrize("function", FUNCTIONS)
def test_optimum_is_the_value_at_cocos_xopt_and_nothing_sampled_beats_it(function, tmp_path, monkeypatch):
    # cocoex reports a suite problem's x_opt only by writing it to a file in the working directory.
    monkeypatch.chdir(tmp_path)
    for instance in (1, 4):
        problem = problems.create(f"bbob-mixint-f{function}-5d", instance=instance)
        problem._coco._best_parameter("print")
        x_opt = np.loadtxt(tmp_path / "._bbob_problem_best_parameter.txt")
        config = {n: (int(v) if j < problem.n_integer else float(v)) for j, (n, v) in enumerate(zip(problem.names, x_opt))}
        assert np.isclose(problem.evaluate(config).value, problem.optimum, rtol=1e-12, atol=1e-12)
        sampled = [e.value for e in problem.evaluate_batch(_random_configs(problem, np.random.default_rng(0), 300))]
        assert min(sampled) >= problem.optimum


def test_refuses_bad_values_dimensions_and_maps_seeds_to_instances():
    problem = problems.create("bbob-mixint-f1-5d")
    good = {"x0": 1, "x1": 2, "x2": 3, "x3": 4, "x4": 0.5}
    with pytest.raises(SpaceError, match="'x1' of 'bbob-mixint-f1-5d' must be an integer in"):
        problem.evaluate({**good, "x1": 2.5})
    with pytest.raises(SpaceError, match="'x3' .* must be an integer in \\[0, 15\\]"):
        problem.evaluate({**good, "x3": 16})
    with pytest.raises(ValueError, match="one of 5, 10, 20, 40"):
        problems.create("bbob-mixint-f1-2d")
    # COCO's bbob-mixint instances are 1..15, as instance = "seed" cycles through them.
    suite = cocoex.Suite("bbob-mixint", "", "dimensions: 5 function_indices: 1")
    assert [int(i.split("_i")[1].split("_")[0]) for i in suite.ids()] == list(range(1, 16))
    suite.free()
    runs = parse_suite('name = "m"\nseeds = [0, 1, 14, 15]\nbudget = 2\nstrategies = ["random"]\n'
                       'problems = [{ name = "bbob-mixint-f2-5d", instance = "seed" }]\n').runs()
    assert [r.instance for r in sorted(runs, key=lambda r: r.repetition)] == [1, 2, 15, 1]


def test_passes_the_problem_contract():
    from harness.testing import check_problem

    check_problem("bbob-mixint-f7-10d", instance=3)

"""BBOB problems: COCO's own values, instances and optima, and the problem contract.

The reference for every value is cocoex's benchmark suite itself (``cocoex.Suite``, the
object COCO experiments evaluate), not the ``BareProblem`` our problems wrap.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("cocoex", reason="BBOB problems need the 'coco' extra (coco-experiment)")
import cocoex  # noqa: E402

from harness.registry import problems  # noqa: E402
from harness.space import SpaceError  # noqa: E402
from harness.suite import ConfigError, parse_suite  # noqa: E402
from problems.coco.bbob import BBOB, BBOB_DIMENSIONS  # noqa: E402

FUNCTIONS = range(1, 25)


def _configs(problem, X):
    return [dict(zip(problem.names, map(float, x))) for x in X]


@pytest.fixture(scope="module")
def coco_suite():
    suite = cocoex.Suite("bbob", "year: 2010", "")
    yield suite
    suite.free()


@pytest.mark.parametrize("function", FUNCTIONS)
def test_values_equal_coco_suite_on_random_points(function, coco_suite):
    rng = np.random.default_rng(function)
    for dim, instance in ((2, 1), (5, 7), (20, 15)):
        ours = problems.create(f"bbob-f{function}-{dim}d", instance=instance)
        theirs = coco_suite.get_problem_by_function_dimension_instance(function, dim, instance)
        X = rng.uniform(-5, 5, (40, dim))
        values = [e.value for e in ours.evaluate_batch(_configs(ours, X))]
        assert values == [theirs(x) for x in X]  # bit for bit


@pytest.mark.parametrize("function", FUNCTIONS)
def test_optimum_is_cocos_fopt_and_nothing_sampled_beats_it(function):
    for dim in (2, 10):
        for instance in (1, 4):
            problem = problems.create(f"bbob-f{function}-{dim}d", instance=instance)
            x_opt = problem.optimizers[0]
            assert np.all(np.abs(x_opt) <= 5)
            assert problem.evaluate(dict(zip(problem.names, x_opt))).value == problem.optimum
            # COCO's f_opt is rounded to 2 decimals and lies in [-1000, 1000] (RR-6829).
            assert -1000 <= problem.optimum <= 1000 and round(problem.optimum, 2) == problem.optimum
            rng = np.random.default_rng(0)
            near = np.clip(x_opt + rng.normal(0, 1e-3, (200, dim)), -5, 5)
            X = np.vstack([rng.uniform(-5, 5, (500, dim)), near])
            assert problem.value_at(X).min() >= problem.optimum


def test_seed_instances_are_cocos_fifteen_and_explicit_ones_pass_through():
    # COCO's 15-instance protocol: the instance ids of its 2010 bbob suite, in order.
    suite = cocoex.Suite("bbob", "year: 2010", "dimensions: 2 function_indices: 1")
    coco_instances = [int(p.split("_i")[1].split("_")[0]) for p in suite.ids()]
    suite.free()
    assert coco_instances == list(range(1, 16))
    assert [BBOB.instance_of_repetition(r) for r in range(30)] == coco_instances * 2
    text = """
name = "bbob-instances"
seeds = [0, 1, 14, 15]
budget = 5
problems = [{ name = "bbob-f2-3d", instance = "seed" }, { name = "bbob-f2-3d", instance = 9, label = "nine" },
            { name = "bbob-f2-3d", instance = "fixed", label = "fixed" }, { name = "sphere-2d", instance = "seed" }]
strategies = ["random"]
"""
    runs = parse_suite(text).runs()
    by = {(r.problem, r.repetition): r.instance for r in runs}
    assert [by["bbob-f2-3d[instance=seed]", r] for r in (0, 1, 14, 15)] == [1, 2, 15, 1]
    assert {by["nine", r] for r in (0, 1, 14, 15)} == {9}
    assert {by["fixed", r] for r in (0, 1, 14, 15)} == {1}
    assert [by["sphere-2d[instance=seed]", r] for r in (0, 1, 14, 15)] == [0, 1, 14, 15]  # unchanged
    a, b = problems.create("bbob-f2-3d", instance=2), problems.create("bbob-f2-3d", instance=3)
    assert not np.allclose(a.optimizers, b.optimizers) and problems.create("bbob-f2-3d").coco_instance == 1


def test_contract_batch_single_describe_and_bad_input():
    problem = problems.create("bbob-f15-5d", instance=3)
    assert problem.name == "bbob-f15-5d" and problem.batch and "synthetic" in problem.tags
    assert problem.describe()["optimum"] == problem.optimum
    configs = problem.space.sample(np.random.default_rng(1), 25)
    batch = [e.value for e in problem.evaluate_batch(configs, [None] * 25, list(range(25)))]
    assert batch == [problem.evaluate(c, None, s).value for s, c in enumerate(configs)]
    assert all(isinstance(v, float) for v in batch)
    corners = np.array(np.meshgrid(*[[-5.0, 5.0]] * 5)).reshape(5, -1).T
    assert np.all(np.isfinite(problem.value_at(corners))) and problem.value_at(corners).min() >= problem.optimum
    with pytest.raises(SpaceError, match="x1"):
        problem.evaluate({"x0": 0.0, "x1": 6.0, "x2": 0.0, "x3": 0.0, "x4": 0.0})
    with pytest.raises(SpaceError, match="missing"):
        problem.evaluate({"x0": 0.0})
    for name, kwargs, field in (("bbob-f25-2d", {}, "1..24"), ("bbob-f1-4d", {}, "dimension"),
                                ("bbob-f1-2d", {"instance": 0}, "instance")):
        with pytest.raises(ValueError, match=field):
            problems.create(name, **kwargs)
    with pytest.raises(ConfigError, match=r"problems\[0\].*1\.\.24"):
        parse_suite('name = "x"\nbudget = 3\nproblems = ["bbob-f30-2d"]\nstrategies = ["random"]\n')
    assert set(BBOB_DIMENSIONS) == {2, 3, 5, 10, 20, 40}


def test_missing_cocoex_is_refused_with_an_install_hint(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "cocoex", None)  # what an environment without the extra sees
    with pytest.raises(ConfigError, match=r"problems\[0\].*pip install -e \"\.\[coco\]\""):
        parse_suite('name = "x"\nbudget = 3\nproblems = ["bbob-f1-2d"]\nstrategies = ["random"]\n')

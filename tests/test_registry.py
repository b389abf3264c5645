"""Registries: collisions refused, templates resolved, plugins discovered by entry point."""

from __future__ import annotations

import pytest
from conftest import run_cli

from harness.protocols import Budget, Problem, StrategyError
from harness.registry import Registry, RegistryError, problems, strategies
from harness.testing import check_strategy_class


def test_collisions_are_refused():
    registry = Registry("problem", "harness.test-none", "problems")
    registry.register("thing", dict)
    with pytest.raises(RegistryError, match="'thing' is already registered"):
        registry.register("thing", list)


def test_templates_resolve_parameters_from_the_name():
    registry = Registry("problem", "harness.test-none", "problems")
    registry.register("bowl-{dim}d", lambda dim, **kw: ("bowl", dim, kw), example="bowl-2d")
    assert registry.create("bowl-10d", instance=3) == ("bowl", 10, {"instance": 3})
    with pytest.raises(RegistryError, match="Unknown problem 'bowl-xd'; did you mean 'bowl-2d'"):
        registry.resolve("bowl-xd")


def test_builtin_parameterised_names_resolve():
    problem = problems.create("rosenbrock-10d")
    assert len(problem.space) == 10 and problem.optimum == 0


@pytest.mark.parametrize("name", strategies.names())
def test_every_registered_strategy_declares_itself(name):
    # Documented, listable parameters, and its registered name (gradient-bfgs subclasses
    # gradient; each must report its own): the public kit's check.
    check_strategy_class(name)


def test_plugins_are_listed_and_shown_through_entry_points(plugin_path, tmp_path):
    listing = run_cli("list", "problems", cwd=tmp_path)
    assert listing.returncode == 0
    assert "plugin-paraboloid" in listing.stdout and "plugin-faulty" in listing.stdout
    strategies_listing = run_cli("list", "strategies", cwd=tmp_path)
    assert "plugin-coordinate" in strategies_listing.stdout and "step=0.2" in strategies_listing.stdout
    shown = run_cli("show", "plugin-coordinate", cwd=tmp_path)
    assert shown.returncode == 0 and "plugin harness_test_plugin:CoordinateSearch" in shown.stdout
    unknown = run_cli("show", "plugin-coordinat", cwd=tmp_path)
    assert unknown.returncode == 2 and "did you mean 'plugin-coordinate'" in unknown.stderr


def test_show_prints_a_problem_in_detail(tmp_path):
    shown = run_cli("show", "branin", cwd=tmp_path)
    assert shown.returncode == 0
    assert "optimum:  0.397887" in shown.stdout and "x0: float[-5, 10]" in shown.stdout
    # Its factory parameters, read through the catalog's **params into the class.
    assert "noise_sd = 0.0" in shown.stdout and "rotate = True" in shown.stdout


def test_show_lists_conditional_log_parameters_and_factory_parameters_of_a_task(tmp_path, plugin_path):
    shown = run_cli("show", "cash-wine", cwd=tmp_path)
    assert shown.returncode == 0
    assert "logreg_C: float[0.0001, 10000, log] if family in ['logreg']" in shown.stdout
    assert "n_folds = 3" in shown.stdout and "metric = None" in shown.stdout
    faulty = run_cli("show", "plugin-faulty", cwd=tmp_path)
    assert "mode = 'raise'" in faulty.stdout and "hang_seconds = 30.0" in faulty.stdout


def test_plugins_without_a_name_are_named_after_their_entry_points(plugin_path):
    # Both classes inherit a parent's name; each must answer to its own entry point's.
    search = strategies.factory("plugin-coordinate-nameless")
    assert search.name == "plugin-coordinate-nameless"
    assert strategies.factory("plugin-coordinate").name == "plugin-coordinate"
    with pytest.raises(StrategyError, match="Strategy 'plugin-coordinate-nameless' needs an explicit integer seed"):
        search(problems.create("branin").space, None, Budget(3))
    assert problems.create("plugin-paraboloid-nameless").name == "plugin-paraboloid-nameless"
    assert problems.create("plugin-paraboloid").name == "plugin-paraboloid"


def test_an_unnamed_problem_built_by_a_factory_function_takes_the_registered_name():
    registry = Registry("problem", "harness.test-none", "problems")
    registry.register("bowl-{dim}d", lambda dim, instance=None: type("Bowl", (Problem,), {})())
    assert registry.create("bowl-3d").name == "bowl-3d"

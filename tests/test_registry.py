"""Registries: collisions refused, templates resolved, plugins discovered by entry point."""

from __future__ import annotations

import pytest
from conftest import run_cli

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

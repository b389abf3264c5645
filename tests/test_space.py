"""Search space: validation at construction, sampling, unit-cube round trips, grids, JSON."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.space import Categorical, Condition, Float, Int, Space, SpaceError


def mixed_space() -> Space:
    return Space([
        Categorical("kernel", ["rbf", "poly", "linear"]),
        Float("C", 1e-3, 1e3, log=True),
        Float("gamma", 1e-4, 1.0, log=True, condition=("kernel", ["rbf", "poly"])),
        Int("degree", 2, 5, condition=Condition("kernel", ("poly",))),
        Int("width", 8, 512, log=True),
        Categorical("shrinking", [True, False]),
        Float("tol", -1.0, 1.0),
    ])


@pytest.mark.parametrize("make, fragment", [
    (lambda: Float("lr", 1.0, 1.0), "Parameter 'lr': low must be < high"),
    (lambda: Float("lr", 2.0, 1.0), "Parameter 'lr': low must be < high"),
    (lambda: Float("lr", 0.0, 1.0, log=True), "Parameter 'lr': a log scale needs low > 0"),
    (lambda: Int("n", -3, 5, log=True), "Parameter 'n': a log scale needs low > 0"),
    (lambda: Int("n", 1.5, 5), "Parameter 'n': low must be an integer"),
    (lambda: Float("x", 0, math.inf), "Parameter 'x': high must be finite"),
    (lambda: Categorical("k", []), "Parameter 'k': choices must not be empty"),
    (lambda: Categorical("k", ["a", "a"]), "Parameter 'k': choices must be distinct"),
    (lambda: Space([Float("a", 0, 1), Float("a", 0, 2)]), "Parameter 'a' is declared twice"),
    (lambda: Space([Float("a", 0, 1, condition=("missing", [1]))]), "Parameter 'a': its condition names 'missing'"),
    (lambda: Space([Categorical("k", ["x"]), Float("a", 0, 1, condition=("k", ["y"]))]),
     "Parameter 'a': its condition value 'y' is not a valid value of 'k'"),
    (lambda: Space([]), "at least one parameter"),
])
def test_invalid_spaces_are_rejected_naming_the_parameter(make, fragment):
    with pytest.raises(SpaceError, match=fragment.replace("(", r"\(").replace("[", r"\[")):
        make()


def test_samples_are_valid_and_respect_conditions():
    space = mixed_space()
    configs = space.sample(np.random.default_rng(0), 500)
    for config in configs:
        space.validate(config)
        assert ("degree" in config) == (config["kernel"] == "poly")
        assert ("gamma" in config) == (config["kernel"] != "linear")
    assert {c["kernel"] for c in configs} == {"rbf", "poly", "linear"}
    assert all(isinstance(c["width"], int) for c in configs)


def test_log_parameters_are_sampled_log_uniformly():
    space = Space([Float("C", 1e-3, 1e3, log=True)])
    values = np.array([c["C"] for c in space.sample(np.random.default_rng(1), 20000)])
    # Log-uniform over six decades: about a sixth of the draws per decade.
    share_below_1e_minus_2 = np.mean(values < 1e-2)
    assert abs(share_below_1e_minus_2 - 1 / 6) < 0.015


def test_same_generator_seed_gives_same_samples():
    space = mixed_space()
    assert space.sample(np.random.default_rng(5), 20) == space.sample(np.random.default_rng(5), 20)


@pytest.mark.parametrize("config, fragment", [
    ({"kernel": "rbf", "C": 1.0, "gamma": 0.1, "width": 10, "shrinking": True}, "missing active parameter 'tol'"),
    ({"kernel": "rbf", "C": 1.0, "gamma": 0.1, "width": 10, "shrinking": True, "tol": 0, "degree": 3},
     "sets parameter 'degree', which its condition makes inactive"),
    ({"kernel": "rbf", "C": 1e4, "gamma": 0.1, "width": 10, "shrinking": True, "tol": 0}, "parameter 'C' is outside"),
    ({"kernel": "rbf", "C": 1.0, "gamma": 0.1, "width": 10.5, "shrinking": True, "tol": 0}, "parameter 'width'"),
    ({"kernel": "sigmoid", "C": 1.0, "width": 10, "shrinking": True, "tol": 0}, "parameter 'kernel'"),
    ({"kernel": "rbf", "C": 1.0, "gamma": 0.1, "width": 10, "shrinking": 1, "tol": 0}, "parameter 'shrinking'"),
    ({"kernel": "rbf", "C": 1.0, "gamma": 0.1, "width": 10, "shrinking": True, "tol": float("nan")}, "parameter 'tol'"),
    ({"kernel": "rbf", "C": 1.0, "gamma": 0.1, "width": 10, "shrinking": True, "tol": 0, "extra": 1}, "unknown parameter 'extra'"),
])
def test_validate_names_the_offending_parameter(config, fragment):
    with pytest.raises(SpaceError, match=fragment):
        mixed_space().validate(config)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=7, max_size=7))
def test_decode_then_encode_then_decode_is_stable(unit_row):
    space = mixed_space()
    config = space.decode(np.array([unit_row]))[0]
    space.validate(config)
    again = space.decode(space.encode([config]))[0]
    assert again.keys() == config.keys()
    for key, value in config.items():
        if isinstance(value, float):
            assert again[key] == pytest.approx(value, rel=1e-9, abs=1e-12)
        else:
            assert again[key] == value


@settings(max_examples=200, deadline=None)
@given(st.floats(1e-3, 1e3), st.integers(8, 512))
def test_encode_is_in_unit_cube_and_inverts(c, width):
    space = Space([Float("C", 1e-3, 1e3, log=True), Int("width", 8, 512, log=True)])
    unit = space.encode([{"C": c, "width": width}])
    assert np.all((unit >= 0) & (unit <= 1))
    back = space.decode(unit)[0]
    assert back["C"] == pytest.approx(c, rel=1e-9)
    assert back["width"] == width


def test_inactive_parameters_encode_as_nan():
    space = mixed_space()
    unit = space.encode([{"kernel": "linear", "C": 1.0, "width": 16, "shrinking": False, "tol": 0.0}])
    names = space.names
    assert math.isnan(unit[0, names.index("gamma")]) and math.isnan(unit[0, names.index("degree")])


def test_every_integer_and_choice_is_reachable_with_equal_cells():
    space = Space([Int("n", 1, 4), Categorical("c", ["a", "b", "c"])])
    configs = space.decode(np.random.default_rng(2).random((12000, 2)))
    counts_n = np.bincount([c["n"] for c in configs])[1:]
    assert counts_n.min() > 2700 and counts_n.max() < 3300


def test_grid_enumerates_conditional_branches_without_duplicates():
    space = Space([
        Categorical("kernel", ["rbf", "poly"]),
        Float("C", 0.1, 10.0, log=True),
        Int("degree", 2, 4, condition=("kernel", ["poly"])),
    ])
    grid = space.grid(3)
    # rbf: 3 values of C; poly: 3 values of C x 3 degrees.
    assert len(grid) == 3 + 9 == space.grid_size(3)
    assert len({tuple(sorted(c.items())) for c in grid}) == len(grid)
    assert sorted({c["C"] for c in grid}) == pytest.approx([0.1, 1.0, 10.0])
    for config in grid:
        space.validate(config)


@pytest.mark.parametrize("resolution", [1, 2, 3, 5])
def test_grid_size_matches_enumeration(resolution):
    space = mixed_space()
    assert space.grid_size(resolution) == len(space.grid(resolution))


def test_json_round_trip_preserves_the_space():
    space = mixed_space()
    again = Space.from_json(space.dumps())
    assert again == space
    assert again.to_json() == space.to_json()


def test_from_json_rejects_unknown_kinds():
    with pytest.raises(SpaceError, match="unknown kind"):
        Space.from_json([{"name": "a", "kind": "complex", "low": 0, "high": 1}])

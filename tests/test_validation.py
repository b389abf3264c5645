"""The declarative parameter checks (harness.validation) and the messages strategies give with them."""

from __future__ import annotations

import numpy as np
import pytest

from harness.protocols import Budget, Fidelity, StrategyError
from harness.registry import strategies
from harness.space import Float, Space
from harness.validation import Interval, Options, check_parameters


@pytest.mark.parametrize("rule, good, bad, words", [
    (Interval(int, 1, None), [1, 7, np.int64(3)], [0, 1.0, True, "2", None], "an integer >= 1"),
    (Interval(float, 0, 1, closed="neither"), [0.5, 1e-9, 0.999], [0, 1, float("nan"), False], "a number in (0, 1)"),
    (Interval(float, 0, 1), [0, 1, 0.5, np.float32(0.2)], [-1e-9, 1.1, float("inf")], "a number in [0, 1]"),
    (Interval(float, 0, 2, closed="right"), [2, 1e-3], [0, 2.5], "a number in (0, 2]"),
    (Interval(int, 0, 10, closed="left"), [0, 9], [10, -1], "an integer in [0, 10)"),
    (Interval(float, 1, None, closed="neither"), [1.5, 3], [1, 0], "a number > 1"),
    (Interval(float, None, 5, closed="neither"), [4, -100], [5, 6], "a number < 5"),
    (Interval(int, 2, None, none=True), [None, 2], [1, "x"], "an integer >= 2 or None"),
    (Options("a", "b"), ["a", "b"], ["c", None, 1], "one of 'a', 'b'"),
    (Options(1, 2), [1, 2], [True, 1.0, 3], "one of 1, 2"),
])
def test_constraints_accept_and_describe(rule, good, bad, words):
    assert all(rule.accepts(v) for v in good)
    assert not any(rule.accepts(v) for v in bad)
    assert rule.describe() == words


def test_message_is_one_line_naming_owner_parameter_and_allowed_values():
    rules = {"eta": Interval(float, 1, None, closed="neither", note="the reduction factor"), "mode": Options("x")}
    check_parameters("strategy 'demo'", rules, eta=3, mode="x")  # all good: no error
    with pytest.raises(StrategyError) as info:
        check_parameters("strategy 'demo'", rules, eta=1, mode="y")
    assert str(info.value) == "The 'eta' parameter of strategy 'demo' must be a number > 1 (the reduction factor). Got 1."


def test_a_parameter_without_a_constraint_is_the_callers_mistake():
    with pytest.raises(KeyError):
        check_parameters("strategy 'demo'", {}, eta=3)


def test_constraints_refuse_nonsense_definitions():
    with pytest.raises(TypeError):
        Interval(str, 0, 1)
    with pytest.raises(ValueError):
        Interval(int, 0, 1, closed="open")
    with pytest.raises(ValueError):
        Options()


@pytest.mark.parametrize("name, params, message", [
    ("random", {"method": "halton"}, "The 'method' parameter of strategy 'random' must be one of 'uniform', 'sobol', 'lhs'. Got 'halton'."),
    ("grid", {"resolution": 0}, "The 'resolution' parameter of strategy 'grid' must be an integer >= 1 or None. Got 0."),
    ("genetic", {"elite": 10}, "The 'elite' parameter of strategy 'genetic' must be an integer in [0, 10). Got 10."),
    ("differential-evolution", {"F": 0}, "The 'F' parameter of strategy 'differential-evolution' must be a number in (0, 2]. Got 0."),
    ("cmaes-passive", {"restarts": "bipop"}, "The 'restarts' parameter of strategy 'cmaes-passive' must be one of 'ipop', 'random', 'none'. Got 'bipop'."),
    ("cmaes", {"active": 1}, "The 'active' parameter of strategy 'cmaes' must be one of True, False. Got 1."),
    ("gradient-bfgs", {"armijo": 1}, "The 'armijo' parameter of strategy 'gradient-bfgs' must be a number in (0, 1). Got 1."),
    ("bayesian", {"n_initial": 0}, "The 'n_initial' parameter of strategy 'bayesian' must be an integer >= 1 or None. Got 0."),
    ("bayesian", {"restart_ei": 1.0}, "The 'restart_ei' parameter of strategy 'bayesian' must be a number in [0, 1). Got 1.0."),
    ("hyperband", {"eta": 1}, "The 'eta' parameter of strategy 'hyperband' must be a number > 1. Got 1."),
])
def test_builtin_strategies_refuse_bad_parameters_in_one_line(name, params, message):
    space = Space([Float("a", 0, 1), Float("b", 0, 1)])
    fidelity = Fidelity("epochs", 1, 81) if name == "hyperband" else None
    with pytest.raises(StrategyError) as info:
        strategies.factory(name)(space, 0, Budget(20), fidelity, **params)
    assert str(info.value) == message

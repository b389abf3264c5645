"""The public testing kit catches broken plugins: each check fails on the defect it names."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from harness.protocols import Evaluation, Problem, Strategy, Suggestion
from harness.space import Float, Space
from harness.testing import check_problem, check_strategy, check_strategy_class


class SeedBlindSearch(Strategy):
    """Random search that ignores its seed (a fixed generator)."""

    name = "seed-blind"
    max_batch = None

    def ask(self, n):
        rng = np.random.default_rng(0)
        return [Suggestion(c) for c in self.space.sample(rng, n)]


class OverspendingSearch(Strategy):
    """Proposes more than asked for, so a budget of 12 evaluations gets overrun."""

    name = "overspending"

    def ask(self, n):
        return [Suggestion(c) for c in self.space.sample(self.rng, n + 5)]


#: Calls of every Bowl so far: the state an unseeded problem leaks between trials.
_CALLS = itertools.count()


class Bowl(Problem):
    """(x - 0.5)^2 + (y - 0.5)^2 on the unit square; ``defect`` breaks one promise."""

    name = "bowl"
    optimum = 0.0
    batch = True
    has_gradient = True

    def __init__(self, instance=None, defect: str = "none") -> None:
        self.space = Space([Float("x", 0, 1), Float("y", 0, 1)])
        self.defect = defect

    def evaluate(self, config, fidelity, seed):
        value = (config["x"] - 0.5) ** 2 + (config["y"] - 0.5) ** 2
        if self.defect == "unseeded":
            value += next(_CALLS) * 1e-3  # drifts with every call of any instance, whatever the seed
        if self.defect == "below-optimum":
            value -= 1.0
        if self.defect == "text":
            return Evaluation("0.1")
        return Evaluation(value)

    def evaluate_batch(self, configs, fidelities, seeds):
        out = [self.evaluate(c, f, s) for c, f, s in zip(configs, fidelities, seeds)]
        if self.defect == "batch":
            out = [Evaluation(e.value + 1e-6) for e in out]
        return out

    def gradient(self, configs):
        g = np.array([[2 * (c["x"] - 0.5), 2 * (c["y"] - 0.5)] for c in configs])
        return 2 * g if self.defect == "gradient" else g


def test_a_sound_problem_passes():
    check_problem(Bowl)


@pytest.mark.parametrize("defect, message", [
    ("unseeded", "same config and seed on a rebuilt problem"),
    ("below-optimum", "beats the declared optimum"),
    ("text", "'value' field of the evaluation must be a number"),
    ("batch", "batch value"),
    ("gradient", "gradient differs from finite differences"),
])
def test_each_broken_promise_of_a_problem_is_named(defect, message):
    with pytest.raises(AssertionError, match=message):
        check_problem(Bowl, params={"defect": defect})


def test_broken_strategies_are_named():
    with pytest.raises(AssertionError, match="another seed must change the run"):
        check_strategy(SeedBlindSearch, "continuous")
    with pytest.raises(AssertionError, match="trials on a budget of 12 evaluations|the run failed"):
        check_strategy(OverspendingSearch, "continuous")


def test_a_refusal_is_returned_not_failed_and_a_nameless_class_is_named():
    from harness.registry import strategies

    reason = check_strategy(strategies.factory("hyperband"), "continuous")
    assert "needs a problem with a fidelity" in reason

    class Nameless(SeedBlindSearch):
        """Sets an empty name."""

        name = ""

    with pytest.raises(AssertionError, match="sets no `name`"):
        check_strategy_class(Nameless)

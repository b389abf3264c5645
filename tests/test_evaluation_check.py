"""Malformed objective returns are failed trials naming the field, never a crashed suite or
an endless run; the same on Ray, where the run's own error is kept."""

from __future__ import annotations

import math

import pytest

from harness.protocols import Budget, Evaluation, Problem, Status
from harness.registry import strategies
from harness.runner import drive
from harness.space import Float, Space
from harness.records import RunRecord, RunSpec
from harness.store import trials_table

BAD = {
    "cost": Evaluation(1.0, cost="x"),
    "negative cost": Evaluation(1.0, cost=-1.0),
    "test_value": Evaluation(1.0, test_value="high"),
    "info": Evaluation(1.0, info=["not", "a", "dict"]),
    "info noise": Evaluation(1.0, info={"noise_free_value": "x" * 1_000_000}),
    "value": Evaluation("1.0"),
}


class Malformed(Problem):
    """Every second trial returns the malformed evaluation ``kind``; the others are fine."""

    name = "malformed"
    optimum = 0.0

    def __init__(self, kind: str) -> None:
        self.space = Space([Float("x", -1, 1)])
        self.kind = kind
        self.calls = 0

    def evaluate(self, config, fidelity, seed):
        self.calls += 1
        return BAD[self.kind] if self.calls % 2 == 0 else Evaluation(config["x"] ** 2)


SPEC = RunSpec(suite="s", problem="malformed", problem_name="branin", strategy="random", strategy_name="random",
               repetition=0, seed=0, problem_seed=0, budget=Budget(10), run_id="x")


@pytest.mark.parametrize("kind, field", [
    ("cost", "'cost' field"), ("negative cost", "'cost' field"), ("test_value", "'test_value' field"),
    ("info", "'info' field"), ("info noise", "'info['noise_free_value']' field"), ("value", "'value' field"),
])
def test_malformed_evaluations_are_failed_trials_naming_the_field(kind, field):
    problem = Malformed(kind)
    strategy = strategies.factory("random")(problem.space, 0, Budget(10))
    outcome = drive(problem, strategy, Budget(10), seed=0)
    assert outcome.status == "ok" and len(outcome.trials) == 10
    bad = [t for t in outcome.trials if t.status is Status.FAILED]
    assert len(bad) == 5 and all(field in t.error and math.isnan(t.value) for t in bad)
    assert all(len(t.error) < 300 for t in bad)  # a 1 MB value is not a 1 MB message
    assert trials_table(RunRecord.of_run(SPEC, problem, outcome), problem, outcome).num_rows == 10


@pytest.mark.parametrize("cost", [0.0, -0.5])
def test_zero_or_negative_cost_under_a_cost_budget_cannot_make_a_run_endless(cost):
    class Free(Problem):
        name = "free"
        optimum = 0.0
        space = Space([Float("x", -1, 1)])

        def evaluate(self, config, fidelity, seed):
            return Evaluation(config["x"] ** 2, cost=cost)

    problem = Free()
    budget = Budget(5.0, "cost")
    outcome = drive(problem, strategies.factory("random")(problem.space, 0, budget), budget, seed=0)
    assert len(outcome.trials) == 5 and all(t.status is Status.FAILED for t in outcome.trials)
    assert "under a cost budget" in outcome.trials[0].error or "'cost' field" in outcome.trials[0].error

"""The runs whose trials ``tests/data/golden_sequential.json`` pins (made with the sequential
runner before the event loop existed), shared by the test and the script that wrote it."""

from __future__ import annotations

import math

from harness.protocols import Budget
from harness.registry import problems, strategies
from harness.runner import drive

#: (problem, strategy, budget as JSON, strategy seed)
CASES = [
    ("branin", "random", {"amount": 40, "kind": "evaluations"}, 3),
    ("branin", "grid", {"amount": 20, "kind": "evaluations"}, 3),
    ("branin", "bayesian", {"amount": 10, "kind": "evaluations"}, 3),
    ("branin", "tpe", {"amount": 25, "kind": "evaluations"}, 3),
    ("branin", "differential-evolution", {"amount": 30, "kind": "evaluations"}, 3),
    # cmaes's default before the active update became it: the pinned trials are unchanged.
    ("branin", "cmaes-passive", {"amount": 30, "kind": "evaluations"}, 3),
    ("branin", "gradient", {"amount": 20, "kind": "evaluations"}, 3),
    ("hartmann6-mixed", "genetic", {"amount": 30, "kind": "evaluations"}, 3),
    ("branin-mf", "hyperband", {"amount": 6.0, "kind": "cost"}, 3),
    ("branin-mf", "successive-halving", {"amount": 6.0, "kind": "cost"}, 3),
    ("branin-mf", "asha", {"amount": 6.0, "kind": "cost"}, 3),
    ("branin-mf", "bohb", {"amount": 6.0, "kind": "cost"}, 3),
]


def run_case(problem_name: str, strategy_name: str, budget_json: dict, seed: int, **drive_options) -> list[list]:
    """Trials of one case as JSON-ready rows ``[index, value, fidelity, cost, status]``."""
    problem = problems.create(problem_name)
    budget = Budget(**budget_json)
    strategy = strategies.factory(strategy_name)(problem.space, seed, budget, problem.fidelity)
    outcome = drive(problem, strategy, budget, seed=1234, **drive_options)
    assert outcome.status == "ok", outcome.error
    return [[t.index, None if math.isnan(t.value) else t.value, t.fidelity, t.cost, t.status.value]
            for t in outcome.trials]

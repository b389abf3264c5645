"""A fidelity is range-checked by one function, ``Fidelity.contains``: strictly for what a strategy
asks (the runner), within ``FIDELITY_TOLERANCE`` for what a problem is given (``Fidelity.check``)."""

from __future__ import annotations

import numpy as np
import pytest

from harness.protocols import FIDELITY_TOLERANCE, Budget, Fidelity, Strategy, Suggestion
from harness.registry import problems
from harness.runner import drive


def test_one_fidelity_range_check_for_every_problem_family():
    trees = Fidelity("trees", 10, 200, integer=True)
    assert trees.check(None, "t") == 200.0 and trees.check(50, "t") == 50.0
    assert trees.check(200 + FIDELITY_TOLERANCE / 2, "t") == 200.0  # rung arithmetic's float error
    for bad in (200 + 1e-6, 9, float("nan"), "high"):
        with pytest.raises(ValueError, match=r"^Fidelity 'trees' of T must be in \[10, 200\]\. Got"):
            trees.check(bad, "T")
    for name in ("branin-mf", "hgb-breast_cancer"):
        problem = problems.create(name)
        with pytest.raises(ValueError, match=f"Fidelity '{problem.fidelity.name}' of .*'{name}' must be in"):
            problem.evaluate(problem.space.sample(np.random.default_rng(0), 1)[0], problem.fidelity.high * 2, 0)


class _AskAt(Strategy):
    """Asks every config at one fixed fidelity."""

    fidelity_asked = 1.0

    def ask(self, n):
        return [Suggestion(c, self.fidelity_asked) for c in self.space.sample(self.rng, n)]

    def tell(self, trials):
        pass


@pytest.mark.parametrize("asked, ok", [(1.0, True), (0.05, True), (1.0 + 1e-12, False), (0.0, False)])
def test_the_runner_holds_a_strategy_to_the_range_exactly(asked, ok):
    problem = problems.create("branin-mf")
    strategy = type("AskAt", (_AskAt,), {"fidelity_asked": asked})(problem.space, 0, Budget(3), problem.fidelity)
    outcome = drive(problem, strategy, Budget(3), seed=0)
    assert (outcome.status == "ok") is ok
    if not ok:
        assert f"asked for fidelity {asked!r}, outside [0.05, 1]" in outcome.error
    assert problem.fidelity.contains(asked) is ok

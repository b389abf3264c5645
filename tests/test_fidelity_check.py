"""A problem's fidelity is range-checked by one function, ``Fidelity.check``, in every family."""

from __future__ import annotations

import numpy as np
import pytest

from harness.protocols import FIDELITY_TOLERANCE, Fidelity
from harness.registry import problems


def test_one_fidelity_range_check_for_every_problem_family():
    trees = Fidelity("trees", 10, 200, integer=True)
    assert trees.check(None, "t") == 200.0 and trees.check(50, "t") == 50.0
    assert trees.check(200 + FIDELITY_TOLERANCE / 2, "t") == 200.0  # rung arithmetic's float error
    for bad in (200 + 1e-6, 9, float("nan"), "high"):
        with pytest.raises(ValueError, match=r"^T: fidelity trees must be in \[10, 200\]\. Got"):
            trees.check(bad, "T")
    for name in ("branin-mf", "hgb-breast_cancer"):
        problem = problems.create(name)
        with pytest.raises(ValueError, match=f"fidelity {problem.fidelity.name} must be in"):
            problem.evaluate(problem.space.sample(np.random.default_rng(0), 1)[0], problem.fidelity.high * 2, 0)

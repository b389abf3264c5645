"""median-stopping: the rule of Golovin et al. (2017) on hand-made curves, milestones, budgets."""

from __future__ import annotations

import math

import numpy as np
import pytest

from harness.protocols import Budget, Status, Trial
from harness.registry import problems, strategies
from harness.runner import drive


def _make(problem_name="hartmann3-mf", budget=Budget(40), **params):
    problem = problems.create(problem_name)
    cls = strategies.factory("median-stopping")
    return problem, cls(problem.space, 0, budget, problem.fidelity, **params)


def _tell(strategy, suggestion, value, cost=0.1):
    strategy.tell([Trial(0, suggestion.config, suggestion.fidelity, value, None, cost, 0.0, 0.0, Status.OK,
                         tag=suggestion.tag)])


def test_milestones_are_even_steps_up_to_the_maximum_fidelity():
    _, strategy = _make(milestones=4)
    assert strategy.milestones == pytest.approx([0.25, 0.5, 0.75, 1.0])
    problem = problems.create("branin-mf")
    int_fid = type(problem.fidelity)("epochs", 1, 50, integer=True)
    s = strategies.factory("median-stopping")(problem.space, 0, Budget(10), int_fid, milestones=10)
    assert s.milestones == [5.0 * k for k in range(1, 11)]


def test_a_trial_worse_than_the_median_of_running_averages_is_stopped_and_a_better_one_goes_on():
    _, strategy = _make(milestones=4, batch_size=5, min_samples=3)
    first = strategy.ask(5)
    assert [s.fidelity for s in first] == [0.25] * 5 and len({s.tag for s in first}) == 5
    # Three reference curves with running averages 1, 2, 3 at milestone 0 (median 2).
    for suggestion, value in zip(first[:3], (1.0, 2.0, 3.0)):
        _tell(strategy, suggestion, value)
    _tell(strategy, first[3], 2.5)   # 2.5 > median 2 -> stopped
    _tell(strategy, first[4], 1.5)   # 1.5 < median 2.25 of the four others -> continues
    curves = strategy._curves
    assert curves[3].stopped and not curves[4].stopped
    following = strategy.ask(5)
    continued = {s.tag.split("/")[0] for s in following if s.fidelity == 0.5}
    assert "c3" not in continued and "c4" in continued
    assert all(s.config is curves[int(s.tag[1:].split("/")[0])].config for s in following)


def test_the_rule_uses_the_best_value_so_far_against_running_averages():
    _, strategy = _make(milestones=4, batch_size=4, min_samples=3)
    curves = strategy._curves
    from strategies.multifidelity.median_stopping import _Curve

    curves += [_Curve({}, [4.0, 1.0]), _Curve({}, [4.0, 2.0]), _Curve({}, [4.0, 3.0]), _Curve({}, [3.0, 3.4])]
    # Running averages at milestone 1: 2.5, 3.0, 3.5 -> median 3.0; best of the last is 3.0 (not > 3.0).
    assert not strategy.should_stop(3, 1)
    curves[3].values = [3.2, 3.4]
    assert strategy.should_stop(3, 1)
    assert not strategy.should_stop(3, 0) or np.median([4.0, 4.0, 4.0]) < 3.2


def test_failed_reports_stop_their_trial_and_no_rule_without_enough_samples():
    _, strategy = _make(milestones=3, batch_size=2, min_samples=3)
    a, b = strategy.ask(2)
    _tell(strategy, a, math.inf)
    _tell(strategy, b, 100.0)
    assert strategy._curves[0].stopped and not strategy._curves[1].stopped


@pytest.mark.parametrize("budget", [Budget(6.0, "cost"), Budget(30)])
def test_a_run_spends_no_more_than_its_budget_and_stops_some_trials(budget):
    problem, strategy = _make("hartmann6-mf", budget=budget, milestones=5, batch_size=4)
    outcome = drive(problem, strategy, budget, seed=1)
    if budget.kind == "cost":
        assert sum(t.cost for t in outcome.trials) <= 6.0 + 1e-9
    else:
        assert len(outcome.trials) == 30
    assert any(c.stopped for c in strategy._curves)
    assert outcome.status == "ok"

"""The run loop: budgets, failed trials, failing strategies, timeouts, cost accounting."""

from __future__ import annotations

import math

import numpy as np
import pytest

from harness.protocols import Budget, Evaluation, Fidelity, Problem, Status, Strategy, Suggestion
from harness.registry import problems, strategies
from harness.runner import drive, trial_seed
from harness.space import Float, Space


def make(problem_name: str, strategy_name: str, budget: Budget, seed: int = 0, **problem_params):
    problem = problems.create(problem_name, **problem_params)
    strategy = strategies.factory(strategy_name)(problem.space, seed, budget, problem.fidelity)
    return problem, strategy


@pytest.mark.parametrize("mode, status, fragment", [
    ("raise", Status.FAILED, "ValueError: bad x="),
    ("nan", Status.FAILED, "objective returned nan"),
    ("inf", Status.FAILED, "objective returned inf"),
])
def test_misbehaving_objectives_become_failed_trials_and_the_run_goes_on(plugin_path, mode, status, fragment):
    problem, strategy = make("plugin-faulty", "random", Budget(30), mode=mode, every=3)
    told = []
    original_tell = strategy.tell
    strategy.tell = lambda trials: (told.extend(trials), original_tell(trials))
    outcome = drive(problem, strategy, Budget(30), seed=1)
    assert outcome.status == "ok" and len(outcome.trials) == 30
    bad = [t for t in outcome.trials if t.status is not Status.OK]
    assert bad, "some configs hit the faulty branch"
    assert all(t.status is status and fragment in t.error and math.isnan(t.value) for t in bad)
    assert all(t.ok and math.isfinite(t.value) for t in outcome.trials if t not in bad)
    assert len(told) == 30  # failed trials are told too


def test_hanging_objective_times_out_as_a_failed_trial(plugin_path):
    problem, strategy = make("plugin-faulty", "random", Budget(6), mode="hang", every=2, hang_seconds=60)
    outcome = drive(problem, strategy, Budget(6), seed=2, trial_timeout=0.3)
    timeouts = [t for t in outcome.trials if t.status is Status.TIMEOUT]
    assert len(outcome.trials) == 6 and timeouts
    assert all("timeout after 0.3 s" in t.error and t.eval_seconds < 5 for t in timeouts)


class Exploding(Strategy):
    """Raises on its third ask."""

    max_batch = 1

    def __init__(self, space, seed, budget, fidelity=None):
        super().__init__(space, seed, budget, fidelity)
        self.calls = 0

    def ask(self, n):
        self.calls += 1
        if self.calls == 3:
            raise RuntimeError("model diverged")
        return [Suggestion(self.space.sample(self.rng, 1)[0])]


class Liar(Strategy):
    """Proposes a config outside the space."""

    def ask(self, n):
        return [Suggestion({"x": 5.0, "y": 0.0})]


def test_a_raising_strategy_fails_its_run_visibly(plugin_path):
    problem = problems.create("plugin-paraboloid")
    outcome = drive(problem, Exploding(problem.space, 0, Budget(10)), Budget(10), seed=0)
    assert outcome.status == "failed" and len(outcome.trials) == 2
    assert "ask raised RuntimeError: model diverged" in outcome.error


def test_an_invalid_suggestion_fails_the_run(plugin_path):
    problem = problems.create("plugin-paraboloid")
    outcome = drive(problem, Liar(problem.space, 0, Budget(10)), Budget(10), seed=0)
    assert outcome.status == "failed" and not outcome.trials
    assert "invalid config" in outcome.error and "'x'" in outcome.error


def test_evaluation_budget_is_exact_for_batch_strategies(plugin_path):
    problem, strategy = make("plugin-paraboloid", "random", Budget(1500))
    outcome = drive(problem, strategy, Budget(1500), seed=0)
    assert len(outcome.trials) == 1500
    assert [t.index for t in outcome.trials] == list(range(1500))


class Fidelitied(Problem):
    """Sphere with a fidelity; cost is the default fidelity / high."""

    name = "fidelitied"

    def __init__(self):
        self.space = Space([Float("x", -1, 1)])
        self.fidelity = Fidelity("epochs", 1, 9, integer=True)

    def evaluate(self, config, fidelity, seed):
        return Evaluation(config["x"] ** 2 + 1.0 / fidelity)


class LowFidelity(Strategy):
    max_batch = None

    def ask(self, n):
        return [Suggestion(c, fidelity=3) for c in self.space.sample(self.rng, n)]


def test_cost_budget_counts_fidelity_weighted_cost():
    problem = Fidelitied()
    budget = Budget(4.0, kind="cost")
    outcome = drive(problem, LowFidelity(problem.space, 0, budget, problem.fidelity), budget, seed=0)
    costs = [t.cost for t in outcome.trials]
    assert all(c == pytest.approx(1 / 3) for c in costs)
    assert sum(costs) == pytest.approx(4.0) and len(costs) == 12


def test_full_fidelity_is_recorded_when_a_strategy_gives_none():
    problem = Fidelitied()
    outcome = drive(problem, strategies.factory("random")(problem.space, 0, Budget(5)), Budget(5), seed=0)
    assert all(t.fidelity == 9 and t.cost == 1.0 for t in outcome.trials)


def test_wallclock_cap_truncates_the_run(plugin_path):
    problem, strategy = make("plugin-faulty", "random", Budget(50), mode="slow", hang_seconds=0.05)
    budget = Budget(50, wallclock_seconds=0.2)
    outcome = drive(problem, strategies.factory("plugin-coordinate")(problem.space, 0, budget), budget, seed=0)
    assert outcome.status == "truncated" and 1 <= len(outcome.trials) < 50


def test_trial_seeds_differ_per_trial_and_fit_int64():
    seeds = {trial_seed(123, i) for i in range(10000)}
    assert len(seeds) == 10000 and max(seeds) < 2**63
    assert trial_seed(123, 7) == trial_seed(123, 7) != trial_seed(124, 7)


def test_same_seed_same_trials(plugin_path):
    a = drive(*make("plugin-paraboloid", "plugin-coordinate", Budget(25), seed=4), Budget(25), seed=9)
    b = drive(*make("plugin-paraboloid", "plugin-coordinate", Budget(25), seed=4), Budget(25), seed=9)
    c = drive(*make("plugin-paraboloid", "plugin-coordinate", Budget(25), seed=5), Budget(25), seed=9)
    assert [t.config for t in a.trials] == [t.config for t in b.trials]
    assert [t.config for t in a.trials] != [t.config for t in c.trials]
    values = np.array([t.value for t in a.trials])
    assert np.all(np.isfinite(values))


def test_default_cost_is_the_fidelity_over_its_maximum():
    from harness.protocols import Fidelity, default_cost

    epochs = Fidelity("epochs", 1, 81, integer=True)
    assert default_cost(epochs, 27) == 27 / 81
    assert default_cost(epochs, None) == 1.0 and default_cost(None, None) == 1.0


class CountingFidelitied(Fidelitied):
    """A one-config-at-a-time problem that counts its evaluations (as a training run would cost)."""

    def __init__(self):
        super().__init__()
        self.evaluations = 0

    def evaluate(self, config, fidelity, seed):
        self.evaluations += 1
        return super().evaluate(config, fidelity, seed)


class VectorisedFidelitied(Fidelitied):
    """The same values through ``evaluate_batch``: the runner evaluates a whole ask at once."""

    batch = True

    def evaluate_batch(self, configs, fidelities, seeds):
        return [self.evaluate(c, f, s) for c, f, s in zip(configs, fidelities, seeds)]


def test_cost_budget_never_evaluates_a_config_it_then_drops():
    # LowFidelity is asked for up to 1,024 suggestions at once; a problem evaluated one config
    # at a time must stop at the trial that spends the budget, and keep the same trials as a
    # vectorised problem keeps from evaluating the whole batch.
    budget = Budget(4.0, kind="cost")
    problem = CountingFidelitied()
    assert not problem.batch
    outcome = drive(problem, LowFidelity(problem.space, 0, budget, problem.fidelity), budget, seed=0)
    assert problem.evaluations == len(outcome.trials) == 12
    vectorised = VectorisedFidelitied()
    reference = drive(vectorised, LowFidelity(vectorised.space, 0, budget, vectorised.fidelity), budget, seed=0)
    assert [(t.index, t.config, t.value, t.cost) for t in outcome.trials] == \
        [(t.index, t.config, t.value, t.cost) for t in reference.trials]

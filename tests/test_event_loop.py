"""The event-driven runner: hand-computed schedules (ties included), idle workers under a
synchronous strategy, time budgets ending mid-flight, pending suggestions, old-style strategies,
suite validation, and simulated suites identical serially and on Ray."""

from __future__ import annotations

import math
import textwrap
import time

import pandas as pd
import pytest

import harness
from harness.benchmark import run_suite
from harness.durations import DurationModel
from harness.protocols import Budget, Evaluation, Problem, Status, Strategy, Suggestion
from harness.records import RunSpec
from harness.registry import problems, strategies
from harness.runner import drive
from harness.space import Float, Space
from harness.suite import ConfigError, parse_suite


class DurationIsX(Problem):
    """Value and cost are ``x``: with 1 s per full evaluation a trial lasts ``x`` seconds."""

    name = "duration-is-x"

    def __init__(self) -> None:
        self.space = Space([Float("x", 0.0, 10.0)])

    def evaluate(self, config, fidelity, seed):
        return Evaluation(config["x"], cost=config["x"])


class Scripted(Strategy):
    """Proposes the given x values in order and records what it was shown."""

    name = "scripted"
    max_batch = None

    def __init__(self, space, xs, respond=True) -> None:
        super().__init__(space, 0, Budget(len(xs)))
        self.xs = list(xs)
        self.pending_seen: list[int] = []
        self.told: list[int] = []

    def ask(self, n, pending=()):
        self.pending_seen.append(len(pending))
        out, self.xs = self.xs[:n], self.xs[n:]
        return [Suggestion({"x": x}) for x in out]

    def tell(self, trials):
        self.told.extend(t.index for t in trials)


def test_hand_computed_schedule_with_ties():
    # Durations 3, 1, 2, 1, 1 on 2 workers: trial 1 ends at 1 and trial 2 takes its worker
    # until 3, when trial 0 also ends (a tie, told in index order); 3 and 4 then run 3 -> 4.
    problem = DurationIsX()
    strategy = Scripted(problem.space, [3.0, 1.0, 2.0, 1.0, 1.0])
    outcome = drive(problem, strategy, Budget(5), seed=0, workers=2)
    rows = [(t.index, t.worker, t.start_time, t.end_time, t.pending_at_ask) for t in outcome.trials]
    assert rows == [(1, 1, 0.0, 1.0, 1), (0, 0, 0.0, 3.0, 0), (2, 1, 1.0, 3.0, 1), (3, 0, 3.0, 4.0, 0), (4, 1, 3.0, 4.0, 1)]
    assert strategy.told == [1, 0, 2, 3, 4]
    assert outcome.clock == "simulated" and outcome.workers == 2


def test_constant_durations_end_at_multiples_of_the_duration():
    problem = problems.create("branin")
    k, c, n = 3, 2.5, 20
    strategy = strategies.factory("random")(problem.space, 1, Budget(n))
    outcome = drive(problem, strategy, Budget(n), seed=4, workers=k, durations=DurationModel(c))
    by_index = sorted(outcome.trials, key=lambda t: t.index)
    assert [t.end_time for t in by_index] == [c * (i // k + 1) for i in range(n)]
    assert [t.worker for t in by_index] == [i % k for i in range(n)]


def test_heterogeneous_schedule_is_the_greedy_earliest_free_worker_schedule():
    problem = problems.create("branin")
    k = 4
    strategy = strategies.factory("random")(problem.space, 2, Budget(60))
    outcome = drive(problem, strategy, Budget(60), seed=9, workers=k, durations=DurationModel(3.0, 1.0))
    by_index = sorted(outcome.trials, key=lambda t: t.index)
    free = [(0.0, w) for w in range(k)]
    for trial in by_index:  # independent recomputation from the stored durations
        free.sort()
        start, worker = free.pop(0)
        assert (trial.start_time, trial.worker) == (start, worker)
        free.append((start + (trial.end_time - trial.start_time), worker))
    durations = [t.end_time - t.start_time for t in by_index]
    assert min(durations) < 0.5 * max(durations)  # heterogeneous indeed


def test_one_worker_with_a_clock_runs_one_at_a_time_in_order():
    problem = DurationIsX()
    outcome = drive(problem, Scripted(problem.space, [2.0, 1.0, 3.0]), Budget(3), seed=0, clock="simulated")
    assert [(t.index, t.start_time, t.end_time) for t in outcome.trials] == [(0, 0.0, 2.0), (1, 2.0, 3.0), (2, 3.0, 6.0)]


def test_synchronous_successive_halving_idles_workers_at_the_rung_barrier():
    problem = problems.create("branin-mf")
    budget = Budget(6.0, "cost")
    strategy = strategies.factory("successive-halving")(problem.space, 3, budget, problem.fidelity)
    outcome = drive(problem, strategy, budget, seed=1, workers=4, durations=DurationModel(10.0, 0.5))
    assert outcome.status == "ok"
    rungs: dict[tuple[str, str], list] = {}
    for t in outcome.trials:
        bracket, rung, _ = t.tag.split("/")
        rungs.setdefault((bracket, rung), []).append(t)
    for (bracket, rung), members in rungs.items():
        if rung == "r0":
            continue
        below = rungs[(bracket, f"r{int(rung[1:]) - 1}")]
        # Nothing of a rung starts before every trial of the rung below has finished.
        assert min(t.start_time for t in members) >= max(t.end_time for t in below)
    busy = sum(t.end_time - t.start_time for t in outcome.trials)
    makespan = max(t.end_time for t in outcome.trials)
    assert busy < 0.95 * 4 * makespan  # idle time is part of the result


def test_asha_keeps_every_worker_busy():
    problem = problems.create("branin-mf")
    budget = Budget(6.0, "cost")
    strategy = strategies.factory("asha")(problem.space, 3, budget, problem.fidelity)
    outcome = drive(problem, strategy, budget, seed=1, workers=4, durations=DurationModel(10.0, 0.5))
    starts = sorted(t.start_time for t in outcome.trials)
    ends = {t.end_time for t in outcome.trials}
    # Asynchronous: every start after the first four happens at some trial's end.
    assert all(s in ends for s in starts[4:])


def test_time_budget_cancels_the_trials_in_flight_and_never_tells_them():
    problem = DurationIsX()
    strategy = Scripted(problem.space, [3.0, 1.0, 2.0, 4.0, 1.0, 1.0])
    outcome = drive(problem, strategy, Budget(4.5, "time"), seed=0, workers=2)
    status = {t.index: t.status for t in outcome.trials}
    # 0: 0->3, 1: 0->1, 2: 1->3, 3: 3->7 (cut), 4: 3->4, 5: 4->5 (cut).
    assert status == {0: Status.OK, 1: Status.OK, 2: Status.OK, 4: Status.OK, 3: Status.CANCELLED, 5: Status.CANCELLED}
    cancelled = [t for t in outcome.trials if t.status is Status.CANCELLED]
    assert [t.index for t in outcome.trials[-2:]] == [3, 5]
    assert all(t.end_time == 4.5 and math.isnan(t.value) for t in cancelled)
    assert [t.cost for t in cancelled] == [pytest.approx(4.0 * 1.5 / 4.0), pytest.approx(0.5)]
    assert sorted(strategy.told) == [0, 1, 2, 4]


def test_pending_suggestions_reach_strategies_that_accept_them():
    problem = DurationIsX()
    strategy = Scripted(problem.space, [3.0, 1.0, 2.0, 1.0, 1.0])
    outcome = drive(problem, strategy, Budget(5), seed=0, workers=2)
    assert strategy.pending_seen == [0, 1, 0]  # asks at times 0 (two free), 1 and 3 (two free)
    assert sorted(t.pending_at_ask for t in outcome.trials) == [0, 0, 1, 1, 1]


class OldStyle(Strategy):
    """A strategy written for the sequential runner: no ``pending`` keyword."""

    name = "old-style"
    max_batch = 1

    def __init__(self, space) -> None:
        super().__init__(space, 0, Budget(8))
        self.waiting = 0

    def ask(self, n):
        assert self.waiting == 0, "asked before its last suggestion was told"
        self.waiting = n
        return [Suggestion(c) for c in self.space.sample(self.rng, n)]

    def tell(self, trials):
        self.waiting -= len(trials)


def test_strategies_without_pending_are_never_asked_beyond_max_batch():
    problem = problems.create("branin")
    outcome = drive(problem, OldStyle(problem.space), Budget(8), seed=0, workers=4)
    assert outcome.status == "ok" and len(outcome.trials) == 8
    assert all(t.pending_at_ask == 0 for t in outcome.trials)


def test_bayesian_with_four_workers_fantasises_pending_points():
    problem = problems.create("branin")
    budget = Budget(14)
    strategy = strategies.factory("bayesian")(problem.space, 0, budget)
    outcome = drive(problem, strategy, budget, seed=0, workers=4, durations=DurationModel(1.0, 0.5))
    assert outcome.status == "ok" and len(outcome.trials) == 14
    model = [t for t in outcome.trials if not t.tag.startswith("bayesian:init")]
    assert model and any(t.pending_at_ask > 0 for t in model)
    assert any("believer" in t.tag for t in model)


BAD = [
    ("workers = 0", "'workers' field of suite 'bad' must be an integer >= 1"),
    ('clock = "fast"', "'clock' field of suite 'bad' must be 'simulated' or 'real'"),
    ("charge_strategy_time = 1", "'charge_strategy_time' field of suite 'bad' must be true or false"),
]


@pytest.mark.parametrize("line, message", BAD)
def test_suite_timing_fields_are_validated(line, message):
    text = f'name = "bad"\nbudget = 5\n{line}\nproblems = ["branin"]\nstrategies = ["random"]\n'
    with pytest.raises(ConfigError, match=message):
        parse_suite(text)


@pytest.mark.parametrize("entry, message", [
    ('{ name = "branin", seconds = 0 }', "'seconds' of the 'problems\\[0\\]' entry"),
    ('{ name = "branin", duration_cv = -1 }', "'duration_cv' of the 'problems\\[0\\]' entry"),
    ('{ name = "branin", workers = 2.5 }', "'workers' of the 'problems\\[0\\]' entry"),
])
def test_entry_timing_keys_are_validated(entry, message):
    text = f'name = "bad"\nbudget = 5\nproblems = [{entry}]\nstrategies = ["random"]\n'
    with pytest.raises(ConfigError, match=message):
        parse_suite(text)


def test_time_budget_is_validated():
    with pytest.raises(ConfigError, match="'time' key in the 'budget' field of suite 'bad' must be a number"):
        parse_suite('name = "bad"\nbudget = { time = -3 }\nproblems = ["branin"]\nstrategies = ["random"]\n')


def test_entry_overrides_and_sequential_run_ids_unchanged():
    base = 'name = "s"\nseeds = 1\nbudget = 5\nproblems = ["branin"]\nstrategies = ["random"]\n'
    timed = ('name = "s"\nseeds = 1\nbudget = 5\nworkers = 2\nproblems = [{ name = "branin", duration_cv = 0.5 }]\n'
             'strategies = ["random", { name = "random", label = "r8", workers = 8, clock = "simulated" }]\n')
    plain = parse_suite(base).runs()[0]
    assert "workers" not in plain.to_json() and "clock" not in plain.to_json()
    assert RunSpec.from_json(plain.to_json()) == plain
    runs = parse_suite(timed).runs()
    assert runs[0].workers == 2 and runs[0].durations == {"duration_cv": 0.5}
    assert runs[1].workers == 8 and runs[1].clock == "simulated"


SUITE = """
name = "par"
seeds = 2
budget = {{ time = 40 }}
workers = 4
problems = [{{ name = "branin-mf", seconds = 3, duration_cv = 0.7 }}, {{ name = "plugin-paraboloid", seconds = 2 }}]
strategies = ["random", "tpe", {{ name = "asha", problems = ["branin-mf"] }}]
"""


def test_simulated_suite_is_identical_serially_and_on_ray_twice(tmp_path, plugin_path, ray_local):
    path = tmp_path / "par.toml"
    path.write_text(textwrap.dedent(SUITE.format()))
    frames = []
    for i, executor in enumerate(["serial", "ray", "serial", "ray"]):
        run_suite(path, executor=executor, results=tmp_path / f"r{i}", progress=False)
        frame = harness.load(tmp_path / f"r{i}").drop(columns=["eval_seconds", "strategy_seconds", "info"])
        frames.append(frame.sort_values(["run_id", "end_time", "trial"]).reset_index(drop=True))
    for other in frames[1:]:
        pd.testing.assert_frame_equal(frames[0], other)
    frame = frames[0]
    assert set(frame.clock) == {"simulated"} and set(frame.workers) == {4}
    assert (frame.status == "cancelled").any() and frame.end_time.max() <= 40
    assert frame.worker.between(0, 3).all() and frame.pending_at_ask.between(0, 3).all()


def test_real_clock_runs_evaluations_as_concurrent_ray_tasks(plugin_path, ray_local):
    problem = problems.create("plugin-faulty", mode="slow", hang_seconds=0.4)
    strategy = strategies.factory("random")(problem.space, 0, Budget(6))
    outcome = drive(problem, strategy, Budget(6), seed=0, workers=2, clock="real")
    assert outcome.status == "ok" and outcome.clock == "real"
    trials = outcome.trials
    assert sorted(t.index for t in trials) == list(range(6)) and all(t.ok for t in trials)
    assert all(t.eval_seconds >= 0.4 and t.end_time - t.start_time >= 0.4 for t in trials)
    for t in trials:  # never more than two at once, and the two workers overlap in time
        assert sum(u.start_time <= t.start_time < u.end_time for u in trials) <= 2
    assert [t.end_time for t in trials] == sorted(t.end_time for t in trials)
    assert sum(t.start_time < trials[0].end_time for t in trials) == 2


def test_real_clock_time_budget_cancels_running_tasks(plugin_path, ray_local):
    problem = problems.create("plugin-faulty", mode="slow", hang_seconds=5.0)
    strategy = strategies.factory("random")(problem.space, 0, Budget(1.0, "time"))
    started = time.perf_counter()
    outcome = drive(problem, strategy, Budget(1.0, "time"), seed=0, workers=2, clock="real")
    assert time.perf_counter() - started < 4.0  # the 5 s tasks were cancelled, not awaited
    assert [t.status for t in outcome.trials] == [Status.CANCELLED, Status.CANCELLED]
    assert all(t.end_time >= 1.0 and t.cost == 1.0 for t in outcome.trials)


@pytest.mark.parametrize("budget", [Budget(3.0, "cost"), Budget(7)], ids=["cost", "evaluations"])
def test_real_clock_honours_cost_and_evaluation_budgets_as_the_simulated_clock_does(plugin_path, ray_local, budget):
    # A grid proposes the same configs in the same order whatever the results and however many
    # are asked at once, so both clocks must start exactly the same trials: the budget decides
    # how many, not the clock.
    problem = problems.create("plugin-faulty", mode="priced", hang_seconds=0.05)
    runs = {}
    for clock in ("simulated", "real"):
        strategy = strategies.factory("grid")(problem.space, 0, budget, resolution=10)
        outcome = drive(problem, strategy, budget, seed=0, workers=2, clock=clock)
        assert outcome.status == "ok" and all(t.ok for t in outcome.trials)
        runs[clock] = sorted((t.index, t.value, t.cost) for t in outcome.trials)
    assert runs["real"] == runs["simulated"]
    costs = [cost for _, _, cost in runs["real"]]
    if budget.kind == "cost":  # the crossing trial runs; no trial starts after it
        assert sum(costs[:-1]) < 3.0 <= sum(costs) and min(costs) < 1.0
    else:
        assert len(costs) == 7


def test_real_clock_fails_a_zero_cost_trial_under_a_cost_budget(plugin_path, ray_local):
    problem = problems.create("plugin-faulty", mode="free", hang_seconds=0.0)
    strategy = strategies.factory("random")(problem.space, 0, Budget(2.0, "cost"))
    outcome = drive(problem, strategy, Budget(2.0, "cost"), seed=0, workers=2, clock="real")
    assert len(outcome.trials) == 2 and all(t.status is Status.FAILED for t in outcome.trials)
    assert all("'cost' field" in t.error and t.cost == 1.0 for t in outcome.trials)


def test_differential_evolution_fills_idle_workers_with_steady_state_trials():
    problem = problems.create("branin")
    budget = Budget(60)
    strategy = strategies.factory("differential-evolution")(problem.space, 0, budget)
    outcome = drive(problem, strategy, budget, seed=0, workers=4, durations=DurationModel(1.0, 1.0))
    steady = [t for t in outcome.trials if t.tag.startswith("s")]
    assert steady and all(t.pending_at_ask > 0 for t in steady)
    span = max(t.end_time for t in outcome.trials)
    assert sum(t.end_time - t.start_time for t in outcome.trials) / (4 * span) > 0.85


def test_real_tasks_last_their_fitted_seconds_on_a_simulated_clock():
    import json

    from harness.event_loop import default_durations
    from problems.sklearn.base import DURATIONS_FILE

    fitted = json.loads(DURATIONS_FILE.read_text())["svm-wine"]["seconds"]
    problem = problems.create("svm-wine")
    assert problem.seconds_per_evaluation == fitted > 0
    assert default_durations(problem) == DurationModel(fitted, 0.0, trial_seconds=True)
    assert default_durations(problems.create("branin")) == DurationModel(1.0, 0.0, trial_seconds=True)

"""The frozen records between the runner's parts: specs, outcomes, run records, and what is stored
with them (each trial's tag, the run's search space), old results folders included."""

from __future__ import annotations

import dataclasses
import json
import random
import textwrap

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import harness
from harness.benchmark import run_suite
from harness.durations import DurationModel
from harness.protocols import Budget, Strategy, Suggestion
from harness.records import RunOutcome, RunRecord, RunSpec
from harness.registry import problems
from harness.report.run_views import run_problem
from harness.runner import drive, trial_seed, trial_seeds
from harness.store import Store
from harness.suite import parse_suite

SUITE = """
name = "records"
seeds = 1
budget = 8
problems = ["branin"]
strategies = ["bayesian", "random"]
"""


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    root = tmp_path_factory.mktemp("records")
    (root / "suite.toml").write_text(textwrap.dedent(SUITE))
    run_suite(root / "suite.toml", executor="serial", results=root / "r", progress=False)
    return root


def test_run_spec_json_is_the_old_dict_and_round_trips():
    spec = parse_suite(textwrap.dedent(SUITE)).runs()[0]
    data = spec.to_json()
    assert set(data) == {"suite", "problem", "problem_name", "problem_params", "instance", "strategy", "strategy_name",
                         "strategy_params", "repetition", "seed", "problem_seed", "budget", "trial_timeout", "run_id"}
    assert data["budget"] == {"amount": 8, "kind": "evaluations", "wallclock_seconds": None}
    assert RunSpec.from_json(json.loads(json.dumps(data))) == spec
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.seed = 1  # type: ignore[misc]


def test_run_records_of_older_versions_load_with_defaults():
    old = {"suite": "s", "problem": "branin", "problem_name": "branin", "strategy": "random",
           "strategy_name": "random", "repetition": 0, "seed": 1, "problem_seed": 2, "run_id": "abc",
           "optimum": 0.4, "budget": 5.0, "budget_kind": "evaluations", "run_status": "ok", "run_error": None,
           "n_trials": 5, "n_failed": 0, "seconds": 0.1, "a_key_of_a_newer_version": 1}
    record = RunRecord.from_json(old)
    assert record.space is None and record.workers == 1 and record.clock == "none" and record.instance is None
    assert record.run_id == "abc" and record.n_trials == 5


class Keeper(Strategy):
    """Random proposals, one per ask, keeping every trial it was told."""

    name = "keeper"

    def __init__(self, space, seed, budget, fidelity=None):
        super().__init__(space, seed, budget, fidelity)
        self.told = []

    def ask(self, n):
        return [Suggestion(self.space.sample(self.rng, 1)[0], tag=("keeper", len(self.told)))]

    def tell(self, trials):
        self.told.extend((t, dataclasses.astuple(t)) for t in trials)  # each record as it was told


@pytest.mark.parametrize("options", [{}, {"workers": 3, "durations": DurationModel(1.0, 0.5)}])
def test_told_trials_are_kept_unaltered_and_the_strategy_time_beside_them(options):
    problem = problems.create("branin")
    strategy = Keeper(problem.space, 0, Budget(12))
    outcome = drive(problem, strategy, Budget(12), seed=0, **options)
    assert isinstance(outcome, RunOutcome) and len(outcome.trials) == 12
    told = {t.index: (t, as_told) for t, as_told in strategy.told}
    for kept, total in zip(outcome.trials, outcome.strategy_seconds):
        trial, as_told = told[kept.index]
        assert kept is trial and dataclasses.astuple(kept) == as_told  # the very record told, unchanged
        assert total >= kept.strategy_seconds > 0  # ask share in the record; ask + tell beside it
    assert outcome.strategy_seconds_of_trials() == list(outcome.strategy_seconds)


def test_tags_and_the_search_space_are_stored_with_each_run(stored):
    frame = harness.load(stored / "r")
    tags = frame[frame.strategy == "bayesian"].sort_values("trial").tag
    assert tags.str.startswith("bayesian:").all() and tags.nunique() == len(tags)
    assert frame[frame.strategy == "random"].tag.isna().all()
    records = Store(stored / "r").run_records()
    assert {r.strategy for r in records} == {"bayesian", "random"}
    assert all(r.space == problems.create("branin").space.to_json() for r in records)
    assert all(r.problem_params == {} and r.clock == "none" and r.workers == 1 for r in records)
    [part] = Store(stored / "r").parts()
    metadata = pq.read_schema(part).metadata
    assert len(json.loads(metadata[b"harness.spaces"])) == 1  # one problem: its space stored once per part
    assert {r["space"] for r in json.loads(metadata[b"harness.runs"])} == set(json.loads(metadata[b"harness.spaces"]))


def test_run_views_take_the_stored_space_without_rebuilding_the_problem(stored):
    frame = harness.load(stored / "r")
    run = frame[frame.strategy == "random"].assign(problem_name="no-such-problem")
    space_json = problems.create("branin").space.to_json()
    space, problem, exact = run_problem(run, {"space": space_json})
    assert space.to_json() == space_json and problem is None and not exact
    space, problem, exact = run_problem(frame[frame.strategy == "random"], {"space": space_json, "problem_params": {},
                                                                             "instance": None})
    assert exact and space.names == ["x0", "x1"] and problem.name == "branin"


def test_results_stored_before_the_records_still_load_resume_and_report(stored, tmp_path):
    import shutil

    results = tmp_path / "old"
    shutil.copytree(stored / "r", results)
    store = Store(results)
    [part] = store.parts()
    table = pq.read_table(part)
    records = json.loads(table.schema.metadata[b"harness.runs"])
    new_keys = {"space", "problem_params", "strategy_params", "workers", "clock", "node"}
    old_records = [{k: v for k, v in r.items() if k not in new_keys} for r in records]
    old_table = table.drop_columns(["tag"]).replace_schema_metadata(None)
    store._write_part([old_table], old_records)
    part.unlink()
    frame = harness.load(results)
    assert len(frame) == 16 and "tag" not in frame.columns
    assert all(r.space is None for r in Store(results).run_records())
    assert len(Store(results).runs()) == 2
    summary = run_suite(stored / "suite.toml", executor="serial", results=results, progress=False)
    assert summary.skipped == 2 and summary.ran == 0
    # Without a stored space the report's run views fall back to rebuilding the problem from runs.json.
    spec = next(s.to_json() for s in Store(results).planned_runs() if s.strategy == "random")
    run = frame[frame.strategy == "random"]
    space, problem, exact = run_problem(run, spec)
    assert exact and problem.name == "branin" and space.names == ["x0", "x1"]


def test_vectorised_seeds_and_durations_equal_the_scalar_ones():
    rng = random.Random(0)
    for problem_seed in (0, 1, -7, 2**63 - 1, rng.getrandbits(63)):
        indices = range(rng.randrange(0, 10_000), rng.randrange(10_000, 12_000))
        assert trial_seeds(problem_seed, indices) == [trial_seed(problem_seed, i) for i in indices]
    seeds = [rng.getrandbits(63) for _ in range(5000)] + [0, 1, 2**63 - 1]
    costs = [rng.random() * 3 for _ in seeds]
    own = [None if i % 3 else rng.random() * 50 for i in range(len(seeds))]
    for model in (DurationModel(60.0, 1.0), DurationModel(2.5, 0.0), DurationModel(1.0, 0.3),
                  DurationModel(1.0, 0.5, trial_seconds=True), DurationModel(3.0, 0.0, trial_seconds=True)):
        assert model.durations(costs, seeds) == [model.duration(c, s) for c, s in zip(costs, seeds)]
        assert model.durations(costs, seeds, own) == [model.duration(c, s, o) for c, s, o in zip(costs, seeds, own)]


def test_trial_table_keeps_a_tag_of_any_kind():
    from harness.records import tag_text

    assert [tag_text(t) for t in (None, "s1", 3, ("b", 2))] == [None, "s1", "3", '["b", 2]']
    assert pa.array([tag_text(("x", 1))]).type == pa.string()

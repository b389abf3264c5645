"""Suite files are validated before anything runs: exit 2, one line naming the field, no output."""

from __future__ import annotations

import textwrap

import pytest
from conftest import run_cli

from harness.cli import main
from harness.seeding import derive_seed
from harness.suite import parse_suite

GOOD = """
name = "tiny"
seeds = 2
budget = 5
problems = ["plugin-paraboloid"]
strategies = ["random"]
"""


def write_suite(tmp_path, text: str):
    path = tmp_path / "suite.toml"
    path.write_text(textwrap.dedent(text))
    return path


@pytest.mark.parametrize("text, fragment", [
    (GOOD.replace('budget = 5', 'budget = 0'), "The 'budget' field of suite 'tiny' must be an integer >= 1. Got 0."),
    (GOOD.replace('budget = 5', 'budget = "lots"'), "The 'budget' field of suite 'tiny' must be an integer >= 1 or a table"),
    (GOOD.replace('budget = 5', 'budget = {cost = -1}'), "The 'cost' key in the 'budget' field of suite 'tiny' must be a number > 0"),
    (GOOD.replace('budget = 5', 'budget = {evaluations = 5, cost = 2}'), "exactly one of 'evaluations', 'cost' or 'time'"),
    (GOOD.replace('budget = 5\n', ''), "The 'budget' field of suite 'tiny' is required"),
    (GOOD.replace('seeds = 2', 'seeds = 0'), "The 'seeds' field of suite 'tiny' must be an integer >= 1"),
    (GOOD.replace('seeds = 2', 'seeds = [1, 1]'), "The 'seeds' field of suite 'tiny'"),
    (GOOD.replace('seeds = 2', 'seed = -4'), "The 'seed' field of suite 'tiny' must be an integer >= 0. Got -4."),
    (GOOD + 'budjet = 4\n', "Unknown field 'budjet' of suite 'tiny'; did you mean 'budget'?"),
    (GOOD.replace('["random"]', '[]'), "The 'strategies' field of suite 'tiny' must be a non-empty list. Got []."),
    (GOOD.replace('["random"]', '"random"'), "The 'strategies' field of suite 'tiny' must be a non-empty list"),
    (GOOD.replace('["random"]', '["randm"]'), "Unknown strategy 'randm'; did you mean 'random'"),
    (GOOD.replace('["plugin-paraboloid"]', '["plugin-parabolid"]'), "Unknown problem 'plugin-parabolid'; did you mean 'plugin-paraboloid'"),
    (GOOD.replace('["random"]', '[{name = "random", methd = "sobol"}]'), "(random) has unknown parameter 'methd'; did you mean 'method'?"),
    (GOOD.replace('["random"]', '[{name = "random", method = "halton"}]'), "The 'method' parameter of strategy 'random' must be one of 'uniform', 'sobol', 'lhs'. Got 'halton'."),
    (GOOD.replace('["random"]', '[{name = 3}]'), "The 'strategies[0]' entry of suite 'tiny' must be a name or a table with a 'name'"),
    (GOOD.replace('["random"]', '["random", "random"]'), "repeats the label 'random'"),
    (GOOD.replace('["plugin-paraboloid"]', '[{name = "plugin-faulty", mode = 3, colour = "red"}]'),
     "(plugin-faulty): unknown parameter 'colour' (its parameters: every, hang_seconds, mode)"),
    (GOOD.replace('["plugin-paraboloid"]', '[{name = "plugin-faulty", mdoe = "nan"}]'),
     "(plugin-faulty): unknown parameter 'mdoe'; did you mean 'mode'?"),
    (GOOD.replace('["plugin-paraboloid"]', '[{name = "branin-noisy", noise_sdd = 0.1}]'),
     "(branin-noisy): unknown parameter 'noise_sdd'; did you mean 'noise_sd'?"),
    (GOOD + 'trial_timeout = 0\n', "The 'trial_timeout' field of suite 'tiny' must be a number of seconds > 0. Got 0."),
    (GOOD + '[executor]\nkind = "dask"\n', "The 'executor.kind' field of suite 'tiny' must be 'ray' or 'serial'"),
    (GOOD + '[executor]\nworkerz = 2\n', "Unknown field 'executor.workerz'"),
    (GOOD.replace('name = "tiny"', 'name = "../up"'), "The 'name' field of the suite must be a non-empty string usable as a folder name"),
    ("name = [", "The suite file is not valid TOML"),
])
def test_bad_suites_exit_2_with_one_line_and_write_nothing(tmp_path, monkeypatch, capsys, plugin_path, text, fragment):
    monkeypatch.chdir(tmp_path)
    path = write_suite(tmp_path, text)
    status = main(["run", str(path), "--executor", "serial"])
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert fragment in err
    assert not (tmp_path / "results").exists()


def test_strategy_that_needs_a_fidelity_is_refused_at_validation(tmp_path, monkeypatch, capsys, plugin_path):
    from harness.registry import strategies

    needing = [e.name for e in strategies.entries() if getattr(e.load(), "needs_fidelity", False)]
    if not needing:
        pytest.skip("no multi-fidelity strategy registered")
    monkeypatch.chdir(tmp_path)
    path = write_suite(tmp_path, GOOD.replace('["random"]', f'["{needing[0]}"]'))
    assert main(["run", str(path), "--executor", "serial"]) == 2
    err = capsys.readouterr().err
    assert "cannot run on problem 'plugin-paraboloid'" in err and "fidelity" in err
    assert not (tmp_path / "results").exists()


def test_missing_suite_file_is_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "nope.toml"]) == 2
    assert capsys.readouterr().err.startswith("error: Cannot read suite file nope.toml")


def test_cli_subprocess_prints_no_traceback(tmp_path, plugin_path):
    path = write_suite(tmp_path, GOOD.replace('budget = 5', 'budget = 0'))
    done = run_cli("run", str(path), cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1


def test_seeds_depend_only_on_the_run_identity(plugin_path):
    one = parse_suite(GOOD)
    two = parse_suite(GOOD.replace('["random"]', '["random", {name = "grid", shuffle = false}]')
                      .replace('["plugin-paraboloid"]', '["plugin-paraboloid", "plugin-faulty"]'))
    first = {(r.problem, r.strategy, r.repetition): (r.seed, r.problem_seed, r.run_id) for r in one.runs()}
    second = {(r.problem, r.strategy, r.repetition): (r.seed, r.problem_seed, r.run_id) for r in two.runs()}
    assert all(second[key] == value for key, value in first.items())
    seeds = [v[0] for v in second.values()]
    assert len(set(seeds)) == len(seeds)
    # Strategies at the same repetition share the problem seed (paired comparisons).
    assert second[("plugin-paraboloid", "random", 1)][1] == second[("plugin-paraboloid", "grid[shuffle=False]", 1)][1]
    assert derive_seed(0, "a") != derive_seed(1, "a")


def test_strategy_restricted_to_some_problems(plugin_path):
    suite = parse_suite(GOOD.replace('["plugin-paraboloid"]', '["plugin-paraboloid", "plugin-faulty"]')
                        .replace('["random"]', '["random", {name = "grid", problems = ["plugin-faulty"]}]'))
    pairs = {(r.problem, r.strategy) for r in suite.runs()}
    assert pairs == {("plugin-paraboloid", "random"), ("plugin-faulty", "random"), ("plugin-faulty", "grid")}


def test_run_ids_change_when_a_factory_default_changes(plugin_path, monkeypatch):
    # Otherwise a rerun after a default changed in code would silently reuse stale runs.
    from harness.registry import strategies

    before = [(r.run_id, r.seed) for r in parse_suite(GOOD).runs()]
    init = strategies.factory("random").__init__
    defaults = dict(init.__kwdefaults__)
    changed = {key: ("lhs" if key == "method" else value) for key, value in defaults.items()}
    assert changed != defaults, "the random strategy should have a 'method' default to change"
    monkeypatch.setattr(init, "__kwdefaults__", changed)
    after = [(r.run_id, r.seed) for r in parse_suite(GOOD).runs()]
    assert [rid for rid, _ in after] != [rid for rid, _ in before]
    assert all(a != b for (a, _), (b, _) in zip(after, before))
    # Seeds stay tied to the suite entry, so only the stored runs' reuse is affected.
    assert [seed for _, seed in after] == [seed for _, seed in before]

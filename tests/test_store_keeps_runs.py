"""Nothing stored is lost or silently reused: narrowed suites, older specs, edited plugin
code, two concurrent runs, failures with their tracebacks, and the exit status."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import run_cli

import harness
from harness.benchmark import run_suite
from harness.store import Store

BOTH = """
name = "narrow"
seeds = 2
budget = 6
problems = ["branin", "plugin-paraboloid"]
strategies = ["random", {name = "random", label = "sobol", method = "sobol"}]
"""
ONE = BOTH.replace(', {name = "random", label = "sobol", method = "sobol"}', "")


def write(tmp_path: Path, text: str, name: str = "suite.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def quiet(suite, results, **kwargs):
    return run_suite(suite, executor="serial", results=results, progress=False,
                     notify=kwargs.pop("notify", lambda line: None), **kwargs)


def test_narrowing_a_suite_keeps_the_dropped_runs(tmp_path, plugin_path):
    results = tmp_path / "r"
    quiet(write(tmp_path, BOTH), results)
    notes: list[str] = []
    narrowed = quiet(write(tmp_path, ONE), results, notify=notes.append)
    assert narrowed.ran == 0 and narrowed.skipped == 4
    assert any("4 stored runs not in this suite kept" in n for n in notes)
    store = Store(results)
    # Compaction ran after the narrowed suite completed: the sobol runs are still on disk.
    assert len(store.run_records(all_runs=True)) == 8 and len(store.parts()) == 1
    assert set(harness.load(results).strategy) == {"random"}
    assert set(harness.load(results, all_runs=True).strategy) == {"random", "sobol"}
    selection = store.selection()
    assert selection.ignored_count == 4 and selection.reasons == {"not in the current suite": 4}
    assert "4 stored runs are ignored (4 not in the current suite)" in selection.note()
    # Putting the strategy back reuses the kept runs instead of rerunning them.
    again = quiet(write(tmp_path, BOTH), results)
    assert again.ran == 0 and again.skipped == 8


def test_runs_under_an_older_spec_are_kept_and_named_as_such(tmp_path, plugin_path):
    results = tmp_path / "r"
    old = write(tmp_path, ONE.replace('"random"]', '{name = "random", label = "rnd", method = "lhs"}]'))
    quiet(old, results)
    quiet(write(tmp_path, ONE.replace('"random"]', '{name = "random", label = "rnd", method = "sobol"}]')), results)
    selection = Store(results).selection()
    assert selection.ignored_count == 4 and selection.reasons == {"made under an older spec or factory defaults": 4}
    assert len(harness.load(results)) == 4 * 6 and len(harness.load(results, all_runs=True)) == 8 * 6


def test_prune_lists_first_and_removes_only_when_asked(tmp_path, plugin_path):
    results = tmp_path / "r"
    quiet(write(tmp_path, BOTH), results)
    quiet(write(tmp_path, ONE), results)
    dry = run_cli("prune", str(results), "--keep-current", cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.count("/ sobol /") == 4 and "4 stored runs are not in the current suite and would be removed" in dry.stdout
    assert len(Store(results).run_records(all_runs=True)) == 8
    done = run_cli("prune", str(results), "--keep-current", "--yes", cwd=tmp_path)
    assert done.returncode == 0 and "removed 4 stored runs" in done.stdout
    store = Store(results)
    assert len(store.run_records(all_runs=True)) == 4 and store.selection().ignored_count == 0
    assert len(harness.load(results)) == 4 * 6
    report = run_cli("prune", str(results), "--keep-current", cwd=tmp_path)
    assert "nothing to prune" in report.stdout


# -- code identity, failures and tracebacks, through a plugin made for these tests ----------

PLUGIN = '''
"""A plugin package written by the tests; its source is edited between runs."""
import numpy as np
from harness.protocols import Strategy, Suggestion


class Drifting(Strategy):
    """Random search whose draws are shifted by OFFSET (edited by the tests)."""

    name = "tmp-drifting"
    OFFSET = 0.0

    def ask(self, n):
        return [Suggestion(c) for c in self.space.sample(self.rng, 1)]

    def tell(self, trials):
        pass


class Fragile(Strategy):
    """Asks normally, then raises once three trials were told."""

    name = "tmp-fragile"

    def __init__(self, space, seed, budget, fidelity=None):
        super().__init__(space, seed, budget, fidelity)
        self.told = 0

    def ask(self, n):
        if self.told >= 3:
            raise RuntimeError(f"fragile strategy gave up after {self.told} trials")
        return [Suggestion(c) for c in self.space.sample(self.rng, 1)]

    def tell(self, trials):
        self.told += len(trials)
'''

PYPROJECT = '''
[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "tmp-harness-plugin"
version = "{version}"
requires-python = ">=3.11"

[project.entry-points."harness.strategies"]
tmp-drifting = "tmp_harness_plugin:Drifting"
tmp-fragile = "tmp_harness_plugin:Fragile"

[tool.setuptools]
packages = ["tmp_harness_plugin"]
'''


@pytest.fixture(scope="module")
def tmp_plugin(tmp_path_factory, plugin_path):
    """A plugin installed with pip into its own folder; returns (target, env for subprocesses)."""
    root = tmp_path_factory.mktemp("tmp-plugin")
    source, target = root / "src", root / "site"
    (source / "tmp_harness_plugin").mkdir(parents=True)
    (source / "tmp_harness_plugin" / "__init__.py").write_text(PLUGIN)
    (source / "pyproject.toml").write_text(PYPROJECT.format(version="1.0"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--disable-pip-version-check", "--target", str(target), str(source)],
                   check=True, capture_output=True)
    env = {"PYTHONPATH": os.pathsep.join([str(target), os.environ.get("PYTHONPATH", "")])}
    return target, env


def test_edited_plugin_code_is_noticed_and_rerun_on_request(tmp_path, tmp_plugin):
    target, env = tmp_plugin
    suite = write(tmp_path, """
        name = "drift"
        seeds = 2
        budget = 4
        problems = ["branin"]
        strategies = ["tmp-drifting", "random"]
    """)
    args = ("run", str(suite), "--executor", "serial", "--no-report", "--quiet", "--results", str(tmp_path / "r"))
    first = run_cli(*args, cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    records = {r.strategy: r for r in Store(tmp_path / "r").run_records()}
    code = records["tmp-drifting"].code["strategy"]
    assert code["distribution"] == "tmp-harness-plugin" and code["version"] == "1.0"
    assert code["module"] == "tmp_harness_plugin" and len(code["source_sha256"]) == 64
    assert records["random"].code["strategy"]["distribution"] == "hpo-harness"
    assert Store(tmp_path / "r").read_json("environment.json")["plugins"]["tmp-harness-plugin"] == "1.0"

    module = target / "tmp_harness_plugin" / "__init__.py"
    module.write_text(module.read_text().replace("OFFSET = 0.0", "OFFSET = 0.5"))
    kept = run_cli(*args, cwd=tmp_path, env=env)
    assert kept.returncode == 0, kept.stderr
    notes = [line for line in kept.stderr.splitlines() if "other code" in line]
    assert len(notes) == 1 and "2 stored runs were made by other code" in notes[0]
    assert "source of tmp_harness_plugin changed" in notes[0] and "--rerun-changed" in notes[0]
    assert "0 runs done" in kept.stdout

    rerun = run_cli(*args, "--rerun-changed", cwd=tmp_path, env=env)
    assert rerun.returncode == 0, rerun.stderr
    assert "2 runs done" in rerun.stdout and "4 already stored" not in rerun.stdout
    after = Store(tmp_path / "r").run_records(all_runs=True)
    assert len(after) == 4
    drifting = [r for r in after if r.strategy == "tmp-drifting"]
    assert all(r.code["strategy"]["source_sha256"] != code["source_sha256"] for r in drifting)
    assert "other code" not in run_cli(*args, cwd=tmp_path, env=env).stderr


def test_failures_are_stored_with_tracebacks_listed_and_exit_3(tmp_path, tmp_plugin):
    _, env = tmp_plugin
    suite = write(tmp_path, """
        name = "fails"
        seeds = 2
        budget = 8
        problems = [{name = "plugin-faulty", mode = "raise", every = 2}]
        strategies = ["tmp-fragile", "random"]
    """)
    results = tmp_path / "r"
    done = run_cli("run", str(suite), "--executor", "serial", "--no-report", "--quiet", "--results", str(results),
                   cwd=tmp_path, env=env)
    assert done.returncode == 3, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("2 runs failed;") and "--failures" in last
    runs = Store(results).runs().set_index("strategy")
    fragile = runs.loc["tmp-fragile"]
    assert (fragile.run_status == "failed").all()
    assert fragile.run_traceback.str.contains("Traceback").all()
    assert fragile.run_traceback.str.contains("RuntimeError: fragile strategy gave up after 3 trials").all()
    frame = harness.load(results)
    assert "run_traceback" in frame.columns and "traceback" in frame.columns
    bad = frame[frame.status == "failed"]
    assert len(bad) > 0 and bad.traceback.str.contains("in evaluate").all()
    assert bad.traceback.str.contains("ValueError: bad x=").all()
    assert frame[frame.status == "ok"].traceback.isna().all()

    shown = run_cli("show", str(results), "--failures", cwd=tmp_path, env=env)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.count("run plugin-faulty[every=2,mode=raise] / tmp-fragile / repetition") == 2
    assert "RuntimeError: fragile strategy gave up" in shown.stdout and "ValueError: bad x=" in shown.stdout
    assert shown.stdout.strip().splitlines()[-1] == (
        f"2 runs failed, {len(bad)} trials failed or timed out (2 distinct errors), of 4 stored runs")
    # Resuming keeps saying so: the stored failures stay visible in the exit status.
    again = run_cli("run", str(suite), "--executor", "serial", "--no-report", "--quiet", "--results", str(results),
                    cwd=tmp_path, env=env)
    assert again.returncode == 3 and again.stdout.strip().splitlines()[-1].startswith("2 runs failed")
    missing = run_cli("show", str(tmp_path / "nothing"), "--failures", cwd=tmp_path)
    assert missing.returncode == 2 and "no results directory" in missing.stderr


# -- one writer per results directory --------------------------------------------------------
# The locked suite takes 800 s unless interrupted: the test interrupts it after a few seconds,
# and on a loaded machine it must still be running then.

SLOW = """
name = "locked"
seeds = 2
budget = 4000
problems = [{name = "plugin-faulty", mode = "slow", hang_seconds = 0.1}]
strategies = ["random"]
"""


def test_a_second_run_into_the_same_folder_is_refused_while_the_first_runs(tmp_path, plugin_path):
    suite = write(tmp_path, SLOW)
    results = tmp_path / "r"
    first = subprocess.Popen([sys.executable, "-m", "harness", "run", str(suite), "--executor", "serial",
                              "--results", str(results), "--no-report", "--quiet"], cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (results / ".lock").exists():
            time.sleep(0.05)
        while time.monotonic() < deadline and not (results / ".lock").read_text().strip():
            time.sleep(0.05)
        second = run_cli("run", str(suite), "--executor", "serial", "--results", str(results), "--no-report",
                         "--quiet", cwd=tmp_path)
        assert second.returncode == 2
        lines = [line for line in second.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and f"pid {first.pid} on host {socket.gethostname()}" in lines[0]
        assert "Traceback" not in second.stderr
    finally:
        first.send_signal(signal.SIGINT)
        out, err = first.communicate(timeout=120)
    assert first.returncode == 130, err
    assert (results / ".lock").read_text() == ""  # released: emptied, not deleted


def test_a_stale_lock_of_a_dead_process_is_broken_with_a_message(tmp_path, plugin_path):
    suite = write(tmp_path, ONE)
    results = tmp_path / "r"
    results.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (results / ".lock").write_text(json.dumps({"pid": int(dead.stdout), "host": socket.gethostname(),
                                               "since": "2026-01-01T00:00:00+00:00"}))
    notes: list[str] = []
    summary = quiet(suite, results, notify=notes.append)
    assert summary.ran == 4
    assert len(notes) == 1 and "broke a stale lock" in notes[0] and f"pid {int(dead.stdout)}" in notes[0]

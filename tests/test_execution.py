"""Executors and the store end to end: serial == Ray, dying workers, joining a cluster,
resuming after SIGKILL, clean Ctrl-C, corrupt files reported by name."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import uuid

import pandas as pd
import pytest
from conftest import run_cli

import harness
from harness.benchmark import run_suite
from harness.store import Store, StoreError

TIMING = ["eval_seconds", "strategy_seconds", "info"]  # info may hold timings (e.g. fit seconds)

SUITE = """
name = "{name}"
seeds = 3
budget = 12
problems = ["plugin-paraboloid", {{name = "plugin-faulty", mode = "raise", every = 4}}, "svm-breast_cancer"]
strategies = ["random", {{name = "random", label = "sobol", method = "sobol"}}, "grid", "plugin-coordinate"]
"""


def write(tmp_path, text, name="suite.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=TIMING).sort_values(["run_id", "trial"]).reset_index(drop=True)


def test_serial_and_ray_give_identical_trials(tmp_path, plugin_path, ray_local):
    suite = write(tmp_path, SUITE.format(name="same"))
    serial = run_suite(suite, executor="serial", results=tmp_path / "serial", progress=False)
    ray_run = run_suite(suite, executor="ray", results=tmp_path / "ray", progress=False)
    assert serial.ran == ray_run.ran == 3 * 4 * 3
    a, b = comparable(harness.load(tmp_path / "serial")), comparable(harness.load(tmp_path / "ray"))
    assert (a.groupby("run_id").size() == 12).all()  # the grid is sized to fill the budget
    pd.testing.assert_frame_equal(a, b)
    failed = a[a.status == "failed"]
    assert len(failed) > 0 and failed.error.str.contains("ValueError: bad x=").all()


def test_loaded_frame_has_the_documented_columns(tmp_path, plugin_path):
    suite = write(tmp_path, SUITE.format(name="cols"))
    run_suite(suite, executor="serial", results=tmp_path / "r", progress=False)
    frame = harness.load(tmp_path / "r")
    documented = ["suite", "problem", "problem_name", "strategy", "strategy_name", "repetition", "seed",
                  "problem_seed", "instance", "run_id", "trial", "config", "fidelity", "value", "test_value",
                  "noise_free_value", "cost", "cum_cost", "eval_seconds", "strategy_seconds", "status", "error",
                  "info", "optimum", "reference", "budget", "budget_kind", "run_status", "run_error"]
    assert set(documented) <= set(frame.columns)
    assert {"param_x", "param_y", "param_side", "param_C", "param_kernel"} <= set(frame.columns)
    assert frame.groupby("run_id").size().eq(12).all()  # grid fills 12 as 4 x 3 or 6 x 2
    assert not frame.duplicated(["run_id", "trial"]).any()
    svm = frame[frame.problem == "svm-breast_cancer"]
    assert svm.test_value.notna().all() and svm.optimum.isna().all()
    para = frame[frame.problem == "plugin-paraboloid"]
    assert (para.optimum == 0.0).all() and para.param_side.isna().all()
    cum = para.groupby("run_id").cost.cumsum()
    assert (cum.values == para.cum_cost.values).all()
    environment = Store(tmp_path / "r").read_json("environment.json")
    assert {"numpy", "scipy", "scikit-learn", "ray", "hyperopt"} <= set(environment["packages"])
    assert environment["python"].startswith("3.") and "git" in environment
    assert (tmp_path / "r" / "suite.toml").read_text() == suite.read_text()


def test_a_worker_that_dies_costs_retries_not_the_suite(tmp_path, plugin_path, ray_local):
    suite = write(tmp_path, """
        name = "dying"
        seeds = 2
        budget = 6
        problems = [{name = "plugin-faulty", mode = "exit", every = 1}, "plugin-paraboloid"]
        strategies = ["random"]
    """)
    summary = run_suite(suite, executor="ray", results=tmp_path / "r", progress=False)
    assert summary.ran == 4 and summary.failed_runs == 2
    runs = Store(tmp_path / "r").runs().set_index("problem_name")
    dead = runs.loc["plugin-faulty"]
    assert (dead.run_status == "failed").all() and dead.run_error.str.contains("worker failed 3 times").all()
    assert (runs.loc["plugin-paraboloid"].run_status == "ok").all()
    assert len(harness.load(tmp_path / "r")) == 2 * 6


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_join_an_existing_ray_head_by_address(tmp_path, plugin_path):
    port = _free_port()
    # The head and the driver share a token of the test's own, so other Ray instances on the
    # machine (which may rewrite ~/.ray/auth_token) cannot break the handshake.
    auth = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": uuid.uuid4().hex}
    head = subprocess.Popen(
        [sys.executable, "-m", "ray.scripts.scripts", "start", "--head", "--block", f"--port={port}",
         "--node-ip-address=127.0.0.1", "--num-cpus=2", "--include-dashboard=false", "--disable-usage-stats"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, env=auth,
    )
    try:
        suite = write(tmp_path, SUITE.format(name="joined").replace("seeds = 3", "seeds = 1"))
        done = None
        for _ in range(10):  # the head takes a few seconds to accept drivers
            done = run_cli("run", str(suite), "--address", f"127.0.0.1:{port}", "--no-report", "--quiet",
                           "--results", str(tmp_path / "r"), cwd=tmp_path, timeout=240, env=auth)
            if done.returncode == 0 or head.poll() is not None:
                break
            time.sleep(2)
        assert done.returncode == 0, done.stderr[-2000:]
        assert "12 runs done" in done.stdout
        frame = harness.load(tmp_path / "r")
        assert frame.run_id.nunique() == 12
    finally:
        os.killpg(head.pid, signal.SIGTERM)
        try:
            head.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(head.pid, signal.SIGKILL)


SLOW_SUITE = """
name = "slow"
seeds = 4
budget = 5
problems = [{name = "plugin-faulty", mode = "slow", hang_seconds = 0.04}, "plugin-paraboloid"]
strategies = ["random", "plugin-coordinate"]
"""


def _wait_for_part(results, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if list((results / "trials").glob("part-*.parquet")) if (results / "trials").exists() else []:
            return
        time.sleep(0.05)
    raise AssertionError("no part file appeared")


def test_resume_after_sigkill_equals_an_uninterrupted_run(tmp_path, plugin_path, monkeypatch):
    import harness.store as store_module

    suite = write(tmp_path, SLOW_SUITE)
    results = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "harness", "run", str(suite), "--executor", "serial",
                             "--results", str(results), "--no-report", "--quiet"], cwd=tmp_path,
                            env={**os.environ, "HARNESS_FLUSH_SECONDS": "0.3"})
    _wait_for_part(results)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    stored_before = len(Store(results).finished_run_ids())
    assert 0 < stored_before < 16, "the kill landed mid-suite"

    resumed = run_suite(suite, executor="serial", results=results, progress=False)
    assert resumed.skipped == stored_before and resumed.ran == 16 - stored_before
    monkeypatch.setattr(store_module, "FLUSH_SECONDS", 1e9)
    run_suite(suite, executor="serial", results=tmp_path / "whole", progress=False)
    a, b = comparable(harness.load(results)), comparable(harness.load(tmp_path / "whole"))
    assert not a.duplicated(["run_id", "trial"]).any()
    pd.testing.assert_frame_equal(a, b)
    assert len(list((results / "trials").glob("*.parquet"))) == 1  # compacted after completion


def test_ctrl_c_stops_cleanly_with_one_line(tmp_path, plugin_path):
    # 60 slow runs of 5 x 0.5 s: 75 s on two workers, so the suite cannot finish (exit 0)
    # before the interrupt lands, even on a loaded machine where the first part is late.
    suite = write(tmp_path, SLOW_SUITE.replace("seeds = 4", "seeds = 30").replace("hang_seconds = 0.04", "hang_seconds = 0.5"))
    results = tmp_path / "r"
    proc = subprocess.Popen([sys.executable, "-m", "harness", "run", str(suite), "--results", str(results),
                             "--no-report", "--quiet", "--workers", "2"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "HARNESS_FLUSH_SECONDS": "0.3"})
    _wait_for_part(results, timeout=180)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-2000:]
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines[-1].startswith("interrupted: ") and "run the same command again to resume" in lines[-1]
    stored = Store(results).finished_run_ids()
    assert 0 < len(stored) < 120
    frame = harness.load(results)
    assert set(frame.run_id) == stored and not frame.duplicated(["run_id", "trial"]).any()


def test_corrupt_file_is_reported_by_name(tmp_path, plugin_path, capsys):
    suite = write(tmp_path, SUITE.format(name="corrupt").replace("seeds = 3", "seeds = 1"))
    run_suite(suite, executor="serial", results=tmp_path / "r", progress=False)
    part = next((tmp_path / "r" / "trials").glob("part-*.parquet"))
    part.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(StoreError, match=part.name):
        harness.load(tmp_path / "r")
    from harness.cli import main

    assert main(["report", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and part.name in err

"""harness tabulate: rows, provenance, resume after a kill; post-hoc early stopping."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

pytest.importorskip("torch", reason="the dl extra (torch==2.13.0) is not installed")

from harness.registry import problems  # noqa: E402
from harness.tabulate import read_provenance, sobol_configs, tabulate  # noqa: E402
from problems.dl.curves import early_stopping  # noqa: E402
from problems.dl.digits_split import digits_split  # noqa: E402
from problems.dl.training import Data, TrainingRun  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _frame(path: Path) -> pd.DataFrame:
    return pq.read_table(path).to_pandas().drop(columns="seconds").sort_values(["config_id", "seed", "epoch"]).reset_index(drop=True)


def test_sobol_prefix_does_not_depend_on_the_number_of_configs():
    space = problems.create("lcnet-digits").space
    assert sobol_configs(space, 5) == sobol_configs(space, 8)[:5]


def test_tabulate_resumes_after_a_kill_and_equals_an_uninterrupted_build(tmp_path):
    # Ten epochs make a chunk last a few tenths of a second, far longer than the 10 ms poll
    # below: with one epoch a quiet machine finished the whole build before the kill.
    reference = tabulate("lcnet-digits", configs=3, seeds=1, epochs=10, chunk=1, out=tmp_path / "ref.parquet",
                         executor="serial", progress=False)
    out = tmp_path / "killed.parquet"
    args = [sys.executable, "-m", "harness", "tabulate", "lcnet-digits", "--configs", "3", "--seeds", "1",
            "--epochs", "10", "--chunk", "1", "--executor", "serial", "--out", str(out)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parts = out.with_name(out.name + ".parts")
    deadline = time.time() + 120
    while not list(parts.glob("part-*.parquet")) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not out.exists() and 1 <= len(list(parts.glob("part-*.parquet"))) < 3
    subprocess.run(args, env=env, check=True, capture_output=True)
    assert not parts.exists()
    pd.testing.assert_frame_equal(_frame(out), _frame(reference))
    provenance = read_provenance(out)
    assert provenance["invocations"] == 2 and provenance["rows"] == 30 and provenance["configs"] == 3
    assert provenance["environment"]["packages"]["torch"].startswith("2.13.0")
    assert "tabulate lcnet-digits --configs 3" in provenance["command"]


def test_table_rows_hold_config_columns_and_whole_curves(tmp_path):
    out = tabulate("lcnet-digits", configs=3, seeds=2, epochs=2, chunk=2, out=tmp_path / "t.parquet",
                   executor="serial", progress=False)
    df = pq.read_table(out).to_pandas()
    assert len(df) == 3 * 2 * 2 and set(df.epoch) == {1, 2}
    active = df.param_width.notna() == (df.param_arch == "mlp")
    assert active.all()
    assert -1 <= read_provenance(out)["noise_ceiling_spearman_val_loss"] <= 1


def test_post_hoc_early_stopping_matches_live_early_stopping():
    s = digits_split(0)
    data = Data(s.X_train, s.y_train, s.X_val, s.y_val, s.X_test, s.y_test)
    config = {"arch": "mlp", "depth": 1, "width": 32, "activation": "relu", "optimizer": "adam", "lr": 0.05,
              "schedule": "constant", "warmup_epochs": 0, "batch_size": 256, "dropout": 0.0, "batch_norm": False,
              "weight_decay": 1e-6, "l1": 1e-8, "augmentation": "none", "patience": 0}
    full = TrainingRun(config, data, seed=1, horizon=50)
    full.train_to(30)
    for patience in (1, 2, 3):
        live = TrainingRun({**config, "patience": patience}, data, seed=1, horizon=50)
        live.train_to(30)
        reported, trained = early_stopping(np.array([full.curve["val_loss"]]), [patience], [30])
        assert (reported[0], trained[0]) == (live.result()["epoch"], live.epochs)
    reported, trained = early_stopping(np.array([full.curve["val_loss"]]), [0], [12])
    assert (reported[0], trained[0]) == (12, 12)


def test_bad_tabulate_arguments_exit_2_with_one_line(tmp_path, capsys):
    from harness.cli import main

    assert main(["tabulate", "lcnet-digits", "--configs", "0", "--out", str(tmp_path / "t.parquet")]) == 2
    assert main(["tabulate", "hartmann6", "--configs", "2", "--out", str(tmp_path / "t.parquet")]) == 2
    assert main(["tabulate", "lcnet-digits", "--configs", "2", "--out", str(tmp_path / "t.csv")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 3 and "'--configs'" in lines[0] and "no learning curves" in lines[1] and ".parquet" in lines[2]


def test_a_finished_table_grows_without_retraining_what_it_holds(tmp_path):
    out = tmp_path / "grow.parquet"
    tabulate("lcnet-digits", configs=2, seeds=1, epochs=1, chunk=1, out=out, executor="serial", progress=False)
    small = _frame(out)
    tabulate("lcnet-digits", configs=3, seeds=1, epochs=1, chunk=1, out=out, executor="serial", progress=False)
    grown = _frame(out)
    pd.testing.assert_frame_equal(grown[grown.config_id < 2].reset_index(drop=True), small)
    assert set(grown.config_id) == {0, 1, 2} and read_provenance(out)["invocations"] == 2
    with pytest.raises(ValueError, match="other settings"):
        tabulate("lcnet-digits", configs=3, seeds=2, epochs=1, chunk=1, out=out, executor="serial", progress=False)

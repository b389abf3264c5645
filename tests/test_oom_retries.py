"""A run that blows memory is killed by Ray's memory monitor; its retries are bounded by the
run's retry budget, then it is stored as failed and the suite ends (it used to be retried
forever). Ray's threshold is set just above the machine's current use for this test's Ray."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from harness.store import Store

HOG = '''
import time
import numpy as np
from harness.protocols import Evaluation, Problem
from harness.space import Float, Space


class Hog(Problem):
    """Allocates (and touches) ``gigabytes`` of memory, then holds it for a while."""

    name = "tmp-hog"
    optimum = 0.0

    def __init__(self, instance=None, gigabytes=1.5):
        self.space = Space([Float("x", -1, 1)])
        self.gigabytes = gigabytes

    def evaluate(self, config, fidelity, seed):
        block = np.ones(int(self.gigabytes * 2**30 / 8))
        time.sleep(6)
        return Evaluation(float(block[0]) * config["x"] ** 2)
'''


def _used_fraction() -> tuple[float, float]:
    info = {}
    with open("/proc/meminfo") as handle:
        for line in handle:
            key, value = line.split(":", 1)
            info[key] = float(value.split()[0]) * 1024
    total = info["MemTotal"]
    return (total - info["MemAvailable"]) / total, total


def test_a_run_that_blows_memory_fails_after_its_retries(tmp_path, plugin_path):
    used, total = _used_fraction()
    if total < 4 * 2**30:
        pytest.skip("needs a machine with at least 4 GiB of memory")
    threshold = used + 0.6 * 2**30 / total  # crossed by a 1.5 GiB allocation, not by the workers alone
    source, target = tmp_path / "src", tmp_path / "site"
    (source / "tmp_hog").mkdir(parents=True)
    (source / "tmp_hog" / "__init__.py").write_text(HOG)
    (source / "pyproject.toml").write_text(textwrap.dedent('''
        [build-system]
        requires = ["setuptools>=64"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "tmp-hog"
        version = "1.0"
        [project.entry-points."harness.problems"]
        tmp-hog = "tmp_hog:Hog"
        [tool.setuptools]
        packages = ["tmp_hog"]
    '''))
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--disable-pip-version-check", "--target", str(target), str(source)], check=True,
                   capture_output=True)
    suite = tmp_path / "suite.toml"
    suite.write_text(textwrap.dedent("""
        name = "hog"
        seeds = 1
        budget = 1
        problems = ["tmp-hog"]
        strategies = ["random"]
    """))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), os.environ.get("PYTHONPATH", "")]),
           "RAY_memory_usage_threshold": f"{threshold:.4f}", "RAY_memory_monitor_refresh_ms": "100"}
    done = subprocess.run([sys.executable, "-m", "harness", "run", str(suite), "--results", str(tmp_path / "r"),
                           "--workers", "1", "--no-report", "--quiet"], env=env, capture_output=True, text=True,
                          timeout=400, cwd=tmp_path)  # the guard: before the fix this never ended
    assert done.returncode == 3, done.stderr[-2000:]
    run = Store(tmp_path / "r").runs().iloc[0]
    assert run.run_status == "failed" and "lack of memory 3 times" in run.run_error, run.run_error

"""The same seed gives the same run in every process, whatever Python's hash seed.

A Ray worker, the driver and a rerun tomorrow are different processes, each with its own
``PYTHONHASHSEED``: any strategy that iterates over a ``set`` of strings (or of objects hashed
by strings) would make different suggestions in each. SMAC's local search did (its start
points were a set of configurations); this test found it. Every built-in strategy runs a
short budget in two processes with different hash seeds, side by side, and every trial must
agree.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

DIGEST = r"""
import hashlib, json
from harness.registry import problems, strategies
from harness.protocols import Budget
from harness.runner import drive

digests = {}
for entry in strategies.entries():
    if entry.source != "builtin":
        continue
    factory = strategies.factory(entry.name)
    for name, budget in (("branin", Budget(8)), ("branin-mf", Budget(3.0, "cost"))):
        problem = problems.create(name)
        try:
            factory.check_compatible(problem.space, problem.fidelity)
        except Exception:
            continue
        outcome = drive(problem, factory(problem.space, 7, budget, problem.fidelity), budget, seed=3)
        trials = [(sorted(t.config.items(), key=str), t.fidelity, t.value) for t in outcome.trials]
        digests[entry.name] = hashlib.sha256(repr(trials).encode()).hexdigest()
        break
print(json.dumps(digests))
"""


def _digests_under(hash_seeds: tuple[str, ...]) -> list[dict]:
    processes = [subprocess.Popen([sys.executable, "-c", DIGEST], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, env={**os.environ, "PYTHONHASHSEED": seed})
                 for seed in hash_seeds]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=400)
        assert process.returncode == 0, err[-2000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def test_every_builtin_strategy_is_independent_of_the_hash_seed():
    first, second = _digests_under(("11", "22"))
    assert len(first) >= 30  # every built-in strategy ran on one of the two problems
    assert set(first) == set(second)
    differ = sorted(name for name in first if first[name] != second[name])
    assert not differ, f"runs differ between hash seeds 11 and 22: {differ}"

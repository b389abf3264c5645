"""Fit the simulated-clock duration model of the real model-tuning tasks from measured times.

For every scikit-learn task (``problems/sklearn``) this evaluates ``--configs`` random configs
(seeded) at full fidelity in one process with one BLAS thread, as a harness worker does, and
writes ``problems/sklearn/durations.json``: the median CPU seconds (``time.process_time``, so
other load on the machine does not inflate it) of one full-fidelity
evaluation (``seconds``) and the coefficient of variation across configs (``cv``), with the
machine and date. On a simulated clock a task then lasts ``seconds x cost`` per trial unless
the suite gives ``seconds`` (see README, "Workers and clocks"); ``duration_cv`` stays the
suite's choice. Never edited by hand: rerun ``python bench/fit_durations.py`` to refit.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import time

import numpy as np
from threadpoolctl import threadpool_limits

from harness.registry import problems
from problems.sklearn.base import DURATIONS_FILE, CVTask


def sklearn_tasks() -> list[str]:
    names = []
    for name in problems.names():
        if "{" in name:
            continue
        try:
            if isinstance(problems.create(name), CVTask):
                names.append(name)
        except Exception:  # noqa: BLE001 - a problem that needs parameters is not a task here
            continue
    return names


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", type=int, default=5)
    args = parser.parse_args(argv)
    threadpool_limits(1)
    table = {}
    for name in sklearn_tasks():
        problem = problems.create(name)
        rng = np.random.default_rng(0)
        high = None if problem.fidelity is None else problem.fidelity.high
        seconds = []
        for i, config in enumerate(problem.space.sample(rng, args.configs)):
            t0 = time.process_time()
            try:
                problem.evaluate(config, high, i)
            except Exception:  # noqa: BLE001 - a failing config still took its time
                pass
            seconds.append(time.process_time() - t0)
        seconds = np.array(seconds)
        table[name] = {"seconds": float(f"{max(float(np.median(seconds)), 1e-6):.3g}"),
                       "cv": round(float(seconds.std() / seconds.mean()), 3), "configs": args.configs}
        print(f"{name:28s} median {table[name]['seconds']:8.3f} s per full-fidelity evaluation, cv {table[name]['cv']:.2f}")
    meta = {"command": "python bench/fit_durations.py", "date": datetime.date.today().isoformat(),
            "machine": f"{platform.machine()} {platform.processor() or platform.system()}, one BLAS thread, CPU seconds"}
    DURATIONS_FILE.write_text(json.dumps({"_provenance": meta, **table}, indent=1, sort_keys=True) + "\n")
    print(f"wrote {DURATIONS_FILE}")


if __name__ == "__main__":
    main()

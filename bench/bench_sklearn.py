"""Seconds per evaluation of every real (scikit-learn) task at its lowest and highest fidelity.

For each task, the same ``--configs`` random configs (seed 0) are evaluated at the lowest
and at the highest fidelity (tasks without a fidelity: once, shown in both columns). Printed
per level: median and maximum **CPU** seconds per evaluation (``time.process_time``; every
fit is limited to one thread, so this is the one-core time and does not grow when other
processes load the machine), then the median wall seconds. "low/high" is the ratio of the
median CPU times (a real fidelity must make it well below 1); "cost low" is the mean cost the
task reports at the lowest fidelity (full evaluation = 1).
Failed configs (e.g. a diverging MLP) are counted and left out of the timings.

Usage::

    python bench/bench_sklearn.py [--configs 5] [--tasks svm-wine,rf-digits]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from harness.registry import problems


def real_task_names() -> list[str]:
    """Every registered task of the ``problems.sklearn`` package."""
    return [e.name for e in problems.entries() if e.factory is not None and e.factory.__module__.startswith("problems.sklearn")]


def time_level(task, configs, level) -> tuple[list[float], list[float], list[float], int]:
    """CPU seconds, wall seconds and costs of evaluating ``configs`` at ``level``; failures."""
    cpu, wall, costs, failed = [], [], [], 0
    for i, config in enumerate(configs):
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        try:
            result = task.evaluate(config, level, i)
        except Exception:
            failed += 1
            continue
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start_wall)
        costs.append(result.cost)
    return cpu, wall, costs, failed


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", type=int, default=5)
    parser.add_argument("--tasks", default="", help="comma-separated names (default: all real tasks)")
    args = parser.parse_args()
    names = args.tasks.split(",") if args.tasks else real_task_names()
    header = (
        f"{'task':25} {'fidelity':21} {'low cpu s med/max':>17} {'wall':>6} "
        f"{'high cpu s med/max':>18} {'wall':>6} {'low/high':>8} {'cost low':>8} {'fail':>4}"
    )
    print(header)
    print("-" * len(header))
    for name in names:
        task = problems.create(name)
        configs = task.space.sample(np.random.default_rng(0), args.configs)
        task.evaluate(configs[0], None if task.fidelity is None else task.fidelity.low, 0)  # warm caches
        if task.fidelity is None:
            levels, label = [None], "-"
        else:
            levels = [task.fidelity.low, task.fidelity.high]
            label = f"{task.fidelity.name} {task.fidelity.low:g}..{task.fidelity.high:g}"
        rows = [time_level(task, configs, level) for level in levels]
        low, high = rows[0], rows[-1]
        failed = sum(r[3] for r in rows)

        def cell(row):
            cpu, wall = row[0], row[1]
            if not cpu:
                return f"{'n/a':>17} {'n/a':>6}"
            return f"{np.median(cpu):8.4f}/{max(cpu):8.4f} {np.median(wall):6.3f}"

        ratio = np.median(low[0]) / np.median(high[0]) if low[0] and high[0] else float("nan")
        cost_low = np.mean(low[2]) if low[2] else float("nan")
        print(f"{name:25} {label:21} {cell(low)} {cell(high):>25} {ratio:8.2f} {cost_low:8.3f} {failed:4d}")
        if task.has_gradient:
            start = time.process_time()
            task.gradient(configs)
            per = (time.process_time() - start) / len(configs)
            print(f"{'':25} {'(exact gradient, cpu s)':21} {per:8.4f}")


if __name__ == "__main__":
    main()

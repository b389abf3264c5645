"""Harness overhead on a cheap objective, side by side with a plain loop, Optuna and hyperopt.

Prints, from one process run:
1. Serial random search on Branin, N trials in one run: microseconds per trial of the
   harness (everything but the objective: strategy, validation, records, the Arrow table
   the store writes), next to a plain numpy loop, Optuna's RandomSampler
   (``study.optimize``) and hyperopt's ``fmin`` with random search doing the same N trials,
   as ratios to the harness.
2. A 200-run suite of 50-trial runs through the Ray executor vs the serial executor:
   overhead per trial of each, and the time ``ray.init`` takes.

Usage: ``python bench/bench_overhead.py [--trials 10000] [--runs 200]``
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import tempfile
import time
from pathlib import Path

import numpy as np


def branin_scalar(x0: float, x1: float) -> float:
    """Branin written as the plain loops below would write it."""
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (x1 - b * x0 ** 2 + c * x0 - 6) ** 2 + 10 * (1 - t) * math.cos(x0) + 10


def plain_loop(n: int) -> float:
    """Seconds per trial of a bare numpy random-search loop."""
    rng = np.random.default_rng(0)
    best = math.inf
    start = time.perf_counter()
    for _ in range(n):
        x0, x1 = rng.uniform(-5, 10), rng.uniform(0, 15)
        best = min(best, branin_scalar(x0, x1))
    return (time.perf_counter() - start) / n


def harness_run(n: int) -> tuple[float, float, float]:
    """(total, objective, overhead) seconds per trial of one harness run, store table included."""
    from harness.protocols import Budget
    from harness.provenance import run_code
    from harness.records import RunOutcome, RunRecord, RunSpec
    from harness.registry import problems, strategies
    from harness.runner import drive
    from harness.store import trials_table

    start = time.perf_counter()
    problem = problems.create("branin")
    budget = Budget(n)
    strategy = strategies.factory("random")(problem.space, 0, budget, problem.fidelity)
    outcome: RunOutcome = drive(problem, strategy, budget, seed=0)
    spec = RunSpec(suite="bench", problem="branin", problem_name="branin", strategy="random", strategy_name="random",
                   repetition=0, seed=0, problem_seed=0, budget=budget, run_id="x")
    code = run_code(spec.strategy_name, spec.problem_name)  # as the executors record it
    trials_table(RunRecord.of_run(spec, problem, outcome, code=code), problem, outcome)
    total = time.perf_counter() - start
    objective = sum(t.eval_seconds for t in outcome.trials)
    return total / n, objective / n, (total - objective) / n


def optuna_run(n: int) -> float | None:
    """Seconds per trial of Optuna's RandomSampler through ``study.optimize``."""
    try:
        import optuna
    except ImportError:
        return None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))

    def objective(trial):
        return branin_scalar(trial.suggest_float("x0", -5, 10), trial.suggest_float("x1", 0, 15))

    start = time.perf_counter()
    study.optimize(objective, n_trials=n)
    return (time.perf_counter() - start) / n


def hyperopt_run(n: int) -> float:
    """Seconds per trial of hyperopt's ``fmin`` with random search."""
    from hyperopt import Trials, fmin, hp, rand

    logging.getLogger("hyperopt").setLevel(logging.ERROR)
    space = {"x0": hp.uniform("x0", -5, 10), "x1": hp.uniform("x1", 0, 15)}
    start = time.perf_counter()
    fmin(lambda c: branin_scalar(c["x0"], c["x1"]), space, algo=rand.suggest, max_evals=n, trials=Trials(),
         rstate=np.random.default_rng(0), show_progressbar=False)
    return (time.perf_counter() - start) / n


SUITE = """
name = "overhead"
seeds = {seeds}
budget = 50
problems = ["branin", "hartmann6"]
strategies = ["random", {{name = "random", label = "sobol", method = "sobol"}}]
"""


def suite_overhead(runs: int) -> dict:
    """Per-trial overhead of a ``runs``-run suite, serial vs Ray, and ray.init seconds."""
    import ray

    from harness.benchmark import run_suite

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "suite.toml"
        path.write_text(SUITE.format(seeds=max(1, runs // 4)))
        out = {}
        for kind in ("serial", "ray"):
            if kind == "ray":
                start = time.perf_counter()
                ray.init(address="local", include_dashboard=False, log_to_driver=False,
                         logging_level=logging.ERROR, configure_logging=False)
                out["ray_init_seconds"] = time.perf_counter() - start
            import harness

            start = time.perf_counter()
            summary = run_suite(path, executor=kind, results=Path(tmp) / kind, progress=False)
            total = time.perf_counter() - start
            frame = harness.load(Path(tmp) / kind)
            objective = frame.eval_seconds.sum()
            out[kind] = {"runs": summary.ran, "trials": len(frame), "seconds": total,
                         "overhead_us_per_trial": (total - objective) / len(frame) * 1e6}
        ray.shutdown()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    n = args.trials
    print(f"machine: {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}")
    harness_run(200)  # warm imports and registries outside the timing
    total, objective, overhead = harness_run(n)
    plain = plain_loop(n)
    opt = optuna_run(n)
    hyp = hyperopt_run(n)
    print(f"\n1. Serial random search on Branin, {n:,} trials in one run (microseconds per trial)")
    print(f"   {'method':<34}{'us/trial':>10}{'x harness overhead':>20}")
    rows = [("harness overhead (total - objective)", overhead), ("harness total", total),
            ("plain numpy loop", plain), ("Optuna RandomSampler", opt), ("hyperopt fmin (rand)", hyp)]
    for name, seconds in rows:
        if seconds is None:
            print(f"   {name:<34}{'n/a (optuna not installed)':>30}")
            continue
        print(f"   {name:<34}{seconds * 1e6:>10.1f}{seconds / overhead:>20.2f}")
    print(f"   (time inside the objective: {objective * 1e6:.2f} us/trial; target: overhead < 20 us)")

    print(f"\n2. Suite of {args.runs} runs x 50 trials, serial vs Ray executor")
    result = suite_overhead(args.runs)
    for kind in ("serial", "ray"):
        r = result[kind]
        print(f"   {kind:<7} {r['runs']} runs, {r['trials']:,} trials in {r['seconds']:.2f} s: "
              f"{r['overhead_us_per_trial']:.1f} us overhead per trial")
    print(f"   Ray / serial overhead ratio: {result['ray']['overhead_us_per_trial'] / result['serial']['overhead_us_per_trial']:.2f}")
    print(f"   ray.init (local, fresh): {result['ray_init_seconds']:.2f} s")


if __name__ == "__main__":
    main()

"""Simple regret of the in-house gradient and evolutionary strategies (random as reference).

Usage::

    python bench/bench_gradient_evolutionary.py [--seeds 10] [--problems branin:50,hartmann6:100]

Prints, per problem@budget and strategy, the median simple regret over the seeds, its
interquartile range, and the fraction of seeds with regret below 0.01. Runs go through the
real runner, serially (one core).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from harness.protocols import Budget
from harness.registry import problems, strategies
from harness.runner import drive

CONFIGS = [
    ("random", "random", {}),
    ("gradient (exact)", "gradient", {"gradient": "exact"}),
    ("gradient (finite differences)", "gradient", {"gradient": "finite-difference"}),
    ("gradient-bfgs (exact)", "gradient-bfgs", {"gradient": "exact"}),
    ("gradient-bfgs (finite differences)", "gradient-bfgs", {"gradient": "finite-difference"}),
    ("genetic", "genetic", {}),
    ("differential-evolution rand/1", "differential-evolution", {}),
    ("differential-evolution current-to-best/1", "differential-evolution", {"variant": "current-to-best/1/bin"}),
    ("cmaes", "cmaes", {}),
]


def regret(problem_name: str, strategy_name: str, params: dict, budget: int, seed: int) -> float:
    problem = problems.create(problem_name)
    spent = Budget(budget)
    strategy = strategies.factory(strategy_name)(problem.space, seed, spent, problem.fidelity, **params)
    outcome = drive(problem, strategy, spent, seed=seed)
    if outcome.status != "ok":
        raise RuntimeError(f"{strategy_name} on {problem_name}: {outcome.error}")
    return min(t.value for t in outcome.trials if t.ok) - problem.optimum


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--problems", default="branin:50,hartmann6:100")
    args = parser.parse_args()
    for item in args.problems.split(","):
        name, budget = item.split(":")
        print(f"\n{name} @ {budget} evaluations, {args.seeds} seeds: median simple regret [IQR], "
              "fraction of seeds < 0.01, seconds")
        for label, strategy_name, params in CONFIGS:
            start = time.perf_counter()
            values = np.array([regret(name, strategy_name, params, int(budget), s) for s in range(args.seeds)])
            q1, med, q3 = np.quantile(values, [0.25, 0.5, 0.75])
            print(f"  {label:42s} {med:9.3g} [{q1:.3g}, {q3:.3g}]  {np.mean(values < 0.01):4.0%}"
                  f"  {time.perf_counter() - start:5.1f}s")


if __name__ == "__main__":
    main()

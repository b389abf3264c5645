"""Simple regret of the in-house gradient and evolutionary strategies (random as reference).

Usage::

    python bench/bench_gradient_evolutionary.py [--seeds 10] [--problems branin:50,hartmann6:100]
                                                [--strategies cmaes,cmaes-passive] [--target 1e-8]

Prints, per problem@budget and strategy, the median simple regret over the seeds, its
interquartile range, and the fraction of seeds with regret below 0.01. With two strategies
named by ``--strategies``, also how many seeds the first ends strictly better / worse than the
second (paired: same seed, same problem) and the two-sided sign test's p-value over the
seeds that differ. ``--target`` adds the median evaluations until the regret first reaches it. Runs go through the real runner, serially (one core).

``cmaes`` against ``cmaes-passive`` is the evidence for ``cmaes``'s default (the active
covariance update); longer budgets and the ``sphere`` family (development too) show it best,
e.g. ``--problems branin:200,hartmann6:400,hartmann6-mixed:400,sphere-10d:1500``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.stats import binomtest

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
    ("cmaes-passive", "cmaes-passive", {}),
]


def regret(problem_name: str, strategy_name: str, params: dict, budget: int, seed: int,
           target: float = 0.0) -> tuple[float, float]:
    """Simple regret at the budget, and the evaluations until regret <= ``target`` (inf: never)."""
    problem = problems.create(problem_name)
    spent = Budget(budget)
    strategy = strategies.factory(strategy_name)(problem.space, seed, spent, problem.fidelity, **params)
    outcome = drive(problem, strategy, spent, seed=seed)
    if outcome.status != "ok":
        raise RuntimeError(f"{strategy_name} on {problem_name}: {outcome.error}")
    regrets = np.minimum.accumulate([t.value - problem.optimum if t.ok else np.inf for t in outcome.trials])
    hit = np.flatnonzero(regrets <= target)
    return float(regrets[-1]), float(hit[0] + 1) if hit.size else np.inf


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--problems", default="branin:50,hartmann6:100")
    parser.add_argument("--strategies", help="only the configurations of these strategy names (comma-separated)")
    parser.add_argument("--target", type=float, help="also print the median evaluations until regret <= this")
    args = parser.parse_args()
    configs = CONFIGS
    if args.strategies:
        wanted = args.strategies.split(",")
        configs = sorted((c for c in CONFIGS if c[1] in wanted), key=lambda c: wanted.index(c[1]))
    for item in args.problems.split(","):
        name, budget = item.split(":")
        print(f"\n{name} @ {budget} evaluations, {args.seeds} seeds: median simple regret [IQR], "
              "fraction of seeds < 0.01, seconds" + (f", median evaluations to {args.target:g}" if args.target else ""))
        regrets = []
        for label, strategy_name, params in configs:
            start = time.perf_counter()
            runs = np.array([regret(name, strategy_name, params, int(budget), s, args.target or 0.0)
                             for s in range(args.seeds)])
            values = runs[:, 0]
            regrets.append(values)
            q1, med, q3 = np.quantile(values, [0.25, 0.5, 0.75])
            print(f"  {label:42s} {med:9.3g} [{q1:.3g}, {q3:.3g}]  {np.mean(values < 0.01):4.0%}"
                  f"  {time.perf_counter() - start:5.1f}s" + (f"  {np.median(runs[:, 1]):7g}" if args.target else ""))
        if len(regrets) == 2:
            better, worse = int(np.sum(regrets[0] < regrets[1])), int(np.sum(regrets[0] > regrets[1]))
            p_value = binomtest(better, better + worse).pvalue if better + worse else 1.0
            print(f"  paired: {configs[0][0]} better on {better}, worse on {worse} of {args.seeds} seeds "
                  f"(sign test p = {p_value:.2g})")


if __name__ == "__main__":
    main()

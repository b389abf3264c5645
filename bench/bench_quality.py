"""Solution quality of the strategies on Branin @50 and Hartmann-6 @100, side by side.

For every strategy of the list below that is registered (others are skipped, and named;
``gradient-fd`` / ``gradient-exact`` are ``gradient`` with finite differences / the problems'
exact gradients),
``--seeds`` runs per problem through the harness runner (``harness.runner.drive``) on the
registered problems ``branin`` and ``hartmann6``. Printed per strategy and problem: the median
simple regret (best value found minus the known optimum), its interquartile range, and the
fraction of seeds below the issue's bar (1e-4 on Branin, 0.01 on Hartmann-6; Hartmann-6 is
bimodal, runs stuck in the local minimum near -3.20 end at regret ~0.12, which a median hides).

Then the latency of ``bayesian`` at 200 observations in 6 dimensions: 195 Sobol points of
Hartmann-6 are told at once, then 10 rounds of ask(1) + tell; the first ask is a cold fit,
the rest warm-start from the previous hyperparameters. Wall-clock and CPU (process) seconds
per ask are printed (the machine may be shared; CPU time is the single-core cost). Beside it,
Optuna's GPSampler's time per trial at the same point (strategy seconds of trials 196..205 of
a 205-trial run through our ``optuna-gp`` adapter), when torch is importable.

Run: ``python bench/bench_quality.py [--seeds 20] [--first-seed 0] [--jobs 2] [--strategies bayesian,random]``.
torch is not a dependency; to include Optuna's GPSampler, install the CPU wheel
(``pip install torch==2.13.0``) or put it on ``PYTHONPATH`` for this script only.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import time

import numpy as np

from harness.protocols import Budget, Status, StrategyError, Trial
from harness.registry import problems, strategies

STRATEGIES = ["bayesian", "random", "tpe", "optuna-tpe", "optuna-cmaes", "optuna-gp", "genetic", "gradient-fd",
              "gradient-exact"]
#: Rows that are a registered strategy with fixed parameters: label -> (registered name, params).
#: The issue compares gradient descent with finite differences (each probe an evaluation);
#: with the problems' exact gradients it is shown separately, as it sees more information.
VARIANTS = {
    "gradient-fd": ("gradient", {"gradient": "finite-difference"}),
    "gradient-exact": ("gradient", {"gradient": "exact"}),
}
PROBLEMS = [("branin", 50, 1e-4), ("hartmann6", 100, 0.01)]


def _drive():
    """The harness runner when present, else a minimal ask-1/evaluate/tell loop."""
    try:
        from harness.runner import drive
    except ImportError:
        drive = None
    return drive


def _local_loop(problem, strategy, budget: Budget, seed: int) -> list[float]:
    values = []
    for index in range(int(budget.amount)):
        suggestion = strategy.ask(1)[0]
        value = problem.evaluate(suggestion.config, None, seed + index).value
        ok = math.isfinite(value)
        status = Status.OK if ok else Status.FAILED
        strategy.tell([Trial(index, suggestion.config, None, value if ok else math.nan, None, 1.0, 0.0, 0.0,
                             status, tag=suggestion.tag)])
        values.append(value)
    return values


def run_one(args: tuple[str, str, int, int, dict]) -> tuple[str, str, int, float, float]:
    """One run; returns (strategy, problem, seed, simple regret, seconds)."""
    label, problem_name, budget_amount, seed, params = args
    strategy_name, fixed = VARIANTS.get(label, (label, {}))
    params = {**fixed, **params}
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:
        pass
    if strategy_name == "optuna-gp":
        try:  # one core per run, as for every other strategy
            import torch

            torch.set_num_threads(1)
        except ImportError:
            pass
    problem = problems.create(problem_name)
    budget = Budget(budget_amount)
    strategy = strategies.factory(strategy_name)(problem.space, seed, budget, problem.fidelity, **params)
    started = time.perf_counter()
    drive = _drive()
    if drive is not None:
        outcome = drive(problem, strategy, budget, seed=seed)
        if outcome.status != "ok":
            raise RuntimeError(f"{label} on {problem_name} seed {seed}: {outcome.error}")
        values = [t.value for t in outcome.trials if t.status is Status.OK]
    else:
        values = _local_loop(problem, strategy, budget, seed)
    finite = [v for v in values if math.isfinite(v)]
    regret = (min(finite) - problem.optimum) if finite else math.inf
    return label, problem_name, seed, regret, time.perf_counter() - started


def available(names: list[str]) -> tuple[list[str], list[str]]:
    """Split ``names`` into usable strategies and skip notes."""
    usable, skipped = [], []
    for label in names:
        name, params = VARIANTS.get(label, (label, {}))
        if name not in strategies:
            skipped.append(f"{label}: not registered")
            continue
        cls = strategies.factory(name)
        try:
            probe = problems.create("branin")
            if hasattr(cls, "check_compatible"):
                cls.check_compatible(probe.space, probe.fidelity)
            cls(probe.space, 0, Budget(10), probe.fidelity, **params)
        except (StrategyError, ImportError, TypeError, ValueError) as exc:
            skipped.append(f"{label}: {str(exc).splitlines()[0]}")
            continue
        usable.append(label)
    return usable, skipped


def quality(names: list[str], seeds: int, jobs: int, params: dict[str, dict], per_seed: bool = False,
            first_seed: int = 0) -> None:
    """Print the quality table (seeds ``first_seed`` .. ``first_seed + seeds - 1``)."""
    tasks = [(s, p, b, seed, params.get(s, {})) for s in names for p, b, _ in PROBLEMS
             for seed in range(first_seed, first_seed + seeds)]
    results: dict[tuple[str, str], list[float]] = {}
    seconds: dict[tuple[str, str], float] = {}
    if jobs > 1:
        with mp.get_context("spawn").Pool(jobs) as pool:
            rows = pool.imap_unordered(run_one, tasks)
            rows = list(rows)
    else:
        rows = [run_one(t) for t in tasks]
    for strategy, problem, _, regret, secs in rows:
        results.setdefault((strategy, problem), []).append(regret)
        seconds[(strategy, problem)] = seconds.get((strategy, problem), 0.0) + secs
    header = f"{'strategy':<14}"
    for problem, budget, bar in PROBLEMS:
        header += f" | {problem + ' @' + str(budget):<30} {'<' + format(bar, 'g'):>7} {'s/run':>6}"
    print(header)
    print("-" * len(header))
    for strategy in names:
        line = f"{strategy:<14}"
        for problem, _, bar in PROBLEMS:
            r = np.array(results[(strategy, problem)])
            q1, med, q3 = np.percentile(r, [25, 50, 75])
            line += f" | {med:9.2e} [{q1:8.2e}, {q3:8.2e}] {np.mean(r < bar):7.0%}"
            line += f" {seconds[(strategy, problem)] / len(r):6.1f}"
        print(line, flush=True)
        if per_seed:
            for problem, _, _ in PROBLEMS:
                regrets = sorted(results[(strategy, problem)])
                print(f"    {problem} per seed (sorted): " + " ".join(f"{r:.1e}" for r in regrets))


def bayesian_latency(n_obs: int = 195, rounds: int = 10) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of bayesian's ask(1) at ``n_obs``..``n_obs + rounds`` observations."""
    from scipy.stats import qmc

    problem = problems.create("hartmann6")
    strategy = strategies.factory("bayesian")(problem.space, 0, Budget(n_obs + rounds), None)
    unit = qmc.Sobol(6, scramble=True, seed=np.random.default_rng(0)).random_base2(8)[:n_obs]
    configs = problem.space.decode(unit)
    told = [
        Trial(i, c, None, problem.evaluate(c, None, i).value, None, 1.0, 0.0, 0.0, Status.OK)
        for i, c in enumerate(configs)
    ]
    strategy.tell(told)
    wall, cpu = [], []
    for i in range(rounds):
        w, c = time.perf_counter(), time.process_time()
        suggestion = strategy.ask(1)[0]
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
        value = problem.evaluate(suggestion.config, None, n_obs + i).value
        strategy.tell([Trial(n_obs + i, suggestion.config, None, value, None, 1.0, 0.0, 0.0, Status.OK,
                             tag=suggestion.tag)])
    return wall, cpu


def optuna_gp_latency(n_trials: int = 205, window: int = 10) -> list[float] | None:
    """Strategy seconds per trial of Optuna's GPSampler around 200 observations, or None."""
    if "optuna-gp" not in strategies:
        return None
    drive = _drive()
    problem = problems.create("hartmann6")
    try:
        import torch
        from threadpoolctl import threadpool_limits

        torch.set_num_threads(1)  # single core, like the bayesian measurement
        threadpool_limits(1)
        strategy = strategies.factory("optuna-gp")(problem.space, 0, Budget(n_trials), None)
    except (StrategyError, ImportError):
        return None
    if drive is None:
        return None
    outcome = drive(problem, strategy, Budget(n_trials), seed=0)
    return outcome.strategy_seconds_of_trials()[-window:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=0, help="seeds first-seed .. first-seed + seeds - 1")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (the machine may be shared)")
    parser.add_argument("--strategies", default=",".join(STRATEGIES))
    parser.add_argument("--problems", default="branin,hartmann6", help="subset of branin,hartmann6")
    parser.add_argument("--bayesian-params", default="{}", help="JSON keyword parameters for bayesian")
    parser.add_argument("--per-seed", action="store_true", help="also print every seed's regret")
    parser.add_argument("--no-quality", action="store_true", help="only the latency measurement")
    parser.add_argument("--no-latency", action="store_true", help="only the quality table")
    args = parser.parse_args()
    PROBLEMS[:] = [p for p in PROBLEMS if p[0] in args.problems.split(",")]
    names, skipped = available([s for s in args.strategies.split(",") if s])
    print(f"runner: {'harness.runner.drive' if _drive() else 'local ask/tell loop'}; seeds: {args.first_seed}..{args.first_seed + args.seeds - 1}; "
          f"cores: {os.cpu_count()}")
    for note in skipped:
        print(f"skipped {note}")
    if not args.no_quality:
        quality(names, args.seeds, args.jobs, {"bayesian": json.loads(args.bayesian_params)},
                args.per_seed, args.first_seed)
    if not args.no_latency and "bayesian" in names:
        wall, cpu = bayesian_latency()
        print(f"\nbayesian ask(1) at 195-204 observations, 6 dims: wall median {np.median(wall):.3f} s "
              f"(max {max(wall):.3f}), CPU median {np.median(cpu):.3f} s (max {max(cpu):.3f}); "
              f"first (cold fit) {wall[0]:.3f} s wall")
    if not args.no_latency and "optuna-gp" in names:
        gp = optuna_gp_latency()
        if gp is None:
            print("optuna GPSampler: not measured (torch missing or optuna-gp not registered)")
        else:
            print(f"optuna GPSampler ask+tell per trial at 196-205 observations, 6 dims: median "
                  f"{np.median(gp):.3f} s (max {max(gp):.3f})")


if __name__ == "__main__":
    main()

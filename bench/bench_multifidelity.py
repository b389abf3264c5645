"""Multi-fidelity strategies against full-fidelity random search, at equal cost.

For each problem, random search runs with a cost budget of ``B`` full-fidelity evaluations;
its median (over seeds) final simple regret is the *target*. Each multi-fidelity strategy runs
with the same budget, and the table reports the cost at which its median incumbent regret
first reaches the target (goal: at most ``B / 3`` for hyperband and asha), with its final
median regret and interquartile range.

The incumbent of a run at cost ``c`` is the config with the best observed value among the
trials run at the highest fidelity reached so far (HpBandSter's rule); its regret is the
noise-free full-fidelity value of that config minus the problem's optimum. For random search
every trial is at full fidelity, so this is the usual best-so-far.

Usage::

    python bench/bench_multifidelity.py                       # branin-mf and hartmann6-mf, B=100
    python bench/bench_multifidelity.py --problems branin-mf@50 --seeds 10 --strategies asha:eta=2
"""

from __future__ import annotations

import argparse
import math
import sys
import time

import numpy as np

from harness.protocols import Budget
from harness.registry import problems, strategies
from harness.runner import drive

MULTI_FIDELITY = ["hyperband", "asha", "successive-halving", "bohb", "hyperband:eta=3", "asha:eta=3"]


def full_fidelity_regret(problem, config, cache: dict) -> float:
    """Noise-free regret of ``config`` at the top fidelity (cached per config)."""
    key = tuple(sorted(config.items()))
    if key not in cache:
        evaluation = problem.evaluate(config, None, 0)
        info = evaluation.info or {}
        cache[key] = float(info.get("noise_free_value", evaluation.value)) - problem.optimum
    return cache[key]


def trajectory(problem, trials, cache) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative cost ``(n,)`` and incumbent regret ``(n,)`` after each trial."""
    costs, regrets = [], []
    spent, top, best_value, regret = 0.0, -math.inf, math.inf, math.inf
    for trial in trials:
        spent += trial.cost
        if trial.ok:
            fidelity = trial.fidelity if trial.fidelity is not None else problem.fidelity.high
            if fidelity > top:
                top, best_value = fidelity, math.inf
            if fidelity == top and trial.value < best_value:
                best_value = trial.value
                regret = full_fidelity_regret(problem, trial.config, cache)
        costs.append(spent)
        regrets.append(regret)
    return np.asarray(costs), np.asarray(regrets)


def regret_at(costs: np.ndarray, regrets: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Incumbent regret at each cost of ``grid`` (``inf`` before the first incumbent)."""
    idx = np.searchsorted(costs, grid, side="right") - 1
    return np.where(idx >= 0, regrets[np.maximum(idx, 0)], np.inf)


def parse_strategy(spec: str) -> tuple[str, dict]:
    """``"hyperband:eta=4,min_fidelity=0.1"`` -> ``("hyperband", {"eta": 4, "min_fidelity": 0.1})``."""
    name, _, rest = spec.partition(":")
    params = {}
    for item in filter(None, rest.split(",")):
        key, _, value = item.partition("=")
        params[key] = int(value) if value.lstrip("-").isdigit() else float(value)
    return name, params


def run_all(problem_name: str, spec: str, budget: Budget, seeds: int):
    """Trajectories of ``seeds`` runs of strategy ``spec`` and the total wall-clock seconds."""
    strategy, params = parse_strategy(spec)
    out, start = [], time.perf_counter()
    cache: dict = {}
    for seed in range(seeds):
        problem = problems.create(problem_name)
        cls = strategies.factory(strategy)
        instance = cls(problem.space, seed, budget, problem.fidelity, **params)
        outcome = drive(problem, instance, budget, seed=seed)
        if outcome.status != "ok":
            raise RuntimeError(f"{strategy} on {problem_name} seed {seed}: {outcome.error}")
        out.append(trajectory(problem, outcome.trials, cache))
    return out, time.perf_counter() - start


def fmt(x: float) -> str:
    return "inf" if not math.isfinite(x) else f"{x:.3g}"


def bench(problem_name: str, amount: float, seeds: int, names: list[str]) -> bool:
    problem = problems.create(problem_name)
    if problem.fidelity is None or problem.optimum is None:
        raise SystemExit(f"'{problem_name}' needs a fidelity and a known optimum.")
    budget = Budget(amount, "cost")
    grid = np.linspace(0.0, amount, 2001)
    print(f"\n## {problem_name}: budget B = {amount:g} full-fidelity evaluations, {seeds} seeds, "
          f"fidelity {problem.fidelity.name} in [{problem.fidelity.low:g}, {problem.fidelity.high:g}]")
    runs, seconds = run_all(problem_name, "random", budget, seeds)
    finals = np.array([r[-1] for _, r in runs])
    target = float(np.median(finals))
    print(f"target = median final regret of random at B: {target:.4g} "
          f"[{np.percentile(finals, 25):.3g}, {np.percentile(finals, 75):.3g}]")
    header = (f"| {'strategy':<24} | {'cost to target':>14} | {'/ B':>6} | {'final median regret [IQR]':<30} "
              f"| {'trials/run':>10} | {'s/run':>6} |")
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    ok = True
    for name in ["random", *names]:
        if name != "random":
            runs, seconds = run_all(problem_name, name, budget, seeds)
        curves = np.array([regret_at(c, r, grid) for c, r in runs])
        median = np.median(curves, axis=0)
        hit = np.flatnonzero(median <= target)
        cost = grid[hit[0]] if hit.size else math.inf
        finals = curves[:, -1]
        trials = np.mean([len(c) for c, _ in runs])
        iqr = f"{np.median(finals):.3g} [{np.percentile(finals, 25):.3g}, {np.percentile(finals, 75):.3g}]"
        print(f"| {name:<24} | {fmt(cost):>14} | {fmt(cost / amount):>6} | {iqr:<30} "
              f"| {trials:>10.0f} | {seconds / seeds:>6.2f} |")
        if name in ("hyperband", "asha"):  # the target is for the defaults
            ok &= cost <= amount / 3
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", nargs="+", default=["branin-mf@100", "hartmann6-mf@100"],
                        help="problem names, each optionally with @budget (default budget --budget)")
    parser.add_argument("--budget", type=float, default=100.0, help="cost budget B in full-fidelity evaluations")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--strategies", nargs="+", default=MULTI_FIDELITY,
                        help="strategy names, each optionally with parameters: hyperband:eta=4")
    args = parser.parse_args(argv)
    ok = True
    for spec in args.problems:
        name, _, amount = spec.partition("@")
        if name not in problems:
            raise SystemExit(problems.unknown_message(name))
        ok &= bench(name, float(amount) if amount else args.budget, args.seeds, args.strategies)
    print(f"\nhyperband and asha (defaults) reach random's final median regret within B/3 on every problem: {ok}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Parallel workers inside a run: exactness, simulator speed, science and real parallelism.

Prints one block per bar of issue 11:

1. Exactness: random search with constant durations ``c`` and ``k`` workers ends trial ``i`` at
   ``c * (floor(i / k) + 1)``; with heterogeneous durations the stored schedule equals the
   greedy earliest-free-worker schedule recomputed here from the stored durations alone.
2. Simulator speed: 10,000 random-search trials on Branin with 32 simulated workers, per-trial
   harness overhead against the sequential loop (best of ``--repeats``), and simulated hours per
   real minute.
3. Science: ASHA vs synchronous Hyperband on ``hartmann6-mf`` (8 workers, log-normal durations
   with ``cv = 1``, a time budget), and bayesian with 4 vs 1 worker on Hartmann-6: the simulated
   time at which one method's median incumbent regret (full-fidelity trials only) reaches the
   other's median final regret, as a ratio.
4. Real parallelism: an objective that sleeps 1 s, 16 trials, 2 workers, ``clock = "real"`` on a
   local Ray with 2 CPUs.

Usage: ``python bench/bench_parallel.py [--seeds 20] [--bo-seeds 10] [--skip-real]``.
"""

from __future__ import annotations

import argparse
import heapq
import math
import os
import sys
import time

import numpy as np

from harness.durations import DurationModel
from harness.protocols import Budget, Evaluation, Problem
from harness.registry import problems, strategies
from harness.runner import drive
from harness.space import Float, Space


def run(problem_name: str, strategy_name: str, budget: Budget, seed: int, **options):
    problem = problems.create(problem_name)
    strategy = strategies.factory(strategy_name)(problem.space, seed, budget, problem.fidelity)
    outcome = drive(problem, strategy, budget, seed=1000 + seed, **options)
    if outcome.status != "ok":
        raise SystemExit(f"{strategy_name} on {problem_name} failed: {outcome.error}")
    return problem, outcome


# -- 1. exactness ------------------------------------------------------------------------------
def greedy_schedule(durations: list[float], k: int) -> list[tuple[float, int, float]]:
    """(start, worker, end) per trial index: each trial takes the earliest-free worker."""
    free = [(0.0, w) for w in range(k)]
    out = []
    for d in durations:
        start, worker = heapq.heappop(free)
        out.append((start, worker, start + d))
        heapq.heappush(free, (start + d, worker))
    return out


def exactness() -> None:
    print("== 1. exactness of the simulated schedule ==")
    # The clock adds durations (end = start + c), so c*(m) is met bit for bit when sums of c are
    # exact (c = 2.5); for c = 7.3 the largest deviation is floating-point rounding of the sums.
    for c in (2.5, 7.3):
        for k in (1, 3, 8, 32):
            _, outcome = run("branin", "random", Budget(500), 0, workers=k, clock="simulated", durations=DurationModel(c))
            by_index = sorted(outcome.trials, key=lambda t: t.index)
            exact = all(t.end_time == c * (t.index // k + 1) for t in by_index)
            worst = max(abs(t.end_time - c * (t.index // k + 1)) for t in by_index)
            print(f"constant c={c}, k={k:2d}, 500 trials: end_i == c*(floor(i/k)+1) for every i: {exact} "
                  f"(largest deviation {worst:.1e} s)")
    for k in (2, 8, 32):
        _, outcome = run("branin", "random", Budget(2000), 1, workers=k, durations=DurationModel(60.0, 1.0))
        by_index = sorted(outcome.trials, key=lambda t: t.index)
        reference = greedy_schedule([t.end_time - t.start_time for t in by_index], k)
        same = all((t.start_time, t.worker, t.end_time) == r for t, r in zip(by_index, reference))
        print(f"log-normal cv=1, k={k:2d}, 2000 trials: schedule == greedy earliest-free-worker recomputation: {same}")


# -- 2. simulator speed ------------------------------------------------------------------------
def objective_cpu_seconds(problem, configs) -> float:
    """CPU seconds the objective alone takes on ``configs``, in the runner's batches of 1,024."""
    start = time.process_time()
    for i in range(0, len(configs), 1024):
        chunk = configs[i:i + 1024]
        problem.evaluate_batch(chunk, [None] * len(chunk), list(range(len(chunk))))
    return time.process_time() - start


def speed(repeats: int) -> None:
    print("\n== 2. simulator overhead: 10,000 random-search trials on Branin ==")
    print("   (wall: elapsed minus time in the objective; CPU: process CPU time minus the objective's CPU time,")
    print(f"    robust to other load on the machine; fastest of {repeats} repeats; load average {os.getloadavg()[0]:.1f})")
    n = 10_000
    problem = problems.create("branin")
    rows = [("sequential (no clock)", {}),
            ("32 workers, constant durations", {"workers": 32, "durations": DurationModel(60.0)}),
            ("32 workers, log-normal cv=1", {"workers": 32, "durations": DurationModel(60.0, 1.0)})]
    base = base_cpu = None
    for label, options in rows:
        best, outcome, overhead, used, objective = math.inf, None, math.inf, math.inf, math.inf
        for r in range(repeats):
            strategy = strategies.factory("random")(problem.space, r, Budget(n))
            t0, c0 = time.perf_counter(), time.process_time()
            this = drive(problem, strategy, Budget(n), seed=r, **options)
            elapsed = time.perf_counter() - t0
            used = min(used, time.process_time() - c0)
            objective = min(objective, objective_cpu_seconds(problem, [t.config for t in this.trials]))
            # Overhead of the fastest repeat: its own time minus its own time in the objective.
            if elapsed < best:
                best, outcome = elapsed, this
                overhead = (elapsed - sum(t.eval_seconds for t in this.trials)) / n * 1e6
        cpu = (used - objective) / n * 1e6  # fastest drive minus the fastest objective alone
        base = overhead if base is None else base
        base_cpu = cpu if base_cpu is None else base_cpu
        line = (f"{label:32s}: {best / n * 1e6:6.1f} us/trial total, wall overhead {overhead:5.1f} us/trial "
                f"({overhead / base:.2f}x sequential), CPU overhead {cpu:5.1f} us/trial ({cpu / base_cpu:.2f}x sequential)")
        if options:
            simulated = max(t.end_time for t in outcome.trials)
            line += f"; {simulated / 3600:.1f} simulated h in {best:.2f} s = {simulated / 3600 / (best / 60):,.0f} simulated h per real minute"
        print(line)


# -- 3. science --------------------------------------------------------------------------------
def incumbent_curve(outcome, optimum: float, high: float | None) -> tuple[np.ndarray, np.ndarray]:
    """(end times, regret of the best full-fidelity ok trial so far) in completion order."""
    times, regrets, best = [], [], math.inf
    for t in outcome.trials:
        if t.ok and (high is None or t.fidelity == high):
            best = min(best, t.value - optimum)
        times.append(t.end_time)
        regrets.append(best)
    return np.array(times), np.array(regrets)


def median_at(curves, grid: np.ndarray) -> np.ndarray:
    values = []
    for times, regrets in curves:
        pos = np.searchsorted(times, grid, side="right") - 1
        values.append(np.where(pos >= 0, regrets[np.maximum(pos, 0)], np.inf))
    return np.median(np.array(values), axis=0)


def time_to_reach(curves, target: float, grid: np.ndarray) -> float:
    med = median_at(curves, grid)
    hit = np.flatnonzero(med <= target)
    return float(grid[hit[0]]) if hit.size else math.inf


def science(seeds: int, bo_seeds: int, horizon: float, bo_evals: int) -> None:
    print(f"\n== 3a. ASHA vs synchronous Hyperband on hartmann6-mf: 8 workers, 1 s per full evaluation, "
          f"cv=1, time budget {horizon:g} s, {seeds} seeds ==")
    durations = DurationModel(1.0, 1.0)
    curves: dict[str, list] = {"asha": [], "hyperband": []}
    spent: dict[str, float] = {"asha": 0.0, "hyperband": 0.0}
    busy: dict[str, list] = {"asha": [], "hyperband": []}
    for name in curves:
        for seed in range(seeds):
            t0 = time.perf_counter()
            problem, outcome = run("hartmann6-mf", name, Budget(horizon, "time"), seed, workers=8, durations=durations)
            spent[name] += time.perf_counter() - t0
            curves[name].append(incumbent_curve(outcome, problem.optimum, problem.fidelity.high))
            busy[name].append(sum(t.end_time - t.start_time for t in outcome.trials) / (8 * horizon))
    grid = np.linspace(0, horizon, 2001)
    finals = {name: float(median_at(c, np.array([horizon]))[0]) for name, c in curves.items()}
    for name in curves:
        print(f"{name:10s}: median final regret {finals[name]:.3g}, mean utilisation {np.mean(busy[name]):.1%}, "
              f"{spent[name]:.1f} s wall for {seeds} runs")
    t_asha = time_to_reach(curves["asha"], finals["hyperband"], grid)
    print(f"ASHA reaches Hyperband's median final regret at {t_asha:g} s of {horizon:g} s: "
          f"ratio {t_asha / horizon:.2f} (bar: < 1)")

    print(f"\n== 3b. bayesian, 4 vs 1 worker on Hartmann-6: 1 s per evaluation, cv=0, {bo_seeds} seeds ==")
    bo: dict[int, list] = {1: [], 4: []}
    for k, seconds in ((1, float(bo_evals)), (4, bo_evals / 2.0)):
        t0 = time.perf_counter()
        for seed in range(bo_seeds):
            problem, outcome = run("hartmann6", "bayesian", Budget(seconds, "time"), seed, workers=k,
                                   clock="simulated", durations=DurationModel(1.0))
            bo[k].append(incumbent_curve(outcome, problem.optimum, None))
        print(f"{k} worker(s): time budget {seconds:g} s ({len(outcome.trials)} trials in the last run), "
              f"{time.perf_counter() - t0:.0f} s wall")
    target = float(median_at(bo[1], np.array([float(bo_evals)]))[0])
    grid4 = np.linspace(0, bo_evals / 2.0, 1001)
    t4 = time_to_reach(bo[4], target, grid4)
    print(f"1-worker median regret after {bo_evals} s: {target:.3g}; 4 workers reach it at {t4:g} s: "
          f"ratio {t4 / bo_evals:.2f} (bar: <= 1/2.5 = 0.40)")


# -- 4. real parallelism -----------------------------------------------------------------------
class SleepOneSecond(Problem):
    """Sleeps one second and returns x^2."""

    name = "sleep-1s"

    def __init__(self) -> None:
        self.space = Space([Float("x", -1.0, 1.0)])

    def evaluate(self, config, fidelity, seed):
        time.sleep(1.0)
        return Evaluation(config["x"] ** 2)


def real() -> None:
    import logging

    import ray

    print("\n== 4. real clock: sleep(1) objective, 16 trials, 2 workers, local Ray with 2 CPUs ==")
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR,
             configure_logging=False)
    try:
        problem = SleepOneSecond()
        warm = strategies.factory("random")(problem.space, 1, Budget(2))
        drive(problem, warm, Budget(2), seed=1, workers=2, clock="real")  # start the 2 worker processes
        strategy = strategies.factory("random")(problem.space, 0, Budget(16))
        t0 = time.perf_counter()
        outcome = drive(problem, strategy, Budget(16), seed=0, workers=2, clock="real")
        elapsed = time.perf_counter() - t0
        print(f"16 x 1 s on 2 workers: {elapsed:.2f} s (ideal 8 s; bar <= 9.5 s), parallel efficiency "
              f"{8.0 / elapsed:.0%}, last end_time {max(t.end_time for t in outcome.trials):.2f} s, "
              f"all ok: {all(t.ok for t in outcome.trials)}")
    finally:
        ray.shutdown()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="seeds of the ASHA vs Hyperband comparison")
    parser.add_argument("--bo-seeds", type=int, default=10, help="seeds of the bayesian 4 vs 1 worker comparison")
    parser.add_argument("--horizon", type=float, default=100.0, help="time budget of ASHA/Hyperband runs (s)")
    parser.add_argument("--bo-evals", type=int, default=60, help="1-worker bayesian budget (evaluations = seconds)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-real", action="store_true")
    parser.add_argument("--only", choices=["exact", "speed", "science", "real"])
    args = parser.parse_args(argv)
    if args.only in (None, "exact"):
        exactness()
    if args.only in (None, "speed"):
        speed(args.repeats)
    if args.only in (None, "science"):
        science(args.seeds, args.bo_seeds, args.horizon, args.bo_evals)
    if args.only in (None, "real") and not args.skip_real:
        real()
    sys.stdout.flush()


if __name__ == "__main__":
    main()

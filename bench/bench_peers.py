"""Peer optimisers: per-suggestion overhead at 100 observations, and Bayesmark's score.

    nice -n 10 python bench/bench_peers.py                       # both parts, default sizes
    nice -n 10 python bench/bench_peers.py --part overhead
    nice -n 10 python bench/bench_peers.py --part score --seeds 2 --problems bayesmark-DT-breast-acc

Part 1 (overhead): each strategy is told 100 observations of Hartmann-6 (6-D; the
multi-fidelity runs on Hartmann-6-MF at the fidelities the strategy asks for), then
``--repeats`` further ask(1) + tell rounds are timed; the median and the mean seconds per round
are its overhead per suggestion at 100 observations (the objective's time excluded; the mean
counts the periodic model refits, e.g. SMAC's every 8 configs).

Part 2 (score): a subset of ``suites/bayesmark.toml`` (same protocol: 128 evaluations, 8
workers, the same strategies) run through ``harness run`` into ``results/bench-peers``
(resumable), then :func:`harness.analysis.bayesmark_score.bayesmark_scores` against the
pinned baselines (``problems/bayesmark/baselines.json``), printed as a table with the
per-problem scores.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: (strategy, problem) pairs timed; DEHB proper needs a fidelity (without one it is its DE).
OVERHEAD_RUNS = [("random", "hartmann6"), ("tpe", "hartmann6"), ("optuna-tpe", "hartmann6"),
                 ("bayesian", "hartmann6"), ("smac", "hartmann6"), ("smac-hyperband", "hartmann6-mf"),
                 ("dehb", "hartmann6"), ("dehb", "hartmann6-mf"), ("nevergrad", "hartmann6"),
                 ("nevergrad-de", "hartmann6"), ("nevergrad-oneplusone", "hartmann6"), ("pycma", "hartmann6")]
#: The strategies of ``suites/bayesmark.toml``, as TOML.
SCORE_STRATEGIES = '"random", "tpe", "optuna-tpe", "bayesian", "smac", "dehb", { name = "nevergrad", batch_size = 8 }'
#: Cheap problems with pinned baselines (seconds per evaluation on one idle core: ~0.1, 0.1, 0.05,
#: 0.2, 0.6), covering trees, neighbours, linear models, kernels and forests.
DEFAULT_PROBLEMS = ["bayesmark-DT-breast-acc", "bayesmark-kNN-diabetes-mae", "bayesmark-lasso-diabetes-mse",
                    "bayesmark-SVM-iris-nll", "bayesmark-RF-wine-acc"]


def overhead(name: str, problem_name: str, observations: int, repeats: int) -> tuple[float, float]:
    """Median and mean seconds of one ask(1) + tell after ``observations`` results were told
    (the mean includes the model refits that some strategies do every few suggestions)."""
    from harness.protocols import Budget, Status, Trial
    from harness.registry import problems, strategies

    cls = strategies.factory(name)
    problem = problems.create(problem_name)
    budget = Budget(observations + repeats + 10) if problem.fidelity is None else Budget(observations + repeats + 10, "cost")
    strategy = cls(problem.space, 0, budget, problem.fidelity)
    times = []
    for index in range(observations + repeats):
        start = time.perf_counter()
        suggestion = strategy.ask(1)[0]
        asked = time.perf_counter() - start
        evaluation = problem.evaluate(suggestion.config, suggestion.fidelity, index)
        fidelity = suggestion.fidelity if problem.fidelity is not None else None
        cost = 1.0 if fidelity is None else fidelity / problem.fidelity.high
        trial = Trial(index, suggestion.config, fidelity, evaluation.value, None, cost, 0.0, 0.0, Status.OK,
                      tag=suggestion.tag)
        start = time.perf_counter()
        strategy.tell([trial])
        if index >= observations:
            times.append(asked + time.perf_counter() - start)
    return float(np.median(times)), float(np.mean(times))


def run_overhead(observations: int, repeats: int) -> None:
    print(f"Per-suggestion overhead (ask + tell) after {observations} observations, over the next {repeats}")
    print(f"{'strategy':22s} {'problem':14s} {'median ms':>10s} {'mean ms':>10s}")
    for name, problem in OVERHEAD_RUNS:
        median, mean = overhead(name, problem, observations, repeats)
        print(f"{name:22s} {problem:14s} {1000 * median:10.1f} {1000 * mean:10.1f}", flush=True)


def suite_text(problems: list[str], seeds: int) -> str:
    """A subset of ``suites/bayesmark.toml``: same protocol and strategies, fewer problems and seeds."""
    listed = ", ".join(f'"{p}"' for p in problems)
    return (f'name = "bench-peers"\nseed = 0\nseeds = {seeds}\nbudget = 128\nworkers = 8\ntrial_timeout = 600\n'
            f"problems = [{listed}]\nstrategies = [{SCORE_STRATEGIES}]\n"
            '[executor]\nkind = "ray"\n')


def run_score(problems: list[str], seeds: int, results: Path, retry_failed: bool = False) -> None:
    import harness
    from harness.analysis.bayesmark_score import bayesmark_problem_scores, bayesmark_scores

    results.mkdir(parents=True, exist_ok=True)
    suite = results.parent / "bench-peers.toml"
    suite.write_text(suite_text(problems, seeds))
    subprocess.run([sys.executable, "-m", "harness", "run", str(suite), "--results", str(results), "--no-report",
                    "--quiet", *(["--retry-failed"] if retry_failed else [])], cwd=ROOT, check=False)
    trials = harness.load(results)
    runs = trials.groupby(["problem_name", "strategy", "repetition"]).size()
    print(f"\nBayesmark mean normalised score: {len(problems)} problems x {seeds} seeds, 128 evaluations, "
          f"8 workers (simulated clock); {len(runs)} runs, {len(trials)} trials")
    print("problems: " + ", ".join(problems))
    table = bayesmark_scores(trials)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.1f}"))
    per_problem = bayesmark_problem_scores(trials).pivot(index="strategy", columns="problem_name", values="score")
    print("\nper problem (score, 100 = best known, 0 = median random evaluation):")
    print(per_problem.to_string(float_format=lambda v: f"{v:.1f}"))
    baseline = bayesmark_problem_scores(trials).groupby("problem_name")["baseline"].first()
    print("\nbaselines: " + "; ".join(f"{k}: {v}" for k, v in baseline.items()))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["overhead", "score", "both"], default="both")
    parser.add_argument("--observations", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=24)
    parser.add_argument("--problems", nargs="*", default=DEFAULT_PROBLEMS)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--results", type=Path, default=ROOT / "results" / "bench-peers")
    parser.add_argument("--retry-failed", action="store_true", help="rerun stored runs that failed")
    args = parser.parse_args(argv)
    if args.part in ("overhead", "both"):
        run_overhead(args.observations, args.repeats)
    if args.part in ("score", "both"):
        run_score(args.problems, args.seeds, args.results, args.retry_failed)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Time and memory of :func:`harness.analysis.analyse` (+ tables) on a large trial frame.

Usage::

    python bench/bench_analysis.py                      # 10,000 runs x 100 trials, synthetic
    python bench/bench_analysis.py --results results/x  # a stored suite via harness.load

Prints the seconds of each stage and the peak resident memory of the process.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

# Run from anywhere: the repository root first, so `harness` is the package itself.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def peak_rss_gib() -> float:
    """Peak resident set size of this process so far, in GiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", help="results directory to load instead of synthetic data")
    parser.add_argument("--problems", type=int, default=20)
    parser.add_argument("--strategies", type=int, default=5)
    parser.add_argument("--repetitions", type=int, default=100)
    parser.add_argument("--trials", type=int, default=100)
    args = parser.parse_args()

    start = time.perf_counter()
    if args.results:
        import harness

        df = harness.load(args.results)
    else:
        from harness.analysis.synthetic import synthetic_trials

        skills = {f"s{i}": 2.0 * i for i in range(args.strategies)}
        skills["random"] = skills.pop("s0")
        df = synthetic_trials(args.problems, skills, args.repetitions, args.trials, seed=0)
    loaded = time.perf_counter()
    print(f"trials: {len(df):,}  runs: {df['run_id'].nunique():,}  "
          f"frame: {df.memory_usage(deep=True).sum() / 2 ** 30:.2f} GiB  "
          f"load/generate: {loaded - start:.1f} s  peak RSS so far: {peak_rss_gib():.2f} GiB")

    from harness.analysis import analyse
    from harness.analysis.tables import write_tables

    t0 = time.perf_counter()
    analysis = analyse(df)
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        write_tables(analysis, out)
    t2 = time.perf_counter()
    print(f"analyse: {t1 - t0:.1f} s  write_tables: {t2 - t1:.1f} s  "
          f"total analysis: {t2 - t0:.1f} s  peak RSS: {peak_rss_gib():.2f} GiB")
    for sentence in analysis.summary[:3]:
        print("  " + sentence)


if __name__ == "__main__":
    main()

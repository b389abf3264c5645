"""Time and measure a report on 1,000,000 stored trials (10,000 runs x 100 trials).

Usage::

    python bench/bench_report.py [--results results/bench-report] [--runs-only]

Step 1 (skipped when the results are already stored): the harness's own suite runner
(serial executor, in a subprocess) runs 5 cheap synthetic problems x 2 fast strategies x
1,000 seeds x 100 evaluations = 10,000 runs and 1,000,000 trials into the store.
Step 2: ``harness.report.build_report`` on those results, in this process; prints its wall
time, the time of each stage, and the peak resident memory of the process
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``). Targets: < 60 s and < 4 GiB.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SUITE = textwrap.dedent(
    """
    # 5 problems x 2 strategies x 1,000 seeds x 100 evaluations = 10,000 runs, 1,000,000 trials.
    name = "bench-report"
    seed = 11
    seeds = 1000
    budget = 100
    problems = ["sphere-2d", "rosenbrock-5d", "ackley-10d", "branin", "hartmann6"]
    strategies = ["random", { name = "random", label = "random-sobol", params = { method = "sobol" } }]
    [executor]
    kind = "serial"
    """
)


def generate(results: Path) -> float:
    """Run the bench suite into ``results`` (resuming) in a subprocess; seconds taken."""
    suite = results.parent / "bench-report.toml"
    results.parent.mkdir(parents=True, exist_ok=True)
    suite.write_text(SUITE)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "harness", "run", str(suite), "--results", str(results), "--no-report", "--quiet"],
                   check=True, cwd=ROOT)
    return time.perf_counter() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=ROOT / "results" / "bench-report")
    parser.add_argument("--runs-only", action="store_true", help="only generate the stored trials")
    args = parser.parse_args(argv)

    seconds = generate(args.results)
    print(f"stored trials ready in {seconds:.0f} s (runner + store; reused runs are skipped)")
    if args.runs_only:
        return 0

    from harness.report import build_report

    started = time.perf_counter()
    html = build_report(args.results)
    elapsed = time.perf_counter() - started
    peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux
    stage = (html.parent / "report.md").read_text().split("Stage times: ", 1)[-1].split(".\n", 1)[0]
    import pyarrow.parquet as pq

    n_trials = sum(pq.ParquetFile(p).metadata.num_rows for p in (args.results / "trials").glob("*.parquet"))
    print(f"trials: {n_trials:,}")
    print(f"build_report: {elapsed:.1f} s (target < 60 s); stages: {stage}")
    print(f"peak memory (maxrss): {peak_gib:.2f} GiB (target < 4 GiB)")
    print(f"load average during the bench: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"report: {html}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

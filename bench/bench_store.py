"""Store speed: load 10,000 runs x 100 trials (1,000,000 rows) written by the harness itself.

Usage::

    python bench/bench_store.py [--results results/bench-report]

Step 1 (skipped when already stored) runs the same 10,000-run suite as ``bench_report.py``
through the harness's serial executor, so the parts on disk are what a real suite writes.
Step 2 prints the number of part files, the time of ``harness.load`` (best of 3), of the
resume check (``Store.finished_run_ids``) and of ``Store.runs``, and the peak memory.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_report import ROOT, generate  # noqa: E402  (the same suite, written once)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=ROOT / "results" / "bench-report")
    args = parser.parse_args(argv)
    seconds = generate(args.results)
    print(f"suite run (serial, skipped runs already stored): {seconds:.1f} s")

    import harness
    from harness.store import Store

    store = Store(args.results)
    print(f"part files: {len(store.parts())}, "
          f"{sum(p.stat().st_size for p in store.parts()) / 2**20:.1f} MiB on disk")
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        frame = harness.load(args.results)
        timings.append(time.perf_counter() - start)
    print(f"harness.load: {len(frame):,} rows x {frame.shape[1]} columns, {frame.run_id.nunique():,} runs "
          f"in {min(timings):.2f} s (best of 3; all: {', '.join(f'{t:.2f}' for t in timings)})")
    start = time.perf_counter()
    finished = store.finished_run_ids()
    print(f"resume check (finished run ids): {len(finished):,} runs in {time.perf_counter() - start:.3f} s")
    start = time.perf_counter()
    runs = store.runs()
    print(f"Store.runs: {len(runs):,} rows in {time.perf_counter() - start:.3f} s")
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

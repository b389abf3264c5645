"""Regenerate every figure and table of the paper: ``python paper/regenerate.py [--rerun]``.

Runs ``suites/paper.toml`` (stored runs are reused, so this is quick once the suite has
run; ``--rerun`` starts over), writes its report to ``results/paper/report/`` and copies the
figures, tables and generated numbers into ``paper/figures``, ``paper/tables`` and
``paper/generated``; then runs ``suites/paper-bbob.toml`` the same way and writes the BBOB
section (``generated/bbob.tex``, ``figures/bbob_ecdf``), then ``suites/paper-lc.toml`` for the
learning-curve section (``generated/learning_curves.tex``, ``figures/learning_curves``). Same as ``make -C paper figures`` and ``harness paper``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from harness.cli import main as harness
from harness.suite import load_suite

#: The repository this script lives in: the suite and the paper are found beside it.
ROOT = Path(__file__).resolve().parents[1]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rerun", action="store_true", help="delete the stored paper results and run the suite again")
    parser.add_argument("--executor", choices=("serial", "ray"), help="override the suite's executor")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    paper, suite = ROOT / "paper", ROOT / "suites" / "paper.toml"
    results = ROOT / "results" / load_suite(suite).name
    bbob_suite = ROOT / "suites" / "paper-bbob.toml"
    command = ["paper", "--suite", str(suite), "--results", str(results), "--paper-dir", str(paper),
               "--bbob-suite", str(bbob_suite), "--bbob-results", str(ROOT / "results" / load_suite(bbob_suite).name)]
    lc_suite = ROOT / "suites" / "paper-lc.toml"
    command += ["--lc-suite", str(lc_suite), "--lc-results", str(ROOT / "results" / load_suite(lc_suite).name)]
    command += ["--rerun"] * args.rerun + ["--quiet"] * args.quiet
    command += ["--executor", args.executor] if args.executor else []
    status = harness(command)
    if status:
        return status
    figures = sorted(p.name for p in (paper / "figures").glob("*.pdf"))
    tables = sorted(p.name for p in (paper / "tables").glob("*.tex"))
    print(f"regenerated {len(figures)} figures and {len(tables)} tables in {paper} "
          f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

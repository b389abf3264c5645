"""The ``harness`` command: run, report, list, show, tabulate, coco, paper.

User errors (bad suite files, unknown names, missing results) exit with status 2 and one
line naming the problem; an interrupted run exits with 130 after saying how to resume.
"""

from __future__ import annotations

import argparse
import inspect
import json
import signal
import sys
from pathlib import Path
from typing import Sequence

from harness.registry import RegistryError, problems, strategies

__all__ = ["main"]

EXIT_FAILURE = 1
EXIT_USAGE = 2
#: ``harness run`` finished, but some runs of the suite failed (their errors are stored).
EXIT_RUNS_FAILED = 3
#: ``harness run`` stopped or ended with runs Ray could not run (they run on resume).
EXIT_RAY_FAILED = 4
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """An error in what the user asked for (exit status 2)."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="harness", description="Benchmark hyperparameter-optimisation strategies.")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in (_add_results_commands, _add_registry_commands, _add_table_commands, _add_paper_command):
        add(sub)
    return parser


def _add_results_commands(sub) -> None:
    """``run``, ``report`` and ``prune``: what makes, rebuilds and trims a results directory."""
    run = sub.add_parser("run", help="run (or resume) a suite and write its report")
    run.add_argument("suite", help="suite file (TOML)")
    run.add_argument("--executor", choices=("ray", "serial"), help="override the suite's executor (default: ray)")
    run.add_argument("--address", help="join this Ray cluster instead of starting a local Ray (also: RAY_ADDRESS)")
    run.add_argument("--workers", type=int, help="CPUs of the local Ray (default: all)")
    run.add_argument("--results", help="results directory (default: results/<suite name>)")
    run.add_argument("--retry-failed", action="store_true", help="rerun stored runs whose strategy or worker failed")
    run.add_argument("--rerun-changed", action="store_true",
                     help="rerun stored runs made by another version or source of their strategy or problem")
    run.add_argument("--no-report", action="store_true", help="skip writing the report")
    run.add_argument("--quiet", action="store_true", help="no progress bar")

    report = sub.add_parser("report", help="regenerate the report from stored trials")
    report.add_argument("results", help="results directory, e.g. results/quick")
    report.add_argument("--all-runs", action="store_true", help="include stored runs no longer in the suite")

    prune = sub.add_parser("prune", help="remove stored runs (lists them unless --yes)")
    prune.add_argument("results", help="results directory, e.g. results/quick")
    prune.add_argument("--keep-current", action="store_true", required=True,
                       help="keep the runs of the current suite, remove every other stored run")
    prune.add_argument("--yes", action="store_true", help="remove them (without it: only list what would go)")


def _add_registry_commands(sub) -> None:
    """``list`` and ``show``: the registries, and the failures of a results directory."""
    listing = sub.add_parser("list", help="list registered problems or strategies")
    listing.add_argument("what", choices=("problems", "strategies"))

    show = sub.add_parser("show", help="describe one problem or strategy, or list the failures of a results directory")
    show.add_argument("name", help="a problem or strategy name; with --failures a results directory")
    show.add_argument("--failures", action="store_true", help="list failed runs and trials of NAME (a results "
                      "directory) with their tracebacks")


def _add_table_commands(sub) -> None:
    """``tabulate`` and ``coco``: a tabular benchmark, and COCO's post-processing."""
    tab = sub.add_parser("tabulate", help="build (or resume) a table of learning curves of a problem (Sobol configs x seeds)")
    tab.add_argument("problem")
    tab.add_argument("--configs", type=int, required=True, help="number of Sobol configurations")
    tab.add_argument("--seeds", type=int, default=3, help="training seeds per configuration (default 3)")
    tab.add_argument("--epochs", type=int, help="epochs per curve (default: the problem's maximum fidelity)")
    tab.add_argument("--out", help="Parquet file to write (default: tables/<problem>.parquet)")
    tab.add_argument("--chunk", type=int, default=4, help="configurations per task / resumable part (default 4)")
    tab.add_argument("--executor", choices=("ray", "serial"), default="ray")
    tab.add_argument("--address", help="join this Ray cluster (also: RAY_ADDRESS)")
    tab.add_argument("--workers", type=int, help="CPUs of the local Ray (default: all)")

    coco = sub.add_parser("coco", help="run COCO's cocopp on the stored BBOB runs (HTML and figures)")
    coco.add_argument("results", help="results directory, e.g. results/bbob")
    coco.add_argument("--output", help="cocopp's output folder (default: RESULTS/report/cocopp)")


def _add_paper_command(sub) -> None:
    """``paper``: the paper suite and the suites of its sections."""
    paper = sub.add_parser("paper", help="rerun or reuse the paper suite and regenerate the paper's figures and tables")
    paper.add_argument("--rerun", action="store_true", help="rerun the suite even if results are stored")
    paper.add_argument("--suite", default="suites/paper.toml", help="the paper suite (default: suites/paper.toml)")
    paper.add_argument("--results", help="results directory (default: results/<suite name>)")
    paper.add_argument("--paper-dir", default="paper", help="the paper's directory (default: paper)")
    paper.add_argument("--bbob-suite", default="suites/paper-bbob.toml",
                       help="the BBOB section's suite, run after the paper suite (default: suites/paper-bbob.toml)")
    paper.add_argument("--bbob-results", help="its results directory (default: results/<its name>)")
    paper.add_argument("--no-bbob", action="store_true", help="leave the BBOB section as it is")
    paper.add_argument("--lc-suite", default="suites/paper-lc.toml",
                       help="the learning-curve section's suite, run after the paper suite (default: suites/paper-lc.toml)")
    paper.add_argument("--lc-results", help="its results directory (default: results/<its name>)")
    paper.add_argument("--no-lc", action="store_true", help="leave the learning-curve section as it is")
    paper.add_argument("--executor", choices=("ray", "serial"), help="override the suite's executor")
    paper.add_argument("--quiet", action="store_true", help="no progress bar")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``harness`` command; returns the exit status."""
    args = _parser().parse_args(argv)
    # A SIGTERM (e.g. from a scheduler) stops as cleanly as Ctrl-C: stored runs stay stored.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        return _dispatch(args)
    except UsageError as exc:
        print(f"error: {_one_line(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _one_line(text: str, limit: int = 500) -> str:
    """An error message as one line of readable length."""
    text = " ".join(text.split())
    return text if len(text) <= limit else f"{text[:limit - 40]}... ({len(text) - limit + 40} characters omitted)"


def _dispatch(args: argparse.Namespace) -> int:
    from harness.executors import ExecutorError
    from harness.store import StoreError
    from harness.suite import ConfigError

    try:
        if args.command == "run":
            return _run(args)
        if args.command == "report":
            return _report(args.results, args.all_runs)
        if args.command == "prune":
            return _prune(args.results, args.yes)
        if args.command == "list":
            print(_listing(args.what))
            return 0
        if args.command == "show":
            if args.failures:
                from harness.failures import describe_failures

                _existing_results(args.name)
                print(describe_failures(args.name))
                return 0
            print(_show(args.name))
            return 0
        if args.command == "tabulate":
            from harness.tabulate import TabulateError, tabulate

            try:
                out = tabulate(args.problem, configs=args.configs, seeds=args.seeds, epochs=args.epochs,
                               out=args.out or f"tables/{args.problem}.parquet", chunk=args.chunk,
                               executor=args.executor, address=args.address, workers=args.workers)
            except TabulateError as exc:
                raise UsageError(str(exc)) from None
            print(f"table written to {out} (provenance: {out.with_suffix('.json')})")
            return 0
        if args.command == "coco":
            from harness.coco import CocoError, run_cocopp

            try:
                print(f"cocopp: {run_cocopp(args.results, args.output)}")
            except CocoError as exc:
                raise UsageError(str(exc)) from None
            return 0
        if args.command == "paper":
            return _paper(args)
    except (ConfigError, StoreError, RegistryError) as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        # A read-only or full results disk, a results path that is a file: one line, no traceback.
        raise UsageError(f"cannot use {exc.filename or 'a results file'}: {exc.strerror or exc}") from None
    except ExecutorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    raise UsageError(f"unknown command {args.command!r}")


def _run(args: argparse.Namespace) -> int:
    from harness.benchmark import Interrupted, RayFailed, run_suite

    try:
        summary = run_suite(
            args.suite,
            executor=args.executor,
            address=args.address,
            workers=args.workers,
            results=args.results,
            retry_failed=args.retry_failed,
            rerun_changed=args.rerun_changed,
            progress=not args.quiet,
        )
    except Interrupted as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_INTERRUPTED
    except RayFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_RAY_FAILED
    print(f"{summary.ran} runs done ({summary.trials:,} trials), {summary.skipped} already stored; "
          f"results in {summary.results}")
    if not args.no_report:
        from harness.report import build_report

        print(f"report: {build_report(summary.results)}")
    if summary.unrun:
        print(f"{len(summary.unrun)} runs were not run because Ray failed ({summary.unrun[0]}); "
              "run the same command again to run them")
        return EXIT_RAY_FAILED
    if summary.failed_total:
        now = f", {summary.failed_runs} of them in this invocation" if summary.failed_runs != summary.failed_total else ""
        print(f"{summary.failed_total} runs failed{now}; `harness show {summary.results} --failures` lists them, "
              "`--retry-failed` reruns them")
        return EXIT_RUNS_FAILED
    return 0


def _existing_results(results: str) -> None:
    from harness.store import StoreError

    if not (Path(results) / "trials").is_dir():
        raise StoreError(f"no results directory at {results} (expected {results}/trials/)")


def _report(results: str, all_runs: bool = False) -> int:
    from harness.report.build import make_report

    report = make_report(results, all_runs=all_runs)  # a missing or corrupt directory fails by name
    if report.inputs.ignored_runs:
        print(f"note: {report.inputs.ignored_runs}")
    print(f"report: {report.html}")
    return 0


def _paper(args: argparse.Namespace) -> int:
    """Run (or reuse) the paper suite, write its report, and render the paper from it; then
    run (or reuse) the suite of each further section and render that section."""
    from harness.report.bbob_section import write_paper_section as write_bbob_section
    from harness.report.build import make_report
    from harness.report.learning_curve_section import write_paper_section as write_lc_section
    from harness.report.paper import write_paper
    from harness.store import Store
    from harness.suite import load_suite

    # Every suite is read before anything runs, so a bad one fails first, in one line.
    sections = [(path, load_suite(path), results, write)
                for skip, path, results, write in ((args.no_bbob, args.bbob_suite, args.bbob_results, write_bbob_section),
                                                   (args.no_lc, args.lc_suite, args.lc_results, write_lc_section))
                if not skip]
    written = write_paper(make_report(_paper_run(args, args.suite, load_suite(args.suite), args.results)),
                          args.paper_dir)
    for path, suite, results, write in sections:
        write(Store(_paper_run(args, path, suite, results)).load(), Path(args.paper_dir), suite.name)
    print(f"paper figures and tables regenerated in {written}")
    return 0


def _paper_run(args: argparse.Namespace, path: str, suite, results: str | None) -> Path:
    """Run (or reuse; with ``--rerun`` rerun) one suite of the paper; its results directory."""
    import shutil

    from harness.benchmark import results_dir_for, run_suite

    results_dir = Path(results) if results else results_dir_for(suite, None)
    if args.rerun and results_dir.exists():
        shutil.rmtree(results_dir)
    run_suite(path, results=results_dir, executor=args.executor, progress=not args.quiet)
    return results_dir


def _prune(results: str, yes: bool) -> int:
    from harness.lock import ResultsLock, ResultsLocked
    from harness.store import Store, StoreError

    _existing_results(results)
    store = Store(results)
    try:
        with ResultsLock(results, notify=lambda line: print(line, file=sys.stderr)):
            selection = store.selection()
            if not selection.ignored:
                print(f"nothing to prune: every stored run in {results} belongs to the current suite")
                return 0
            for r in sorted(selection.ignored, key=lambda r: (r.problem, r.strategy, r.repetition)):
                print(f"{r.run_id}  {r.problem} / {r.strategy} / repetition {r.repetition} "
                      f"({r.run_status}, {r.n_trials} trials)")
            n = len(selection.ignored)
            if not yes:
                print(f"{n} stored runs are not in the current suite and would be removed; "
                      f"`harness prune {results} --keep-current --yes` removes them")
                return 0
            removed = store.drop_runs({r.run_id for r in selection.ignored})
            print(f"removed {removed} stored runs not in the current suite from {results}")
            return 0
    except ResultsLocked as exc:
        raise StoreError(str(exc)) from None


def _problem_row(name: str) -> list[str]:
    entry, from_name = problems.resolve(name)
    try:
        problem = problems.create(name)
    except Exception as exc:  # noqa: BLE001 - a broken plugin must not break the listing
        return [entry.name, f"(cannot build: {exc})", "", "", ""]
    fidelity = problem.fidelity
    fid = "-" if fidelity is None else f"{fidelity.name} [{fidelity.low:g}, {fidelity.high:g}]"
    optimum = "unknown" if problem.optimum is None else f"{problem.optimum:.6g}"
    shown = entry.name if entry.regex is None else f"{entry.name} (e.g. {name})"
    return [shown, problem.space.describe(), fid, optimum, ",".join(problem.tags)]


def _listing(what: str) -> str:
    rows: list[list[str]]
    if what == "problems":
        header = ["name", "space", "fidelity", "optimum", "tags"]
        rows = [_problem_row(e.example or e.name) for e in problems.entries()]
    else:
        header = ["name", "parameters (defaults)", "needs fidelity", "batch"]
        rows = []
        for entry in strategies.entries():
            try:
                cls = entry.load()
            except Exception as exc:  # noqa: BLE001
                rows.append([entry.name, f"(cannot load: {exc})", "", ""])
                continue
            params = ", ".join(f"{k}={v!r}" for k, v in cls.parameters().items()) or "-"
            batch = "any" if cls.max_batch is None else str(cls.max_batch)
            rows.append([entry.name, params, "yes" if cls.needs_fidelity else "no", batch])
    return _table(header, rows)


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip() for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _show(name: str) -> str:
    in_problems, in_strategies = name in problems, name in strategies
    if not in_problems and not in_strategies:
        import difflib

        candidates = [e.example or e.name for e in problems.entries()] + strategies.names()
        close = difflib.get_close_matches(name, candidates, n=3, cutoff=0.5)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise RegistryError(f"Unknown problem or strategy '{name}'{hint} (`harness list problems|strategies` shows them all)")
    parts = []
    if in_problems:
        from harness.factory_parameters import problem_parameters

        problem = problems.create(name)
        entry, _ = problems.resolve(name)
        doc = inspect.getdoc(type(problem)) or ""
        accepted = problem_parameters(entry.load(), problem)
        factory_params = ("    (not readable: its factory passes **kwargs on)\n" if accepted is None else
                          "".join(f"    {k} = {v!r}\n" for k, v in accepted.items()) or "    (none)\n")
        parts.append(
            f"problem {name} ({entry.source})\n"
            f"  space:    {problem.space.describe()}\n"
            + "".join(f"    {p.name}: {p.describe()}"
                      + (f" if {p.condition.parent} in {list(p.condition.values)}" if p.condition else "") + "\n"
                      for p in problem.space.params)
            + f"  fidelity: {json.dumps(None if problem.fidelity is None else problem.fidelity.to_json())}\n"
            f"  optimum:  {problem.optimum}\n"
            f"  tags:     {', '.join(problem.tags) or '-'}\n"
            f"  parameters (constructor defaults; a variant may preset others):\n"
            f"{factory_params}\n{doc}"
        )
    if in_strategies:
        entry, _ = strategies.resolve(name)
        cls = entry.load()
        params = "\n".join(f"    {k} = {v!r}" for k, v in cls.parameters().items()) or "    (none)"
        flags = (f"needs fidelity: {cls.needs_fidelity}; conditionals: {cls.supports_conditionals}; "
                 f"mixed types: {cls.supports_mixed}; max batch: {cls.max_batch or 'any'}")
        parts.append(f"strategy {name} ({entry.source})\n  {flags}\n  parameters:\n{params}\n\n{inspect.getdoc(cls) or ''}")
    return "\n\n".join(parts)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

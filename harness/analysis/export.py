"""Export trajectories in the COCO (bbob) and IOHprofiler text formats.

COCO: the "bbob" text format of the fgeneric/COCO loggers described in N. Hansen et al.,
"Real-parameter black-box optimization benchmarking 2009: experimental setup" (INRIA
RR-6828, inria-00362649), which cocopp reads. One folder per strategy (the algorithm),
holding ``bbobexp_f<id>.info`` and ``data_f<id>/bbobexp_f<id>_DIM<d>.dat`` (records when the
best regret improves, plus each run's last evaluation) and ``.tdat`` (records at log-spaced
evaluation counts, plus the last). Each run starts with the header line
``% function evaluation | noise-free fitness - Fopt (<Fopt>) | best noise-free fitness -
Fopt | measured fitness | best measured fitness``; the info file has one three-line block per
(problem, dimension): ``funcId = .., DIM = .., Precision = 1.000e-08, algId = '..'``, a ``%``
comment line, and the data file followed by ``instance:evaluations|final regret`` entries.
Problems are numbered 1.. in sorted order; ``problems.csv`` maps ids to names. Fopt is the
regret reference (optimum, pinned reference or best observed). Parameter columns are left
out (HPO configurations can be categorical). cocopp's bbob figures assume the bbob functions
of the same id, so load these with cocopp for its ECDF and aRT views only.

IOHprofiler: the IOHanalyzer data format (https://iohprofiler.github.io/IOHanalyzer/data/):
one folder per strategy with ``IOHprofiler_f<id>_<name>.info`` (a three-line block per
dimension: ``suite = .., funcId = .., DIM = .., algId = .., maximization = False``, a ``%``
line, then ``data_f<id>_<name>/IOHprofiler_f<id>_DIM<d>.dat, instance:evals|best, ...``) and
the ``.dat`` raw data: every run starts with the quoted header line ``"function evaluation"
"current f(x)" "best-so-far f(x)" "current af(x)+b" "best af(x)+b"``, records are written
when the best-so-far improves and at the run's last evaluation (as the format requires for
correct ERT). ``f(x)`` is the observed value and ``af(x)+b`` the regret against the reference.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from harness.analysis import metrics

COCO_PRECISION = 1e-8


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.+-]+", "-", str(text)).strip("-") or "x"


def _prepare(df: pd.DataFrame, inc: pd.DataFrame | None) -> pd.DataFrame:
    inc = metrics.incumbents(df) if inc is None else inc
    run = pd.factorize(inc["run_id"], sort=False)[0]
    last = np.r_[run[1:] != run[:-1], True] if len(run) else np.zeros(0, bool)
    return inc.assign(_run=run, _last=last)


def _function_ids(inc: pd.DataFrame) -> dict[str, int]:
    return {p: i + 1 for i, p in enumerate(sorted(inc["problem"].unique()))}


def _improvements(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Rows where ``column`` (a best-so-far value) changes within a run, or a run ends."""
    values = frame[column].to_numpy(dtype=float)
    run = frame["_run"].to_numpy()
    previous = np.r_[np.nan, values[:-1]]
    new_run = np.r_[True, run[1:] != run[:-1]]
    changed = (values != previous) & ~(np.isnan(values) & np.isnan(previous))
    return (changed | new_run | frame["_last"].to_numpy()) & np.isfinite(values)


def _problem_table(inc: pd.DataFrame, ids: dict[str, int]) -> pd.DataFrame:
    first = inc.groupby("problem", sort=True).agg(dimension=("dimension", "first"),
                                                  reference=("reference", "first"))
    first.insert(0, "function_id", [ids[p] for p in first.index])
    return first.reset_index()


def _records(group: pd.DataFrame, mask: np.ndarray, header, columns) -> str:
    """Text of every run of ``group``: a header line per run, then the masked rows.

    ``header(fopt)`` gives a run's header line; ``columns`` are ``(n,)`` arrays written after
    the evaluation count. Runs are contiguous in ``group``.
    """
    run = group["_run"].to_numpy()
    fopt = group["reference"].to_numpy(dtype=float)
    first = np.flatnonzero(np.r_[True, run[1:] != run[:-1]])
    rows = np.flatnonzero(mask)
    # Format the numbers in one C-level pass, then splice a header before each run.
    body = pd.DataFrame({"evals": group["evals"].to_numpy()[rows].astype(np.int64),
                         **{f"c{i}": np.asarray(c, dtype=float)[rows]
                            for i, c in enumerate(columns)}})
    text = body.to_csv(sep=" ", header=False, index=False, float_format="%+.12e",
                       na_rep="nan", lineterminator="\n")
    lines = text.splitlines()
    # Each run's header goes before its first written row (runs with no row keep a header).
    position = np.searchsorted(rows, first)
    out, cursor = [], 0
    for run_start, at in zip(first, position):
        out.extend(lines[cursor:at])
        out.append(header(fopt[run_start]))
        cursor = at
    out.extend(lines[cursor:])
    return "\n".join(out) + "\n"


def _instance_entries(group: pd.DataFrame, best: str, spec: str) -> str:
    ends = group[group["_last"].to_numpy()]
    return ", ".join(f"{int(rep) + 1}:{int(e)}|{b:{spec}}" for rep, e, b in zip(
        ends["repetition"], ends["evals"], ends[best].to_numpy(dtype=float)))


def export_coco(df: pd.DataFrame, out_dir, inc: pd.DataFrame | None = None) -> list[Path]:
    """Write every run in the COCO bbob text format (see the module docstring).

    Parameters
    ----------
    df : DataFrame
        Stored trials (:func:`harness.load`).
    out_dir : str or Path
        Target directory; one sub-folder per strategy is created.
    inc : DataFrame, optional
        Precomputed :func:`harness.analysis.metrics.incumbents`.

    Returns
    -------
    list of Path
        The files written.
    """
    out_dir = Path(out_dir)
    frame = _prepare(df, inc)
    ids = _function_ids(frame)
    out_dir.mkdir(parents=True, exist_ok=True)
    table_path = out_dir / "problems.csv"
    _problem_table(frame, ids).to_csv(table_path, index=False)
    written = [table_path]
    checkpoints = np.unique(np.floor(10 ** (np.arange(0, 121) / 20.0))).astype(int)

    def header(fopt):
        return ("% function evaluation | noise-free fitness - Fopt "
                f"({fopt:.12e}) | best noise-free fitness - Fopt | measured fitness "
                "| best measured fitness")

    for (strategy, problem), group in frame.groupby(["strategy", "problem"], sort=True):
        folder = out_dir / _slug(strategy)
        fid = ids[problem]
        dim = int(group["dimension"].iloc[0])
        (folder / f"data_f{fid}").mkdir(parents=True, exist_ok=True)
        data_rel = f"data_f{fid}/bbobexp_f{fid}_DIM{dim}"
        regret = group["regret"].to_numpy(dtype=float)
        columns = [group["value_true"].to_numpy() - group["reference"].to_numpy(), regret,
                   group["value"].to_numpy(), group["incumbent"].to_numpy()]
        dat_mask = _improvements(group, "regret")
        tdat_mask = (np.isin(group["evals"].to_numpy(), checkpoints)
                     | group["_last"].to_numpy()) & np.isfinite(regret)
        for suffix, mask in (("dat", dat_mask), ("tdat", tdat_mask)):
            path = folder / f"{data_rel}.{suffix}"
            path.write_text(_records(group, mask, header, columns))
            written.append(path)
        info_path = folder / f"bbobexp_f{fid}.info"
        info_path.write_text(
            f"funcId = {fid}, DIM = {dim}, Precision = {COCO_PRECISION:.3e}, "
            f"algId = '{strategy}'\n% hpo-harness export of problem '{problem}'\n"
            f"{data_rel}.dat, " + _instance_entries(group, "regret", ".1e") + "\n")
        written.append(info_path)
    return written


def export_iohprofiler(df: pd.DataFrame, out_dir, inc: pd.DataFrame | None = None
                       ) -> list[Path]:
    """Write every run in the IOHprofiler / IOHanalyzer text format (module docstring).

    Parameters
    ----------
    df : DataFrame
        Stored trials (:func:`harness.load`).
    out_dir : str or Path
        Target directory; one sub-folder per strategy is created.
    inc : DataFrame, optional
        Precomputed :func:`harness.analysis.metrics.incumbents`.

    Returns
    -------
    list of Path
        The files written.
    """
    out_dir = Path(out_dir)
    frame = _prepare(df, inc)
    ids = _function_ids(frame)
    written = []

    def header(_fopt):
        return ('"function evaluation" "current f(x)" "best-so-far f(x)" "current af(x)+b" '
                '"best af(x)+b"')

    for (strategy, problem), group in frame.groupby(["strategy", "problem"], sort=True):
        folder = out_dir / _slug(strategy)
        fid, name = ids[problem], _slug(problem)
        dim = int(group["dimension"].iloc[0])
        data_dir = f"data_f{fid}_{name}"
        (folder / data_dir).mkdir(parents=True, exist_ok=True)
        data_rel = f"{data_dir}/IOHprofiler_f{fid}_DIM{dim}.dat"
        value, best = group["value"].to_numpy(), group["incumbent"].to_numpy()
        fopt = group["reference"].to_numpy()
        (folder / data_rel).write_text(_records(
            group, _improvements(group, "incumbent"), header,
            [value, best, value - fopt, best - fopt]))
        info_path = folder / f"IOHprofiler_f{fid}_{name}.info"
        info_path.write_text(
            f"suite = 'hpo-harness', funcId = {fid}, funcName = '{name}', DIM = {dim}, "
            f"maximization = False, algId = '{strategy}'\n"
            f"% hpo-harness export of problem '{problem}'\n"
            f"{data_rel}, " + _instance_entries(group, "incumbent", ".5e") + "\n")
        written += [info_path, folder / data_rel]
    return written

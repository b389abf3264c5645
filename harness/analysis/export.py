"""Export trajectories in the COCO (bbob) and IOHprofiler text formats.

COCO: the "bbob-new2" text format that COCO's ``bbob`` logger (cocoex 2.x) writes and
``cocopp`` reads, for the runs of BBOB problems (``bbob-f<id>-<d>d``) only: their function id,
dimension, COCO instance and f_opt are COCO's own, so cocopp's figures, its reference
algorithms and its aRT tables apply unchanged. Other problems have no BBOB identity, so they
are left out here (the IOHprofiler export below carries every problem). One folder per
strategy (the algorithm), holding ``bbobexp_f<id>.info`` and
``data_f<id>/bbobexp_f<id>_DIM<d>.dat`` (a record whenever the best ``f - f_opt`` improves,
plus each run's last evaluation) and ``.tdat`` (records at evaluation counts
``floor(10**(i/20))``, plus the last). Each run starts with the header line ``% f evaluations |
g evaluations | best noise-free fitness - Fopt (<Fopt>) + sum g_i+ | measured fitness | best
measured fitness or single-digit g-values``, then rows ``evaluations 0 best(f - Fopt) f
best(f)``; the info file has one three-line block per dimension: ``suite = 'bbob', funcId = ..,
DIM = .., Precision = 1.000e-08, algId = '..', ..., data_format = 'bbob-new2'``, a ``%``
comment line, and the data file followed by ``instance:evaluations|final f - Fopt`` entries.
(Reference: the files cocoex's ``Observer("bbob", ...)`` writes; N. Hansen et al., "COCO:
performance assessment", arXiv:1605.03560.)

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
                         **{f"c{i}": np.asarray(c)[rows] if np.issubdtype(np.asarray(c).dtype, np.integer)
                            else np.asarray(c, dtype=float)[rows] for i, c in enumerate(columns)}})
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


def _instance_entries(group: pd.DataFrame, best: str, spec: str, instance: str | None = None) -> str:
    ends = group[group["_last"].to_numpy()]
    numbers = ends["repetition"].to_numpy() + 1 if instance is None else ends[instance].to_numpy()
    return ", ".join(f"{int(i)}:{int(e)}|{b:{spec}}" for i, e, b in zip(
        numbers, ends["evals"], ends[best].to_numpy(dtype=float)))


_BBOB_NAME = re.compile(r"bbob-f(\d+)-(\d+)d\Z")
#: Evaluation counts recorded in ``.tdat`` files (COCO's ``floor(10**(i/20))``).
TDAT_CHECKPOINTS = np.unique(np.floor(10 ** (np.arange(0, 161) / 20.0))).astype(int)


def _bbob_runs(df: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``frame`` from BBOB runs, with their function id and COCO instance."""
    if "problem_name" not in df.columns:
        return frame.iloc[:0]
    runs = df.drop_duplicates("run_id").set_index("run_id")
    names = runs["problem_name"].astype(str).str.extract(_BBOB_NAME)
    function = pd.to_numeric(names[0], errors="coerce")
    # Runs stored before the instance column existed, or made with instance None, ran COCO
    # instance 1 (the BBOB problem's default).
    instance = (pd.to_numeric(runs["instance"], errors="coerce") if "instance" in runs.columns
                else pd.Series(np.nan, index=runs.index)).fillna(1)
    run_ids = frame["run_id"].astype(str)
    out = frame.assign(_function=run_ids.map(function).to_numpy(), _instance=run_ids.map(instance).to_numpy())
    return out[np.isfinite(out["_function"].to_numpy(dtype=float))].astype({"_function": int, "_instance": int})


def export_coco(df: pd.DataFrame, out_dir, inc: pd.DataFrame | None = None) -> list[Path]:
    """Write the runs of BBOB problems in COCO's bbob format (see the module docstring).

    Parameters
    ----------
    df : DataFrame
        Stored trials (:func:`harness.load`); runs of other problems are skipped.
    out_dir : str or Path
        Target directory; one sub-folder per strategy is created (none without BBOB runs).
    inc : DataFrame, optional
        Precomputed :func:`harness.analysis.metrics.incumbents`.

    Returns
    -------
    list of Path
        The files written (empty when no run is of a BBOB problem).
    """
    out_dir = Path(out_dir)
    frame = _bbob_runs(df, _prepare(df, inc))
    written: list[Path] = []

    def header(fopt):
        return ("% f evaluations | g evaluations | best noise-free fitness - Fopt "
                f"({fopt:.12e}) + sum g_i+ | measured fitness | best measured fitness or "
                "single-digit g-values")

    for (strategy, fid), by_function in frame.groupby(["strategy", "_function"], sort=True):
        folder = out_dir / _slug(strategy)
        (folder / f"data_f{fid}").mkdir(parents=True, exist_ok=True)
        blocks = []
        for dim, group in by_function.groupby("dimension", sort=True):
            # COCO lists a function's runs instance by instance.
            group = group.sort_values(["_instance", "_run", "evals"], kind="stable")
            data_rel = f"data_f{fid}/bbobexp_f{fid}_DIM{int(dim)}"
            regret = group["regret"].to_numpy(dtype=float)
            columns = [np.zeros(len(group), dtype=np.int64), regret,
                       group["value"].to_numpy(dtype=float), group["incumbent"].to_numpy(dtype=float)]
            dat_mask = _improvements(group, "regret")
            tdat_mask = (np.isin(group["evals"].to_numpy(), TDAT_CHECKPOINTS)
                         | group["_last"].to_numpy()) & np.isfinite(regret)
            for suffix, mask in (("dat", dat_mask), ("tdat", tdat_mask)):
                path = folder / f"{data_rel}.{suffix}"
                path.write_text(_records(group, mask, header, columns))
                written.append(path)
            problems = ", ".join(sorted(group["problem"].astype(str).unique()))
            blocks.append(
                f"suite = 'bbob', funcId = {fid}, DIM = {int(dim)}, Precision = {COCO_PRECISION:.3e}, "
                f"algId = '{strategy}', coco_version = '', logger = 'bbob', data_format = 'bbob-new2'\n"
                f"% hpo-harness export of {problems}\n"
                f"{data_rel}.dat, " + _instance_entries(group, "regret", ".1e", "_instance") + "\n")
        info_path = folder / f"bbobexp_f{fid}.info"
        info_path.write_text("".join(blocks))
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

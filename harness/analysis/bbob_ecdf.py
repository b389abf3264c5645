"""COCO's runtime ECDF of BBOB runs: COCO's absolute targets, runtime in evaluations / dimension.

The report's general ECDF (:mod:`harness.analysis.fixed_target`) scales each problem's targets
by its first-trial regret, because HPO tasks have no common scale. BBOB functions do: COCO
measures ``f - f_opt`` against the 51 absolute precisions ``10**2, 10**1.8, ..., 10**-8``
(:data:`COCO_TARGETS`, cocopp's ``pprldmany_target_values`` of the ``bbob`` testbed) and
counts runtime in function evaluations divided by the dimension. This module draws that
figure's numbers from our stored trials, so they can be laid beside cocopp's own.

Definition. For one dimension and one strategy, the ECDF at ``x`` is the fraction of
(function, target) pairs reached within ``x * dimension`` evaluations, each pair weighing the
runs of its function equally (instances pooled, as cocopp pools a function's instances):
``F(x) = mean over (f, t) of (runs of f with runtime(t) <= x * d) / (runs of f)``. A target a
run never reaches keeps its pair in the denominator. Below the budget this is the expected
value of cocopp's ECDF, which replaces an unsuccessful run by simulated restarts: a simulated
run reaches a target within less than one budget only if the run it starts from does.
(Reference: N. Hansen et al., "COCO: performance assessment", arXiv:1605.03560, section 5.)
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from harness.analysis import fixed_target, metrics

__all__ = ["COCO_TARGETS", "bbob_runtimes", "bbob_ecdf", "bbob_problem_ids", "has_bbob_runs"]

#: cocopp's ECDF targets on ``bbob``: ``10 ** np.arange(2, -8.2, -0.2)`` (51 precisions).
COCO_TARGETS = 10.0 ** np.arange(2, -8.2, -0.2)

_BBOB_NAME = re.compile(r"bbob-f(\d+)-(\d+)d\Z")


def bbob_problem_ids(df: pd.DataFrame) -> pd.DataFrame:
    """COCO function id and dimension of every stored run of a BBOB problem.

    Parameters
    ----------
    df : DataFrame
        Stored trials (schema of :func:`harness.load`).

    Returns
    -------
    DataFrame
        Indexed by ``run_id``: ``problem, function, dimension`` (BBOB runs only).
    """
    if "problem_name" not in df.columns or df.empty:
        return pd.DataFrame(columns=["problem", "function", "dimension"])
    runs = df.drop_duplicates("run_id").set_index("run_id")
    parts = runs["problem_name"].astype(str).str.extract(_BBOB_NAME)
    keep = parts[0].notna()
    return pd.DataFrame({"problem": runs.loc[keep, "problem"],
                         "function": parts.loc[keep, 0].astype(int),
                         "dimension": parts.loc[keep, 1].astype(int)})


def has_bbob_runs(df: pd.DataFrame) -> bool:
    """Whether any stored run is of a BBOB problem (``bbob-f<id>-<d>d``)."""
    return "problem_name" in df.columns and bool(
        df["problem_name"].astype(str).str.fullmatch(_BBOB_NAME.pattern).any())


def bbob_runtimes(df: pd.DataFrame, targets=COCO_TARGETS) -> pd.DataFrame:
    """Evaluations each BBOB run took to reach each of COCO's absolute targets.

    Parameters
    ----------
    df : DataFrame
        Stored trials; runs of other problems are ignored.
    targets : sequence of float
        Precisions ``f - f_opt``; default :data:`COCO_TARGETS`.

    Returns
    -------
    DataFrame
        One row per BBOB run x target: ``function, dimension, strategy, run_id, target_index,
        precision, runtime`` (evaluations, inf when never reached) and ``spent`` (the run's
        evaluations).
    """
    ids = bbob_problem_ids(df)
    columns = ["function", "dimension", "strategy", "run_id", "target_index", "precision", "runtime", "spent"]
    if ids.empty:
        return pd.DataFrame(columns=columns)
    bbob = df[df["run_id"].isin(ids.index)]
    inc = metrics.incumbents(bbob)
    targets = np.asarray(targets, dtype=float)
    problems = sorted(inc["problem"].unique())
    frame = pd.DataFrame({"problem": np.repeat(problems, len(targets)),
                          "target_index": np.tile(np.arange(len(targets)), len(problems)),
                          "precision": np.tile(targets, len(problems))})
    rt = fixed_target.runtimes(inc, frame, by="evals")
    run_ids = rt["run_id"].astype(str)
    rt["function"] = run_ids.map(ids["function"]).to_numpy()
    rt["dimension"] = run_ids.map(ids["dimension"]).to_numpy()
    return rt[columns].reset_index(drop=True)


def bbob_ecdf(rt: pd.DataFrame, grid: np.ndarray | None = None, n_points: int = 120) -> pd.DataFrame:
    """COCO's runtime ECDF per dimension and strategy (see the module docstring).

    Parameters
    ----------
    rt : DataFrame
        Output of :func:`bbob_runtimes`.
    grid : ndarray, optional
        Evaluations / dimension at which to evaluate, shape ``(m,)``; default ``n_points``
        log-spaced values from 0.5 / dimension to the largest spend / dimension.
    n_points : int
        Grid size when ``grid`` is omitted.

    Returns
    -------
    DataFrame
        ``dimension, strategy, evals_per_dim, fraction``.
    """
    pieces = []
    for (dim, strategy), group in rt.groupby(["dimension", "strategy"], sort=True):
        scaled = group["runtime"].to_numpy(dtype=float) / dim
        points = grid if grid is not None else np.unique(
            np.geomspace(0.5 / dim, max(float(group["spent"].max()) / dim, 1.0 / dim), n_points))
        points = np.asarray(points, dtype=float)
        runs_of_function = group.groupby("function")["run_id"].transform("nunique").to_numpy()
        n_pairs = group.groupby(["function", "target_index"]).ngroups
        weight = 1.0 / (runs_of_function * n_pairs)
        order = np.argsort(scaled, kind="stable")
        cumulative = np.r_[0.0, np.cumsum(weight[order])]
        reached = np.searchsorted(scaled[order], points, side="right")
        pieces.append(pd.DataFrame({"dimension": int(dim), "strategy": strategy, "evals_per_dim": points,
                                    "fraction": np.clip(cumulative[reached], 0.0, 1.0)}))
    if not pieces:
        return pd.DataFrame(columns=["dimension", "strategy", "evals_per_dim", "fraction"])
    return pd.concat(pieces, ignore_index=True)

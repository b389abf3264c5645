"""Fixed-target view, as COCO does it: targets, runtimes to targets, runtime ECDFs and aRT.

Targets. Problems differ in scale, so each problem's targets are precisions on its regret
scale: ``delta_i = s * 10 ** e_i`` with 51 exponents ``e_i`` evenly spaced from
:data:`TARGET_EXPONENT_HIGH` (0) down to :data:`TARGET_EXPONENT_LOW` (-8), and ``s`` the
median regret of the first successful trial over all runs of the problem (the regret of a
typical untuned configuration). A run reaches target ``i`` at the first evaluation (or
cumulative cost) where its incumbent's regret is ``<= delta_i``, i.e. where its value is
``<= reference + delta_i``. COCO uses 51 absolute precisions ``10**2 .. 10**-8`` on
functions of known scale; here the 51 targets (6.25 per decade) span the 8 decades below
``s``, which keeps them comparable across HPO tasks whose values span very different ranges
(the decades above ``s`` would be reached by almost every first trial).

ECDF (data profile). For each strategy, the fraction of (problem, target) pairs reached by a
given spend, averaged over pairs with each pair's runs weighted equally; pairs a run never
reaches stay in the denominator. Curves are computed per problem dimension unless the
caller asks for all dimensions together.

aRT. Average runtime ``aRT = (sum of spend over all runs, unsuccessful runs counted with
their whole spend) / (number of successful runs)``, infinite without a success, with a
percentile bootstrap interval over runs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from harness.analysis.frames import codes, run_spans, take
from harness.analysis.metrics import _check_by, first_regret_median, spend_axis

N_TARGETS = 51
TARGET_EXPONENT_HIGH = 0.0
TARGET_EXPONENT_LOW = -8.0

def targets(inc: pd.DataFrame, n_targets: int = N_TARGETS,
            high: float = TARGET_EXPONENT_HIGH, low: float = TARGET_EXPONENT_LOW) -> pd.DataFrame:
    """Log-spaced target precisions of every problem (see the module docstring).

    Parameters
    ----------
    inc : DataFrame
        Output of :func:`harness.analysis.metrics.incumbents`.
    n_targets : int
        Targets per problem.
    high, low : float
        Exponents of the easiest and hardest target relative to the problem's regret scale.

    Returns
    -------
    DataFrame
        ``problem, dimension, target_index`` (0 = easiest), ``exponent, scale, precision``.
    """
    scale = first_regret_median(inc)
    scale = scale.where(np.isfinite(scale) & (scale > 0), 1.0)
    exponents = np.linspace(high, low, n_targets)
    dims = inc.groupby("problem", sort=True)["dimension"].first()
    problems = np.array(sorted(inc["problem"].unique()), dtype=object)
    frame = pd.DataFrame({
        "problem": np.repeat(problems, n_targets),
        "target_index": np.tile(np.arange(n_targets), len(problems)),
        "exponent": np.tile(exponents, len(problems)),
    })
    frame["dimension"] = frame["problem"].map(dims).to_numpy()
    frame["scale"] = frame["problem"].map(scale).fillna(1.0).to_numpy(dtype=float)
    frame["precision"] = frame["scale"] * 10.0 ** frame["exponent"]
    return frame[["problem", "dimension", "target_index", "exponent", "scale", "precision"]]


def runtimes(inc: pd.DataFrame, targets_frame: pd.DataFrame | None = None,
             by: str = "auto") -> pd.DataFrame:
    """Runtime of every run to every target of its problem.

    Parameters
    ----------
    inc : DataFrame
        Output of :func:`harness.analysis.metrics.incumbents` (runs contiguous, in trial order).
    targets_frame : DataFrame, optional
        Output of :func:`targets` (computed when omitted).
    by : {"auto", "evals", "cost"}
        Count runtime in evaluations, in cumulative cost, or (``"auto"``) in the unit of each
        run's budget (:func:`harness.analysis.metrics.spend_axis`).

    Returns
    -------
    DataFrame
        One row per run x target: ``problem, dimension, strategy, run_id, repetition,
        target_index, precision, runtime`` (inf when never reached), ``solved, spent`` (the
        run's whole spend).
    """
    _check_by(by)
    if targets_frame is None:
        targets_frame = targets(inc)
    run, starts, ends = run_spans(inc)
    n = len(inc)
    x = spend_axis(inc, by)
    regret = inc["regret"].to_numpy(dtype=float)
    # Best regret so far: the first hit of a target is the same for the incumbent's regret
    # and its running minimum, and the minimum is monotone (noisy incumbents need not be).
    best = pd.Series(np.where(np.isfinite(regret), regret, np.inf)).groupby(run).cummin()
    best = best.to_numpy()

    problem_code, problem_names = codes(inc["problem"])
    table = targets_frame.pivot(index="problem", columns="target_index", values="precision")
    run_precisions = table.reindex(problem_names).to_numpy(dtype=float)[problem_code[starts]]
    lengths = ends - starts + 1
    n_targets = run_precisions.shape[1]
    runtime = np.full((len(starts), n_targets), np.inf)
    for k in range(n_targets):
        # Rows still above the target form a prefix of each run (best is non-increasing).
        above = (best > np.repeat(run_precisions[:, k], lengths)).astype(np.int64)
        misses = np.add.reduceat(above, starts) if n else np.zeros(0, dtype=np.int64)
        hit = misses < lengths
        runtime[hit, k] = x[starts[hit] + misses[hit]]

    n_runs = len(starts)
    out = pd.DataFrame({
        "problem": take(inc["problem"], np.repeat(starts, n_targets)),
        "dimension": np.repeat(inc["dimension"].to_numpy()[starts], n_targets),
        "strategy": take(inc["strategy"], np.repeat(starts, n_targets)),
        "run_id": take(inc["run_id"], np.repeat(starts, n_targets)),
        "repetition": np.repeat(inc["repetition"].to_numpy()[starts], n_targets),
        "target_index": np.tile(np.arange(n_targets), n_runs),
        "precision": run_precisions.reshape(-1),
        "runtime": runtime.reshape(-1),
        "spent": np.repeat(x[ends], n_targets),
        "unit": np.repeat(_run_units(inc, by, starts), n_targets),
    })
    out["solved"] = np.isfinite(out["runtime"].to_numpy())
    return out


def _run_units(inc: pd.DataFrame, by: str, starts: np.ndarray) -> np.ndarray:
    """Unit of each run's runtime axis: ``"evaluations"`` or ``"cost"``."""
    if by != "auto":
        return np.full(len(starts), "evaluations" if by == "evals" else "cost", dtype=object)
    kind = np.asarray(inc["budget_kind"], dtype=object)[starts] if "budget_kind" in inc.columns \
        else np.full(len(starts), "evaluations", dtype=object)
    return np.where(kind == "cost", "cost", "evaluations").astype(object)


def ecdf(rt: pd.DataFrame, grid: np.ndarray | None = None, per_dimension: bool = True,
         n_points: int = 100) -> pd.DataFrame:
    """Runtime ECDF (COCO data profile) of each strategy over all (problem, target) pairs.

    Parameters
    ----------
    rt : DataFrame
        Output of :func:`runtimes`.
    grid : ndarray, optional
        Spends at which to evaluate, shape ``(m,)``; default ``n_points`` log-spaced values
        from half the smallest runtime to the largest spend, per unit.
    per_dimension : bool
        One curve per (dimension, strategy) when true (the default: dimensions are never
        pooled silently); when false all problems are pooled and ``dimension`` is ``"all"``.
    n_points : int
        Grid size when ``grid`` is omitted.

    Returns
    -------
    DataFrame
        ``unit, dimension, strategy, runtime, fraction`` (fraction of pairs reached by
        ``runtime``). Runtimes in different units (evaluations, fidelity-weighted cost) are
        never pooled: each unit has its own curves, and its default grid starts at half the
        smallest runtime so that targets reached by the first evaluation show as a step.
    """
    if "unit" not in rt.columns:
        rt = rt.assign(unit="evaluations")
    rt = rt.assign(dimension=rt["dimension"] if per_dimension else "all")
    pieces = []
    for unit, in_unit in rt.groupby("unit", sort=True):
        unit_grid = grid
        if unit_grid is None:
            finite = in_unit["runtime"].to_numpy(dtype=float)
            finite = finite[np.isfinite(finite) & (finite > 0)]
            low = 0.5 * finite.min() if len(finite) else 0.5
            top = max(float(in_unit["spent"].max()), low * 2)
            unit_grid = np.unique(np.geomspace(low, top, n_points))
        piece = _ecdf_one_unit(in_unit.reset_index(drop=True), np.asarray(unit_grid, float))
        piece.insert(0, "unit", unit)
        pieces.append(piece)
    if not pieces:
        return pd.DataFrame(columns=["unit", "dimension", "strategy", "runtime", "fraction"])
    return pd.concat(pieces, ignore_index=True)


def _ecdf_one_unit(rt: pd.DataFrame, grid: np.ndarray) -> pd.DataFrame:
    runs_per_pair = rt.groupby(["dimension", "strategy", "problem", "target_index"],
                               sort=False)["runtime"].transform("size").to_numpy()
    pieces = []
    for (dim, strategy), group in rt.groupby(["dimension", "strategy"], sort=True):
        index = group.index.to_numpy()
        n_pairs = group.groupby(["problem", "target_index"], sort=False).ngroups
        weight = 1.0 / (runs_per_pair[index] * n_pairs)
        values = group["runtime"].to_numpy()
        order = np.argsort(values, kind="stable")
        cumulative = np.r_[0.0, np.cumsum(weight[order])]
        reached = np.searchsorted(values[order], grid, side="right")
        pieces.append(pd.DataFrame({"dimension": dim, "strategy": strategy, "runtime": grid,
                                    "fraction": np.clip(cumulative[reached], 0.0, 1.0)}))
    if not pieces:
        return pd.DataFrame(columns=["dimension", "strategy", "runtime", "fraction"])
    return pd.concat(pieces, ignore_index=True)


def average_runtime(rt: pd.DataFrame, n_boot: int = 1000, level: float = 0.95,
                    seed: int = 0) -> pd.DataFrame:
    """aRT of each (problem, strategy, target) with a percentile bootstrap interval.

    ``aRT = sum_runs(runtime if solved else spent) / n_solved``. The interval resamples runs
    with replacement (``n_boot`` times, generator seeded with ``seed``); resamples without a
    success give an infinite aRT, so an upper bound can be inf.

    Parameters
    ----------
    rt : DataFrame
        Output of :func:`runtimes`.
    n_boot : int
        Bootstrap resamples.
    level : float
        Confidence level of the interval.
    seed : int
        Seed of the bootstrap generator.

    Returns
    -------
    DataFrame
        ``problem, dimension, strategy, target_index, precision, art, art_low, art_high,
        successes, runs``.
    """
    rng = np.random.default_rng(seed)
    alpha = (1.0 - level) / 2.0
    # Runs in the order of their ids, not of the stored rows, so that the resampling (and
    # with it every bound) does not depend on how the trials happened to be stored.
    run_code = pd.factorize(np.asarray(rt["run_id"], dtype=object).astype(str), sort=True)[0]
    target_index = rt["target_index"].to_numpy()
    order = np.lexsort((target_index, run_code))
    n_targets = len(np.unique(target_index)) if len(rt) else 0
    n_runs = len(rt) // max(n_targets, 1)
    if n_runs * n_targets != len(rt):
        raise ValueError("Every run must have one row per target (as runtimes() returns).")
    runtime_all = rt["runtime"].to_numpy(dtype=float)[order].reshape(n_runs, n_targets)
    spent_all = rt["spent"].to_numpy(dtype=float)[order].reshape(n_runs, n_targets)[:, 0]
    first_rows = rt.iloc[order[::n_targets]] if n_targets else rt
    precision = rt["precision"].to_numpy(dtype=float)[order].reshape(n_runs, n_targets)
    indices = target_index[order][:n_targets]
    pieces = []
    keys = first_rows[["problem", "strategy"]].astype(str)
    groups = keys.groupby(["problem", "strategy"], sort=True).indices
    for (problem, strategy), rows in sorted(groups.items()):
        runtime = runtime_all[rows]  # (runs, targets)
        solved = np.isfinite(runtime)
        effort = np.where(solved, runtime, spent_all[rows, None])
        n_group = len(rows)
        with np.errstate(divide="ignore", invalid="ignore"):
            art = effort.sum(axis=0) / solved.sum(axis=0)
            draws = rng.integers(0, n_group, size=(n_boot, n_group))
            counts = np.bincount((draws + n_group * np.arange(n_boot)[:, None]).ravel(),
                                 minlength=n_boot * n_group).reshape(n_boot, n_group)
            sums = counts.astype(float) @ np.hstack([effort, solved])  # one BLAS call
            boot = sums[:, :n_targets] / sums[:, n_targets:]  # (n_boot, targets)
        boot = np.where(np.isnan(boot), np.inf, boot)
        art = np.where(np.isnan(art), np.inf, art)
        boot.sort(axis=0)
        # Order statistics, not interpolation: bounds may be infinite.
        low_row = int(np.floor(alpha * (n_boot - 1)))
        high_row = int(np.ceil((1.0 - alpha) * (n_boot - 1)))
        pieces.append(pd.DataFrame({
            "problem": problem,
            "dimension": first_rows["dimension"].iloc[rows[0]],
            "strategy": strategy,
            "target_index": indices,
            "precision": precision[rows[0]],
            "art": art,
            "art_low": boot[low_row],
            "art_high": boot[high_row],
            "successes": solved.sum(axis=0),
            "runs": n_group,
        }))
    if not pieces:
        return pd.DataFrame(columns=["problem", "dimension", "strategy", "target_index",
                                     "precision", "art", "art_low", "art_high", "successes",
                                     "runs"])
    return pd.concat(pieces, ignore_index=True)

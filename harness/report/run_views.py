"""Per-run views a tuner expects (as in Optuna's visualisation module).

Optimisation history, a contour of the objective over two parameters with the sampled
points, parallel coordinates, and parameter importance (permutation importance on a seeded
random-forest surrogate). They draw the trials of a few chosen runs only, never a whole suite.
"""

from __future__ import annotations

import json
import logging
from typing import Mapping

import numpy as np
import pandas as pd

from harness.report.aggregate import wants_log
from harness.report.figures import legend_handles
from harness.report.palette import DOUBLE_COLUMN, SINGLE_COLUMN, Style, paper_style

import matplotlib.pyplot as plt  # noqa: E402

__all__ = [
    "param_columns",
    "run_problem",
    "recreate_problem",
    "history_figure",
    "contour_figure",
    "parallel_coordinates_figure",
    "importance",
    "importance_figure",
]

log = logging.getLogger(__name__)


def param_columns(trials: pd.DataFrame) -> list[str]:
    """The ``param_<name>`` columns used by at least one of ``trials``."""
    return [c for c in trials.columns if c.startswith("param_") and trials[c].notna().any()]


def _encoded(trials: pd.DataFrame, columns: list[str], space=None) -> pd.DataFrame:
    """Parameters mapped to [0, 1]: through the space when known, else min-max / category codes."""
    out = {}
    for col in columns:
        name = col[len("param_") :]
        values = trials[col]
        param = space[name] if space is not None and name in space.names else None
        if param is not None:
            out[col] = [np.nan if _missing(v) else param.to_unit(v) for v in values]
        elif pd.api.types.is_numeric_dtype(values):
            v = values.astype(float)
            span = v.max() - v.min()
            out[col] = (v - v.min()) / span if span > 0 else v * 0 + 0.5
        else:
            codes = pd.Categorical(values.astype(str)).codes.astype(float)
            out[col] = codes / max(codes.max(), 1)
    return pd.DataFrame(out, index=trials.index)


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v))


def run_problem(trials: pd.DataFrame, spec: dict | None = None):
    """The search space of one run and, where its true landscape can be drawn, its problem.

    Returns ``(space, problem, exact)``. The space is the one stored with the run
    (``spec["space"]``: the run record's space JSON, see :class:`harness.records.RunRecord`);
    the problem is rebuilt from the run's stored name, parameters and instance only for a
    two-parameter space, to draw its true objective, and kept only when it reproduces the
    stored values (``exact``). Results stored before runs kept their space lack it: only for
    those is the problem rebuilt to learn its space (:func:`recreate_problem`).
    """
    from harness.space import Space

    stored = (spec or {}).get("space")
    if stored is None:
        problem, exact = recreate_problem(trials, spec)  # older results: the only way to the space
        return getattr(problem, "space", None), problem, exact
    space = Space.from_json(stored)
    if len(space.names) != 2:
        return space, None, False
    problem, exact = recreate_problem(trials, spec)
    return space, (problem if exact else None), exact


def recreate_problem(trials: pd.DataFrame, spec: dict | None = None):
    """Rebuild the problem of ``trials`` from the registry; returns ``(problem, exact)``.

    The problem is built from the run's resolved spec (``runs.json``: name, params,
    instance) when given; without one (results without ``runs.json``) the instance is
    guessed (none, then the repetition). ``exact`` is True only for a cheap, batch-capable
    problem (a synthetic function) that reproduces the stored noise-free (or plain) values at
    up to 20 stored configs, so a changed formula or a wrong instance can never draw a wrong
    landscape. A problem that cannot be built gives ``(None, False)``.
    """
    from harness.registry import problems

    name = trials["problem_name"].iloc[0]
    if spec is not None and "problem_params" in spec:
        attempts = [{"instance": spec.get("instance"), **(spec.get("problem_params") or {})}]
    else:
        attempts = [{"instance": None}, {"instance": int(trials["repetition"].iloc[0])}]
    ok = trials[trials["status"] == "ok"]
    fallback = None
    for kwargs in attempts:
        try:
            problem = problems.create(name, **kwargs)
        except Exception as exc:  # a problem that cannot be rebuilt just gets no true landscape
            log.debug("cannot rebuild %s with %s: %s", name, kwargs, exc)
            continue
        fallback = fallback or problem
        check = ok
        if getattr(problem, "fidelity", None) is not None:  # only full-fidelity values are the landscape
            check = ok[np.isclose(ok["fidelity"].to_numpy(float), float(problem.fidelity.high))]
        check = check.head(20)
        if not getattr(problem, "batch", False) or check.empty:
            continue
        stored = check["noise_free_value"] if check["noise_free_value"].notna().all() else check["value"]
        try:
            values = _true_values(problem, [json.loads(c) for c in check["config"]])
        except Exception as exc:
            log.debug("cannot evaluate %s: %s", name, exc)
            continue
        if np.allclose(values, stored.to_numpy(float), rtol=1e-6, atol=1e-9, equal_nan=True):
            return problem, True
    return fallback, False


def _true_values(problem, configs: list[dict]) -> np.ndarray:
    """Noise-free values of ``configs`` at full fidelity."""
    fid = problem.fidelity.high if getattr(problem, "fidelity", None) is not None else None
    evals = problem.evaluate_batch(configs, [fid] * len(configs), [0] * len(configs))
    return np.array(
        [
            (e.info or {}).get("noise_free_value", e.value) if isinstance(e.info, dict) else e.value
            for e in evals
        ],
        float,
    )


def history_figure(runs: pd.DataFrame, styles: Mapping[str, Style], *, title: str = ""):
    """Objective of every trial (dots) and the incumbent (line), one chosen run per strategy.

    Parameters
    ----------
    runs : DataFrame
        Trials of the chosen runs (columns ``strategy, trial, value``).
    """
    paper_style()
    fig, ax = plt.subplots(figsize=(SINGLE_COLUMN, 2.2))
    ok = runs["value"].notna()
    shift = 0.0
    values = runs.loc[ok, "value"]
    log = wants_log(values) or (values.size > 0 and values.min() <= 0 and wants_log(values - values.min()))
    if log and values.size and values.min() <= 0:
        shift = values.min() - 1e-9 * max(1.0, abs(values.min()))  # plot value - min + tiny
    for name in styles:
        run = runs[runs["strategy"] == name].sort_values("trial")
        if run.empty:
            continue
        st = styles[name]
        y = run["value"] - shift
        ax.scatter(run["trial"] + 1, y, s=3, color=st.color, marker=st.marker, alpha=0.45, linewidths=0)
        ax.step(run["trial"] + 1, y.cummin(), where="post", color=st.color, linestyle=st.linestyle)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("evaluation")
    ax.set_ylabel("objective" if shift == 0 else "objective - min")
    ax.set_title(title)
    ax.grid(True)
    ax.legend(handles=legend_handles(styles, runs["strategy"].unique()), loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.tight_layout()
    return fig


def contour_figure(run: pd.DataFrame, x_param: str, y_param: str, *, problem=None, exact: bool = False,
                   style: Style | None = None, title: str = "", surface: pd.DataFrame | None = None,
                   branch: str | None = None, space=None):
    """Objective over two parameters with the run's sampled points on top.

    With ``exact`` (``problem`` is a rebuilt two-parameter synthetic problem that reproduces
    the stored values) the true function is evaluated on a 60 x 60 grid, on a log10 scale of
    ``f - min f`` when it spans decades; otherwise the observed values of ``surface`` (default:
    the run itself) are linearly interpolated (a Delaunay triangulation in the axes' own
    scales, nothing outside the sampled hull). Only configurations in which both parameters
    are active are used: a conditional parameter is plotted over the sub-space where it
    exists. With ``branch`` (a categorical parameter) there is one panel per value of it.

    Parameters
    ----------
    run : DataFrame
        Trials of one run (or several) with ``param_<x>``, ``param_<y>``, ``value``.
    x_param, y_param : str
        Parameter names (without the ``param_`` prefix).
    problem : Problem, optional
        Used only if its space has exactly these two parameters.
    surface : DataFrame, optional
        Trials whose values are interpolated (e.g. every run of the problem).
    branch : str, optional
        Categorical parameter whose values get a panel each.
    space : Space, optional
        The run's search space (log-scaled axes); default the problem's.
    """
    paper_style()
    surface = run if surface is None else surface
    space = space if space is not None else getattr(problem, "space", None)
    log_axes = [space is not None and name in space.names and getattr(space[name], "log", False)
                for name in (x_param, y_param)]
    branches = [None]
    if branch is not None and f"param_{branch}" in surface.columns:
        values = surface[f"param_{branch}"].dropna().astype(str)
        branches = [b for b in sorted(values.unique())
                    if _active(surface, x_param, y_param, branch, b).shape[0] >= 4] or [None]
    fig, axes = plt.subplots(1, len(branches), figsize=(min(6.9, SINGLE_COLUMN * len(branches)), 2.6),
                             squeeze=False)
    drawn = None
    label = "objective (interpolated)"
    for ax, value in zip(axes[0], branches):
        pts = _active(run, x_param, y_param, branch, value)
        known = _active(surface, x_param, y_param, branch, value)
        if exact and space is not None and sorted(space.names) == sorted([x_param, y_param]):
            drawn = _true_contour(ax, problem, x_param, y_param)
            label = "log10(f - min f), true" if getattr(drawn, "log_levels", False) else "objective (true)"
        elif len(known) >= 4:
            coords = [np.log10(known[f"param_{p}"].astype(float).to_numpy()) if lg else
                      known[f"param_{p}"].astype(float).to_numpy()
                      for p, lg in zip((x_param, y_param), log_axes)]
            drawn = _interpolated_contour(ax, coords[0], coords[1], known["value"].to_numpy(float)) or drawn
        xs = pts[f"param_{x_param}"].astype(float)
        ys = pts[f"param_{y_param}"].astype(float)
        if log_axes[0]:
            xs = np.log10(xs)
        if log_axes[1]:
            ys = np.log10(ys)
        color = style.color if style else "white"
        ax.scatter(xs, ys, s=7, c=color, marker=style.marker if style else "o", edgecolors="black",
                   linewidths=0.3, zorder=3)
        if len(pts):
            best = pts["value"].to_numpy(float).argmin()
            ax.scatter([xs.iloc[best]], [ys.iloc[best]], s=40, marker="*", c="red", edgecolors="black",
                       linewidths=0.4, zorder=4)
        ax.set_xlabel(("log10 " if log_axes[0] else "") + x_param)
        if ax is axes[0][0]:
            ax.set_ylabel(("log10 " if log_axes[1] else "") + y_param)
        ax.set_title(title if value is None else f"{title}\n{branch} = {value}", fontsize=6)
    if drawn is not None:
        fig.colorbar(drawn, ax=list(axes[0]), label=label)
    else:
        fig.tight_layout()
    return fig


def _active(trials: pd.DataFrame, x_param: str, y_param: str, branch: str | None, value) -> pd.DataFrame:
    """Successful trials where both parameters are active (and ``branch`` takes ``value``)."""
    keep = trials["value"].notna() & trials[f"param_{x_param}"].notna() & trials[f"param_{y_param}"].notna()
    if branch is not None and value is not None:
        keep &= trials[f"param_{branch}"].astype(str) == value
    return trials[keep]


def _true_contour(ax, problem, x_param: str, y_param: str):
    px, py = problem.space[x_param], problem.space[y_param]
    u = np.linspace(0.0, 1.0, 60)
    gx = np.array([px.from_unit(v) for v in u], float)
    gy = np.array([py.from_unit(v) for v in u], float)
    mx, my = np.meshgrid(gx, gy)
    configs = [{x_param: _native(px, a), y_param: _native(py, b)} for a, b in zip(mx.ravel(), my.ravel())]
    try:
        z = _true_values(problem, configs).reshape(mx.shape)
    except Exception as exc:
        log.debug("true contour failed: %s", exc)
        return None
    if wants_log(z - np.nanmin(z)):
        z = np.log10(z - np.nanmin(z) + 1e-12 * max(1.0, float(np.nanmax(np.abs(z)))))
        label_log = True
    else:
        label_log = False
    cs = ax.contourf(mx, my, z, levels=20, cmap="viridis")
    cs.log_levels = label_log
    return cs


def _native(param, value: float):
    return int(round(value)) if getattr(param, "kind", "float") == "int" else float(value)


def _interpolated_contour(ax, x, y, z):
    import matplotlib.tri as mtri

    try:
        tri = mtri.Triangulation(x, y)
        return ax.tricontourf(tri, z, levels=14, cmap="viridis", alpha=0.85)
    except Exception as exc:  # collinear points, a categorical axis, too few points...
        log.debug("interpolated contour failed: %s", exc)
        return None


def parallel_coordinates_figure(trials: pd.DataFrame, *, space=None, title: str = "", max_lines: int = 300):
    """One line per trial across the parameter axes (scaled to [0, 1]), coloured by objective.

    Parameters are scaled through ``space`` (log parameters on their log scale) when known,
    else min-max from the data. The best trials are drawn last (on top) in the brightest
    colour; the colour scale is logarithmic in ``value - min`` when values span decades.
    """
    paper_style()
    cols = param_columns(trials)
    ok = trials[trials["value"].notna()]
    if len(ok) > max_lines:
        ok = ok.sample(max_lines, random_state=0)
    enc = _encoded(ok, cols, space)
    order = np.argsort(-ok["value"].to_numpy(float), kind="stable")  # worst first, best on top
    v = ok["value"].to_numpy(float)[order]
    import matplotlib.colors as mcolors

    lo, hi = (float(np.min(v)), float(np.max(v))) if v.size else (0.0, 1.0)
    if wants_log(v - lo) and hi > lo:
        shift = lo - 1e-3 * (hi - lo)  # colour on a log scale of value - min
        norm = mcolors.LogNorm(vmin=lo - shift, vmax=hi - shift)
        colour_of = lambda x: cmap(norm(x - shift))  # noqa: E731
    else:
        norm = mcolors.Normalize(vmin=lo, vmax=hi if hi > lo else lo + 1)
        colour_of = lambda x: cmap(norm(x))  # noqa: E731
    width = min(DOUBLE_COLUMN, max(SINGLE_COLUMN, 0.45 * len(cols) + 1.4))
    fig, ax = plt.subplots(figsize=(width, 2.3))
    cmap = plt.get_cmap("viridis_r")  # low (good) values bright
    data = enc.to_numpy(float)[order]
    for row, value in zip(data, v):
        ax.plot(range(len(cols)), row, color=colour_of(value), linewidth=0.6, alpha=0.6)
    ax.set_xticks(range(len(cols)), [c[len("param_") :] for c in cols], rotation=45, ha="right")
    ax.set_ylim(-0.03, 1.03)
    ax.set_ylabel("scaled value")
    ax.set_title(title)
    for i in range(len(cols)):
        ax.axvline(i, color="0.5", linewidth=0.5)
    sm = plt.cm.ScalarMappable(cmap=cmap, norm=norm)
    fig.colorbar(sm, ax=ax, label="objective" if isinstance(norm, mcolors.Normalize) and not isinstance(norm, mcolors.LogNorm) else "objective - min (log colour)")
    fig.tight_layout()
    return fig


def importance(trials: pd.DataFrame, *, space=None, seed: int = 0, max_samples: int = 1000, n_repeats: int = 3,
               n_trees: int = 50) -> pd.DataFrame:
    """Permutation importance of each parameter on a seeded random-forest surrogate.

    The forest (``n_trees`` trees) is fitted on the encoded parameters of up to ``max_samples``
    successful trials (a seeded subsample), with the objective log-transformed when it spans
    decades; importance is the mean drop in R^2 when one parameter is shuffled
    (``sklearn.inspection.permutation_importance``), normalised to sum to one.

    Returns
    -------
    DataFrame
        Columns ``parameter, importance, std``, most important first.
    """
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.inspection import permutation_importance

    cols = param_columns(trials)
    ok = trials[trials["value"].notna()]
    if len(ok) > max_samples:
        ok = ok.sample(max_samples, random_state=seed)
    if len(ok) < 5 or not cols:
        return pd.DataFrame(columns=["parameter", "importance", "std"])
    X = _encoded(ok, cols, space).fillna(-1.0).to_numpy(float)  # inactive -> its own value
    y = ok["value"].to_numpy(float)
    if wants_log(y - y.min()):
        y = np.log10(y - y.min() + 1e-12 * max(1.0, np.abs(y).max()))
    forest = RandomForestRegressor(n_estimators=n_trees, min_samples_leaf=2, random_state=seed, n_jobs=1).fit(X, y)
    result = permutation_importance(forest, X, y, n_repeats=n_repeats, random_state=seed, n_jobs=1)
    mean = np.clip(result.importances_mean, 0, None)
    total = mean.sum() or 1.0
    out = pd.DataFrame(
        {"parameter": [c[len("param_") :] for c in cols], "importance": mean / total, "std": result.importances_std / total}
    )
    return out.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)


def importance_figure(imp: pd.DataFrame, *, title: str = "", color: str = "#0072B2"):
    """Horizontal bars of :func:`importance` (most important on top) with one-std error bars."""
    paper_style()
    imp = imp.iloc[::-1]
    fig, ax = plt.subplots(figsize=(SINGLE_COLUMN, 0.22 * len(imp) + 0.9))
    ax.barh(imp["parameter"], imp["importance"], xerr=imp["std"], color=color, error_kw={"linewidth": 0.6})
    ax.set_xlabel("permutation importance (share)")
    ax.set_title(title)
    ax.grid(True, axis="x")
    fig.tight_layout()
    return fig

"""Figures over all runs of a suite: convergence, final distributions, ranks, ECDF, heatmap.

Every function takes small aggregated frames (see :mod:`harness.report.aggregate` and
:mod:`harness.analysis`) and a ``styles`` mapping from :func:`~harness.report.palette.strategy_styles`,
and returns a matplotlib Figure; :func:`save_figure` writes it as PDF and PNG.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from harness.report.aggregate import wants_log
from harness.report.palette import DOUBLE_COLUMN, SINGLE_COLUMN, Style, paper_style

import matplotlib.pyplot as plt  # noqa: E402  (palette selected the Agg backend)
from matplotlib.colors import TwoSlopeNorm  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

__all__ = [
    "save_figure",
    "panel_grid",
    "legend_handles",
    "convergence_figure",
    "final_distribution_figure",
    "rank_over_budget_figure",
    "runtime_ecdf_figure",
    "score_heatmap_figure",
]


def save_figure(fig, out_dir: Path, name: str) -> dict[str, Path]:
    """Write ``fig`` as ``out_dir/name.pdf`` and ``out_dir/name.png`` and close it.

    Returns
    -------
    dict
        ``{"pdf": path, "png": path}``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {ext: out_dir / f"{name}.{ext}" for ext in ("pdf", "png")}
    # The tight bounding box is computed once (one draw) and reused for both formats; with
    # bbox_inches="tight" every savefig would draw the figure twice.
    bbox = fig.get_tightbbox(fig.canvas.get_renderer()).padded(0.1)
    for ext, path in paths.items():
        fig.savefig(path, bbox_inches=bbox, metadata=_metadata(ext))
    plt.close(fig)
    return paths


def _metadata(ext: str) -> dict:
    # Fixed metadata so regenerated figures are byte-comparable (no creation date).
    return {"CreationDate": None} if ext == "pdf" else {"Software": None}


def panel_grid(n: int, panel_height: float = 1.55, max_cols: int = 4):
    """A figure with ``n`` panels in a grid: single-column wide for one panel, else full width."""
    paper_style()
    n = max(n, 1)
    ncols = 1 if n == 1 else min(max_cols, n if n <= 2 else max(2, math.ceil(math.sqrt(n))))
    nrows = math.ceil(n / ncols)
    width = SINGLE_COLUMN if ncols == 1 else DOUBLE_COLUMN
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, panel_height * nrows + 0.35), squeeze=False)
    flat = axes.ravel()
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


def legend_handles(styles: Mapping[str, Style], names: Sequence[str] | None = None) -> list:
    """Legend entries (colour + marker) for ``names`` (default every strategy) in stable order."""
    names = [n for n in styles if names is None or n in set(names)]
    return [Line2D([], [], label=styles[n].label or n, markersize=4, **styles[n].line_kwargs())
            for n in names]


def _figure_legend(fig, styles, names=None) -> None:
    handles = legend_handles(styles, names)
    ncol = min(len(handles), 4 if len(handles) <= 8 else 6)
    fig.legend(handles=handles, loc="lower center", ncol=ncol, bbox_to_anchor=(0.5, 1.0), borderaxespad=0.1)


def convergence_figure(curves: pd.DataFrame, styles: Mapping[str, Style], *, xlabel: str, ylabel: str, log_x: bool = False):
    """Median incumbent (line) with its interquartile band, one panel per problem.

    Parameters
    ----------
    curves : DataFrame
        Columns ``problem, strategy, x, median, q25, q75`` (see ``aggregate.convergence_curves``).
    styles : mapping
        Strategy styles.
    xlabel, ylabel : str
        Axis labels.
    log_x : bool
        Log-scale the x axis (used for cost, which spans decades under multi-fidelity).
    """
    problems = sorted(curves["problem"].unique())
    fig, axes = panel_grid(len(problems))
    for ax, problem in zip(axes, problems):
        sub = curves[curves["problem"] == problem]
        values = sub[["median", "q25", "q75"]].to_numpy().ravel()
        log = wants_log(values)
        positive = values[np.isfinite(values) & (values > 0)]
        has_zero = bool(np.any(values[np.isfinite(values)] <= 0))
        zero_at = None
        if log and has_zero and len(positive):
            # Regret exactly 0 (optimum reached) gets its own tick labelled "0", one decade
            # below the smallest positive value, with a break in the axis above it: never an
            # unlabelled invented value.
            zero_at = 10.0 ** (np.floor(np.log10(positive.min())) - 1)
            sub = sub.assign(**{c: sub[c].where(sub[c] > 0, zero_at) for c in ("median", "q25", "q75")})
        for name in styles:
            s = sub[sub["strategy"] == name]
            if s.empty:
                continue
            st = styles[name]
            every = max(1, len(s) // 6)
            ax.plot(s["x"], s["median"], color=st.color, linestyle=st.linestyle, marker=st.marker, markevery=every, label=name)
            ax.fill_between(s["x"], s["q25"], s["q75"], color=st.color, alpha=0.18, linewidth=0)
        if log:
            ax.set_yscale("log")
        if zero_at is not None:
            _label_zero(ax, zero_at)
        if log_x:
            ax.set_xscale("log")
        ax.set_title(problem)
        ax.grid(True, which="major")
    for ax in axes:
        ax.set_xlabel(xlabel)
    for ax in axes[:: max(1, _ncols(axes))]:
        ax.set_ylabel(ylabel)
    _figure_legend(fig, styles, curves["strategy"].unique())
    fig.tight_layout()
    return fig


def _label_zero(ax, zero_at: float) -> None:
    """Mark ``zero_at`` on a log y axis as the value 0 (tick "0" and an axis break)."""
    ax.set_ylim(bottom=zero_at / 2)
    ticks = [t for t in ax.get_yticks() if t > zero_at * 5 and t <= ax.get_ylim()[1]]
    ax.set_yticks([zero_at, *ticks])
    ax.set_yticklabels(["0", *[f"$10^{{{int(round(np.log10(t)))}}}$" for t in ticks]])
    ax.minorticks_off()
    ax.plot([0.0, 0.0], [zero_at * 1.6, zero_at * 2.6], transform=ax.get_yaxis_transform(),
            color="white", linewidth=3, clip_on=False, zorder=5)
    ax.text(0.0, zero_at * 2.0, "//", transform=ax.get_yaxis_transform(), ha="center",
            va="center", fontsize=6, clip_on=False, zorder=6)


def _ncols(axes) -> int:
    fig = axes[0].figure
    return fig.axes[0].get_subplotspec().get_gridspec().ncols


def final_distribution_figure(final: pd.DataFrame, styles: Mapping[str, Style], *, ylabel: str):
    """Box plot with the individual runs overlaid (strip), one panel per problem.

    Parameters
    ----------
    final : DataFrame
        Columns ``problem, strategy, value`` (one row per run).
    """
    problems = sorted(final["problem"].unique())
    many = final["strategy"].nunique() > 10  # wider panels so that every tick label fits
    fig, axes = panel_grid(len(problems), panel_height=1.9 if many else 1.7, max_cols=2 if many else 4)
    for ax, problem in zip(axes, problems):
        sub = final[final["problem"] == problem]
        names = [n for n in styles if (sub["strategy"] == n).any()]
        data = [sub.loc[sub["strategy"] == n, "value"].dropna().to_numpy() for n in names]
        log = wants_log(sub["value"])
        if log:
            floor = sub.loc[sub["value"] > 0, "value"].min() / 3
            data = [np.maximum(d, floor) for d in data]
        boxes = ax.boxplot(data, positions=range(len(names)), widths=0.6, showfliers=False, patch_artist=True)
        for patch, n in zip(boxes["boxes"], names):
            patch.set(facecolor=styles[n].color, alpha=0.35, edgecolor=styles[n].color)
        for median, n in zip(boxes["medians"], names):
            median.set(color=styles[n].color, linewidth=1.2)
        jitter = np.random.default_rng(0)  # fixed jitter: figures regenerate identically
        for i, (d, n) in enumerate(zip(data, names)):
            shown = d if d.size <= 200 else d[jitter.choice(d.size, 200, replace=False)]
            xs = i + jitter.uniform(-0.18, 0.18, shown.size)
            ax.scatter(xs, shown, s=4, color=styles[n].color, marker=styles[n].marker, linewidths=0, alpha=0.8, zorder=3)
        if log:
            ax.set_yscale("log")
        ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
        ax.set_title(problem)
        ax.grid(True, axis="y")
    for ax in axes[:: max(1, _ncols(axes))]:
        ax.set_ylabel(ylabel)
    fig.tight_layout()
    return fig


def rank_over_budget_figure(ranks: pd.DataFrame, styles: Mapping[str, Style], *, xlabel: str = "evaluations"):
    """Average rank (over problems) of each strategy against the budget.

    Parameters
    ----------
    ranks : DataFrame
        Columns ``strategy, budget, rank`` (rank 1 is best).
    """
    paper_style()
    fig, ax = plt.subplots(figsize=(SINGLE_COLUMN, 2.2))
    for name in styles:
        s = ranks[ranks["strategy"] == name].sort_values("budget")
        if not s.empty:
            ax.plot(s["budget"], s["rank"], label=styles[name].label or name,
                    **styles[name].line_kwargs())
    n = ranks["strategy"].nunique()
    ax.set_ylim(n + 0.3, 0.7)  # best rank at the top
    if ranks["budget"].max() / max(ranks["budget"].min(), 1e-12) > 20:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("average rank")
    ax.grid(True)
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.tight_layout()
    return fig


def runtime_ecdf_figure(ecdf: pd.DataFrame, styles: Mapping[str, Style], *, xlabel: str = "evaluations"):
    """COCO-style data profile: fraction of (problem, target) pairs reached against runtime.

    Parameters
    ----------
    ecdf : DataFrame
        Columns ``strategy, runtime, fraction`` and optionally ``dimension`` (one panel per
        dimension: problems of different dimension are never pooled silently). The fraction
        counts unsolved pairs in the denominator, so a curve stays below 1 when some targets
        were never reached.
    """
    ecdf = ecdf.rename(columns={"runtime": "x"})
    if "dimension" not in ecdf:
        ecdf = ecdf.assign(dimension="all")
    if "unit" not in ecdf:
        ecdf = ecdf.assign(unit=xlabel)
    # One panel per (unit, dimension): runtimes in evaluations and in cost never share a curve.
    ecdf = ecdf.assign(dimension=[(u, d) for u, d in zip(ecdf["unit"], ecdf["dimension"])])
    dims = sorted(ecdf["dimension"].unique(), key=lambda d: (d[0], isinstance(d[1], str), d[1]))
    if len(dims) == 1:
        paper_style()
        fig, ax = plt.subplots(figsize=(SINGLE_COLUMN, 2.2))
        axes = [ax]
    else:
        fig, axes = panel_grid(len(dims), panel_height=1.7, max_cols=3)
    for ax, dim in zip(axes, dims):
        sub = ecdf[ecdf["dimension"] == dim]
        for name in styles:
            s = sub[sub["strategy"] == name].sort_values("x")
            if s.empty:
                continue
            st = styles[name]
            ax.step(s["x"], s["fraction"], where="post", color=st.color, linestyle=st.linestyle, label=name)
            every = max(1, len(s) // 5)
            ax.plot(s["x"].iloc[::every], s["fraction"].iloc[::every], linestyle="none", marker=st.marker, color=st.color)
        xs = sub["x"][sub["x"] > 0]
        if len(xs) and xs.max() / xs.min() > 20:
            ax.set_xscale("log")
        ax.set_ylim(-0.02, 1.02)
        unit, size = dim
        ax.set_xlabel("full-fidelity cost" if unit == "cost" else str(unit))
        ax.grid(True)
        if len(dims) > 1 or size != "all":
            ax.set_title(f"{size}-D problems" if not isinstance(size, str) else f"{size} problems")
    axes[0].set_ylabel("fraction of (problem, target) pairs")
    if len(dims) == 1:
        axes[0].legend(handles=legend_handles(styles, ecdf["strategy"].unique()), loc="center left", bbox_to_anchor=(1.0, 0.5))
    else:
        _figure_legend(fig, styles, ecdf["strategy"].unique())
    fig.tight_layout()
    return fig


def score_heatmap_figure(scores: pd.DataFrame, styles: Mapping[str, Style], *, label: str = "normalised score"):
    """Heatmap of a (problems x strategies) matrix with the value written in each cell.

    Parameters
    ----------
    scores : DataFrame
        Index: problems; columns: strategies (reordered to the stable order).
    """
    paper_style()
    cols = [n for n in styles if n in scores.columns]
    scores = scores.reindex(columns=cols).sort_index()
    n_rows, n_cols = scores.shape
    width = min(DOUBLE_COLUMN, max(SINGLE_COLUMN, 0.55 * n_cols + 1.6))
    fig, ax = plt.subplots(figsize=(width, 0.28 * n_rows + 1.2))
    values = scores.to_numpy(float)
    finite = values[np.isfinite(values)]
    # Scores below -1 (far worse than the median baseline) share the darkest colour, so the
    # informative range [-1, 1] keeps its contrast; the written number stays exact.
    # The score is centred on 0 (the baseline's median): a diverging, colour-blind-safe map
    # with its neutral colour at 0 and no saturation of the negative side.
    vmin = min(-1.0, finite.min()) if finite.size else -1.0
    vmax = max(1.0, finite.max()) if finite.size else 1.0
    norm = TwoSlopeNorm(vmin=vmin, vcenter=0.0, vmax=vmax)
    image = ax.imshow(values, cmap="PuOr", norm=norm, aspect="auto")
    ax.set_xticks(range(n_cols), cols, rotation=45, ha="right")
    ax.set_yticks(range(n_rows), scores.index)
    if n_rows * n_cols <= 400:
        for (i, j), v in np.ndenumerate(values):
            if np.isfinite(v):
                dark = abs(norm(v) - 0.5) > 0.3
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=5, color="white" if dark else "black")
    for spine in ax.spines.values():
        spine.set_visible(False)
    fig.colorbar(image, ax=ax, label=label, fraction=0.05, pad=0.02)
    fig.tight_layout()
    return fig

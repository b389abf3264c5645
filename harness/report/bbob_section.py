"""The BBOB figure of a report and the paper's BBOB section, drawn from stored BBOB runs.

:func:`bbob_ecdf_figure` draws COCO's runtime ECDF (:mod:`harness.analysis.bbob_ecdf`: the
fraction of (function, target) pairs reached against evaluations / dimension, COCO's targets
``10**[-8..2]``), one panel per dimension; :func:`draw_bbob_figure` adds it to a report's
gallery when the suite has BBOB runs. :func:`bbob_paragraph` states what the figure shows in
numbers (the fraction of pairs each strategy reached by the end of its budget, and the target
below which no strategy got), and :func:`write_paper_section` writes the paper's
``generated/bbob.tex`` and ``figures/bbob_ecdf.pdf|png`` from the stored runs of the paper's
BBOB suite (``harness paper`` runs it after the paper suite: :mod:`harness.cli`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from harness.analysis.bbob_ecdf import COCO_TARGETS, bbob_ecdf, bbob_runtimes, has_bbob_runs
from harness.analysis.tables import escape as latex_escape
from harness.report.figures import legend_handles, panel_grid, save_figure
from harness.report.palette import Style, strategy_styles
from harness.report.paper_files import wide_figure, write_generated

__all__ = ["BBOB_FIGURE", "bbob_ecdf_figure", "draw_bbob_figure", "bbob_paragraph", "write_paper_section"]

#: File name (without suffix) of the figure in a report's and the paper's ``figures/``.
BBOB_FIGURE = "bbob_ecdf"
CAPTION = ("BBOB runtime ECDF as COCO draws it: fraction of (function, target) pairs reached "
           "against function evaluations divided by the dimension, COCO's 51 targets "
           "f - f_opt = 10^2 ... 10^-8, each function's instances pooled; one panel per dimension. "
           "`harness coco` draws cocopp's version of this figure from the same runs.")

LATEX_CAPTION = ("BBOB runtime ECDF as COCO draws it: fraction of (function, target) pairs reached against "
                 "function evaluations divided by the dimension, COCO's 51 targets "
                 "$f - f_\\mathrm{opt} \\in \\{10^{2}, 10^{1.8}, \\dots, 10^{-8}\\}$, each function's "
                 "instances pooled; one panel per dimension. \\texttt{harness coco} draws cocopp's version "
                 "of this figure from the same runs.")


def bbob_ecdf_figure(ecdf: pd.DataFrame, styles: Mapping[str, Style]):
    """Runtime ECDF of :func:`~harness.analysis.bbob_ecdf.bbob_ecdf`, one panel per dimension.

    Parameters
    ----------
    ecdf : DataFrame
        ``dimension, strategy, evals_per_dim, fraction``.
    styles : mapping of str to Style
        One style per strategy.

    Returns
    -------
    matplotlib.figure.Figure
    """
    dims = sorted(ecdf["dimension"].unique())
    fig, axes = panel_grid(len(dims), panel_height=1.9, max_cols=2)
    for ax, dim in zip(axes, dims):
        sub = ecdf[ecdf["dimension"] == dim]
        for name, style in styles.items():
            line = sub[sub["strategy"] == name].sort_values("evals_per_dim")
            if line.empty:
                continue
            ax.step(line["evals_per_dim"], line["fraction"], where="post", color=style.color,
                    linestyle=style.linestyle, label=name)
            every = max(1, len(line) // 6)
            ax.plot(line["evals_per_dim"].iloc[::every], line["fraction"].iloc[::every], linestyle="none",
                    marker=style.marker, color=style.color)
        ax.set_xscale("log")
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("evaluations / dimension")
        ax.set_title(f"{dim}-D, {sub['functions'].iloc[0] if 'functions' in sub else ''}".rstrip(", "))
        ax.grid(True)
    axes[0].set_ylabel("fraction of (function, target) pairs")
    if len(dims) == 1:
        axes[0].legend(handles=legend_handles(styles, ecdf["strategy"].unique()), loc="center left",
                       bbox_to_anchor=(1.0, 0.5))
    else:
        fig.legend(handles=legend_handles(styles, ecdf["strategy"].unique()), loc="lower center",
                   ncol=min(4, ecdf["strategy"].nunique()), frameon=False)
        fig.tight_layout(rect=(0, 0.09, 1, 1))
        return fig
    fig.tight_layout()
    return fig


def _with_function_counts(ecdf: pd.DataFrame, rt: pd.DataFrame) -> pd.DataFrame:
    counts = rt.groupby("dimension")["function"].nunique()
    return ecdf.assign(functions=ecdf["dimension"].map(lambda d: f"{counts[d]} functions"))


def draw_bbob_figure(gallery, df: pd.DataFrame) -> None:
    """Add the BBOB ECDF to a report's gallery when ``df`` holds BBOB runs (else nothing).

    Parameters
    ----------
    gallery : harness.report.gallery.Gallery
        The report's gallery.
    df : DataFrame
        Stored trials.
    """
    if not has_bbob_runs(df):
        return
    rt = bbob_runtimes(df)
    ecdf = _with_function_counts(bbob_ecdf(rt), rt)
    gallery.draw(BBOB_FIGURE, CAPTION, lambda: bbob_ecdf_figure(ecdf, gallery.styles))


def _unsolved_functions(group: pd.DataFrame) -> list[int]:
    """Functions on which no run of any strategy reached the hardest target."""
    hardest = group[group["precision"] == group["precision"].min()]
    solved = hardest.groupby("function")["runtime"].min() < np.inf
    return [int(f) for f in solved.index[~solved.to_numpy()]]


def bbob_paragraph(rt: pd.DataFrame) -> list[str]:
    """Sentences stating the BBOB figure's numbers, one per dimension.

    For each dimension: the fraction of (function, target) pairs each strategy reached within
    its whole budget (strategies in decreasing order), and the budget in evaluations /
    dimension.

    Parameters
    ----------
    rt : DataFrame
        Output of :func:`~harness.analysis.bbob_ecdf.bbob_runtimes`.

    Returns
    -------
    list of str
    """
    sentences = []
    for dim, group in rt.groupby("dimension", sort=True):
        budget = float(group["spent"].max()) / dim
        final = bbob_ecdf(group, grid=np.array([budget]))
        final = final.sort_values(["fraction", "strategy"], ascending=[False, True])
        listing = ", ".join(f"{s} {f:.0%}" for s, f in zip(final["strategy"], final["fraction"]))
        functions = ", ".join(f"f{f}" for f in sorted(group["function"].unique()))
        per_function = group.groupby(["function", "strategy"])["run_id"].nunique()
        unsolved = _unsolved_functions(group)
        hardest = float(group["precision"].min())
        sentences.append(
            f"In {dim}-D ({functions}; {per_function.min()} runs per function and strategy, "
            f"{budget:g} evaluations per dimension), the fractions of (function, target) pairs reached "
            f"within the budget are: {listing}. "
            + (f"No run reached f - f_opt <= {hardest:.0e} on {', '.join(f'f{f}' for f in unsolved)}."
               if unsolved else f"Every function was solved to f - f_opt <= {hardest:.0e} by some run."))
    return sentences


def _instances(df: pd.DataFrame) -> str:
    """COCO instances of the stored runs, as ``1 to 5`` when contiguous, else listed."""
    if "instance" not in df.columns:  # runs stored before the column existed ran COCO instance 1
        return "1"
    numbers = sorted({int(i) for i in pd.to_numeric(df.drop_duplicates("run_id")["instance"], errors="coerce").fillna(1)})
    if numbers and numbers == list(range(numbers[0], numbers[-1] + 1)) and len(numbers) > 2:
        return f"{numbers[0]} to {numbers[-1]}"
    return ", ".join(map(str, numbers))


def write_paper_section(df: pd.DataFrame, paper_dir: Path, suite_name: str) -> list[Path]:
    """Write the paper's BBOB figure and ``generated/bbob.tex`` from stored BBOB runs.

    Parameters
    ----------
    df : DataFrame
        Stored trials of the paper's BBOB suite.
    paper_dir : Path
        The paper directory (``figures/`` and ``generated/`` are written into it).
    suite_name : str
        Name of the suite the runs come from (quoted in the text).

    Returns
    -------
    list of Path
        The files written.
    """
    if not has_bbob_runs(df):
        raise ValueError(f"suite '{suite_name}' has no BBOB run (bbob-f<id>-<d>d) to draw the BBOB section from")
    rt = bbob_runtimes(df)
    ecdf = _with_function_counts(bbob_ecdf(rt), rt)
    styles = strategy_styles(sorted(df["strategy"].unique()))
    paths = save_figure(bbob_ecdf_figure(ecdf, styles), Path(paper_dir) / "figures", BBOB_FIGURE)
    text = " ".join(bbob_paragraph(rt))
    n_targets = len(COCO_TARGETS)
    tex = (
        "% Generated by `harness paper` (harness.report.bbob_section); do not edit.\n"
        "\\section{BBOB: COCO's noiseless functions}\n\\label{sec:bbob}\n"
        f"The suite \\texttt{{{latex_escape(suite_name)}}} runs {df['strategy'].nunique()} strategies "
        f"on {rt['function'].nunique()} functions of COCO's BBOB suite, evaluated by COCO's own code "
        f"(\\texttt{{cocoex}}), on COCO's instances {_instances(df)}. "
        f"Figure~\\ref{{fig:bbob-ecdf}} is COCO's runtime ECDF with its {n_targets} targets "
        "$f - f_\\mathrm{opt} \\in 10^{[-8..2]}$ and runtime in evaluations per dimension, "
        "drawn by our report; \\texttt{harness coco} draws cocopp's from the same runs, and a test "
        "checks that cocopp's ECDF and aRT equal ours. " + latex_escape(text) + "\n\n"
        + wide_figure(BBOB_FIGURE, LATEX_CAPTION, "fig:bbob-ecdf"))
    return [paths["pdf"], paths["png"], write_generated(paper_dir, "bbob.tex", tex)]

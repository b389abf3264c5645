"""Critical-difference diagram in the style of Demsar (2006), Fig. 1.

Strategies are placed on an axis of average ranks (1 = best, on the left), and groups of
strategies that no pairwise test separates are joined by thick horizontal bars. The groups
come from the all-pairs Wilcoxon-Holm decisions of :mod:`harness.analysis.decisions` (as
autorank draws them), not from a Nemenyi critical difference, so the diagram and the pairwise
table cannot disagree.
"""

from __future__ import annotations

from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from harness.report.palette import SINGLE_COLUMN, Style, paper_style

import matplotlib.pyplot as plt  # noqa: E402

__all__ = ["cd_diagram_figure"]


def cd_diagram_figure(
    avg_ranks: Mapping[str, float] | pd.Series,
    styles: Mapping[str, Style],
    *,
    cliques: Iterable[Sequence[str]] | None = None,
    title: str | None = None,
):
    """Draw the critical-difference diagram.

    Parameters
    ----------
    avg_ranks : mapping or Series
        Average rank per strategy (over problems, or over problems and budgets).
    styles : mapping
        Strategy styles (the marker on the axis and the label colour).
    cliques : iterable of sequences of str, optional
        Groups no significant test separates
        (:func:`harness.analysis.decisions.cliques_from_decisions`).
    title : str, optional
        Figure title (e.g. the Friedman p-value).
    """
    paper_style()
    ranks = {str(k): float(v) for k, v in dict(avg_ranks).items() if np.isfinite(v)}
    order = sorted(ranks, key=lambda s: (ranks[s], s))
    k = len(order)
    if cliques is None:
        cliques = []
    cliques = [[s for s in c if s in ranks] for c in cliques]
    cliques = [sorted(c, key=lambda s: ranks[s]) for c in cliques if len(c) >= 2]

    lo, hi = 1, max(k, 2)
    half = (k + 1) // 2
    n_side = max(half, k - half)
    clique_y = [-0.1 - 0.08 * i for i in range(len(cliques))]
    first_row = (clique_y[-1] if clique_y else -0.05) - 0.2
    bottom = first_row - 0.2 * (n_side - 1) - 0.08
    fig, ax = plt.subplots(figsize=(SINGLE_COLUMN, 0.75 * (0.6 - bottom) + 0.1))
    ax.set_xlim(lo - 0.9, hi + 0.9)
    ax.set_ylim(bottom, 0.6)
    ax.axis("off")

    # Rank axis with ticks, best (1) on the left.
    ax.plot([lo, hi], [0, 0], color="black", linewidth=0.7)
    for t in range(lo, hi + 1):
        ax.plot([t, t], [0, 0.05], color="black", linewidth=0.7)
        ax.text(t, 0.08, str(t), ha="center", va="bottom", fontsize=6)

    # Clique bars just below the axis.
    for y, clique in zip(clique_y, cliques):
        ax.plot([ranks[clique[0]] - 0.04, ranks[clique[-1]] + 0.04], [y, y], color="black", linewidth=2.2, solid_capstyle="round")
    _draw_labels(ax, order, ranks, styles, (lo, hi), first_row)
    if title:
        ax.set_title(title, fontsize=6)
    fig.tight_layout()
    return fig


def _draw_labels(ax, order: list[str], ranks: Mapping[str, float], styles: Mapping[str, Style],
                 span: tuple[int, int], first_row: float) -> None:
    """Each strategy's label: the better half to the left edge, the rest to the right edge, text on the line."""
    lo, hi = span
    k, half = len(order), (len(order) + 1) // 2
    for i, name in enumerate(order):
        left = i < half
        row = i if left else k - 1 - i
        y = first_row - 0.2 * row
        x_text = lo - 0.85 if left else hi + 0.85
        st = styles.get(name)
        color = st.color if st else "black"
        ax.plot([ranks[name], ranks[name], x_text], [0, y, y], color="0.35", linewidth=0.6, zorder=1)
        if st:
            ax.plot(ranks[name], 0, marker=st.marker, color=color, markersize=4, zorder=3)
        ax.text(
            x_text,
            y + 0.02,
            f"{(st.label if st and st.label else name)} ({ranks[name]:.2f})",
            ha="left" if left else "right",
            va="bottom",
            fontsize=6,
            color=color,
        )

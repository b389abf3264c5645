"""One fixed colour and marker per strategy, shared by every figure of a report.

Colours come from the Okabe-Ito palette (safe for the common forms of colour blindness;
Okabe & Ito 2008, also seaborn's ``"colorblind"`` ordering), markers from a fixed list, both
assigned in the sorted order of the strategy labels. The same set of labels therefore always
gets the same styles, in every figure and every report, whatever order the data arrive in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import matplotlib

matplotlib.use("Agg")  # reports are written headless; never pick an interactive backend

import matplotlib.pyplot as plt  # noqa: E402

__all__ = ["OKABE_ITO", "MARKERS", "Style", "strategy_styles", "paper_style", "SINGLE_COLUMN", "DOUBLE_COLUMN"]

#: Okabe-Ito colours, black moved last so lines stay distinguishable from axes and text.
OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)
#: Markers distinguishable in greyscale print, used with the colours so that two strategies
#: sharing a colour (more than eight of them) still differ.
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "*", "h", "p")
LINESTYLES = ("-", "--", "-.", ":")

#: Figure widths in inches: one column and the full text width of a two-column paper.
SINGLE_COLUMN = 3.3
DOUBLE_COLUMN = 6.9


@dataclass(frozen=True)
class Style:
    """How one strategy is drawn.

    Attributes
    ----------
    color : str
        Hex colour.
    marker : str
        Matplotlib marker.
    linestyle : str
        Matplotlib line style (varies only once the colours are exhausted).
    order : int
        Position of the strategy in the stable order (legends follow it).
    """

    color: str
    marker: str
    linestyle: str
    order: int

    def line_kwargs(self) -> dict:
        """Keyword arguments for ``Axes.plot``."""
        return {"color": self.color, "marker": self.marker, "linestyle": self.linestyle}


def strategy_styles(strategies: Iterable[str]) -> dict[str, Style]:
    """The style of each strategy label, assigned by sorted label.

    Parameters
    ----------
    strategies : iterable of str
        Strategy labels (duplicates and order do not matter).

    Returns
    -------
    dict of str to Style
        Ordered by the stable (sorted) order.
    """
    names = sorted({str(s) for s in strategies})
    n_col = len(OKABE_ITO)
    return {
        name: Style(
            color=OKABE_ITO[i % n_col],
            marker=MARKERS[i % len(MARKERS)],
            linestyle=LINESTYLES[(i // n_col) % len(LINESTYLES)],
            order=i,
        )
        for i, name in enumerate(names)
    }


def paper_style() -> None:
    """Set matplotlib parameters for figures readable at single-column width (~3.3 in).

    Small but legible fonts (7-8 pt at print size), thin lines, no top/right spines and
    TrueType fonts embedded in PDFs (Type 3 fonts are refused by some publishers).
    """
    plt.rcParams.update(
        {
            "figure.dpi": 150,
            "savefig.dpi": 200,
            "font.size": 7,
            "axes.titlesize": 7,
            "axes.labelsize": 7,
            "xtick.labelsize": 6,
            "ytick.labelsize": 6,
            "legend.fontsize": 6,
            "legend.frameon": False,
            "lines.linewidth": 1.0,
            "lines.markersize": 3.0,
            "axes.linewidth": 0.6,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "grid.linewidth": 0.4,
            "grid.alpha": 0.4,
            "pdf.fonttype": 42,
            "ps.fonttype": 42,
            "svg.fonttype": "none",
        }
    )

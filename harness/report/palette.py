"""One fixed colour, marker and line style per strategy name, in every figure of every report.

A strategy's style is a function of its name alone, never of which other strategies are
present: ``bayesian`` is the same blue in the quick report, the paper and a plugin author's
suite. Known strategies have fixed positions in :data:`KNOWN_ORDER`; any other name gets a
position from a hash of the name. A position maps to a colour of the Okabe-Ito palette
without its yellow (illegible on white; Okabe & Ito 2008, safe for the common forms of colour
blindness) plus grey, a marker and, beyond eight, a line style, so that no two strategies of
a report with up to 32 known names share all three.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Iterable

import matplotlib

matplotlib.use("Agg")  # reports are written headless; never pick an interactive backend

import matplotlib.pyplot as plt  # noqa: E402

__all__ = ["OKABE_ITO", "MARKERS", "Style", "strategy_styles", "paper_style", "SINGLE_COLUMN", "DOUBLE_COLUMN"]

#: Okabe-Ito colours without yellow, plus grey; black first because position 0 is the
#: random-search baseline.
OKABE_ITO = (
    "#000000",  # black
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#999999",  # grey
)

#: Positions of the built-in and peer strategies: the first eight (one per family) get
#: solid lines in distinct colours.
KNOWN_ORDER = (
    "random", "bayesian", "tpe", "cmaes", "differential-evolution", "genetic", "gradient",
    "grid",
    "hyperband", "asha", "bohb", "successive-halving", "optuna-tpe", "optuna-cmaes",
    "gradient-bfgs", "optuna-gp",
    "hyperopt-random", "hyperopt-anneal", "optuna-qmc", "optuna-random", "ray-basic",
    "ray-hyperopt", "ray-asha", "ray-hyperband",
    "smac", "smac-hyperband", "dehb", "nevergrad", "nevergrad-de", "nevergrad-oneplusone",
    "pycma", "median-stopping",
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
    label : str
        Legend text when it differs from the name (a dagger marks strategies that used exact
        gradients).
    """

    color: str
    marker: str
    linestyle: str
    order: int
    label: str = ""

    def line_kwargs(self) -> dict:
        """Keyword arguments for ``Axes.plot``."""
        return {"color": self.color, "marker": self.marker, "linestyle": self.linestyle}


def style_position(name: str) -> int:
    """Stable position of a strategy name: its index in :data:`KNOWN_ORDER`, else a hash."""
    if name in KNOWN_ORDER:
        return KNOWN_ORDER.index(name)
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return len(KNOWN_ORDER) + int.from_bytes(digest[:4], "big") % 96


def style_of(name: str) -> Style:
    """The style of one strategy name (independent of any other strategy)."""
    i = style_position(name)
    n_col = len(OKABE_ITO)
    return Style(color=OKABE_ITO[i % n_col], marker=MARKERS[i % len(MARKERS)],
                 linestyle=LINESTYLES[(i // n_col) % len(LINESTYLES)], order=i)


def strategy_styles(strategies: Iterable[str], gradient: Iterable[str] = ()) -> dict[str, Style]:
    """The style of each strategy label, keyed by name (see :func:`style_of`).

    Parameters
    ----------
    strategies : iterable of str
        Strategy labels (duplicates and order do not matter).
    gradient : iterable of str
        Strategies that used exact gradients: their legend label gets a dagger.

    Returns
    -------
    dict of str to Style
        In legend order: known strategies first in :data:`KNOWN_ORDER`, then by name.
    """
    names = sorted({str(s) for s in strategies}, key=lambda n: (style_position(n), n))
    marked = set(gradient)
    return {name: replace(style_of(name), label=f"{name} \N{DAGGER}" if name in marked else "")
            for name in names}


def paper_style() -> None:
    """Set matplotlib parameters for figures readable at single-column width (~3.3 in).

    Small but legible fonts (7-8 pt at print size), thin lines, no top/right spines and
    TrueType fonts embedded in PDFs (Type 3 fonts are refused by some publishers).
    """
    plt.rcParams.update(
        {
            "figure.dpi": 150,
            "savefig.dpi": 150,  # sharp in the HTML report at its display width; PDFs are vector
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

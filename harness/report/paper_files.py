"""The files every part of the paper writes alike: its generated LaTeX and its wide figures.

Shared by :mod:`harness.report.paper` and the paper's sections
(:mod:`harness.report.bbob_section`, :mod:`harness.report.learning_curve_section`); it imports
nothing of the report, so a section the report also draws from can use it without a cycle.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["wide_figure", "write_generated"]


def wide_figure(figure: str, caption: str, label: str) -> str:
    """LaTeX of a ``figure*`` showing ``figures/<figure>`` at 0.8 of the text width."""
    return ("\\begin{figure*}[t]\n\\centering\n"
            f"\\includegraphics[width=0.8\\textwidth]{{{figure}}}\n"
            f"\\caption{{{caption}}}\n\\label{{{label}}}\n"
            "\\end{figure*}\n")


def write_generated(paper_dir: str | Path, name: str, tex: str) -> Path:
    """Write ``generated/<name>`` of the paper directory; its path."""
    generated = Path(paper_dir) / "generated"
    generated.mkdir(parents=True, exist_ok=True)
    (generated / name).write_text(tex)
    return generated / name

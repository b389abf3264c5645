"""Render a :class:`~harness.report.content.Document` as Markdown (``report.md``).

Figures are linked as relative paths (``figures/<name>.png``), so the Markdown reads well in
a repository browser next to its ``figures/`` directory.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from harness.report.content import Bullets, Code, Document, Figure, Paragraph, Section, Table

__all__ = ["render_markdown", "markdown_table"]


def escape_text(text) -> str:
    """Text with ``&``, ``<`` and ``>`` as entities: labels are data, never HTML (a label
    ``<script>`` must not run in a Markdown viewer that renders inline HTML)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def markdown_table(frame: pd.DataFrame) -> str:
    """A pipe table of ``frame`` (index dropped unless named); cells escaped for pipes."""
    if frame.index.name is not None or not isinstance(frame.index, pd.RangeIndex):
        frame = frame.reset_index()
    header = [str(c) for c in frame.columns]

    def cell(v) -> str:
        text = "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)
        return escape_text(text).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def _block(block, base: Path) -> str:
    if isinstance(block, Paragraph):
        return escape_text(block.text)
    if isinstance(block, Bullets):
        return "\n".join(f"- {escape_text(item)}" for item in block.items)
    if isinstance(block, Code):
        return f"```{block.language}\n{block.text.rstrip()}\n```"
    if isinstance(block, Table):
        links = [f"[{kind}]({path})" for kind, path in (("CSV", block.csv), ("LaTeX", block.tex)) if path]
        suffix = f" ({', '.join(links)})" if links else ""
        return f"**{escape_text(block.caption)}**{suffix}\n\n{markdown_table(block.frame)}"
    if isinstance(block, Figure):
        png = Path(os.path.relpath(block.png, base)).as_posix()
        pdf = f" ([PDF]({Path(os.path.relpath(block.pdf, base)).as_posix()}))" if block.pdf else ""
        caption = escape_text(block.caption)
        return f"![{caption}]({png})\n\n*{caption}*{pdf}"
    raise TypeError(f"Unknown report block {type(block).__name__}")


def _section(section: Section, level: int, base: Path) -> list[str]:
    parts = [f"{'#' * level} {section.title}"]
    parts += [_block(b, base) for b in section.blocks]
    for sub in section.subsections:
        parts += _section(sub, level + 1, base)
    return parts


def render_markdown(doc: Document, base: Path) -> str:
    """The Markdown text of ``doc``; figure links are relative to ``base`` (the report dir)."""
    parts = [f"# {doc.title}"]
    for section in doc.sections:
        parts += _section(section, 2, Path(base))
    return "\n\n".join(parts) + "\n"

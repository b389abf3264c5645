"""The report as a document model, rendered to Markdown and to self-contained HTML.

:mod:`harness.report.build` assembles a :class:`Document` once; :mod:`~harness.report.markdown`
and :mod:`~harness.report.html` render the same document, so both outputs always carry the
same sections, tables and figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

import pandas as pd

__all__ = ["Paragraph", "Bullets", "Code", "Table", "Figure", "Section", "Document", "Block"]


@dataclass
class Paragraph:
    """Plain text (no markup; escaped by the HTML renderer)."""

    text: str


@dataclass
class Bullets:
    """A bulleted list of plain-text items."""

    items: list[str]


@dataclass
class Code:
    """Preformatted text, e.g. the suite file or a formula."""

    text: str
    language: str = ""


@dataclass
class Table:
    """A table with a caption; ``frame`` is shown as-is (already rounded/formatted)."""

    caption: str
    frame: pd.DataFrame
    csv: str | None = None  # relative path of the CSV with the same numbers
    tex: str | None = None  # relative path of the LaTeX version


@dataclass
class Figure:
    """A figure written as PNG (embedded in the HTML) and PDF (linked from the Markdown)."""

    name: str
    caption: str
    png: Path
    pdf: Path | None = None


Block = Union[Paragraph, Bullets, Code, Table, Figure]


@dataclass
class Section:
    """A titled list of blocks (and nested subsections)."""

    title: str
    blocks: list[Block] = field(default_factory=list)
    subsections: list["Section"] = field(default_factory=list)

    def add(self, block: Block) -> "Section":
        """Append ``block``; returns self for chaining."""
        self.blocks.append(block)
        return self

    def figures(self) -> list[Figure]:
        """Every figure of this section and its subsections, in order."""
        own = [b for b in self.blocks if isinstance(b, Figure)]
        return own + [f for s in self.subsections for f in s.figures()]


@dataclass
class Document:
    """The whole report: a title and its sections."""

    title: str
    sections: list[Section] = field(default_factory=list)

    def figures(self) -> list[Figure]:
        """Every figure of the document, in order."""
        return [f for s in self.sections for f in s.figures()]

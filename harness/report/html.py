"""Render a :class:`~harness.report.content.Document` as one self-contained HTML file.

Figures are embedded as base64 ``data:`` PNG URIs and the style sheet is inline, so the file
opens from disk with no server and loads nothing from the network (no scripts at all).
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import pandas as pd

from harness.report.content import Bullets, Code, Document, Figure, Paragraph, Section, Table

__all__ = ["render_html", "external_references"]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{border-bottom:2px solid #0072B2;padding-bottom:.2em}h2{border-bottom:1px solid #ccc;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:.85em}
th,td{border:1px solid #ccc;padding:.2em .5em;text-align:right}th{background:#f0f4f8}
td:first-child,th:first-child{text-align:left}
figure{margin:1em 0 2em}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.9em;color:#444}pre{background:#f6f8fa;padding:.8em;overflow:auto;font-size:.85em}
.caption{font-weight:600;margin-bottom:.2em}nav ul{columns:2}
"""


def _esc(text: str) -> str:
    return html.escape(str(text), quote=True)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def _table(frame: pd.DataFrame) -> str:
    if frame.index.name is not None or not isinstance(frame.index, pd.RangeIndex):
        frame = frame.reset_index()
    head = "".join(f"<th>{_esc(c)}</th>" for c in frame.columns)

    def cell(v) -> str:
        return "" if v is None or (isinstance(v, float) and pd.isna(v)) else _esc(v)

    rows = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>" for row in frame.itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _block(block) -> str:
    if isinstance(block, Paragraph):
        return f"<p>{_esc(block.text)}</p>"
    if isinstance(block, Bullets):
        return "<ul>" + "".join(f"<li>{_esc(i)}</li>" for i in block.items) + "</ul>"
    if isinstance(block, Code):
        return f"<pre><code>{_esc(block.text)}</code></pre>"
    if isinstance(block, Table):
        files = ", ".join(_esc(p) for p in (block.csv, block.tex) if p)
        note = f" <small>({files})</small>" if files else ""
        return f'<div class="table"><div class="caption">{_esc(block.caption)}{note}</div>{_table(block.frame)}</div>'
    if isinstance(block, Figure):
        data = base64.b64encode(Path(block.png).read_bytes()).decode("ascii")
        return (
            f'<figure id="fig-{_esc(block.name)}"><img alt="{_esc(block.caption)}" '
            f'data-figure="{_esc(block.name)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{_esc(block.caption)}</figcaption></figure>"
        )
    raise TypeError(f"Unknown report block {type(block).__name__}")


def _section(section: Section, level: int) -> str:
    level = min(level, 6)
    parts = [f'<section id="{_slug(section.title)}"><h{level}>{_esc(section.title)}</h{level}>']
    parts += [_block(b) for b in section.blocks]
    parts += [_section(s, level + 1) for s in section.subsections]
    return "\n".join(parts) + "</section>"


def render_html(doc: Document) -> str:
    """The complete HTML page of ``doc`` (UTF-8, inline CSS, figures as data URIs)."""
    toc = "".join(f'<li><a href="#{_slug(s.title)}">{_esc(s.title)}</a></li>' for s in doc.sections)
    body = "\n".join(_section(s, 2) for s in doc.sections)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{_esc(doc.title)}</title>"
        f"<style>{_CSS}</style></head><body><h1>{_esc(doc.title)}</h1><nav><ul>{toc}</ul></nav>\n{body}\n</body></html>\n"
    )


_URL_ATTR = re.compile(r"""\b(src|href|action|data|poster|srcset)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)


def external_references(page: str) -> list[str]:
    """Every ``src``/``href``-like attribute value that is not a ``data:`` URI or a ``#`` anchor.

    A self-contained report has none; the tests and ``bench/check_report_html.py`` use this.
    """
    return [value for _, value in _URL_ATTR.findall(page) if not (value.startswith("data:") or value.startswith("#"))]

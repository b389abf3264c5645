"""Check a report.html: self-contained, and shown completely by headless Chromium.

Usage::

    python bench/check_report_html.py results/quick/report/report.html

Static checks (no browser): every ``<img>`` is a ``data:image/png;base64`` URI that decodes
to a PNG, no ``src``/``href`` points outside the page, one image per figure PNG on disk,
and the Summary section is present. Then Chromium (``--headless --no-sandbox --dump-dom``)
renders the page; the check passes when it decoded every image, shows the summary and logged
no JavaScript error. Without Chromium the browser part is reported as skipped
(install: ``apt-get update && apt-get install -y chromium``). Exit status 0 = all passed.
"""

from __future__ import annotations

import argparse
import base64
import re
import sys
import time
from pathlib import Path

from harness.report.browser import check_in_chromium, find_chromium
from harness.report.html import external_references

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def static_problems(html_path: Path) -> list[str]:
    """Every way the page fails to be a self-contained report (empty list = fine)."""
    page = html_path.read_text(encoding="utf-8")
    problems = [f"external reference: {ref}" for ref in external_references(page)]
    sources = re.findall(r"<img[^>]*\ssrc=\"([^\"]*)\"", page)
    if not sources:
        problems.append("no <img> in the page")
    for src in sources:
        if not src.startswith("data:image/png;base64,"):
            problems.append(f"image not embedded as a PNG data URI: {src[:60]}")
        elif not base64.b64decode(src.split(",", 1)[1]).startswith(PNG_MAGIC):
            problems.append("a data URI does not decode to a PNG")
    figures = html_path.parent / "figures"
    if figures.is_dir():
        on_disk = len(list(figures.glob("*.png")))
        if on_disk != len(sources):
            problems.append(f"{len(sources)} images in the page but {on_disk} PNG figures on disk")
    if '<section id="summary">' not in page:
        problems.append("no Summary section")
    if re.search(r"<script|<link|<iframe|@import", page, re.I):
        problems.append("page loads scripts, style sheets or frames")
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path, help="path of report.html")
    args = parser.parse_args(argv)
    if not args.html.exists():
        print(f"no such file: {args.html}")
        return 2
    problems = static_problems(args.html)
    print(f"static: {'ok' if not problems else 'FAILED'}")
    for p in problems:
        print(f"  - {p}")
    if find_chromium() is None:
        print("chromium: skipped (not installed; apt-get update && apt-get install -y chromium)")
        return 1 if problems else 0
    started = time.perf_counter()
    check = check_in_chromium(args.html)
    print(f"chromium: {'ok' if check.ok else 'FAILED'} in {time.perf_counter() - started:.1f} s: "
          f"{check.loaded}/{check.images} images decoded, summary shown: {check.summary_found}, "
          f"JavaScript errors: {len(check.js_errors)}, exit status {check.returncode}")
    for name in check.broken:
        print(f"  - image not decoded: {name}")
    for line in check.js_errors:
        print(f"  - {line}")
    return 0 if check.ok and not problems else 1


if __name__ == "__main__":
    sys.exit(main())

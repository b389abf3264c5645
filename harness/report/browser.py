"""Open a report in headless Chromium and check that it shows the summary and every figure.

The report itself has no scripts. For the check, a copy of the page gets one small probe
script that waits for the page to load, then writes into the DOM how many ``<img>`` elements
exist and how many Chromium actually decoded (``complete`` and ``naturalWidth > 0``).
Chromium's ``--dump-dom`` output is parsed for that probe, for the summary section, and its
log for JavaScript errors. Used by ``bench/check_report_html.py`` and the report tests.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["find_chromium", "BrowserCheck", "check_in_chromium", "CHROMIUM_FLAGS"]

#: Flags for a quiet, sandbox-free, offline headless Chromium (works as root in containers).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-extensions",
    "--disable-dev-shm-usage",
)

_PROBE = """<script>
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var loaded = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; });
  var out = document.createElement('div');
  out.id = 'harness-probe';
  out.setAttribute('data-images', String(imgs.length));
  out.setAttribute('data-loaded', String(loaded.length));
  out.setAttribute('data-broken', imgs.filter(function (i) { return !(i.complete && i.naturalWidth > 0); })
      .map(function (i) { return i.getAttribute('data-figure') || '?'; }).join(','));
  document.body.appendChild(out);
});
</script>"""


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome executable on PATH, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class BrowserCheck:
    """What Chromium showed.

    Attributes
    ----------
    images, loaded : int
        ``<img>`` elements in the page and how many were decoded.
    broken : list of str
        ``data-figure`` names of images that did not decode.
    summary_found : bool
        Whether the rendered DOM has the "Summary" section with at least one sentence.
    js_errors : list of str
        JavaScript errors Chromium logged (the report has no scripts, so any is a failure).
    returncode : int
        Chromium's exit status.
    """

    images: int
    loaded: int
    broken: list[str]
    summary_found: bool
    js_errors: list[str] = field(default_factory=list)
    returncode: int = 0

    @property
    def ok(self) -> bool:
        """Every image decoded, the summary is shown, no JavaScript error, clean exit."""
        return (self.returncode == 0 and self.images > 0 and self.loaded == self.images
                and self.summary_found and not self.js_errors)


def check_in_chromium(html_path, *, chromium: str | None = None, timeout: float = 120.0) -> BrowserCheck:
    """Render ``html_path`` in headless Chromium and report what it showed.

    Parameters
    ----------
    html_path : path
        A report.html.
    chromium : str, optional
        Executable; default :func:`find_chromium`.
    timeout : float
        Seconds before Chromium is killed.

    Raises
    ------
    FileNotFoundError
        If no Chromium is installed.
    """
    chromium = chromium or find_chromium()
    if chromium is None:
        raise FileNotFoundError("No Chromium found (apt-get install -y chromium).")
    page = Path(html_path).read_text(encoding="utf-8")
    probed = page.replace("</body>", _PROBE + "</body>", 1)
    with tempfile.TemporaryDirectory(prefix="harness-chromium-") as tmp:
        target = Path(tmp) / "report.html"
        target.write_text(probed, encoding="utf-8")
        profile = Path(tmp) / "profile"
        command = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
                   "--virtual-time-budget=10000", "--dump-dom", target.as_uri()]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    dom = done.stdout
    probe = re.search(r'<div id="harness-probe"[^>]*>', dom)
    attrs = dict(re.findall(r'data-(\w+)="([^"]*)"', probe.group(0))) if probe else {}
    summary = re.search(r'<section id="summary">(.*?)</section>', dom, re.S)
    summary_found = bool(summary and "<li>" in summary.group(1))
    js_errors = [line for line in done.stderr.splitlines() if "Uncaught" in line or ("CONSOLE" in line and "rror" in line)]
    return BrowserCheck(
        images=int(attrs.get("images", 0)),
        loaded=int(attrs.get("loaded", 0)),
        broken=[b for b in attrs.get("broken", "").split(",") if b],
        summary_found=summary_found,
        js_errors=js_errors,
        returncode=done.returncode,
    )

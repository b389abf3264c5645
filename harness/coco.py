"""``harness coco RESULTS``: COCO's own post-processing (``cocopp``) of the stored BBOB runs.

The runs of BBOB problems are exported in COCO's bbob format (:func:`harness.analysis.export.
export_coco`) to ``RESULTS/report/export/coco/<strategy>/``, then the real ``cocopp`` (the
``coco`` extra) reads every strategy's folder and writes its HTML pages and figures to
``RESULTS/report/cocopp/`` (``index.html`` there). cocopp runs in a child process: it sets
matplotlib and its own module-level settings globally, which must not leak into the harness.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

__all__ = ["CocoError", "INSTALL_HINT", "run_cocopp"]

INSTALL_HINT = 'pip install -e ".[coco]"  (or: pip install cocopp)'


class CocoError(RuntimeError):
    """Results that cocopp cannot be run on, or a missing cocopp (one line, exit status 2)."""


def run_cocopp(results: str | os.PathLike, output: str | os.PathLike | None = None,
               timeout: float | None = None) -> Path:
    """Export the BBOB runs of a results directory and run cocopp on them.

    Parameters
    ----------
    results : path
        A results directory (``results/<suite>``).
    output : path, optional
        cocopp's output folder (default ``RESULTS/report/cocopp``).
    timeout : float, optional
        Seconds cocopp may take.

    Returns
    -------
    Path
        cocopp's ``index.html``.

    Raises
    ------
    CocoError
        cocopp is not installed, no stored run is of a BBOB problem, or cocopp failed (the
        message points at its log).
    """
    from harness.analysis.export import export_coco
    from harness.store import Store

    if importlib.util.find_spec("cocopp") is None:
        raise CocoError(f"`harness coco` needs the 'cocopp' package, which is not installed. Install it with: {INSTALL_HINT}")
    results = Path(results)
    frame = Store(results).load()
    export_dir = results / "report" / "export" / "coco"
    written = export_coco(frame, export_dir)
    folders = sorted({p.parent for p in written if p.suffix == ".info"})
    if not folders:
        raise CocoError(f"No stored run in {results} is of a BBOB problem (bbob-f<id>-<d>d); cocopp reads BBOB data only.")
    output = Path(output) if output is not None else results / "report" / "cocopp"
    output.mkdir(parents=True, exist_ok=True)
    log_path = output / "cocopp.log"
    command = [sys.executable, "-m", "cocopp", "-o", str(output), *map(str, folders)]
    # cocopp falls back to an interactive matplotlib backend when it finds a display.
    env = {**os.environ, "MPLBACKEND": "Agg"}
    with open(log_path, "w") as log:
        try:
            status = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, env=env,
                                    timeout=timeout, check=False).returncode
        except subprocess.TimeoutExpired:
            raise CocoError(f"cocopp took longer than {timeout:g} s; its log is {log_path}") from None
    index = output / "index.html"
    if status != 0 or not index.exists():
        missing = _import_failure(log_path)
        if missing:
            # Installed but unimportable (cocopp 2.9 imports `six` without declaring it): the
            # fix is an install, so say which, as for a missing cocopp.
            raise CocoError(f"cocopp is installed but cannot be imported ({missing}). Install its "
                            f"dependencies with: {INSTALL_HINT}; its log is {log_path}")
        raise CocoError(f"cocopp failed (exit status {status}); its log is {log_path}")
    return index


def _import_failure(log_path: Path) -> str | None:
    """The ``ModuleNotFoundError``/``ImportError`` line that ended cocopp's log, if any."""
    lines = [line.strip() for line in log_path.read_text(errors="replace").splitlines() if line.strip()]
    if lines and lines[-1].startswith(("ModuleNotFoundError", "ImportError")):
        return lines[-1]
    return None

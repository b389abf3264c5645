"""The environment a suite ran in, recorded next to its results."""

from __future__ import annotations

import datetime as _dt
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

#: Distributions whose versions decide results; recorded when installed.
KEY_PACKAGES = ("numpy", "scipy", "scikit-learn", "pandas", "pyarrow", "ray", "hyperopt", "optuna", "cmaes", "torch")


def git_commit(path: Path | None = None) -> dict:
    """The harness checkout's commit and whether it had uncommitted changes (or None)."""
    here = path or Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=here, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    if commit.returncode != 0:
        return {"commit": None, "dirty": None}
    return {"commit": commit.stdout.strip(), "dirty": bool(dirty.stdout.strip())}


def plugin_distributions() -> dict[str, str]:
    """Name -> version of every distribution that registers problems or strategies by entry point."""
    found = {}
    for group in ("harness.problems", "harness.strategies"):
        for entry_point in metadata.entry_points(group=group):
            dist = entry_point.dist
            if dist is not None:
                found[dist.metadata["Name"]] = dist.version
    return dict(sorted(found.items()))


def environment(executor: str | None = None, workers: int | None = None) -> dict:
    """Python, package versions, machine and git commit, as a JSON-ready dict."""
    packages = {}
    for name in KEY_PACKAGES:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "packages": packages,
        "machine": {
            "platform": platform.platform(),
            "processor": platform.machine(),
            "cpus": os.cpu_count(),
            "hostname": platform.node(),
        },
        "git": git_commit(),
        "plugins": plugin_distributions(),
        "executor": executor,
        "workers": workers,
        "recorded_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }

"""Shared fixtures. The test plugin package is pip-installed (for real) into a temporary
directory that is put on PYTHONPATH before anything starts Ray, so subprocesses and Ray
workers discover its entry points exactly as they would a third-party package's."""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# A test run started in the background by a non-interactive shell (`pytest &`) inherits SIGINT
# ignored (POSIX), and so would every `harness` process the tests start: Ctrl-C tests could not
# interrupt them. A handler in this process becomes the default again in its children.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
PLUGIN_SOURCE = ROOT / "tests" / "plugin_pkg"
_PLUGIN_TARGET = Path(tempfile.mkdtemp(prefix="harness-plugin-"))


def _install_plugin() -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "--target", str(_PLUGIN_TARGET), str(PLUGIN_SOURCE)],
        check=True, capture_output=True,
    )
    sys.path.insert(0, str(_PLUGIN_TARGET))
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_PLUGIN_TARGET), os.environ.get("PYTHONPATH")]))
    return _PLUGIN_TARGET


PLUGIN_PATH = _install_plugin()
atexit.register(shutil.rmtree, _PLUGIN_TARGET, True)


@pytest.fixture(scope="session")
def plugin_path() -> Path:
    """Directory holding the installed test plugin (already on sys.path and PYTHONPATH)."""
    from harness.registry import problems, strategies

    problems.refresh_plugins()
    strategies.refresh_plugins()
    return PLUGIN_PATH


@pytest.fixture(scope="session")
def ray_local():
    """One local Ray for the in-process Ray tests (2 CPUs), shut down at the end."""
    import logging

    import ray

    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR,
             configure_logging=False)
    yield ray
    ray.shutdown()


def run_cli(*args: str, cwd: Path, timeout: float = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m harness ...`` in a subprocess and capture its output."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "harness", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=full_env)

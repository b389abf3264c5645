"""Starting or joining Ray so that stopping the harness stays clean, and telling a failed run
from a failed Ray.

``ray.init`` replaces the driver's SIGTERM handler (with one calling ``sys.exit``) and its
core worker installs a C++ failure handler that turns SIGTERM into an abort with a stack
dump (exit 134). A SIGINT or SIGTERM arriving halfway through start-up used to leave Ray's
processes running. Here Ray starts with both signals deferred: a signal during start-up is
remembered, Ray finishes starting, is shut down again, and the harness stops as on Ctrl-C.
After start-up the harness's own handlers are put back, so SIGTERM behaves as Ctrl-C.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import threading
import time
from typing import Any

__all__ = ["InfrastructureError", "start_ray", "dead_ray_processes", "run_failure_types", "plain_text",
           "session_dir", "reap_session"]

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class InfrastructureError(RuntimeError):
    """Ray itself failed (a dead raylet or GCS): the suite stops, its pending runs stay unrun."""


def plain_text(text: str) -> str:
    """``text`` without ANSI colour codes (Ray colours its tracebacks)."""
    return _ANSI.sub("", text)


def run_failure_types() -> tuple[type, ...]:
    """Ray exception types that mean the run failed; any other Ray error is Ray's failure."""
    import ray.exceptions as rex

    # A worker that kept dying (os._exit, a segfault, the OOM killer) or an error raised by
    # the run itself is the run's failure; anything else is the infrastructure's.
    return rex.WorkerCrashedError, rex.OutOfMemoryError, rex.RayTaskError


class _DeferredSignals:
    """Hold SIGINT/SIGTERM while Ray starts; restore the caller's handlers afterwards."""

    def __init__(self) -> None:
        self.received: int | None = None
        self._previous: dict[int, Any] = {}
        self._patched: Any = None
        self._env_before: str | None = None

    def _remember(self, signum: int, frame: object) -> None:
        self.received = signum

    def __enter__(self) -> "_DeferredSignals":
        import ray._private.utils as ray_utils

        if threading.current_thread() is threading.main_thread():
            for sig in _STOP_SIGNALS:
                self._previous[sig] = signal.signal(sig, self._remember)
            # ray.init would install its own SIGTERM handler (sys.exit) over ours.
            self._patched = ray_utils.set_sigterm_handler
            ray_utils.set_sigterm_handler = lambda handler: None
        self._env_before = os.environ.get("RAY_DISABLE_FAILURE_SIGNAL_HANDLER")
        os.environ["RAY_DISABLE_FAILURE_SIGNAL_HANDLER"] = "1"
        return self

    def __exit__(self, *exc: object) -> None:
        import ray._private.utils as ray_utils

        if self._patched is not None:
            ray_utils.set_sigterm_handler = self._patched
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        if self._env_before is None:
            os.environ.pop("RAY_DISABLE_FAILURE_SIGNAL_HANDLER", None)
        else:
            os.environ["RAY_DISABLE_FAILURE_SIGNAL_HANDLER"] = self._env_before


def start_ray(address: str | None, workers: int | None, run_retries: int) -> str:
    """Start a local Ray (``address`` None) or join ``address``; return the address used.

    Raises KeyboardInterrupt, after shutting Ray down again, when SIGINT or SIGTERM arrived
    during start-up, and RuntimeError with Ray's first line when Ray cannot start.
    """
    import ray

    kwargs: dict[str, Any] = dict(include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR,
                                  configure_logging=False)
    if address is None:
        # "local" starts a fresh Ray even when another one runs on this machine; joining
        # someone else's cluster must be asked for by address.
        address = "local"
        kwargs["num_cpus"] = workers or os.cpu_count() or 1
        # Ray retries tasks killed for memory without limit by default: a run that blows
        # memory would hang the suite. Count such kills against the run's retry budget.
        kwargs["_system_config"] = {"task_oom_retries": run_retries}
    # The owner of a task (this driver) decides its OOM retries, also on a joined cluster.
    os.environ.setdefault("RAY_task_oom_retries", str(run_retries))
    deferred = _DeferredSignals()
    with deferred:
        ray.init(address=address, **kwargs)
    if deferred.received is not None:
        directory = session_dir() if address == "local" else None
        ray.shutdown()
        reap_session(directory)
        raise KeyboardInterrupt()
    return address


def dead_ray_processes() -> list[str]:
    """Names of the local Ray's GCS or raylet processes that have died (empty when joined)."""
    try:
        import ray._private.worker as ray_worker

        node = ray_worker._global_node
        if node is None:
            return []
        dead = node.dead_processes()
    except Exception:  # noqa: BLE001 - a health probe must never break the suite itself
        return []
    return sorted({kind for kind, _ in dead if kind in ("gcs_server", "raylet")})


def session_dir() -> str | None:
    """The local Ray's session directory (names every process it started), or None."""
    try:
        import ray._private.worker as ray_worker

        node = ray_worker._global_node
        return None if node is None else node.get_session_dir_path()
    except Exception:  # noqa: BLE001
        return None


def _processes_naming(text: str) -> list[int]:
    found = []
    needle = text.encode()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry.name}/cmdline", "rb") as handle:
                if needle in handle.read():
                    found.append(int(entry.name))
        except OSError:
            continue
    return found


def reap_session(directory: str | None, grace: float = 3.0) -> None:
    """Kill what is left of a local Ray after ``ray.shutdown`` (agents of a dead GCS linger).

    Only processes whose command line names this Ray's own session directory are touched.
    """
    if not directory or not os.path.isdir("/proc"):
        return
    deadline = time.monotonic() + grace
    left = _processes_naming(directory)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = _processes_naming(directory)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass

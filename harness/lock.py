"""One writer per results directory: a lock file naming its holder.

``results/<suite>/.lock`` holds the pid, host and start time of the ``harness`` process
writing the directory, under an exclusive ``flock`` that the kernel releases when that
process dies, however it dies. A second ``harness run`` into the same directory is refused
in one line naming the holder. A lock file left with content by a process that no longer
holds the lock (``kill -9``, a crashed machine) is stale: it is taken over, with a message.
The file is emptied, never deleted, on release: deleting a locked file lets two processes
lock two different files of the same name.
"""

from __future__ import annotations

import datetime as _dt
import fcntl
import json
import os
import socket
from pathlib import Path
from typing import Callable

__all__ = ["ResultsLocked", "ResultsLock"]


class ResultsLocked(RuntimeError):
    """Another live process writes this results directory."""


class ResultsLock:
    """An exclusive lock on a results directory, as a context manager.

    Parameters
    ----------
    directory : path
        The results directory (created if missing).
    notify : callable, optional
        Receives the one-line message when a stale lock is broken.
    """

    def __init__(self, directory: str | os.PathLike, notify: Callable[[str], None] | None = None) -> None:
        self.path = Path(directory) / ".lock"
        self.notify = notify
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise :class:`ResultsLocked` naming the holder."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _describe(_read(fd))
            os.close(fd)
            raise ResultsLocked(f"{self.path.parent} is being written by another harness run ({holder}); "
                                "wait for it to finish or stop it first") from None
        previous = _read(fd)
        if previous and self.notify is not None:
            self.notify(f"note: broke a stale lock on {self.path.parent} left by {_describe(previous)}, "
                        "which no longer runs; its stored runs are kept")
        record = {"pid": os.getpid(), "host": socket.gethostname(),
                  "since": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(record).encode(), 0)
        os.fsync(fd)
        self._fd = fd

    def release(self) -> None:
        """Empty the lock file and release the lock."""
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "ResultsLock":
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read(fd: int) -> dict | None:
    try:
        data = os.pread(fd, 4096, 0)
        return json.loads(data) if data.strip() else None
    except (OSError, ValueError):
        return {"pid": "?", "host": "?"}


def _describe(holder: dict | None) -> str:
    if not holder:
        return "a process that has not written its name yet"
    return f"pid {holder.get('pid')} on host {holder.get('host')} since {holder.get('since', '?')}"

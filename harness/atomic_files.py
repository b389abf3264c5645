"""Files written whole or not at all: a temporary file in the same folder, fsynced, then renamed.

A crash or ``kill -9`` leaves either the old file or the new one, never half of one. The store
writes every results file this way, and so does the tabulation of benchmark tables.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["atomic_write"]


def _file_mode() -> int:
    """0o666 less the process umask: the mode ``open()`` would give a new file."""
    try:
        # Read without changing it: os.umask would briefly change it for every thread.
        with open("/proc/self/status") as status:
            mask = next(int(line.split()[1], 8) for line in status if line.startswith("Umask:"))
    except (OSError, StopIteration, ValueError):
        mask = os.umask(0o022)
        os.umask(mask)
    return 0o666 & ~mask


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and an atomic rename.

    The file gets the user's usual mode (0o666 less the umask), not ``mkstemp``'s 0o600.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, _file_mode())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise

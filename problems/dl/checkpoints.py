"""In-memory checkpoints of training runs, so a higher fidelity continues a lower one.

The cache lives in the problem object, which lives for the whole run in the worker that
drives it; nothing is written to disk (a checkpoint is a live network and optimiser). It keeps
the most recently used runs up to a limit; an evicted config is simply retrained from
scratch, which gives the same numbers (training is deterministic), only at full cost.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any, Mapping

__all__ = ["CheckpointCache", "config_key"]


def config_key(config: Mapping[str, Any]) -> str:
    """A canonical key of a config (sorted JSON)."""
    return json.dumps(dict(config), sort_keys=True, default=str)


class CheckpointCache:
    """Least-recently-used map from config key to a training run (``limit`` runs at most)."""

    def __init__(self, limit: int = 64) -> None:
        self.limit = int(limit)
        self._runs: OrderedDict[str, Any] = OrderedDict()

    def get(self, key: str) -> Any | None:
        """The run stored under ``key`` (marked as recently used), or ``None``."""
        run = self._runs.get(key)
        if run is not None:
            self._runs.move_to_end(key)
        return run

    def put(self, key: str, run: Any) -> None:
        """Store ``run`` unless a run further along is already stored for ``key``."""
        old = self._runs.get(key)
        if old is not None and old.epochs > run.epochs:
            return
        self._runs[key] = run
        self._runs.move_to_end(key)
        while len(self._runs) > self.limit:
            self._runs.popitem(last=False)

    def __len__(self) -> int:
        return len(self._runs)

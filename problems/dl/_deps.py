"""The one-line error for a torch task built without torch installed."""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["MissingDependency", "require_torch", "INSTALL_HINT"]

INSTALL_HINT = 'pip install -e ".[dl]"  (or: pip install torch==2.13.0, the CPU wheel)'


class MissingDependency(ValueError):
    """An optional package a task needs is not installed (a ValueError, so suite validation
    reports it on one line naming the problem entry)."""


def require_torch(task: str) -> ModuleType:
    """Import torch or raise :class:`MissingDependency` naming ``task`` and the install command."""
    try:
        return importlib.import_module("torch")
    except ImportError:
        raise MissingDependency(f"Task '{task}' needs PyTorch, which is not installed. Install it with: {INSTALL_HINT}") from None

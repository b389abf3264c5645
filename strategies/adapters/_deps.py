"""Up-front checks for optional dependencies, so a missing one fails at validation time."""

from __future__ import annotations

import importlib
from types import ModuleType

from harness.protocols import StrategyError


def require(module: str, strategy: str, install: str) -> ModuleType:
    """Import ``module`` or raise :class:`StrategyError` saying what to install.

    Parameters
    ----------
    module : str
        Module to import, e.g. ``"torch"``.
    strategy : str
        Name of the strategy that needs it (for the message).
    install : str
        The command that fixes it, e.g. ``'pip install torch==2.13.0'``.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise StrategyError(
            f"Strategy '{strategy}' needs the '{module}' package, which is not installed "
            f"({exc}). Install it with: {install}"
        ) from None

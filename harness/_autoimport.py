"""Import every module of a package, so registration decorators run without export lists."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Iterable


def import_submodules(package: str, path: Iterable[str]) -> None:
    """Import all modules (recursively) below ``package``; private modules (``_x``) included."""
    for info in pkgutil.walk_packages(path, prefix=package + "."):
        importlib.import_module(info.name)

"""Import every module of a package, so registration decorators run without export lists."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from typing import Iterable


def import_submodules(package: str, path: Iterable[str]) -> None:
    """Import all modules (recursively) below ``package``; private modules (``_x``) included.

    A package may name modules in ``LAZY_SUBMODULES`` (a set of leaf names): those need an
    optional dependency (e.g. torch) and are imported only by the code that uses them, so
    listing the registries never pulls that dependency in.
    """
    for info in pkgutil.walk_packages(path, prefix=package + "."):
        parent, _, leaf = info.name.rpartition(".")
        if leaf in getattr(sys.modules.get(parent), "LAZY_SUBMODULES", ()):
            continue
        importlib.import_module(info.name)

"""Configured variants of a strategy, registered under their own names in one way.

``variant("gradient-bfgs", GradientDescent, "...", direction="bfgs")`` registers a subclass
whose constructor presets ``direction``: its signature, and so ``harness show``, the
parameter check of suites and the factory defaults that run ids hash, show the preset
value. Nothing else about the base changes.
"""

from __future__ import annotations

import inspect
import sys
import textwrap
from typing import Any, Mapping

from harness.registry import strategy

__all__ = ["variant"]


def variant(name: str, base: type, doc: str, *, fixed: Mapping[str, Any] | None = None,
            attributes: Mapping[str, Any] | None = None, **defaults: Any) -> type:
    """Register ``base`` with preset parameters under ``name`` and return the new class.

    Parameters
    ----------
    name : str
        The variant's registered name.
    base : type
        A :class:`~harness.protocols.Strategy` subclass with keyword-only parameters.
    doc : str
        What the variant is, one paragraph; a line saying what it presets is appended.
    fixed : mapping, optional
        Parameters set for good: they leave the signature, so a suite cannot pass them
        (e.g. the sampler of ``optuna-tpe``).
    attributes : mapping, optional
        Class attributes to override (capability flags, or switches that are no
        constructor parameter, e.g. ``optimizer_name`` of the ``nevergrad-*`` variants);
        each must exist on ``base``.
    **defaults
        New defaults of keyword-only parameters; a suite may still pass other values.

    Returns
    -------
    type
        The registered subclass of ``base``.

    Raises
    ------
    TypeError
        A preset that ``base`` does not have, or one that is not keyword-only.
    """
    fixed, attributes = dict(fixed or {}), dict(attributes or {})
    signature = inspect.signature(base.__init__)
    for key in {**defaults, **fixed}:
        param = signature.parameters.get(key)
        if param is None or param.kind is not inspect.Parameter.KEYWORD_ONLY:
            raise TypeError(f"variant '{name}': {base.__name__} has no keyword-only parameter '{key}'.")
    for key in attributes:
        if not hasattr(base, key):
            raise TypeError(f"variant '{name}': {base.__name__} has no attribute '{key}' to override.")

    def __init__(self, *args: Any, **params: Any) -> None:
        for key in params.keys() & fixed.keys():
            raise TypeError(f"{name}() got an unexpected keyword argument '{key}' (fixed by the variant)")
        base.__init__(self, *args, **{**defaults, **params, **fixed})

    __init__.__signature__ = signature.replace(parameters=[
        p.replace(default=defaults[p.name]) if p.name in defaults else p
        for p in signature.parameters.values() if p.name not in fixed
    ])
    class_name = "".join(part.capitalize() for part in name.replace("_", "-").split("-"))
    namespace = {
        "__init__": __init__,
        "__doc__": _docstring(doc, base, defaults, {**fixed, **attributes}),
        "__module__": sys._getframe(1).f_globals.get("__name__", base.__module__),
        "__qualname__": class_name,
        "name": name,
        **attributes,
    }
    return strategy(name)(type(class_name, (base,), namespace))


def _docstring(doc: str, base: type, defaults: Mapping[str, Any], settings: Mapping[str, Any]) -> str:
    """The variant's own paragraph, then what it presets and where the rest is documented."""
    presets = ", ".join(f"{k}={v!r}" for k, v in defaults.items()) or "none"
    fixed = ", ".join(f"{k}={v!r}" for k, v in settings.items())
    note = (f"A configured variant of ``{base.name}`` (:class:`{base.__module__}.{base.__qualname__}`); "
            f"preset defaults: {presets}" + (f"; fixed: {fixed}" if fixed else "")
            + f". The other parameters are those of ``{base.name}``.")
    return f"{inspect.cleandoc(doc)}\n\n{textwrap.fill(note, 92)}"

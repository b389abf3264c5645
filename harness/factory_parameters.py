"""The keyword parameters a registered problem accepts, followed through ``**kwargs`` factories.

Problem factories often pass ``**kwargs`` on to the class they build (``register_task``, the
synthetic catalog), so their own signature hides the parameters; this reads them from the
constructors of the built problem's class and its bases instead, for ``harness show`` and for
"did you mean" hints on misspelt suite parameters.
"""

from __future__ import annotations

import difflib
import inspect
from typing import Any, Callable

__all__ = ["problem_parameters", "unknown_parameter_hint"]

#: Chosen by the registry or the suite's own keys, never by a problem's parameters.
_RESERVED = {"self", "instance", "name"}


def _keywords(function: Callable[..., Any]) -> tuple[dict[str, Any], bool]:
    """Keyword parameters with defaults, and whether ``**kwargs`` passes more on."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return {}, True
    found = {
        key: p.default for key, p in signature.parameters.items()
        if p.default is not inspect.Parameter.empty and key not in _RESERVED
        and p.kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    }
    return found, any(p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.parameters.values())


def problem_parameters(factory: Callable[..., Any], built: Any) -> dict[str, Any] | None:
    """Keyword parameters of ``factory`` and their defaults, read through ``**kwargs``.

    Parameters
    ----------
    factory : callable
        The registered factory.
    built : Problem
        What the factory built; its class's constructors (and its bases', while each passes
        ``**kwargs`` on) supply what ``**kwargs`` hides.

    Returns
    -------
    dict or None
        Name -> default of the function that declares it (a variant's factory may preset
        another value); ``None`` when some ``**kwargs`` leads nowhere readable, so anything
        may be accepted. Parameters the factory itself requires (``dim`` of a template, read
        from the name) are left out.
    """
    found, open_ended = _keywords(factory)
    if open_ended:
        for cls in type(built).__mro__:
            if "__init__" not in cls.__dict__ or cls is object:
                continue
            more, open_ended = _keywords(cls.__dict__["__init__"])
            found = {**more, **found}
            if not open_ended:
                break
    if open_ended:
        return None
    try:
        required = {k for k, p in inspect.signature(factory).parameters.items() if p.default is inspect.Parameter.empty}
    except (TypeError, ValueError):
        required = set()
    return {k: v for k, v in found.items() if k not in required}


def unknown_parameter_hint(given: dict[str, Any], accepted: dict[str, Any] | None) -> str | None:
    """``"unknown parameter 'x'; did you mean 'y'?"`` for the first given name not accepted."""
    if accepted is None:
        return None
    for key in given:
        if key not in accepted:
            close = difflib.get_close_matches(key, sorted(accepted), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else (
                f" (its parameters: {', '.join(sorted(accepted))})" if accepted else " (it takes no parameters)")
            return f"unknown parameter '{key}'{hint}"
    return None

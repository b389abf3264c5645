"""Name -> factory registries for problems and strategies, with plugins from entry points.

Names are unique: registering a taken name is refused. A *family* is registered under a
template such as ``"rosenbrock-{dim}d"``; the registry resolves ``"rosenbrock-10d"`` to the
family's factory called with ``dim=10``. Third-party packages add entries through the entry
point groups ``harness.problems`` and ``harness.strategies``: the entry point's name is the
registered name (and the ``name`` of a class that sets none) and it must load to a factory
(usually a class).
"""

from __future__ import annotations

import difflib
import importlib
import re
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Callable

__all__ = ["RegistryError", "Registry", "problems", "strategies", "problem", "strategy"]


class RegistryError(KeyError):
    """An unknown or clashing name."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


@dataclass
class Entry:
    """One registered name (or name template) and its factory."""

    name: str
    factory: Callable[..., Any] | None
    regex: re.Pattern | None = None
    example: str | None = None
    source: str = "builtin"
    entry_point: Any = None

    def load(self) -> Callable[..., Any]:
        """The factory, importing a plugin on first use.

        A plugin class that sets no ``name`` of its own (or inherits one) is named after its
        entry point, as ``@strategy`` names a built-in: messages and stored runs use it.
        """
        if self.factory is None:
            factory = self.entry_point.load()
            if isinstance(factory, type) and not factory.__dict__.get("name") and hasattr(factory, "name"):
                factory.name = self.name
            self.factory = factory
        return self.factory


def _template_regex(template: str) -> re.Pattern:
    parts = re.split(r"\{(\w+)\}", template)
    pattern = ""
    for i, part in enumerate(parts):
        pattern += re.escape(part) if i % 2 == 0 else rf"(?P<{part}>\d+)"
    return re.compile(pattern + r"\Z")


class Registry:
    """A registry of one kind of thing (``"problem"`` or ``"strategy"``).

    Parameters
    ----------
    kind : str
        Used in messages ("Unknown problem 'x'").
    group : str
        Entry-point group scanned for plugins.
    builtin_package : str
        Package imported on first use; its modules register the built-in entries.
    """

    def __init__(self, kind: str, group: str, builtin_package: str) -> None:
        self.kind = kind
        self.group = group
        self.builtin_package = builtin_package
        self._entries: dict[str, Entry] = {}
        self._loaded = False

    # -- registration ----------------------------------------------------------------------
    def register(self, name: str, factory: Callable[..., Any] | None = None, *, example: str | None = None):
        """Register ``factory`` under ``name`` (usable as a decorator).

        ``name`` may be a template with ``{param}`` placeholders for integer parameters, e.g.
        ``"ackley-{dim}d"``; ``example`` is then a concrete name used for listings.
        """

        def add(obj: Callable[..., Any]) -> Callable[..., Any]:
            self._add(Entry(name, obj, _template_regex(name) if "{" in name else None, example))
            return obj

        return add(factory) if factory is not None else add

    def _add(self, entry: Entry) -> None:
        if entry.name in self._entries:
            raise RegistryError(f"The {self.kind} name '{entry.name}' is already registered.")
        self._entries[entry.name] = entry

    def _ensure_loaded(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        importlib.import_module(self.builtin_package)
        for ep in metadata.entry_points(group=self.group):
            if ep.name not in self._entries:
                self._add(Entry(ep.name, None, source=f"plugin {ep.value}", entry_point=ep))

    def refresh_plugins(self) -> None:
        """Scan the entry-point group again (after installing a plugin in this process)."""
        self._ensure_loaded()
        for ep in metadata.entry_points(group=self.group):
            if ep.name not in self._entries:
                self._add(Entry(ep.name, None, source=f"plugin {ep.value}", entry_point=ep))

    # -- lookup ----------------------------------------------------------------------------
    def names(self) -> list[str]:
        """Every registered name or template, sorted."""
        self._ensure_loaded()
        return sorted(self._entries)

    def entries(self) -> list[Entry]:
        """Every entry, sorted by name."""
        self._ensure_loaded()
        return [self._entries[n] for n in sorted(self._entries)]

    def resolve(self, name: str) -> tuple[Entry, dict[str, int]]:
        """The entry for ``name`` and the parameters encoded in it (for templates)."""
        self._ensure_loaded()
        if not isinstance(name, str):
            raise RegistryError(f"A {self.kind} name must be a string. Got {name!r}.")
        entry = self._entries.get(name)
        if entry is not None and entry.regex is None:
            return entry, {}
        for entry in self._entries.values():
            if entry.regex is not None:
                match = entry.regex.match(name)
                if match:
                    return entry, {k: int(v) for k, v in match.groupdict().items()}
        raise RegistryError(self.unknown_message(name))

    def unknown_message(self, name: str) -> str:
        """'Unknown problem 'x'; did you mean ...' with the closest names."""
        candidates = [e.example or e.name for e in self._entries.values()]
        close = difflib.get_close_matches(str(name), candidates, n=3, cutoff=0.5)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        return f"Unknown {self.kind} '{name}'{hint} (`harness list {self.kind}s` shows them all)"

    def factory(self, name: str) -> Callable[..., Any]:
        """The factory registered for ``name`` (without calling it)."""
        return self.resolve(name)[0].load()

    def create(self, name: str, **params: Any) -> Any:
        """Resolve ``name`` and call its factory with the name's and the given parameters."""
        entry, from_name = self.resolve(name)
        made = entry.load()(**from_name, **params)
        if getattr(made, "name", None) == "":  # a plugin's factory function built it unnamed
            made.name = name
        return made

    def __contains__(self, name: str) -> bool:
        try:
            self.resolve(name)
        except RegistryError:
            return False
        return True


problems = Registry("problem", "harness.problems", "problems")
strategies = Registry("strategy", "harness.strategies", "strategies")


def problem(name: str, *, example: str | None = None):
    """Decorator: register a problem factory under ``name`` (a template allowed)."""
    return problems.register(name, example=example)


def strategy(name: str):
    """Decorator: register a :class:`~harness.protocols.Strategy` subclass under ``name``."""

    def add(cls):
        # A subclass registered under its own name must not inherit its parent's name.
        if "name" not in cls.__dict__ or not cls.name:
            cls.name = name
        return strategies.register(name, cls)

    return add

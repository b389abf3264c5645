"""Which code made a run: the providing distribution, its version, and a hash of the source.

A run's id covers its spec and the factories' defaults, but not the code behind them: a
plugin strategy edited in place would otherwise have its stale runs reused. Every run
therefore records, for its strategy and its problem, the distribution that provides the
factory (name and version) and the SHA-256 of the source file of the module that defines it.
On a rerun, stored runs whose code differs from what is installed are kept and reported in
one line; ``harness run --rerun-changed`` reruns them.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
from importlib import metadata
from typing import Any, Iterable, Mapping

from harness.records import RunRecord
from harness.registry import RegistryError, problems, strategies

__all__ = ["code_identity", "run_code", "changed_code", "describe_changes"]


@functools.lru_cache(maxsize=1)
def _distributions_by_package() -> dict[str, list[str]]:
    return metadata.packages_distributions()


def _distribution(entry, module_name: str) -> tuple[str | None, str | None]:
    dist = getattr(getattr(entry, "entry_point", None), "dist", None)
    if dist is not None:
        return dist.metadata["Name"], dist.version
    names = _distributions_by_package().get(module_name.split(".")[0]) or []
    for name in names:
        try:
            return name, metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None, None


@functools.lru_cache(maxsize=None)
def code_identity(kind: str, name: str) -> dict[str, Any]:
    """Distribution, version, module and source hash of the factory registered as ``name``.

    Parameters
    ----------
    kind : {"problem", "strategy"}
    name : str
        A registered name (templates such as ``rosenbrock-10d`` resolve to their family).

    Returns
    -------
    dict
        ``distribution``, ``version``, ``module``, ``source_sha256`` (None where unknown, e.g.
        a factory defined interactively).
    """
    registry = problems if kind == "problem" else strategies
    try:
        entry, _ = registry.resolve(name)
        factory = entry.load()
    except (RegistryError, ImportError):
        return {"distribution": None, "version": None, "module": None, "source_sha256": None}
    module = inspect.getmodule(factory)
    module_name = getattr(module, "__name__", None) or getattr(factory, "__module__", "") or ""
    digest = None
    try:
        source = inspect.getsourcefile(module) if module is not None else None
        if source:
            with open(source, "rb") as handle:
                digest = hashlib.sha256(handle.read()).hexdigest()
    except (OSError, TypeError):
        digest = None
    distribution, version = _distribution(entry, module_name)
    return {"distribution": distribution, "version": version, "module": module_name or None,
            "source_sha256": digest}


def run_code(strategy_name: str, problem_name: str) -> dict[str, dict]:
    """The code identity of a run's strategy and problem, as stored in its record."""
    return {"strategy": code_identity("strategy", strategy_name), "problem": code_identity("problem", problem_name)}


def _difference(stored: Mapping[str, Any] | None, current: Mapping[str, Any]) -> str | None:
    if not stored:
        return "code not recorded"
    if stored.get("distribution") != current.get("distribution") or stored.get("version") != current.get("version"):
        return f"{stored.get('distribution')} {stored.get('version')} -> {current.get('distribution')} {current.get('version')}"
    if stored.get("source_sha256") != current.get("source_sha256"):
        return f"source of {current.get('module')} changed"
    return None


def changed_code(records: Iterable[RunRecord]) -> dict[str, str]:
    """Run ids of stored records whose code differs from the installed code, with the reason."""
    changed = {}
    for record in records:
        stored = record.code or {}
        current = run_code(record.strategy_name, record.problem_name)
        for kind, name in (("strategy", record.strategy_name), ("problem", record.problem_name)):
            why = _difference(stored.get(kind), current[kind])
            if why is not None:
                changed[record.run_id] = f"{kind} '{name}': {why}"
                break
    return changed


def describe_changes(changed: Mapping[str, str], rerun: bool) -> str:
    """One line about stored runs made by other code than is installed."""
    reasons = sorted(set(changed.values()))
    shown = "; ".join(reasons[:3]) + ("; ..." if len(reasons) > 3 else "")
    runs = "run was" if len(changed) == 1 else "runs were"
    action = "rerunning them (--rerun-changed)" if rerun else "kept; `--rerun-changed` reruns them"
    return f"note: {len(changed)} stored {runs} made by other code than is installed ({shown}); {action}"

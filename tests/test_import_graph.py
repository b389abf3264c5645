"""The import graph of harness/, problems/ and strategies/ has no cycle, lazy imports included.

Every ``import`` statement counts, wherever it stands (module level, inside a function, under
``if TYPE_CHECKING``), because a function-level import only defers a cycle, it does not remove
it. An edge goes from a module to each module it names (``from a.b import c`` names ``a.b.c``
when that is a module, else ``a.b``); the packages a name passes through are not edges, since
every package here imports at most its own submodules. A private module (``_name``) is used
only inside the package that holds it, and harness/ never imports problems/ or strategies/,
which stand on it (the registries find them by name).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("harness", "problems", "strategies")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}


def _imported(name: str, path: Path) -> set[str]:
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
            else:
                base = node.module
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: _imported(name, path) for name, path in MODULES.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle_hidden_behind_a_function_level_import(tmp_path):
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
    lazy = tmp_path / "lazy.py"
    lazy.write_text('"""m"""\n\ndef f():\n    from harness.benchmark import run_suite\n')
    assert _imported("harness.lazy", lazy) == {"harness.benchmark"}


def test_no_module_imports_back_into_what_imports_it():
    cycles = _cycles(GRAPH)
    assert not cycles, "import cycles (function-level imports count): " + "; ".join(" <-> ".join(c) for c in cycles)


def test_no_module_imports_another_packages_private_module():
    offending = []
    for name, imported in GRAPH.items():
        for target in imported:
            owner, _, leaf = target.rpartition(".")
            if leaf.startswith("_") and not leaf.startswith("__") and not (name == owner or name.startswith(owner + ".")):
                offending.append(f"{name} imports {target}")
    assert not offending, offending


def test_the_report_end_stands_on_the_run_end_never_the_reverse():
    assert "harness.benchmark" not in GRAPH["harness.report.paper"]
    assert not any(m.startswith("harness.report") for m in GRAPH["harness.benchmark"])


#: Imports from harness/ up into problems/ or strategies/, named so that no other joins them:
#: the Bayesmark score reads the pinned baselines table shipped beside the Bayesmark tasks.
KNOWN_UPWARD = {("harness.analysis.bayesmark_score", "problems.bayesmark.tasks")}


def test_harness_never_imports_the_packages_that_stand_on_it():
    upward = {(name, target) for name, imported in GRAPH.items() if name.split(".")[0] == "harness"
              for target in imported if target.split(".")[0] in ("problems", "strategies")}
    assert upward == KNOWN_UPWARD

"""The layout reads like the architecture: every module says what it is on its first line."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted(p for package in ("harness", "problems", "strategies") for p in (ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(ROOT)) for p in MODULES])
def test_every_module_opens_with_a_docstring_saying_what_it_is(path):
    source = path.read_text()
    docstring = ast.get_docstring(ast.parse(source))
    assert docstring, f"{path.relative_to(ROOT)} has no module docstring"
    assert source.lstrip().startswith(('"""', "'''")), "the docstring must come first"
    first = docstring.splitlines()[0].strip()
    assert len(first) >= 20, f"{path.relative_to(ROOT)}: first line {first!r} says too little"

"""The ``@synthetic_problem`` decorator registers each function where it is defined."""

from __future__ import annotations

import inspect

import pytest

import problems.synthetic as synthetic_package
from harness.autoimport import import_submodules
from harness.registry import problems
from problems.synthetic.base import SyntheticFunction
from problems.synthetic.catalog import VARIANTS, synthetic_problem


def _function_classes() -> list[type[SyntheticFunction]]:
    import_submodules("problems.synthetic", synthetic_package.__path__)
    found, todo = [], [SyntheticFunction]
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.family and cls.__module__.startswith("problems.synthetic"):
            found.append(cls)
    return found


def _names(cls: type[SyntheticFunction], variants) -> set[str]:
    suffix = "" if cls.dim is not None else "-{dim}d"
    return {cls.family + (f"-{v}" if v else "") + suffix for v in variants}


def test_every_decorated_function_is_registered_with_its_variants_and_nothing_else():
    classes = _function_classes()
    multi_fidelity = {c for c in classes if c.fidelity is not None}
    assert {c.family for c in multi_fidelity} == {"branin-mf", "hartmann3-mf", "hartmann6-mf"}
    expected = set()
    for cls in classes:
        expected |= _names(cls, [""] if cls in multi_fidelity else VARIANTS)
    registered = {e.name for e in problems.entries() if e.load().__module__ == "problems.synthetic.catalog"}
    assert registered == expected
    assert len(registered) == 3 * 13 + 3


def test_a_registered_factory_builds_its_class_with_the_variant_settings():
    noisy = problems.create("levy-noisy-4d", instance=2)
    assert type(noisy).__name__ == "Levy" and noisy.name == "levy-noisy-4d"
    assert noisy.noise_sd == type(noisy).default_noise_sd
    assert "noise_sd" in inspect.getdoc(problems.factory("levy-noisy-4d"))
    mixed = problems.create("hartmann6-mixed")
    kinds = [type(p).__name__ for p in mixed.space.params]
    assert kinds.count("Int") == 3 and kinds.count("Categorical") == 1


def test_the_decorator_returns_the_class_and_refuses_an_unknown_variant():
    with pytest.raises(ValueError, match="unknown synthetic variant 'loud'"):
        synthetic_problem(variants=("", "loud"))
    names_before = set(problems.names())
    branin = problems.create("branin")
    assert synthetic_problem(variants=())(type(branin)) is type(branin)
    assert set(problems.names()) == names_before

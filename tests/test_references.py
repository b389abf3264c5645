"""Every real scikit-learn task is scored against a pinned reference with its provenance."""

import json

import pytest

from harness.registry import problems
from problems.sklearn.base import REFERENCES_FILE

def _sklearn_tasks() -> list[str]:
    names = []
    for name in problems.names():
        if "{" in name:
            continue
        problem = problems.create(name)
        if "real" in problem.tags and type(problem).__module__.startswith("problems.sklearn"):
            names.append(name)
    return names


@pytest.mark.parametrize("name", _sklearn_tasks())
def test_real_task_has_a_pinned_reference_with_provenance(name):
    problem = problems.create(name)
    assert problem.reference is not None and problem.reference_source
    assert problem.reference_source.startswith("pinned")


def test_reference_table_says_how_each_value_was_found():
    table = json.loads(REFERENCES_FILE.read_text())
    assert table
    for name, entry in table.items():
        assert {"value", "search", "evaluations", "data_seed", "command", "date",
                "harness_commit"} <= set(entry), name
        assert entry["command"].startswith("python bench/pin_references.py")


def test_reference_applies_only_to_the_default_setting():
    default = problems.create("svm-wine")
    other_seed = problems.create("svm-wine", instance=3)
    given = problems.create("svm-wine", reference=0.5)
    assert default.reference is not None
    assert other_seed.reference is None and other_seed.reference_source is None
    assert given.reference == 0.5 and given.reference_source == "given in the suite"

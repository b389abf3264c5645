"""One worker and no clock reproduce the sequential runner bit for bit.

``tests/data/golden_sequential.json`` holds the trials of :data:`_golden_cases.CASES` as the
runner made them before the event loop existed (commit 84a7d45); the event-driven runner
with ``workers=1`` and no clock must give exactly the same values, fidelities and costs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from _golden_cases import CASES, run_case

GOLDEN = json.loads((Path(__file__).parent / "data" / "golden_sequential.json").read_text())


@pytest.mark.parametrize("problem, strategy, budget, seed", CASES, ids=[f"{p}-{s}" for p, s, _, _ in CASES])
def test_one_worker_without_clock_is_bit_identical(problem, strategy, budget, seed):
    assert run_case(problem, strategy, budget, seed, workers=1) == GOLDEN[f"{problem}|{strategy}"]

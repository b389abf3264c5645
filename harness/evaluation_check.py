"""Checking what an objective returned before it becomes a trial.

An objective is user code: it may return ``Evaluation(cost="x")``, a string test value, a
list as ``info`` or a zero cost under a cost budget. Each such return becomes a failed trial
whose error names the field, instead of a crash of the whole suite (serially) or a run that
fails with a misleading "worker failed" (on Ray), or a run that never ends (cost <= 0).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Real
from typing import Any

from harness.protocols import Evaluation

__all__ = ["EvaluationError", "check_evaluation"]

#: Keys of ``info`` that the store reads as numbers.
NUMERIC_INFO = ("noise_free_value", "full_fidelity_value")
_SHOWN = 60


class EvaluationError(ValueError):
    """An objective returned something that is not a valid evaluation."""


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN else text[:_SHOWN] + f"... ({len(text)} characters)"


def _number(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def check_evaluation(result: Any, *, cost_budget: bool = False) -> Evaluation:
    """``result`` as a valid :class:`Evaluation`, or raise :class:`EvaluationError` naming the field.

    Parameters
    ----------
    result : Evaluation or number
        What ``evaluate`` returned (a bare number is the value).
    cost_budget : bool
        The run's budget is counted in cost, so a cost must be > 0 (else the run never ends).

    Returns
    -------
    Evaluation
    """
    if _number(result):
        return Evaluation(float(result))
    if not isinstance(result, Evaluation):
        raise EvaluationError(f"evaluate must return an Evaluation or a number, not {type(result).__name__}")
    if not _number(result.value):
        raise EvaluationError(f"The 'value' field of the evaluation must be a number. Got {_shown(result.value)}.")
    cost = result.cost
    if cost is not None:
        if not _number(cost) or not math.isfinite(cost) or cost < 0:
            raise EvaluationError(f"The 'cost' field of the evaluation must be a finite number >= 0 or None. "
                                  f"Got {_shown(cost)}.")
        if cost_budget and cost <= 0:
            raise EvaluationError(f"The 'cost' field of the evaluation must be > 0 under a cost budget "
                                  f"(the run would never end). Got {_shown(cost)}.")
    if result.test_value is not None and not _number(result.test_value):
        raise EvaluationError(f"The 'test_value' field of the evaluation must be a number or None. "
                              f"Got {_shown(result.test_value)}.")
    info = result.info
    if info is not None:
        if not isinstance(info, Mapping):
            raise EvaluationError(f"The 'info' field of the evaluation must be a dict or None. Got {_shown(info)}.")
        for key in NUMERIC_INFO:
            if info.get(key) is not None and not _number(info[key]):
                raise EvaluationError(f"The 'info[{key!r}]' field of the evaluation must be a number. "
                                      f"Got {_shown(info[key])}.")
    return result

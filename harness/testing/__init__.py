"""Contract checks for strategies and problems, public so a plugin's tests run the same ones.

The project's own tests and a third-party plugin's tests call the same functions. In a
plugin's repository, two lines give ``pytest`` the whole contract of what it registers::

    from harness.testing import problem_tests, strategy_tests

    test_my_search, test_my_problem = strategy_tests("my-search"), problem_tests("my-problem")

:func:`check_strategy` runs a strategy on one of the :data:`CONTRACT_PROBLEMS` (continuous,
mixed, conditional, with a fidelity, with failing trials) through the real runner, sequentially
or with parallel workers on a simulated clock, and asserts what every strategy owes the harness:
valid configs, the budget kept, the same run for the same seed, another for another seed, and
a run that survives failed trials. :func:`check_problem` builds a problem and evaluates a few
sampled configs, asserting what every problem owes: a well-formed description, reproducible
values for a given seed, batch and single evaluation in agreement, nothing below a declared
optimum and, where declared, an exact gradient that matches finite differences.

Each check raises :class:`AssertionError` naming what broke; they need no pytest. Only
:func:`strategy_tests` and :func:`problem_tests`, which build parametrised pytest tests, import it.
"""

from __future__ import annotations

from typing import Any, Callable, Collection, Iterable, Mapping

from harness.testing.problem_contract import check_gradient, check_problem
from harness.testing.strategy_contract import (
    CONTRACT_PROBLEMS,
    ConditionalQuadratic,
    FailingBranin,
    check_strategy,
    check_strategy_class,
)

__all__ = [
    "ConditionalQuadratic",
    "FailingBranin",
    "CONTRACT_PROBLEMS",
    "check_strategy_class",
    "check_strategy",
    "check_problem",
    "check_gradient",
    "strategy_tests",
    "problem_tests",
]


def _label(thing: str | type) -> str:
    return thing if isinstance(thing, str) else getattr(thing, "name", "") or thing.__name__


def strategy_tests(*names: str | type, kinds: Iterable[str] | None = None, workers: Iterable[int] = (1, 4),
                   seed_free: Collection[tuple[str, str]] = ()) -> Callable[..., None]:
    """A pytest test running :func:`check_strategy` for every strategy x problem kind x workers.

    Assign it to a module-level name starting with ``test_``. A strategy that refuses a kind
    of problem up front is skipped there, with its reason.

    Parameters
    ----------
    *names : str or type
        Registered strategy names (or classes).
    kinds : iterable of str, optional
        Keys of :data:`CONTRACT_PROBLEMS` (default: all).
    workers : iterable of int
        Worker counts to run with (default: sequential and 4 in parallel).
    seed_free : collection of (name, kind)
        Pairs whose run no seed can change (a deterministic method on that problem).
    """
    import pytest

    cases = [
        pytest.param(name, kind, k, id=f"{_label(name)}-{kind}" + ("" if k == 1 else f"-k{k}"))
        for k in workers for name in names for kind in (kinds or CONTRACT_PROBLEMS)
    ]

    @pytest.mark.parametrize("strategy, kind, workers", cases)
    def test_strategy_contract(strategy, kind, workers):
        refused = check_strategy(strategy, kind, workers=workers,
                                 seed_sensitive=(_label(strategy), kind) not in seed_free)
        if refused is not None:
            pytest.skip(f"{_label(strategy)} refuses {kind} problems: {refused}")

    return test_strategy_contract


def problem_tests(*names: str, instances: Iterable[int | None] = (None, 7), params: Mapping[str, Any] | None = None,
                  evaluations: int = 8) -> Callable[..., None]:
    """A pytest test running :func:`check_problem` for every problem x instance.

    Assign it to a module-level name starting with ``test_``.

    Parameters
    ----------
    *names : str
        Registered problem names (concrete names, e.g. ``"rosenbrock-5d"`` for a template).
    instances : iterable of int or None
        The instances checked (default: the classic one and instance 7).
    params : mapping, optional
        Keyword parameters given to every factory.
    evaluations : int
        Sampled configs evaluated per check.
    """
    import pytest

    cases = [pytest.param(name, instance, id=f"{name}-{instance}") for name in names for instance in instances]

    @pytest.mark.parametrize("problem, instance", cases)
    def test_problem_contract(problem, instance):
        check_problem(problem, instance=instance, params=params, evaluations=evaluations)

    return test_problem_contract

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

import json
import math
import numbers
from typing import Any, Callable, Collection, Iterable, Mapping

import numpy as np

from harness.durations import DurationModel
from harness.evaluation_check import EvaluationError, check_evaluation
from harness.protocols import Budget, Evaluation, Fidelity, Problem, Status, Strategy, StrategyError
from harness.registry import problems, strategies
from harness.runner import RunOutcome, drive
from harness.space import Categorical, Float, Int, Space

__all__ = [
    "ConditionalQuadratic",
    "FailingBranin",
    "CONTRACT_PROBLEMS",
    "check_strategy_class",
    "check_strategy",
    "check_problem",
    "strategy_tests",
    "problem_tests",
]

#: Budget of one contract run without a fidelity (evaluations) and with one (cost).
EVALUATIONS = 12
COST = 4.0
#: Durations of the parallel runs: heterogeneous, so completions arrive out of start order.
PARALLEL_DURATIONS = DurationModel(seconds=10.0, cv=0.8)
#: The problem-side seed of every contract run (the strategy's seed is what varies).
_RUN_SEED = 7


class ConditionalQuadratic(Problem):
    """A cheap conditional space: the active branch decides which parameters count.

    Parameters
    ----------
    fail_share : float
        Share of the ``x`` axis (its upper end) on which ``evaluate`` raises.
    """

    name = "conditional-quadratic"
    optimum = 0.0

    def __init__(self, fail_share: float = 0.0) -> None:
        self.space = Space([
            Categorical("branch", ["a", "b"]),
            Float("x", -2.0, 2.0),
            Float("y", 1e-3, 1e1, log=True, condition=("branch", ["a"])),
            Int("k", 1, 6, condition=("branch", ["b"])),
        ])
        self.fail_share = fail_share

    def evaluate(self, config, fidelity, seed):
        """``x^2`` plus ``log10(y)^2`` on branch a or ``(k - 3)^2`` on branch b."""
        if config["x"] > 2.0 - 4.0 * self.fail_share:
            raise ValueError("this corner of the space fails")
        extra = math.log10(config["y"]) ** 2 if config["branch"] == "a" else (config["k"] - 3) ** 2
        return Evaluation(config["x"] ** 2 + extra)


class FailingBranin(Problem):
    """Branin returning NaN on a third of the box (``x0 > 5``)."""

    name = "failing-branin"

    def __init__(self) -> None:
        self.inner = problems.create("branin")
        self.space = self.inner.space
        self.optimum = self.inner.optimum

    def evaluate(self, config, fidelity, seed):
        """Branin's value, or NaN (a failed trial) where ``x0 > 5``."""
        if config["x0"] > 5.0:
            return Evaluation(float("nan"))
        return self.inner.evaluate(config, fidelity, seed)


#: The kinds of problem every strategy is checked on, by name: each builds a fresh problem.
CONTRACT_PROBLEMS: dict[str, Callable[[], Problem]] = {
    "continuous": lambda: problems.create("branin"),
    "mixed": lambda: problems.create("hartmann6-mixed"),
    "conditional": lambda: ConditionalQuadratic(),
    "fidelity": lambda: problems.create("branin-mf"),
    "failing": lambda: FailingBranin(),
    "failing-conditional": lambda: ConditionalQuadratic(fail_share=0.3),
}


def _strategy_class(strategy: str | type) -> type:
    return strategies.factory(strategy) if isinstance(strategy, str) else strategy


def check_strategy_class(strategy: str | type) -> None:
    """Assert that a strategy declares itself: a documented ``Strategy`` with listable parameters.

    Parameters
    ----------
    strategy : str or type
        A registered strategy name, or the class itself. By name, the class's ``name`` must be
        the registered one (stored runs and messages use it).
    """
    cls = _strategy_class(strategy)
    assert isinstance(cls, type) and issubclass(cls, Strategy), f"{strategy!r} is not a Strategy subclass"
    assert (cls.__doc__ or "").strip(), f"strategy {strategy!r} has no docstring"
    if isinstance(strategy, str):
        assert cls.name == strategy, f"strategy registered as {strategy!r} calls itself {cls.name!r}"
    else:
        assert cls.name, f"{cls.__name__} sets no `name`"
    parameters = cls.parameters()
    assert all(isinstance(k, str) for k in parameters), f"{strategy!r}: parameters() must map names to defaults"


def _budget(problem: Problem) -> Budget:
    return Budget(COST, "cost") if problem.fidelity is not None else Budget(EVALUATIONS)


def _run(cls: type, problem: Problem, seed: int, workers: int) -> RunOutcome:
    budget = _budget(problem)
    strategy = cls(problem.space, seed, budget, problem.fidelity)
    if workers == 1:
        return drive(problem, strategy, budget, seed=_RUN_SEED)
    return drive(problem, strategy, budget, seed=_RUN_SEED, workers=workers, durations=PARALLEL_DURATIONS)


def _proposals(outcome: RunOutcome) -> list[tuple[dict, float | None]]:
    return [(dict(t.config), t.fidelity) for t in outcome.trials]


def check_strategy(strategy: str | type, kind: str = "continuous", *, workers: int = 1,
                   seed_sensitive: bool = True) -> str | None:
    """Run a strategy on one contract problem and assert the strategy contract.

    Three runs with a small budget (12 evaluations, or a cost of 4 full-fidelity evaluations
    on the fidelity problem) through the real runner: seed 11 twice and seed 12 once.

    Parameters
    ----------
    strategy : str or type
        A registered strategy name, or a ``Strategy`` subclass.
    kind : str
        A key of :data:`CONTRACT_PROBLEMS`.
    workers : int
        1 for the sequential loop; more for that many workers in flight on a simulated clock
        with heterogeneous durations.
    seed_sensitive : bool
        Whether another seed must change the run (``False`` for deterministic methods).

    Returns
    -------
    str or None
        ``None`` when every check ran; the strategy's reason when it refuses this kind of
        problem up front (a :class:`~harness.protocols.StrategyError`), which is allowed.
    """
    check_strategy_class(strategy)
    cls = _strategy_class(strategy)
    problem = CONTRACT_PROBLEMS[kind]()
    try:
        cls.check_compatible(problem.space, problem.fidelity)
        cls(problem.space, 0, _budget(problem), problem.fidelity)
    except StrategyError as exc:
        return str(exc)
    first = _run(cls, problem, 11, workers)
    assert first.status == "ok", f"the run failed: {first.error}"
    trials = first.trials
    assert trials, "a strategy must propose something"
    budget = _budget(problem)
    if budget.kind == "evaluations":
        assert len(trials) <= budget.amount, f"{len(trials)} trials on a budget of {budget.amount:g} evaluations"
    else:
        # The last trial may cross a cost budget; nothing is asked once it is spent.
        spent = sum(t.cost for t in trials[:-1])
        assert spent < budget.amount, f"asked again after spending {spent:g} of a cost budget of {budget.amount:g}"
    for trial in trials:
        problem.space.validate(trial.config)
        if problem.fidelity is not None:
            assert problem.fidelity.low <= trial.fidelity <= problem.fidelity.high, f"fidelity {trial.fidelity}"
    proposals = _proposals(first)
    assert proposals == _proposals(_run(cls, problem, 11, workers)), "same seed must give the same run"
    if seed_sensitive:
        assert proposals != _proposals(_run(cls, problem, 12, workers)), "another seed must change the run"
    if workers > 1:
        _check_parallel(trials, workers)
    if kind == "failing":
        # The run went on past its failed trials, each recorded as failed.
        assert all((t.status is Status.FAILED) == (t.config["x0"] > 5.0) for t in trials), "failed trials mislabelled"
    return None


def _check_parallel(trials, workers: int) -> None:
    """Never more in flight than there are workers; every trial has its slot and times."""
    assert {t.worker for t in trials} <= set(range(workers)), "a trial ran on a slot that does not exist"
    assert all(0 <= t.pending_at_ask < workers and t.start_time <= t.end_time for t in trials)
    assert [t.end_time for t in trials] == sorted(t.end_time for t in trials), "trials must be told in completion order"


# -- problems --------------------------------------------------------------------------------
def _build(problem: str | Callable[..., Problem], instance: int | None, params: Mapping[str, Any]) -> Problem:
    if isinstance(problem, str):
        return problems.create(problem, instance=instance, **params)
    return problem(instance=instance, **params)


def _attempt(evaluate: Callable[[], Any]) -> Any:
    """What ``evaluate`` returned, or the exception's type name: raising is how a trial may fail."""
    try:
        return evaluate()
    except Exception as exc:  # noqa: BLE001 - any exception is a legitimate failed trial
        return type(exc).__name__


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Evaluation) and isinstance(b, Evaluation):
        return (a.value == b.value or (math.isnan(a.value) and math.isnan(b.value))) and a.cost == b.cost
    return a == b


def _noise_free(evaluation: Evaluation) -> float:
    """The value without observation noise where the problem reports it (``info``)."""
    return float((evaluation.info or {}).get("noise_free_value", evaluation.value))


def _check_declaration(problem: Problem, name: str | None) -> None:
    assert isinstance(problem, Problem), f"{type(problem).__name__} is not a harness.protocols.Problem"
    if name is not None:
        assert problem.name == name, f"problem created as {name!r} calls itself {problem.name!r}"
    assert isinstance(problem.space, Space) and len(problem.space) >= 1, "a problem needs a non-empty Space"
    assert problem.fidelity is None or isinstance(problem.fidelity, Fidelity), "fidelity must be a Fidelity or None"
    assert problem.optimum is None or (isinstance(problem.optimum, numbers.Real) and math.isfinite(problem.optimum)), (
        f"optimum must be a finite number or None. Got {problem.optimum!r}")
    assert isinstance(problem.tags, tuple) and all(isinstance(t, str) for t in problem.tags), "tags: a tuple of str"
    json.dumps(problem.describe())  # raises if the description is not plain JSON


def _check_evaluation(result: Any, problem: Problem) -> Evaluation:
    """The returned value as the runner takes it; a return the runner would refuse fails the check."""
    try:
        evaluation = check_evaluation(result, cost_budget=problem.fidelity is not None)
    except EvaluationError as exc:
        raise AssertionError(str(exc)) from None
    json.dumps(dict(evaluation.info or {}))  # stored as JSON beside the trial
    if problem.optimum is not None and math.isfinite(evaluation.value):
        tolerance = 1e-4 * abs(problem.optimum) + 1e-8
        assert _noise_free(evaluation) >= problem.optimum - tolerance, (
            f"value {_noise_free(evaluation)!r} beats the declared optimum {problem.optimum!r}")
    return evaluation


def check_problem(problem: str | Callable[..., Problem], *, instance: int | None = None,
                  params: Mapping[str, Any] | None = None, evaluations: int = 8, seed: int = 0) -> None:
    """Build a problem, evaluate sampled configs, and assert the problem contract.

    A trial may fail by raising, but the same config and seed must fail again, and at least
    one sampled config must give a finite value.

    Parameters
    ----------
    problem : str or callable
        A registered problem name, or a factory (a ``Problem`` subclass) accepting ``instance``.
    instance : int or None
        The instance built (``None``: the classic one).
    params : mapping, optional
        Further keyword parameters of the factory.
    evaluations : int
        How many sampled configs are evaluated (each once singly, once more in a batch for
        batch problems, and the first once more on a rebuilt problem).
    seed : int
        Seed of the sampled configs and the trial seeds.
    """
    params = dict(params or {})
    built = _build(problem, instance, params)
    _check_declaration(built, problem if isinstance(problem, str) else None)
    rng = np.random.default_rng(seed)
    configs = built.space.sample(rng, evaluations)
    fidelities: list[float | None] = [None] * evaluations
    if built.fidelity is not None:  # the maximum (None), the lowest and values between
        fid = built.fidelity
        fidelities = [None, fid.low, *rng.uniform(fid.low, fid.high, max(evaluations - 2, 0)).tolist()][:evaluations]
    seeds = rng.integers(0, 2**63 - 1, evaluations).tolist()
    singles = [_attempt(lambda c=c, f=f, s=s: built.evaluate(c, f, s)) for c, f, s in zip(configs, fidelities, seeds)]
    # A string names the exception of a failed trial; anything else must be a valid evaluation.
    singles = [r if isinstance(r, str) else _check_evaluation(r, built) for r in singles]
    assert any(isinstance(r, Evaluation) and math.isfinite(r.value) for r in singles), (
        f"no finite value among {evaluations} sampled configs: {singles[:3]}")
    again = _attempt(lambda: _build(problem, instance, params).evaluate(configs[0], fidelities[0], seeds[0]))
    again = again if isinstance(again, str) else _check_evaluation(again, built)
    assert _same(again, singles[0]), f"same config and seed on a rebuilt problem gave {again!r}, then {singles[0]!r}"
    if built.batch:
        _check_batch(built, configs, fidelities, seeds, singles)
    if built.has_gradient:
        check_gradient(built, rng)


def _check_batch(problem: Problem, configs, fidelities, seeds, singles) -> None:
    """``evaluate_batch`` gives what ``evaluate`` gives, config by config."""
    keep = [i for i, r in enumerate(singles) if isinstance(r, Evaluation)]
    batch = problem.evaluate_batch([configs[i] for i in keep], [fidelities[i] for i in keep], [seeds[i] for i in keep])
    assert len(batch) == len(keep), f"evaluate_batch returned {len(batch)} evaluations for {len(keep)} configs"
    for i, returned in zip(keep, batch):
        evaluation = _check_evaluation(returned, problem)
        single = singles[i]
        assert math.isclose(evaluation.value, single.value, rel_tol=1e-12, abs_tol=1e-12) or (
            math.isnan(evaluation.value) and math.isnan(single.value)), (
            f"batch value {evaluation.value!r} differs from single {single.value!r} at {configs[i]}")
        assert (evaluation.cost is None) == (single.cost is None) and (
            single.cost is None or math.isclose(evaluation.cost, single.cost, rel_tol=1e-9)), "batch and single costs differ"


def check_gradient(problem: Problem, rng: np.random.Generator, points: int = 6) -> None:
    """Assert that ``problem.gradient`` matches central finite differences in the unit cube.

    Only float parameters are differentiated (their entries must match within a relative 1e-4);
    every other entry of the gradient must be 0.
    """
    space = problem.space
    configs = space.decode(rng.uniform(0.05, 0.95, (points, len(space))))
    gradient = np.asarray(problem.gradient(configs), dtype=float)
    assert gradient.shape == (points, len(space)), f"gradient shape {gradient.shape}, expected {(points, len(space))}"
    unit = space.encode(configs)
    floats = [j for j, p in enumerate(space.params) if isinstance(p, Float)]
    seeds = [0] * points
    values = np.array([_noise_free(e) for e in problem.evaluate_batch(configs, [None] * points, seeds)])
    step = 1e-6
    finite = np.zeros_like(gradient)
    for j in floats:
        shift = np.zeros(len(space))
        shift[j] = step
        up = problem.evaluate_batch(space.decode(unit + shift), [None] * points, seeds)
        down = problem.evaluate_batch(space.decode(unit - shift), [None] * points, seeds)
        finite[:, j] = (np.array([_noise_free(e) for e in up]) - np.array([_noise_free(e) for e in down])) / (2 * step)
    scale = max(1.0, float(np.abs(values).max()))
    np.testing.assert_allclose(gradient[:, floats], finite[:, floats], rtol=1e-4, atol=1e-6 * scale,
                               err_msg="gradient differs from finite differences")
    others = [j for j in range(len(space)) if j not in floats]
    assert np.all(gradient[:, others] == 0), "gradient entries of non-float parameters must be 0"


# -- pytest builders ------------------------------------------------------------------------
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

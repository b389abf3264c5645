"""The problem contract: a problem built, its sampled configs evaluated, its promises checked.

Part of :mod:`harness.testing`; see there.
"""

from __future__ import annotations

import json
import math
import numbers
from typing import Any, Callable, Mapping

import numpy as np

from harness.evaluation_check import EvaluationError, check_evaluation
from harness.protocols import Evaluation, Fidelity, Problem
from harness.registry import problems
from harness.space import Float, Space

__all__ = ["check_problem", "check_gradient"]


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

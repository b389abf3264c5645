"""Synthetic stored-trial frames in the schema of :func:`harness.load`, for tests and benches.

The numbers are drawn from a seeded generator, not from real problems: each strategy samples
values ``optimum + scale * u ** (1 + skill * t / n)``, so strategies with more skill converge
faster. One problem in three has no known optimum (a "real task" with test values), and one
in three is noisy (with ``noise_free_value``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

DEFAULT_SKILLS = {"random": 0.0, "bayesian": 6.0, "tpe": 3.0}


def synthetic_trials(n_problems: int = 4, strategies: dict[str, float] | None = None,
                     repetitions: int = 5, trials: int = 30, seed: int = 0,
                     dimensions: Sequence[int] = (2, 5), fail_rate: float = 0.02) -> pd.DataFrame:
    """Build a tidy trial frame with ``n_problems x len(strategies) x repetitions`` runs.

    Parameters
    ----------
    n_problems : int
        Number of problems.
    strategies : dict of str to float, optional
        Strategy label -> skill (0 = random sampling); default :data:`DEFAULT_SKILLS`.
    repetitions, trials : int
        Runs per (problem, strategy) and trials per run.
    seed : int
        Seed of the generator.
    dimensions : sequence of int
        Dimensions cycled over the problems (the number of ``param_x*`` columns filled).
    fail_rate : float
        Probability that a trial failed (status ``failed``, value NaN).

    Returns
    -------
    DataFrame
        One row per trial, columns of the stored-trials schema.
    """
    strategies = dict(DEFAULT_SKILLS if strategies is None else strategies)
    rng = np.random.default_rng(seed)
    runs = [(p, s, r) for p in range(n_problems) for s in strategies for r in range(repetitions)]
    n_runs = len(runs)
    n = n_runs * trials
    p_idx = np.repeat([p for p, _, _ in runs], trials)
    s_names = np.repeat([s for _, s, _ in runs], trials)
    skill = np.repeat([strategies[s] for _, s, _ in runs], trials)
    reps = np.repeat([r for _, _, r in runs], trials)
    t = np.tile(np.arange(trials), n_runs)
    values = _values(rng, p_idx, skill, t, trials, fail_rate)

    names = np.array([f"p{p}" for p in range(n_problems)])[p_idx]
    dims = np.array(dimensions)[p_idx % len(dimensions)]
    frame = {
        "suite": "synthetic",
        "problem": names,
        "problem_name": names,
        "strategy": s_names,
        "strategy_name": s_names,
        "repetition": reps,
        "seed": reps + 1000 * p_idx,
        "problem_seed": reps,
        "run_id": np.char.add(np.char.add(names.astype(str), "/"),
                              np.char.add(s_names.astype(str), "/" + reps.astype(str))),
        "trial": t,
        "config": "{}",
    }
    for j in range(max(dimensions)):
        frame[f"param_x{j}"] = np.where(j < dims, rng.random(n), np.nan)
    frame.update({
        "fidelity": np.nan,
        "value": values["value"],
        "test_value": values["test_value"],
        "noise_free_value": values["noise_free_value"],
        "cost": np.ones(n),
        "cum_cost": t + 1.0,
        "eval_seconds": 0.001,
        "strategy_seconds": 0.001,
        "status": np.where(values["failed"], "failed", "ok"),
        "error": None,
        "info": "{}",
        "optimum": values["optimum"],
        "reference": np.nan,
        "budget": float(trials),
        "budget_kind": "evaluations",
        "run_status": "ok",
        "run_error": None,
    })
    return pd.DataFrame(frame)


def _values(rng: np.random.Generator, p_idx: np.ndarray, skill: np.ndarray, t: np.ndarray, trials: int,
            fail_rate: float) -> dict[str, np.ndarray]:
    """Observed, test and noise-free values, optima and failures of every trial, shape ``(n,)``."""
    n = len(p_idx)
    kind = p_idx % 3  # 0: known optimum, 1: real task (no optimum), 2: noisy with optimum
    scale = 10.0 ** (p_idx % 4)
    optimum = np.where(kind == 1, np.nan, 0.5 * p_idx)
    base = np.where(kind == 1, 0.1, optimum)
    u = rng.random(n)
    true = base + scale * u ** (1.0 + skill * (t + 1) / trials)
    noisy = kind == 2
    value = np.where(noisy, true + 0.01 * scale * rng.standard_normal(n), true)
    failed = rng.random(n) < fail_rate
    return {"value": np.where(failed, np.nan, value), "failed": failed, "optimum": optimum,
            "test_value": np.where(kind == 1, true + 0.05 * rng.random(n), np.nan),
            "noise_free_value": np.where(noisy & ~failed, true, np.nan)}

"""Bayesmark's normalised mean score (the NeurIPS 2020 black-box optimisation challenge's).

Definitions from Bayesmark's ``docs/scoring.rst`` and ``bayesmark/experiment_analysis.py``
(``compute_aggregates``) / ``experiment_baseline.py`` (``compute_baseline``):

- per run (problem p, method m, repetition n): ``S`` = the best validation loss it found
  (the cumulative minimum at its last batch; a failed evaluation counts as ``+inf``);
- per problem, two fixed baselines: ``clip_p`` = the median loss of one random-search
  evaluation, and ``opt_p`` = the best loss known (Bayesmark: the best any method found,
  lowered by ``PAD_FACTOR`` ulps so it is strictly below every observation);
- normalised loss ``(S - opt_p) / (clip_p - opt_p)``, clipped to ``[-1, 1]``;
- per problem and method: its mean over repetitions; per method: the mean over problems;
- the leaderboard score is ``100 * (1 - that mean)``: 0 = the median of one random
  evaluation, 100 = the best known value (above 100 means better than it).

Baselines are pinned per problem in ``problems/bayesmark/baselines.json`` (recomputed by
``python bench/bayesmark_baselines.py``, with provenance), as Bayesmark treats them as fixed
reference values. For a problem the file does not list, they are derived from the trials
given, as Bayesmark's ``bob-baseline`` does from its experiment: ``clip`` from the runs of
the ``random`` strategy, ``opt`` from every run; the table says which source was used.
"""

from __future__ import annotations

import math
from typing import Mapping

import numpy as np
import pandas as pd

__all__ = ["bayesmark_scores", "bayesmark_problem_scores", "baselines_from_trials", "PAD_FACTOR"]

#: Bayesmark's padding of the best known value, in units in the last place.
PAD_FACTOR = 10000
_MIN_POS = np.nextafter(0, 1)


def padded_best(best: float) -> float:
    """``best`` lowered by ``PAD_FACTOR`` ulps, exactly as Bayesmark's ``compute_baseline``."""
    return float(best + PAD_FACTOR * np.spacing(-np.maximum(_MIN_POS, np.abs(best))))


def _best_per_run(trials: pd.DataFrame) -> pd.DataFrame:
    values = trials["value"].where(trials["status"] == "ok", np.inf).fillna(np.inf)
    runs = trials.assign(_loss=values).groupby(["problem_name", "strategy", "repetition"], sort=True)["_loss"].min()
    return runs.rename("best").reset_index()


def baselines_from_trials(trials: pd.DataFrame, random_strategy: str = "random") -> dict[str, dict]:
    """Bayesmark's baselines computed from ``trials`` (its ``compute_baseline``).

    Returns ``{problem_name: {"clip": median random evaluation, "best": padded best of all
    strategies, "source": ...}}`` for each problem on which ``random_strategy`` ran.
    """
    out = {}
    ok = trials[trials["status"] == "ok"]
    for name, group in ok.groupby("problem_name", sort=True):
        random_values = group.loc[group["strategy"] == random_strategy, "value"]
        if random_values.empty:
            continue
        out[name] = {"clip": float(np.median(random_values)), "best": padded_best(float(group["value"].min())),
                     "source": f"these trials ({len(random_values)} '{random_strategy}' evaluations)"}
    return out


def _baselines(trials: pd.DataFrame, pinned: Mapping[str, Mapping] | None) -> dict[str, dict]:
    if pinned is None:
        from problems.bayesmark.tasks import baselines as pinned_table

        pinned = pinned_table()
    derived = baselines_from_trials(trials)
    table = {}
    for name in sorted(trials["problem_name"].unique()):
        if name in pinned:
            entry = pinned[name]
            table[name] = {"clip": float(entry["clip"]), "best": float(entry["best"]), "source": "pinned"}
        elif name in derived:
            table[name] = derived[name]
    return table


def bayesmark_problem_scores(trials: pd.DataFrame, baselines: Mapping[str, Mapping] | None = None) -> pd.DataFrame:
    """Per problem and strategy: Bayesmark's mean normalised loss and its 0-100 score.

    Parameters
    ----------
    trials : pandas.DataFrame
        Tidy trials (``harness.load``): ``problem_name``, ``strategy``, ``repetition``,
        ``value``, ``status``.
    baselines : mapping, optional
        ``{problem_name: {"clip": ..., "best": ...}}``; default: the pinned table, else
        derived from ``trials`` (see the module docstring). Problems with neither are left out.

    Returns
    -------
    pandas.DataFrame
        Columns ``problem_name, strategy, runs, normalised, score, clip, best, baseline``.
    """
    table = _baselines(trials, baselines)
    rows = []
    for (name, strategy), group in _best_per_run(trials).groupby(["problem_name", "strategy"], sort=True):
        if name not in table:
            continue
        clip, best = table[name]["clip"], table[name]["best"]
        if not clip > best:
            raise ValueError(f"Bayesmark baselines of '{name}' need clip > best. Got clip={clip!r}, best={best!r}.")
        normalised = np.clip((group["best"].to_numpy() - best) / (clip - best), -1.0, 1.0)
        mean = float(np.mean(normalised))
        rows.append({"problem_name": name, "strategy": strategy, "runs": len(group), "normalised": mean,
                     "score": 100.0 * (1.0 - mean), "clip": clip, "best": best, "baseline": table[name]["source"]})
    return pd.DataFrame(rows, columns=["problem_name", "strategy", "runs", "normalised", "score", "clip", "best",
                                       "baseline"])


def bayesmark_scores(trials: pd.DataFrame, baselines: Mapping[str, Mapping] | None = None) -> pd.DataFrame:
    """Bayesmark's leaderboard score per strategy: ``100 * (1 - mean over problems of the
    mean normalised loss)``, with a t-based 95 % half-width over problems as Bayesmark's
    error bar (``t_EB``), highest score first.

    Parameters
    ----------
    trials : pandas.DataFrame
        Tidy trials (``harness.load``).
    baselines : mapping, optional
        As in :func:`bayesmark_problem_scores`.

    Returns
    -------
    pandas.DataFrame
        Columns ``strategy, score, half_width, problems, runs``. A strategy scored on fewer
        problems than another is not comparable with it; ``problems`` says how many.
    """
    from scipy import stats

    per_problem = bayesmark_problem_scores(trials, baselines)
    rows = []
    for strategy, group in per_problem.groupby("strategy", sort=True):
        normalised = group["normalised"].to_numpy()
        k = len(normalised)
        half = float(stats.t.ppf(0.975, k - 1) * np.std(normalised, ddof=1) / math.sqrt(k)) if k > 1 else math.inf
        rows.append({"strategy": strategy, "score": 100.0 * (1.0 - float(np.mean(normalised))),
                     "half_width": 100.0 * half, "problems": k, "runs": int(group["runs"].sum())})
    out = pd.DataFrame(rows, columns=["strategy", "score", "half_width", "problems", "runs"])
    return out.sort_values(["score", "strategy"], ascending=[False, True], ignore_index=True)

"""Per-trial and per-run metrics from stored trials: incumbents, references, budgets and spend.

Everything is minimised. The functions take the tidy trial frame of :func:`harness.load`
(schema in the README, "Stored trials") and work with vectorised groupby/numpy operations on
runs laid out contiguously (sorted by ``run_id`` then ``trial``), so a million trials take
seconds, not minutes. Fixed-budget results built on them are in :mod:`harness.analysis.fixed_budget`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from harness.analysis.frames import categorical, codes, column_or_default, float_column, run_starts, take

#: Regrets below this are clipped before taking log10 (a run that hits the optimum exactly
#: would otherwise give -inf and break medians and plots).
LOG_REGRET_FLOOR = 1e-12

_OPTIONAL_FLOAT_COLUMNS = ("noise_free_value", "full_fidelity_value", "test_value", "optimum",
                           "reference", "budget", "cost", "cum_cost", "fidelity",
                           "fidelity_max")

#: Regrets below this fraction of ``max(1, |reference|)`` are float noise and count as 0, so
#: that a value 2e-16 below the optimum never "wins" against one exactly at it.
REGRET_TOLERANCE = 1e-12

#: How incumbents are chosen, as stated in reports.
INCUMBENT_RULE = (
    "A run's incumbent is its best successful evaluation at the problem's full fidelity (on "
    "problems with a fidelity, cheaper evaluations never become incumbents: a strategy returns "
    "a configuration it has validated at full fidelity); its regret is the noise-free value of "
    "that configuration at full fidelity minus the reference. Regrets within "
    f"{REGRET_TOLERANCE:g} x max(1, |reference|) of zero count as zero. A run whose strategy or "
    "worker failed before a budget level has no valid result there and ranks last (regret "
    "counted as infinite)."
)


def _ok_mask(df: pd.DataFrame) -> np.ndarray:
    value = float_column(df, "value")
    ok = np.isfinite(value)
    if "status" in df.columns:
        ok &= (df["status"] == "ok").to_numpy(dtype=bool, na_value=False)
    return ok


def _true_values(df: pd.DataFrame) -> np.ndarray:
    """Noise-free full-fidelity value where recorded, else the observed value, ``(n,)``."""
    value = float_column(df, "value")
    noise_free = float_column(df, "noise_free_value")
    full = float_column(df, "full_fidelity_value")
    return np.where(np.isfinite(full), full, np.where(np.isfinite(noise_free), noise_free, value))


def full_fidelity_mask(df: pd.DataFrame) -> np.ndarray:
    """Whether each trial ran at its problem's full fidelity (always, without a fidelity).

    The full fidelity is the stored ``fidelity_max`` of the run; results stored before that
    column existed use the largest fidelity observed on the problem.
    """
    fidelity = float_column(df, "fidelity")
    top = float_column(df, "fidelity_max")
    if not np.isfinite(top).all():
        observed = pd.Series(fidelity).groupby(np.asarray(df["problem"], dtype=object)).transform(
            "max").to_numpy(dtype=float)
        top = np.where(np.isfinite(top), top, observed)
    with np.errstate(invalid="ignore"):
        return ~np.isfinite(fidelity) | ~np.isfinite(top) | (fidelity >= top * (1 - 1e-9))


def _eligible_mask(df: pd.DataFrame) -> np.ndarray:
    """Trials that may become incumbents: successful and at full fidelity."""
    return _ok_mask(df) & full_fidelity_mask(df)


def dimensions(df: pd.DataFrame) -> pd.Series:
    """Search-space dimension of each problem.

    Taken from a ``dimension`` column when present, else the number of ``param_*`` columns
    that hold a value in at least one of the problem's trials (conditional parameters count).

    Parameters
    ----------
    df : DataFrame
        Stored trials (or any frame with ``problem`` and the ``param_*`` columns).

    Returns
    -------
    Series
        Integer dimension indexed by problem.
    """
    code, names = codes(df["problem"])
    index = pd.Index(names, name="problem")
    if "dimension" in df.columns:
        out = pd.Series(df["dimension"].to_numpy()).groupby(code).max()
        return pd.Series(out.reindex(range(len(names))).to_numpy(), index=index).astype(int)
    params = [c for c in df.columns if c.startswith("param_")]
    counts = np.zeros(len(names), dtype=int)
    for column in params:
        present = df[column].notna().to_numpy()
        counts += np.bincount(code[present], minlength=len(names)) > 0
    return pd.Series(counts, index=index).sort_index()


def references(df: pd.DataFrame) -> pd.DataFrame:
    """Reference value of each problem, against which regret is measured.

    The reference is the known optimum when the problem declares one, else the pinned
    ``reference`` value of a real task, else the best (noise-free where recorded) value ever
    observed across all stored runs of the problem; ``reference_kind`` says which. The test
    reference is the best test value ever observed (NaN without test values).

    Parameters
    ----------
    df : DataFrame
        Stored trials.

    Returns
    -------
    DataFrame
        Indexed by problem, columns ``reference``, ``reference_kind``, ``reference_source``
        (how it was found), ``best_observed``, ``test_reference``.
    """
    ok = _eligible_mask(df)
    code, names = codes(df["problem"])
    frame = pd.DataFrame({
        "problem": code,
        "optimum": float_column(df, "optimum"),
        "pinned": float_column(df, "reference"),
        "observed": np.where(ok, _true_values(df), np.nan),
        "test": np.where(ok, float_column(df, "test_value"), np.nan),
    })
    g = frame.groupby("problem", sort=True).min()
    out = pd.DataFrame({
        "optimum": g["optimum"].to_numpy(),
        "pinned": g["pinned"].to_numpy(),
        "best_observed": g["observed"].to_numpy(),
        "test_reference": g["test"].to_numpy(),
    }, index=pd.Index(names[g.index.to_numpy()], name="problem")).sort_index()
    has_opt = np.isfinite(out["optimum"].to_numpy())
    has_pin = np.isfinite(out["pinned"].to_numpy())
    out["reference"] = np.where(has_opt, out["optimum"],
                                np.where(has_pin, out["pinned"], out["best_observed"]))
    out["reference_kind"] = np.where(has_opt, "optimum",
                                     np.where(has_pin, "pinned", "best observed"))
    sources = pd.Series(dtype=object)
    if "reference_source" in df.columns:
        sources = df.dropna(subset=["reference_source"]).groupby(
            np.asarray(df.dropna(subset=["reference_source"])["problem"], dtype=object),
            sort=True)["reference_source"].first()
    out["reference_source"] = [
        "known optimum of the function" if kind == "optimum" else
        (sources.get(problem) or "pinned value stored with the runs") if kind == "pinned" else
        "best value observed in these runs (no pinned reference: adding runs can change it)"
        for problem, kind in zip(out.index, out["reference_kind"])]
    return out[["reference", "reference_kind", "reference_source", "best_observed",
                "test_reference"]]


def _sorted_lean(df: pd.DataFrame) -> pd.DataFrame:
    """The columns metrics need, runs contiguous and trials in order (no copy of the wide frame)."""
    run = categorical(df["run_id"], sort=False)
    order = np.lexsort((column_or_default(df, "trial", 0), run.codes))
    lean = {name: take(categorical(df[name]), order) for name in ("problem", "strategy")}
    lean["run_id"] = take(run, order)
    for name in ("repetition", "trial"):
        lean[name] = df[name].to_numpy()[order]
    lean["value"] = float_column(df, "value")[order]
    lean["ok"] = _ok_mask(df)[order]
    lean["eligible"] = _eligible_mask(df)[order]
    status = df["run_status"] if "run_status" in df.columns else pd.Series("ok", index=df.index)
    lean["run_failed"] = (status.astype(str) == "failed").to_numpy()[order]
    for name in _OPTIONAL_FLOAT_COLUMNS:
        lean[name] = float_column(df, name)[order]
    kind = df["budget_kind"] if "budget_kind" in df.columns else pd.Series(
        "evaluations", index=df.index)
    lean["budget_kind"] = take(categorical(kind), order)
    lean["run_code"] = np.asarray(run.codes)[order]
    return pd.DataFrame(lean)


def incumbents(df: pd.DataFrame, refs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Incumbent trajectory of every run: one row per trial, in run and trial order.

    The incumbent is the trial with the best observed ``value`` so far among the successful
    full-fidelity trials (:data:`INCUMBENT_RULE`; ties keep the earlier trial).
    ``incumbent_true`` is that configuration's noise-free full-fidelity value when recorded,
    else its value; ``incumbent_test`` its held-out test value. Regret is ``incumbent_true``
    minus the trial's own ``optimum`` when known (so per-instance optima are respected), else
    minus the problem reference of :func:`references`, with float noise below
    :data:`REGRET_TOLERANCE` counted as 0. Rows before a run's first eligible trial have NaN
    incumbents.

    Parameters
    ----------
    df : DataFrame
        Stored trials (schema of :func:`harness.load`).
    refs : DataFrame, optional
        Output of :func:`references` (computed from ``df`` when omitted).

    Returns
    -------
    DataFrame
        Columns ``problem, dimension, strategy, run_id, repetition, trial, evals`` (1-based),
        ``cum_cost, value, value_true`` (this trial's observed and noise-free value, NaN when
        it failed), ``reference`` (the row's regret reference), ``incumbent, incumbent_true,
        incumbent_test, regret, log10_regret, test_regret, run_budget, budget_kind``.
    """
    if refs is None:
        refs = references(df)
    dims = dimensions(df)
    d = _sorted_lean(df)
    run = d["run_code"].to_numpy()
    starts = run_starts(run)
    n = len(d)

    best, has, safe = _incumbent_rows(d, starts)
    incumbent = np.where(has, best, np.nan)
    true_values = _true_values(d)
    incumbent_true = np.where(has, true_values[safe], np.nan)
    incumbent_test = np.where(has, d["test_value"].to_numpy()[safe], np.nan)

    problem_code, problem_names = codes(d["problem"])
    row_ref = refs["reference"].reindex(problem_names).to_numpy(dtype=float)[problem_code]
    optimum = d["optimum"].to_numpy()
    row_ref = np.where(np.isfinite(optimum), optimum, row_ref)
    regret = incumbent_true - row_ref
    tolerance = REGRET_TOLERANCE * np.maximum(1.0, np.abs(np.nan_to_num(row_ref)))
    regret = np.where(np.abs(regret) < tolerance, 0.0, regret)
    test_ref = refs["test_reference"].reindex(problem_names).to_numpy(dtype=float)[problem_code]

    cum_cost = _cumulative_cost(d)
    evals = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n])) + 1
    with np.errstate(invalid="ignore", divide="ignore"):
        log_regret = np.log10(np.clip(regret, LOG_REGRET_FLOOR, None))
    return pd.DataFrame({
        "problem": d["problem"],
        "dimension": dims.reindex(problem_names).to_numpy()[problem_code],
        "strategy": d["strategy"],
        "run_id": d["run_id"],
        "repetition": d["repetition"].to_numpy(),
        "trial": d["trial"].to_numpy(),
        "evals": evals,
        "cum_cost": cum_cost,
        "value": np.where(d["ok"].to_numpy(), d["value"].to_numpy(dtype=float), np.nan),
        "value_true": np.where(d["ok"].to_numpy(), true_values, np.nan),
        "full_fidelity": full_fidelity_mask(d),
        "reference": row_ref,
        "incumbent": incumbent,
        "incumbent_true": incumbent_true,
        "incumbent_test": incumbent_test,
        "regret": regret,
        "log10_regret": log_regret,
        "test_regret": incumbent_test - test_ref,
        "run_budget": d["budget"].to_numpy(),
        "budget_kind": d["budget_kind"],
        "run_failed": d["run_failed"].to_numpy(),
    })


def _incumbent_rows(d: pd.DataFrame, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Best eligible value so far ``(n,)``, whether a row has an incumbent yet ``(n,)``, and
    the row of its incumbent trial (0 where none) ``(n,)``, of the lean sorted frame ``d``."""
    n = len(d)
    groups = d["run_code"].to_numpy()
    value = np.where(d["eligible"].to_numpy(), d["value"].to_numpy(dtype=float), np.inf)
    best = pd.Series(value).groupby(groups).cummin().to_numpy()
    previous = np.empty(n)
    previous[1:] = best[:-1]
    previous[starts] = np.inf
    improved = value < previous
    # Row of the incumbent trial: the last improving row so far within the run.
    position = pd.Series(np.where(improved, np.arange(n), -1)).groupby(groups).cummax().to_numpy()
    has = position >= 0
    return best, has, np.where(has, position, 0)


def _cumulative_cost(d: pd.DataFrame) -> np.ndarray:
    """The stored running cost, recomputed from per-trial costs where any is unknown."""
    cost = d["cost"].to_numpy()
    cum_cost = d["cum_cost"].to_numpy()
    if not np.isfinite(cum_cost).all():
        # An unknown cost counts as one full evaluation.
        per_trial = np.where(np.isfinite(cost), cost, 1.0)
        cum_cost = pd.Series(per_trial).groupby(d["run_code"].to_numpy()).cumsum().to_numpy()
    return cum_cost


def _as_incumbents(df: pd.DataFrame) -> pd.DataFrame:
    return df if "incumbent_true" in df.columns else incumbents(df)


def spend_axis(inc: pd.DataFrame, by: str = "auto") -> np.ndarray:
    """Spend after each trial on the ``by`` axis, shape ``(n,)``.

    ``"evals"``: evaluations so far; ``"cost"``: cumulative fidelity-weighted cost (in
    full-fidelity evaluations); ``"auto"``: each run on the axis its budget is counted in
    (cost for cost budgets, so multi-fidelity and full-fidelity strategies are compared at
    equal spend; evaluations otherwise).
    """
    _check_by(by)
    evals = inc["evals"].to_numpy(dtype=float)
    if by == "evals":
        return evals
    cost = inc["cum_cost"].to_numpy(dtype=float)
    if by == "cost":
        return cost
    return np.where(_is_cost_budget(inc), cost, evals)


def _is_cost_budget(inc: pd.DataFrame) -> np.ndarray:
    if "budget_kind" not in inc.columns:
        return np.zeros(len(inc), dtype=bool)
    return (inc["budget_kind"] == "cost").to_numpy(dtype=bool, na_value=False)


def problem_budgets(inc: pd.DataFrame, by: str = "auto") -> pd.Series:
    """Budget of each problem on the ``by`` axis: the largest run budget of that kind.

    A run's stated budget counts when its kind matches the axis (``evaluations`` for
    ``by="evals"``, ``cost`` for ``by="cost"``, either for ``by="auto"``); otherwise the
    largest spend observed in any run is used.

    Parameters
    ----------
    inc : DataFrame
        Output of :func:`incumbents`.
    by : {"auto", "evals", "cost"}
        Axis of the budget (see :func:`spend_axis`).

    Returns
    -------
    Series
        Budget indexed by problem.
    """
    cost_kind = _is_cost_budget(inc)
    matches = {"evals": ~cost_kind, "cost": cost_kind, "auto": np.ones(len(inc), bool)}[by]
    stated = np.where(matches, inc["run_budget"].to_numpy(dtype=float), np.nan)
    frame = pd.DataFrame({"stated": stated, "spent": spend_axis(inc, by)})
    g = frame.groupby(np.asarray(inc["problem"], dtype=object), sort=True)
    out = g["stated"].max().fillna(g["spent"].max())
    out.name = "budget"
    out.index.name = "problem"
    return out


def budget_units(inc: pd.DataFrame, by: str = "auto") -> pd.Series:
    """Unit of each problem's budget on the ``by`` axis: ``"evaluations"`` or ``"cost"``."""
    _check_by(by)
    if by != "auto":
        unit = "evaluations" if by == "evals" else "cost"
        return pd.Series(unit, index=pd.Index(sorted(inc["problem"].unique()), name="problem"))
    kinds = pd.Series(_is_cost_budget(inc)).groupby(np.asarray(inc["problem"], dtype=object),
                                                     sort=True).any()
    out = pd.Series(np.where(kinds.to_numpy(), "cost", "evaluations"), index=kinds.index)
    out.index.name = "problem"
    return out


def _check_by(by: str) -> None:
    if by not in ("auto", "evals", "cost"):
        raise ValueError(f"The 'by' argument must be 'auto', 'evals' or 'cost'. Got {by!r}.")


def first_regret_median(inc: pd.DataFrame) -> pd.Series:
    """Median, over all runs of a problem, of the regret of the first successful trial.

    The fallback zero of the normalised score when no baseline strategy ran.

    Returns
    -------
    Series
        Indexed by problem.
    """
    valid = inc[np.isfinite(inc["regret"].to_numpy())]
    first = valid.groupby("run_id", sort=False).head(1)
    return first.groupby("problem", sort=True)["regret"].median()

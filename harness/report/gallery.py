"""Every figure of a report, drawn from the stored trials and the analysis' outputs.

Suite-level figures (convergence, final distributions, average rank over budget,
critical-difference diagram, runtime ECDF, score heatmap) draw small aggregates only; the
per-run views draw the trials of a few chosen runs (:func:`chosen_runs`). Each figure is
written as PDF and PNG into one directory and described by a
:class:`~harness.report.content.Figure`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable, Mapping

import numpy as np
import pandas as pd

from harness.report import aggregate, run_views
from harness.report.cd_diagram import cd_diagram_figure
from harness.report.content import Figure
from harness.report.figures import (
    convergence_figure,
    final_distribution_figure,
    rank_over_budget_figure,
    runtime_ecdf_figure,
    save_figure,
    score_heatmap_figure,
)
from harness.report.palette import Style
from harness.slugs import unique_slug

__all__ = ["Gallery", "chosen_runs"]

log = logging.getLogger(__name__)

class Gallery:
    """Draws figures into ``out_dir`` and keeps the list of what was drawn.

    A figure that cannot be drawn (e.g. no problem with a known optimum for an ECDF) is
    skipped with a note in :attr:`notes` instead of failing the whole report.

    Parameters
    ----------
    out_dir : Path
        Directory of the PDF and PNG files.
    styles : mapping of str to Style
        One style per strategy (:func:`~harness.report.palette.strategy_styles`).
    """

    def __init__(self, out_dir: Path, styles: Mapping[str, Style]) -> None:
        self.out_dir = Path(out_dir)
        self.styles = dict(styles)
        self.figures: list[Figure] = []
        self.notes: list[str] = []

    def draw(self, name: str, caption: str, make: Callable[[], object]) -> Figure | None:
        """Call ``make()`` for a matplotlib figure, save it as ``name`` and record it."""
        try:
            fig = make()
        except Exception as exc:  # one broken figure must not cost the whole report
            log.warning("figure %s skipped: %s: %s", name, type(exc).__name__, exc)
            self.notes.append(f"Figure '{name}' was not drawn: {type(exc).__name__}: {exc}")
            return None
        if fig is None:
            return None
        paths = save_figure(fig, self.out_dir, name)
        figure = Figure(name=name, caption=caption, png=paths["png"], pdf=paths["pdf"])
        self.figures.append(figure)
        return figure

    # -- suite-level figures -----------------------------------------------------------------
    def convergence(self, inc: pd.DataFrame) -> None:
        """Median incumbent regret with IQR band vs evaluations, and vs cost if costs vary."""
        y = aggregate.objective_column(inc)
        label = "incumbent regret" if y == "regret" else "incumbent value"
        self.draw(
            "convergence_evals",
            f"Median {label} over runs (line) and interquartile range (band) against the number of "
            "evaluations, one panel per problem.",
            lambda: convergence_figure(aggregate.convergence_curves(inc, "evals", y), self.styles, xlabel="evaluations", ylabel=label),
        )
        spends = inc.groupby("run_id", sort=False)["cum_cost"].last()
        evals = inc.groupby("run_id", sort=False)["evals"].last()
        if not np.allclose(spends.to_numpy(), evals.reindex(spends.index).to_numpy()):
            self.draw(
                "convergence_cost",
                f"Median {label} (IQR band) against cumulative cost in full-fidelity evaluations, "
                "which puts multi-fidelity and full-fidelity strategies at equal spend.",
                lambda: convergence_figure(
                    aggregate.convergence_curves(inc, "cum_cost", y), self.styles, xlabel="cost (full evaluations)", ylabel=label, log_x=True
                ),
            )

    def final_distributions(self, fin: pd.DataFrame) -> None:
        """Box + strip plot of every run's final regret, per problem."""
        last = fin[fin["level"] == fin["level"].max()]
        self.draw(
            "final_regret",
            "Regret of every run's incumbent at the full budget (boxes: quartiles; dots: runs).",
            lambda: final_distribution_figure(last[["problem", "strategy", "regret"]].rename(columns={"regret": "value"}), self.styles, ylabel="final regret"),
        )

    def rank_over_budget(self, ranks: pd.DataFrame) -> None:
        """Average rank over problems against the budget fraction."""
        self.draw(
            "rank_over_budget",
            "Average rank over problems (1 = best; ranks of median regret per problem, ties share "
            "ranks) against the fraction of the budget spent.",
            lambda: rank_over_budget_figure(ranks, self.styles, xlabel="fraction of budget"),
        )

    def cd_diagram(self, avg_ranks: pd.Series, cliques, title: str) -> None:
        """Critical-difference diagram of the final average ranks."""
        self.draw(
            "cd_diagram",
            "Critical-difference diagram (Demsar 2006): average ranks over problems at the full "
            "budget; strategies joined by a bar are not significantly different. "
            + title,
            lambda: cd_diagram_figure(avg_ranks, self.styles, cliques=cliques),
        )

    def runtime_ecdf(self, ecdf: pd.DataFrame, xlabel: str, caption_extra: str = "", name: str = "runtime_ecdf") -> None:
        """COCO-style data profile."""
        self.draw(
            name,
            "Runtime ECDF (COCO data profile): fraction of (problem, target) pairs whose target was "
            "reached within a given runtime; unsolved pairs stay in the denominator. " + caption_extra,
            lambda: runtime_ecdf_figure(ecdf, self.styles, xlabel=xlabel),
        )

    def score_heatmap(self, scores: pd.DataFrame) -> None:
        """Median normalised score per problem and strategy."""
        self.draw(
            "score_heatmap",
            "Median normalised score at the full budget (0 = median random search, 1 = reference).",
            lambda: score_heatmap_figure(scores, self.styles),
        )

    # -- per-run views -----------------------------------------------------------------------
    def run_views(self, df: pd.DataFrame, fin: pd.DataFrame, run_specs: Mapping[str, dict] | None, max_problems: int = 3) -> None:
        """History, contour, parallel coordinates and importance for a few chosen runs.

        ``run_views.txt`` lists the chosen problems' file slugs, most informative first, so
        that the paper takes its per-run figures from that problem.
        """
        chosen = chosen_runs(fin, max_problems)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        (self.out_dir / "run_views.txt").write_text("".join(f"{_slug(p)}\n" for p, _, _ in chosen))
        for problem, run_id, strategy in chosen:
            trials = df[df["problem"] == problem]
            slug = _slug(problem)
            medians = _median_runs(fin[fin["problem"] == problem])
            self.draw(
                f"history_{slug}",
                f"Optimisation history on {problem}: every trial (dots) and the incumbent (line) of the "
                "median run of each strategy (at most the six best and random).",
                lambda: run_views.history_figure(trials[trials["run_id"].isin(medians)], self.styles, title=problem),
            )
            run = trials[trials["run_id"] == run_id]
            spec = (run_specs or {}).get(run_id)
            space, problem_obj, exact = _safe(lambda: run_views.run_problem(run, spec)) or (None, None, False)
            imp = _safe(lambda: run_views.importance(trials, space=space))
            params = run_views.param_columns(run)
            pair, branch = _contour_axes(run, params, imp)
            if len(pair) == 2 and all(pd.api.types.is_numeric_dtype(run[f"param_{p}"]) for p in pair):
                true = (" (true objective on a grid)" if exact and len(space.names) == 2
                        else " (interpolated from every run's samples)")
                self.draw(
                    f"contour_{slug}",
                    f"Objective over {pair[0]} and {pair[1]}{true} with the points sampled by the median run "
                    f"of {strategy} on {problem} (star: its best point)"
                    + (f"; one panel per value of {branch}, each over the configurations where both "
                       "parameters are active." if branch else "."),
                    lambda: run_views.contour_figure(
                        run, pair[0], pair[1], problem=problem_obj, exact=exact, style=self.styles.get(strategy),
                        title=f"{problem}, {strategy}", surface=trials, branch=branch, space=space,
                    ),
                )
            if params:
                self.draw(
                    f"parallel_{slug}",
                    f"Parallel coordinates of the trials of the median run of {strategy} on {problem} "
                    "(parameters scaled to [0, 1]; brighter = better).",
                    lambda: run_views.parallel_coordinates_figure(run, space=space, title=f"{problem}, {strategy}"),
                )
            if imp is not None and len(imp):
                self.draw(
                    f"importance_{slug}",
                    f"Parameter importance on {problem}: permutation importance on a random-forest "
                    "surrogate (50 trees, seed 0) fitted to the trials of all runs (a seeded sample of up to 1,000).",
                    lambda: run_views.importance_figure(imp, title=problem),
                )


def _contour_axes(run: pd.DataFrame, params: list[str], imp: pd.DataFrame | None) -> tuple[list[str], str | None]:
    """The two parameters a contour is drawn over, and the categorical whose values get a
    panel each (None without one)."""
    if imp is not None and len(imp) >= 2:
        # The two most important parameters, drawn in the space's order (x before y).
        top = set(imp["parameter"][:2])
        pair = [c[len("param_") :] for c in params if c[len("param_") :] in top]
    else:
        pair = [c[len("param_") :] for c in params[:2]]
    numeric = [c[len("param_"):] for c in params if pd.api.types.is_numeric_dtype(run[c])]
    if not all(p in numeric for p in pair):
        # A categorical among the most important: draw the two most important numeric
        # parameters, one panel per value of the categorical.
        ranked = list(imp["parameter"]) if imp is not None else []
        pair = [p for p in ranked if p in numeric][:2] or numeric[:2]
        pair = [c[len("param_"):] for c in params if c[len("param_"):] in pair]
    categorical = [c[len("param_"):] for c in params if c[len("param_"):] not in numeric]
    return pair, (categorical[0] if categorical else None)


def _safe(make):
    try:
        return make()
    except Exception as exc:
        log.warning("per-run view input failed: %s: %s", type(exc).__name__, exc)
        return None


def _slug(text: str) -> str:
    return unique_slug(text)


def _median_runs(fin_problem: pd.DataFrame, baseline: str = "random", max_strategies: int = 6) -> list[str]:
    """The run with the median final regret of each strategy (lower median on even counts).

    With many strategies only the ``max_strategies`` best (by median final regret) and the
    baseline are kept, so the history stays readable.
    """
    last = fin_problem[fin_problem["level"] == fin_problem["level"].max()]
    medians = last.groupby("strategy")["regret"].median().sort_values(kind="stable")
    keep = list(medians.index[:max_strategies]) + ([baseline] if baseline in medians.index else [])
    last = last[last["strategy"].isin(keep)]
    out = []
    for _, runs in last.groupby("strategy", sort=True):
        ordered = runs.sort_values(["regret", "run_id"], na_position="last", kind="stable")
        out.append(ordered["run_id"].iloc[(len(ordered) - 1) // 2])
    return out


def chosen_runs(fin: pd.DataFrame, max_problems: int = 3) -> list[tuple[str, str, str]]:
    """The (problem, run_id, strategy) of the runs shown in per-run views.

    The ``max_problems`` most informative problems first: those with the largest spread
    between strategies (range of the strategies' median log10 regret at the full budget), not
    the first in alphabetical order; on each, the median run (by final regret) of the
    strategy with the lowest median final regret.
    """
    last = fin[fin["level"] == fin["level"].max()]
    spread = {}
    for problem, sub in last.groupby("problem", sort=True):
        med = sub.groupby("strategy")["log10_regret"].median()
        med = med[np.isfinite(med)]
        spread[problem] = float(med.max() - med.min()) if len(med) else -np.inf
    problems = sorted(spread, key=lambda p: (-spread[p], p))[:max_problems]
    out = []
    for problem in problems:
        sub = last[last["problem"] == problem]
        med = sub.groupby("strategy")["regret"].median().dropna()
        if med.empty:
            continue
        best = med.sort_values(kind="stable").index[0]
        ordered = sub[sub["strategy"] == best].sort_values(["regret", "run_id"], kind="stable")
        out.append((problem, ordered["run_id"].iloc[(len(ordered) - 1) // 2], best))
    return out

"""The paper's learning-curve section, drawn from stored runs of learning-curve tasks.

Multi-fidelity strategies stop most trials after a few epochs; what they buy is time. The
section shows both sides from the runs of the paper's learning-curve suite
(``suites/paper-lc.toml``: multi-fidelity strategies on ``lcnet-digits-surrogate`` with 8
workers on the simulated clock): the validation curves of one run's trials, each as far as
it was trained (left panel), and the best validation loss at full fidelity against simulated
time, median over seeds (right panel). :func:`lc_paragraph` states the figure's numbers;
:func:`write_paper_section` writes ``figures/learning_curves.pdf|png`` and
``generated/learning_curves.tex`` (``harness paper`` calls it after the paper suite:
:mod:`harness.cli`).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from harness.analysis.tables import escape as latex_escape
from harness.report.figures import legend_handles, panel_grid, save_figure
from harness.report.palette import strategy_styles
from harness.report.paper_files import wide_figure, write_generated

__all__ = ["LC_FIGURE", "has_learning_curves", "incumbents_over_time", "time_to_target", "lc_figure",
           "lc_paragraph", "write_paper_section"]

#: File name (without suffix) of the figure in the paper's ``figures/``.
LC_FIGURE = "learning_curves"
#: Points of the common simulated-time grid the runs' incumbents are read at.
GRID_POINTS = 80

LATEX_CAPTION = ("Learning curves on \\texttt{lcnet-digits-surrogate}. Left: validation cross-entropy "
                 "per epoch of every trial of one run (the first seed of the strategy named in the panel), "
                 "each drawn as far as it was trained; most stop after a few epochs. Right: best validation "
                 "cross-entropy at full fidelity (50 epochs) against simulated time with 8 workers, median "
                 "over seeds; each trial lasts the training time the surrogate predicts for its config.")


def _curves(df: pd.DataFrame) -> pd.Series:
    """Each trial's stored validation-loss curve (a list), or None."""
    def curve(text):
        if not isinstance(text, str):
            return None
        return json.loads(text).get("curve", {}).get("val_loss")

    return df["info"].map(curve)


def has_learning_curves(df: pd.DataFrame) -> bool:
    """Whether any stored trial carries a per-epoch validation curve."""
    return "info" in df and bool(_curves(df).notna().any())


def incumbents_over_time(df: pd.DataFrame) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Median over seeds of each strategy's best full-fidelity value against simulated time.

    Returns the time grid ``(GRID_POINTS,)`` (geometric, from the first full-fidelity result to
    the longest run) and per strategy an array ``(GRID_POINTS,)``: the median over runs of the
    best full-fidelity value finished by each time, NaN while fewer than half the runs have one.
    """
    full = df[(df["status"] == "ok") & (df["fidelity"] >= df["fidelity_max"])]
    if full.empty:
        raise ValueError("no trial reached full fidelity: nothing to draw the best value from")
    grid = np.geomspace(max(full["end_time"].min(), 1e-9), df["end_time"].max(), GRID_POINTS)
    medians = {}
    for strategy, runs in full.groupby("strategy", sort=True):
        rows = []
        for _, run in runs.groupby("run_id"):
            run = run.sort_values("end_time")
            best = np.minimum.accumulate(run["value"].to_numpy())
            at = np.searchsorted(run["end_time"].to_numpy(), grid, side="right") - 1
            rows.append(np.where(at >= 0, best[np.maximum(at, 0)], np.nan))
        n_runs = df.loc[df["strategy"] == strategy, "run_id"].nunique()
        table = np.array(rows)
        enough = np.sum(np.isfinite(table), axis=0) * 2 >= n_runs
        # Runs without a full-fidelity result yet count as worse than any value.
        padded = np.vstack([np.where(np.isfinite(table), table, np.inf), np.full((n_runs - len(rows), len(grid)), np.inf)])
        medians[strategy] = np.where(enough, np.median(padded, axis=0), np.nan)
    return grid, medians


def time_to_target(df: pd.DataFrame, target: float) -> dict[str, float]:
    """Median over a strategy's runs of the simulated time its best full-fidelity value first
    reached ``target`` (inf for runs that never did; inf if half or more never did)."""
    full = df[(df["status"] == "ok") & (df["fidelity"] >= df["fidelity_max"]) & (df["value"] <= target)]
    out = {}
    for strategy, runs in df.groupby("strategy", sort=True):
        first = full[full["strategy"] == strategy].groupby("run_id")["end_time"].min()
        times = [first.get(run, np.inf) for run in runs["run_id"].unique()]
        out[strategy] = float(np.median(times))
    return out


def _example_run(df: pd.DataFrame) -> tuple[str, pd.DataFrame]:
    """The run whose curves are drawn: the first seed of hyperband if present, else of the
    strategy with the most trials (the most curves to show stopping)."""
    counts = df.groupby("strategy").size()
    strategy = "hyperband" if "hyperband" in counts else str(counts.idxmax())
    runs = df[df["strategy"] == strategy]
    first = runs.sort_values("repetition")["run_id"].iloc[0]
    return strategy, runs[runs["run_id"] == first]


def lc_figure(df: pd.DataFrame):
    """The section's two-panel figure (see the module docstring)."""
    fig, (left, right) = panel_grid(2, panel_height=2.0, max_cols=2)
    strategy, run = _example_run(df)
    curves = _curves(run).dropna()
    longest = max(len(c) for c in curves)
    for curve in curves:
        epochs = np.arange(1, len(curve) + 1)
        full = len(curve) == longest
        left.plot(epochs, curve, color="#1f4e79" if full else "#9db4cc", lw=0.9 if full else 0.5,
                  alpha=0.9 if full else 0.5, zorder=2 if full else 1)
    left.set_xscale("log")
    left.set_yscale("log")
    left.set_xlabel("epoch")
    left.set_ylabel("validation cross-entropy")
    left.set_title(f"{strategy}: {len(curves)} trials of one run", fontsize=7)
    grid, medians = incumbents_over_time(df)
    styles = strategy_styles(sorted(medians))
    scale, unit, _ = _time_unit(grid[-1])
    for name, values in medians.items():
        right.plot(grid / scale, values, **styles[name].line_kwargs(), markevery=max(len(grid) // 8, 1), markersize=3)
    right.set_xscale("log")
    right.set_yscale("log")
    workers = int(df["workers"].max()) if "workers" in df else 1
    right.set_xlabel(f"simulated {unit} ({workers} worker{'s' if workers != 1 else ''})")
    right.set_ylabel("best full-fidelity val. loss")
    right.legend(handles=legend_handles(styles), fontsize=5.5, frameon=False, loc="upper right")
    return fig


def _time_unit(seconds: float) -> tuple[float, str, str]:
    """Scale, name and symbol of the unit that keeps a duration's digits: seconds below two
    minutes (a table timed in CPU seconds gives runs of seconds), else minutes, else hours."""
    if seconds < 120.0:
        return 1.0, "seconds", "s"
    if seconds < 7200.0:
        return 60.0, "minutes", "min"
    return 3600.0, "hours", "h"


def simulated_time(seconds: float) -> str:
    """A simulated duration in the unit of :func:`_time_unit`, e.g. ``"22.8 s"``."""
    scale, _, symbol = _time_unit(seconds)
    return f"{seconds / scale:.1f} {symbol}"


def lc_paragraph(df: pd.DataFrame) -> list[str]:
    """Sentences stating the figure's numbers: each strategy's median final best value and
    median simulated run length, and how soon each reached random search's median final value."""
    full = df[(df["status"] == "ok") & (df["fidelity"] >= df["fidelity_max"])]
    final = full.groupby(["strategy", "run_id"])["value"].min().groupby("strategy").median()
    makespan = df.groupby(["strategy", "run_id"])["end_time"].max().groupby("strategy").median()
    epochs = df.groupby("strategy")["fidelity"].median()
    order = final.sort_values().index
    parts = [f"{s} {final[s]:.3f} in {simulated_time(makespan[s])} (median trial {epochs[s]:.0f} epochs)" for s in order]
    sentences = ["Median over seeds of the best full-fidelity validation loss, and of the simulated run length: "
                 + "; ".join(parts) + "."]
    if "random" in final.index:
        target = float(final["random"])
        reached = time_to_target(df, target)
        # Against random search's median run length, not its median time to its own median
        # value: with an even number of seeds half of its runs never reach that value, so that
        # median time is infinite.
        baseline = float(makespan["random"])
        faster = [f"{s} {simulated_time(reached[s])} ({reached[s] / baseline:.2f} of random search's run length)"
                  for s in order if s != "random" and np.isfinite(reached[s])]
        never = [s for s in order if s != "random" and not np.isfinite(reached[s])]
        text = (f"Random search's median final value ({target:.3f}) was reached, in median simulated time, by: "
                + ("; ".join(faster) if faster else "no other strategy"))
        sentences.append(text + (f"; not by {', '.join(never)}." if never else "."))
    return sentences


def write_paper_section(df: pd.DataFrame, paper_dir: Path, suite_name: str) -> list[Path]:
    """Write the paper's learning-curve figure and ``generated/learning_curves.tex``.

    Parameters
    ----------
    df : DataFrame
        Stored trials of the paper's learning-curve suite.
    paper_dir : Path
        The paper directory (``figures/`` and ``generated/`` are written into it).
    suite_name : str
        Name of the suite the runs come from (quoted in the text).

    Returns
    -------
    list of Path
        The files written.
    """
    if not has_learning_curves(df):
        raise ValueError(f"suite '{suite_name}' has no trial with a learning curve to draw the section from")
    paths = save_figure(lc_figure(df), Path(paper_dir) / "figures", LC_FIGURE)
    problems = ", ".join(f"\\texttt{{{latex_escape(p)}}}" for p in sorted(df["problem"].unique()))
    workers = int(df["workers"].max()) if "workers" in df else 1
    budget = f"{float(df['budget'].iloc[0]):g}"
    tex = (
        "% Generated by `harness paper` (harness.report.learning_curve_section); do not edit.\n"
        "\\section{Learning curves and multi-fidelity strategies}\n\\label{sec:learning-curves}\n"
        f"The suite \\texttt{{{latex_escape(suite_name)}}} runs {df['strategy'].nunique()} strategies on {problems} "
        f"({df.groupby('strategy')['run_id'].nunique().min()} seeds each, a budget of "
        f"{budget} full-fidelity evaluations, {workers} workers on the simulated clock). "
        "The surrogate predicts the whole 50-epoch validation curve of a configuration and its training time, "
        "fitted when the problem is created from the table that \\texttt{harness tabulate lcnet-digits} "
        "built by training the real network; a config asked again at more epochs continues its curve and is "
        "charged only the extra epochs. " + latex_escape(" ".join(lc_paragraph(df))) + "\n\n"
        + wide_figure(LC_FIGURE, LATEX_CAPTION, "fig:learning-curves"))
    return [paths["pdf"], paths["png"], write_generated(paper_dir, "learning_curves.tex", tex)]

"""analyse(), the summary, LaTeX/CSV tables and the COCO / IOHprofiler exports end to end."""

import re

import numpy as np
import pandas as pd
import pytest

from harness.analysis import analyse
from harness.analysis.export import export_coco, export_iohprofiler
from harness.analysis.synthetic import synthetic_trials
from harness.analysis.tables import format_number, write_tables


@pytest.fixture(scope="module")
def frame():
    return synthetic_trials(n_problems=6, repetitions=8, trials=25, seed=1)


@pytest.fixture(scope="module")
def analysis(frame):
    return analyse(frame, n_boot=200)


def test_analysis_tables_are_consistent(analysis, frame):
    assert analysis.baseline == "random"
    assert analysis.levels == [0.1, 0.25, 0.5, 1.0]
    n_runs = frame["run_id"].nunique()
    assert len(analysis.final) == n_runs * 4
    assert len(analysis.runtimes) == n_runs * 51
    final = analysis.final[analysis.final["level"] == 1.0]
    # The skilled strategy should beat random search on this synthetic suite.
    avg = analysis.average_ranks.query("level == 1.0").set_index("strategy")["average_rank"]
    assert avg.idxmin() == "bayesian" and avg.idxmax() == "random"
    assert final.groupby("strategy")["score"].median()["random"] == pytest.approx(0.0)
    fr = analysis.friedman.set_index("level").loc[1.0]
    assert fr["n_problems"] == 6 and fr["k_strategies"] == 3 and fr["pvalue"] < 0.05


def test_summary_quotes_the_numbers(analysis):
    text = " ".join(analysis.summary)
    assert "bayesian has the best average rank" in text
    assert "Friedman" in text and "random" in text
    assert re.search(r"A12 = 0\.\d\d", text)
    assert len(analysis.summary) <= 8


def test_strategy_name_resolves_the_baseline_label(frame):
    relabelled = frame.assign(strategy=frame["strategy"].replace({"random": "random-sobol"}))
    result = analyse(relabelled, n_boot=50)
    assert result.baseline == "random-sobol"
    none = analyse(frame[frame["strategy"] != "random"], n_boot=50)
    assert none.baseline is None and "first" in none.score_zero


def test_write_tables_latex_and_csv(analysis, tmp_path):
    paths = write_tables(analysis, tmp_path)
    names = {p.name for p in paths}
    for stem in ("final_regret", "scores", "average_ranks", "pairwise", "friedman", "art",
                 "test_regret"):
        assert {f"{stem}.tex", f"{stem}.csv"} <= names
    tex = (tmp_path / "final_regret.tex").read_text()
    assert r"\toprule" in tex and r"\bottomrule" in tex and r"$^{+}$" in tex
    assert tex.count(r"\textbf") + tex.count(r"\mathbf") == 6  # one best per problem
    assert "Holm over the 2 comparisons with random" in tex
    csv = pd.read_csv(tmp_path / "final_regret.csv")
    assert set(csv.columns) >= {"problem", "strategy", "median", "median_low", "median_high",
                                "vs_baseline", "best"}


def test_format_number():
    assert format_number(0.01234) == "0.0123"
    assert format_number(1.5e-7) == r"$1.50\cdot 10^{-7}$"
    assert format_number(np.inf) == r"$\infty$"
    assert format_number(np.nan) == "--"


def test_exports_follow_the_documented_layouts(frame, analysis, tmp_path):
    small = frame[frame["problem"].isin(["p0", "p1"])]
    # The COCO export carries BBOB problems only (tests/test_coco.py reads it with cocopp).
    assert export_coco(small, tmp_path / "coco") == [] and not (tmp_path / "coco").exists()

    export_iohprofiler(small, tmp_path / "ioh")
    info = (tmp_path / "ioh" / "random" / "IOHprofiler_f2_p1.info").read_text().splitlines()
    assert "funcId = 2" in info[0] and "DIM = 5" in info[0] and "algId = 'random'" in info[0]
    assert info[1].startswith("%")
    dat = (tmp_path / "ioh" / "random" / "data_f2_p1" / "IOHprofiler_f2_DIM5.dat").read_text()
    assert dat.startswith('"function evaluation" "current f(x)" "best-so-far f(x)"')
    assert dat.count('"function evaluation"') == 8


def test_strategy_on_a_subset_of_problems_is_left_out_of_suite_ranks(frame):
    extra = frame[(frame["problem"] == "p0") & (frame["strategy"] == "tpe")].assign(
        strategy="special", strategy_name="special",
        run_id=lambda d: d["run_id"].str.replace("tpe", "special"))
    result = analyse(pd.concat([frame, extra], ignore_index=True), n_boot=50)
    assert "special" not in set(result.ranks["strategy"])
    assert "special" not in set(result.pairwise["a"]) | set(result.pairwise["b"])
    assert "special" in set(result.problem_pairwise["a"]) | set(result.problem_pairwise["b"])
    assert any("ranked there only: special" in s for s in result.summary)
    assert result.friedman.set_index("level").loc[1.0, "k_strategies"] == 3


def test_summary_warns_when_tests_cannot_reach_significance():
    few = synthetic_trials(n_problems=3, repetitions=4, trials=10, seed=2)
    text = " ".join(analyse(few, n_boot=50).summary)
    assert "no test here can reach p < 0.05" in text
    assert "against the baseline 0.5 (n = 3)" in text and "per problem 0.25 (n = 4)" in text


def test_dimension_argument_overrides_parameter_count(frame):
    dims = {p: 7 for p in frame["problem"].unique()}
    result = analyse(frame, n_boot=20, dimensions=dims)
    assert set(result.dimensions) == {7} and set(result.ecdf["dimension"]) == {7}
    with pytest.raises(ValueError, match="Missing: p0"):
        analyse(frame, n_boot=20, dimensions={"p1": 2})

"""Tests of harness.report: a real (tiny) suite is run, stored, loaded and reported.

The suite runs with the serial executor on two synthetic problems, so the whole module
takes a few seconds of CPU plus the figures.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from harness.report import aggregate
from harness.report.html import external_references
from harness.report.palette import MARKERS, OKABE_ITO, strategy_styles

SUITE = """
name = "report-test"
seed = 7
seeds = 3
budget = { evaluations = 15 }
problems = ["branin", "sphere-3d"]
strategies = ["random", "cmaes"]
executor = { kind = "serial" }
"""


@pytest.fixture(scope="module")
def written_report(tmp_path_factory):
    """A results directory written by the harness itself, with its report (a ``Report``)."""
    from harness.benchmark import run_suite
    from harness.report.build import make_report

    root = tmp_path_factory.mktemp("report")
    suite = root / "suite.toml"
    suite.write_text(SUITE)
    run_suite(suite, results=root / "results", progress=False)
    report = make_report(root / "results", max_run_views=2)
    assert report.html == root / "results" / "report" / "report.html" and report.html.exists()
    return report


@pytest.fixture(scope="module")
def report_dir(written_report) -> Path:
    return written_report.out_dir


# -- palette -----------------------------------------------------------------------------------
def test_a_strategys_style_depends_only_on_its_name():
    a = strategy_styles(["tpe", "random", "bayesian"])
    b = strategy_styles(["random", "bayesian", "tpe", "random", "cmaes", "my-plugin"])
    assert all(a[name] == b[name] for name in a)
    assert list(a) == ["random", "bayesian", "tpe"]  # legend order: known order
    assert all(s.color in OKABE_ITO for s in b.values())
    assert "#F0E442" not in OKABE_ITO  # no yellow on white
    assert len({s.color for s in a.values()}) == 3 and len({s.marker for s in a.values()}) == 3


def test_every_known_strategy_looks_different():
    from harness.report.palette import KNOWN_ORDER

    styles = strategy_styles(KNOWN_ORDER)
    looks = {(s.color, s.marker, s.linestyle) for s in styles.values()}
    assert len(looks) == len(KNOWN_ORDER)
    assert all(s.marker in MARKERS for s in styles.values())


# -- aggregates (checked against a direct brute-force computation) -----------------------------
def _random_incumbents(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for run in range(7):
        n = int(rng.integers(3, 12))  # runs of different lengths
        values = rng.random(n) * 10
        costs = np.cumsum(rng.uniform(0.1, 1.0, n))
        for t in range(n):
            rows.append({"problem": "p", "strategy": "s" if run % 2 else "t", "run_id": f"r{run}", "repetition": run,
                         "trial": t, "evals": t + 1, "cum_cost": costs[t], "regret": values[: t + 1].min()})
    return pd.DataFrame(rows)


def test_resample_reads_the_last_incumbent_at_or_before_each_point():
    inc = _random_incumbents()
    grid = np.array([0.05, 0.5, 1.0, 2.7, 5.0, 100.0])
    got = aggregate.resample(inc, "cum_cost", grid, "regret").set_index(["run_id", "cum_cost"])["regret"]
    for run_id, run in inc.groupby("run_id"):
        for point in grid:
            before = run[run["cum_cost"] <= point]
            expected = before["regret"].iloc[-1] if len(before) else np.nan
            assert got[(run_id, point)] == pytest.approx(expected, nan_ok=True)


def test_convergence_curves_are_medians_and_quartiles_over_runs():
    inc = _random_incumbents(1)
    curves = aggregate.convergence_curves(inc, "evals", "regret")
    row = curves[(curves["strategy"] == "s") & (curves["x"] == 3)].iloc[0]
    at3 = [run[run["evals"] <= 3]["regret"].iloc[-1] for _, run in inc[inc["strategy"] == "s"].groupby("run_id")]
    assert row["median"] == pytest.approx(np.median(at3))
    assert row["q25"] == pytest.approx(np.quantile(at3, 0.25))
    assert row["q75"] == pytest.approx(np.quantile(at3, 0.75))
    assert row["n_runs"] == len(at3)


def test_log_axis_only_when_values_span_decades():
    assert aggregate.wants_log([0.001, 1, 10])
    assert not aggregate.wants_log([1, 2, 50])
    assert not aggregate.wants_log([-1, 1000])


def test_importance_is_seeded_and_finds_the_parameter_that_matters():
    from harness.report.run_views import importance

    rng = np.random.default_rng(3)
    x = rng.random((300, 3))
    trials = pd.DataFrame({"param_a": x[:, 0], "param_b": x[:, 1], "param_c": x[:, 2],
                           "value": (x[:, 1] - 0.3) ** 2 + 0.01 * x[:, 0]})
    first, second = importance(trials), importance(trials)
    pd.testing.assert_frame_equal(first, second)
    assert first["parameter"].iloc[0] == "b"
    assert first["importance"].sum() == pytest.approx(1.0)


# -- the report of a stored suite --------------------------------------------------------------------
def test_report_writes_every_output(report_dir: Path):
    figures = {p.stem for p in (report_dir / "figures").glob("*.png")}
    expected = {"convergence_evals", "final_regret", "rank_over_budget", "cd_diagram", "runtime_ecdf", "score_heatmap",
                "history_branin", "contour_branin", "parallel_branin", "importance_branin"}
    assert expected <= figures
    assert figures == {p.stem for p in (report_dir / "figures").glob("*.pdf")}
    tex = {p.stem for p in (report_dir / "tables").glob("*.tex")}
    csv = {p.stem for p in (report_dir / "tables").glob("*.csv")}
    assert tex and tex == csv
    assert not (report_dir / "export" / "coco").exists()  # no BBOB problem here (see tests/test_coco.py)
    assert any((report_dir / "export" / "iohprofiler").rglob("*.dat"))


def test_report_html_is_self_contained(report_dir: Path):
    page = (report_dir / "report.html").read_text()
    assert external_references(page) == []
    sources = re.findall(r"<img[^>]*\ssrc=\"([^\"]*)\"", page)
    assert len(sources) == len(list((report_dir / "figures").glob("*.png")))
    for src in sources:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(b"\x89PNG\r\n\x1a\n")
    assert "<script" not in page and "<link" not in page


def test_report_states_suite_environment_summary_and_formula(report_dir: Path):
    md = (report_dir / "report.md").read_text()
    env = json.loads((report_dir.parent / "environment.json").read_text())
    for section in ("## Summary", "## Suite", "## Environment", "## Tables", "## Figures", "## Method"):
        assert section in md
    assert 'name = "report-test"' in md  # the suite file as given
    assert env["packages"]["numpy"] in md and env["git"]["commit"] in md
    assert "score = 1 - r / r0" in md
    summary = md.split("## Summary", 1)[1].split("##", 1)[0]
    assert summary.count("\n- ") >= 2
    for link in re.findall(r"\]\(([^)]+)\)", md):
        assert (report_dir / link).exists(), link


def test_contour_uses_the_true_function_of_a_synthetic_problem(report_dir: Path):
    import harness
    from harness.report.run_views import recreate_problem

    df = harness.load(report_dir.parent)
    run = df[df["problem"] == "branin"]
    run = run[run["run_id"] == run["run_id"].iloc[0]]
    problem, exact = recreate_problem(run)
    assert exact and sorted(problem.space.names) == ["x0", "x1"]
    md = (report_dir / "report.md").read_text()
    assert "(true objective on a grid)" in md


def test_report_renders_in_headless_chromium(report_dir: Path):
    from harness.report.browser import check_in_chromium, find_chromium

    if find_chromium() is None:
        pytest.skip("Chromium is not installed (apt-get update && apt-get install -y chromium)")
    check = check_in_chromium(report_dir / "report.html")
    assert check.ok, check
    assert check.images == len(list((report_dir / "figures").glob("*.png")))


# -- paper ---------------------------------------------------------------------------------------------
def test_paper_copies_figures_under_stable_names_and_widens_wide_tables(report_dir: Path, tmp_path: Path):
    from harness.report.paper import _copy_figures, _widen, latex_escape, paper_tables

    _copy_figures(report_dir / "figures", tmp_path / "figures")
    names = {p.name for p in (tmp_path / "figures").iterdir()}
    for kind in ("history", "contour", "parallel", "importance"):
        assert {f"{kind}.pdf", f"{kind}.png"} <= names
    assert "convergence_evals.pdf" in names and "cd_diagram.pdf" in names
    written = paper_tables(report_dir / "tables", tmp_path / "tables")
    assert {p.suffix for p in written} == {".tex", ".csv"}

    narrow = "\\begin{table}[t]\n\\begin{tabular}{lrr}\nx\n\\end{tabular}\n\\end{table}\n"
    assert _widen(narrow) == narrow
    wide = _widen(narrow.replace("{lrr}", "{l" + "r" * 12 + "}"))
    assert "\\begin{table*}" in wide and "\\resizebox{\\textwidth}{!}{%" in wide and "\\end{tabular}}" in wide
    assert latex_escape("a_b & 50%") == "a\\_b \\& 50\\%"


def test_paper_is_rendered_from_the_reports_analysis_not_its_pages(written_report, tmp_path: Path):
    from harness.report.paper import GENERATED, GENERATED_BY, latex_escape, write_paper

    assert write_paper(written_report, tmp_path / "paper") == tmp_path / "paper"
    generated = tmp_path / "paper" / "generated"
    assert sorted(p.name for p in generated.iterdir()) == sorted(GENERATED)
    assert all(p.read_text().splitlines()[0] == GENERATED_BY for p in generated.iterdir())
    summary = (generated / "summary.tex").read_text()
    sentences = list(written_report.result.analysis.summary)
    assert sentences and summary.count("\\item ") == len(sentences)
    assert all(f"\\item {latex_escape(s)}" in summary for s in sentences)
    numbers = (generated / "numbers.tex").read_text()
    assert "\\newcommand{\\nRuns}{12}" in numbers and "\\newcommand{\\nProblems}{2}" in numbers
    assert "numpy" in (generated / "environment.tex").read_text()
    assert (tmp_path / "paper" / "tables" / "pairwise.tex").exists()
    assert (tmp_path / "paper" / "figures" / "history.pdf").exists()


def test_paper_setup_is_generated_from_the_trials(report_dir: Path):
    import harness
    from harness.report.paper import _setup_tex

    text = _setup_tex(harness.load(report_dir.parent))
    assert "3 seeds on 2 problems" in text
    assert "budget 15 evaluations" in text and "reference: optimum" in text
    assert "development split" in text  # branin is a development problem


def test_labels_get_distinct_slugs_that_stay_inside_their_folder():
    from harness.slugs import unique_slug

    labels = ["a/b", "a-b", "a b", "..", ".", "branin-shifted", "x" * 300, "<script>"]
    slugs = [unique_slug(label) for label in labels]
    assert len(set(slugs)) == len(labels)
    assert unique_slug("branin-shifted") == "branin-shifted"  # readable labels unchanged
    for slug in slugs:
        assert "/" not in slug and slug not in (".", "..") and len(slug) <= 80


def test_markdown_never_carries_labels_as_html():
    from harness.report.content import Bullets, Document, Paragraph, Section, Table
    from harness.report.markdown import render_markdown

    doc = Document(title="t", sections=[Section("S", [
        Paragraph("strategy <script>alert(1)</script>"), Bullets(["<b>x</b>"]),
        Table("c", pd.DataFrame({"strategy": ["<img src=x>"]}))])])
    text = render_markdown(doc, Path("."))
    assert "<script>" not in text and "<b>" not in text and "<img" not in text
    assert "&lt;script&gt;" in text


def test_report_says_how_many_stored_runs_it_ignored(tmp_path: Path):
    from harness.benchmark import run_suite
    from harness.report import build_report

    suite = tmp_path / "suite.toml"
    both = 'name = "ignored"\nseed = 0\nseeds = 2\nbudget = 3\nproblems = ["branin"]\n'
    suite.write_text(both + 'strategies = ["random", "grid"]\n')
    run_suite(suite, executor="serial", results=tmp_path / "r", progress=False)
    suite.write_text(both + 'strategies = ["random"]\n')
    run_suite(suite, executor="serial", results=tmp_path / "r", progress=False)
    build_report(tmp_path / "r", max_run_views=0)
    summary = (tmp_path / "r" / "report" / "report.md").read_text().split("## Suite")[0]
    assert "2 stored runs are ignored" in summary and "--all-runs" in summary


def test_report_shows_bayesmarks_score_beside_ours(tmp_path: Path):
    from harness.benchmark import run_suite
    from harness.report import build_report

    suite = tmp_path / "suite.toml"
    suite.write_text('name = "bm"\nseed = 0\nseeds = 1\nbudget = 4\n'
                     'problems = ["bayesmark-DT-breast-acc"]\nstrategies = ["random", "tpe"]\n')
    run_suite(suite, executor="serial", results=tmp_path / "r", progress=False)
    build_report(tmp_path / "r", max_run_views=0)
    md = (tmp_path / "r" / "report" / "report.md").read_text()
    assert "Bayesmark normalised score" in md
    table = md.split("Bayesmark normalised score", 1)[1]
    assert "| random |" in table and "| tpe |" in table



def test_harness_paper_names_a_missing_suite_in_one_line(tmp_path: Path, capsys):
    from harness.cli import main

    assert main(["paper", "--suite", str(tmp_path / "missing.toml"), "--paper-dir", str(tmp_path / "p")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "missing.toml" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "p").exists()

"""The COCO export of BBOB runs, read by the real cocopp: same aRT as ours, same format as COCO's.

Skipped only when the 'coco' extra (coco-experiment, cocopp) is not installed; CI installs it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("cocoex", reason="needs the 'coco' extra (coco-experiment)")
pytest.importorskip("cocopp", reason="needs the 'coco' extra (cocopp)")

import harness  # noqa: E402
from harness.analysis import fixed_target, metrics  # noqa: E402
from harness.analysis.bbob_ecdf import COCO_TARGETS, bbob_ecdf, bbob_runtimes  # noqa: E402
from harness.analysis.export import export_coco  # noqa: E402
from harness.benchmark import run_suite  # noqa: E402

SUITE = """
name = "coco-small"
seed = 3
seeds = 3
budget = 120
problems = [{ name = "bbob-f1-2d", instance = "seed" }, { name = "bbob-f8-2d", instance = "seed" },
            { name = "bbob-f1-3d", instance = 5 }, "branin"]
strategies = ["random", "cmaes"]
[executor]
kind = "serial"
"""
TARGETS = [100.0, 10.0, 1.0, 1e-1, 1e-2, 1e-3, 1e-5, 1e-8]

# Loads an export with cocopp and prints, as JSON, aRT per (algorithm, function, dimension) at
# TARGETS (argv[1]) and cocopp's runtime ECDF (its pprldmany figure, COCO's 51 targets) per
# dimension: for each curve it draws, the fraction of its runtime samples (evaluations /
# dimension) <= each point of the grid (argv[2]). The samples are recorded on their way into
# cocopp's own plotting function, which still draws them: cocopp computes them, nothing here does.
COCOPP_NUMBERS = """
import json, sys, os, warnings
warnings.simplefilter("ignore")
import numpy as np
from cocopp import pproc, testbedsettings
from cocopp.compall import pprldmany
targets, grid, out_dir, folders = json.loads(sys.argv[1]), np.asarray(json.loads(sys.argv[2])), sys.argv[3], sys.argv[4:]
os.makedirs(out_dir, exist_ok=True)
drawn = []
plotdata = pprldmany.plotdata
def recording(data, *args, **kwargs):
    drawn.append((kwargs.get("label"), np.asarray(data, float)))
    return plotdata(data, *args, **kwargs)
pprldmany.plotdata = recording
datasets = pproc.processInputArgs(folders, True)[0]
art = [{"alg": ds.algId, "f": int(ds.funcId), "dim": int(ds.dim), "instances": [int(i) for i in ds.instancenumbers],
        "art": [float(a) for a in ds.detERT(targets)]} for ds in datasets]
# cocopp's documented switch for no reference-algorithm line (not compared; slow to load).
testbedsettings.current_testbed.reference_algorithm_filename = ''
ecdf = []
for dim, entries in sorted(pproc.dictAlgByDim(pproc.DataSetList(datasets).dictByAlgName()).items()):
    drawn.clear()
    pprldmany.main(entries, order=None, outputdir=out_dir, info="%02dD" % dim)
    for label, data in drawn:
        data = data[~np.isnan(data)]
        ecdf.append({"dim": int(dim), "alg": os.path.basename(label), "fraction": [float(np.mean(data <= x)) for x in grid]})
print("RESULT" + json.dumps({"art": art, "ecdf": ecdf}))
"""
#: Evaluations / dimension at which the ECDFs are compared; the 3-D budget is 40 x 3.
ECDF_GRID = [0.5, 1, 2, 3, 5, 10, 20, 39.9]


@pytest.fixture(scope="module")
def stored(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("coco")
    (root / "suite.toml").write_text(SUITE)
    run_suite(root / "suite.toml", results=root / "results", progress=False)
    return root / "results"


@pytest.fixture(scope="module")
def cocopp_numbers(stored, tmp_path_factory) -> dict:
    """cocopp's aRT and ECDF of our export of the stored runs (one cocopp process for both)."""
    root = tmp_path_factory.mktemp("cocopp")
    export_coco(harness.load(stored), root / "export")
    done = subprocess.run([sys.executable, "-c", COCOPP_NUMBERS, json.dumps(TARGETS), json.dumps(ECDF_GRID),
                           str(root / "cocopp"), *(str(root / "export" / s) for s in ("random", "cmaes"))],
                          capture_output=True, text=True, timeout=300, env={**_env(), "MPLBACKEND": "Agg"})
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.split("RESULT", 1)[1])


def _our_art(frame: pd.DataFrame) -> dict:
    inc = metrics.incumbents(frame)
    problems = sorted(inc["problem"].unique())
    targets = pd.DataFrame([{"problem": p, "target_index": k, "precision": t}
                            for p in problems for k, t in enumerate(TARGETS)])
    art = fixed_target.average_runtime(fixed_target.runtimes(inc, targets, by="evals"), n_boot=10)
    names = frame.drop_duplicates("problem").set_index("problem")["problem_name"]
    out = {}
    for (problem, strategy), group in art.groupby(["problem", "strategy"]):
        function, dim = names[problem].removeprefix("bbob-f").removesuffix("d").split("-") if names[problem].startswith("bbob") else (None, None)
        if function is not None:
            out[strategy, int(function), int(dim)] = group.sort_values("target_index")["art"].tolist()
    return out


def test_export_has_cocos_layout_instances_and_fopt(stored, tmp_path):
    frame = harness.load(stored)
    written = export_coco(frame, tmp_path)
    assert {p.relative_to(tmp_path).as_posix() for p in written if p.suffix == ".info"} == {
        f"{s}/bbobexp_f{f}.info" for s in ("random", "cmaes") for f in (1, 8)}  # branin is left out
    info = (tmp_path / "cmaes" / "bbobexp_f1.info").read_text().splitlines()
    assert info[0].startswith("suite = 'bbob', funcId = 1, DIM = 2, Precision = 1.000e-08, algId = 'cmaes'")
    assert "data_format = 'bbob-new2'" in info[0] and info[1].startswith("%")
    assert info[2].startswith("data_f1/bbobexp_f1_DIM2.dat, 1:120|") and ", 2:120|" in info[2] and ", 3:120|" in info[2]
    assert info[3].startswith("suite = 'bbob', funcId = 1, DIM = 3") and info[5].count("5:120|") == 3  # instance = 5
    dat = (tmp_path / "cmaes" / "data_f1" / "bbobexp_f1_DIM2.dat").read_text()
    runs = dat.split("% f evaluations | g evaluations | best noise-free fitness - Fopt (")[1:]
    assert len(runs) == 3
    optima = sorted(float(r.split(")")[0]) for r in runs)
    bbob = frame[(frame["problem_name"] == "bbob-f1-2d") & (frame["strategy"] == "cmaes")]
    assert optima == sorted(bbob.drop_duplicates("run_id")["optimum"])
    for run in runs:
        rows = np.array([line.split() for line in run.splitlines()[1:]], float)
        # A record at every improvement of the best f - Fopt, and the run's last evaluation.
        assert rows[-1, 0] == 120 and np.all(rows[:, 1] == 0) and np.all(np.diff(rows[:-1, 2]) < 0)
        assert np.all(np.diff(rows[:, 4]) <= 0) and np.allclose(rows[:, 4] - rows[:, 2], float(run.split(")")[0]))


def test_cocopp_reads_our_export_with_our_art(stored, cocopp_numbers):
    frame = harness.load(stored)
    theirs = cocopp_numbers["art"]
    ours = _our_art(frame)
    assert {(d["alg"], d["f"], d["dim"]) for d in theirs} == set(ours) and len(ours) == 6
    for d in theirs:
        assert d["instances"] == ([1, 2, 3] if d["dim"] == 2 else [5, 5, 5])
        np.testing.assert_allclose(d["art"], ours[d["alg"], d["f"], d["dim"]], rtol=1e-12)
    assert any(np.isfinite(a).sum() >= 4 for a in ours.values())  # targets were really reached


def test_cocopp_draws_our_bbob_ecdf(stored, cocopp_numbers):
    """cocopp's runtime ECDF (its pprldmany figure) equals ours up to the budget.

    Beyond the budget cocopp extends unsuccessful runs by simulated restarts; below it a
    simulated run reaches a target only if the run it starts from does, and cocopp's
    derandomised draw starts from every run equally often, so the two agree exactly.
    """
    frame = harness.load(stored)
    theirs = {(d["dim"], d["alg"]): d["fraction"] for d in cocopp_numbers["ecdf"]}
    ours = bbob_ecdf(bbob_runtimes(frame), grid=np.array(ECDF_GRID))
    assert len(COCO_TARGETS) == 51 and np.isclose(COCO_TARGETS[0], 100) and np.isclose(COCO_TARGETS[-1], 1e-8)
    compared = 0
    for (dim, strategy), line in ours.groupby(["dimension", "strategy"]):
        np.testing.assert_allclose(theirs[dim, strategy], line["fraction"].to_numpy(), rtol=0, atol=1e-12)
        compared += 1
    assert compared == 4 and ours["fraction"].max() > 0.2 and ours["fraction"].min() < 0.1  # real curves


def test_harness_coco_runs_cocopp_and_writes_its_html(stored):
    done = subprocess.run([sys.executable, "-m", "harness", "coco", str(stored)], capture_output=True, text=True,
                          timeout=600, env=_env())
    assert done.returncode == 0, done.stderr[-2000:]
    index = stored / "report" / "cocopp" / "index.html"
    assert done.stdout.strip() == f"cocopp: {index}" and index.exists()
    pictures = list((stored / "report" / "cocopp").rglob("*.svg")) + list((stored / "report" / "cocopp").rglob("*.png"))
    assert any("ecdf" in p.name.lower() or "pprldmany" in p.name for p in pictures)


def test_harness_coco_names_an_installed_cocopp_that_cannot_be_imported(stored, tmp_path):
    # A cocopp whose own import fails, as cocopp 2.9 did without `six`: a package of that
    # name earlier on the path whose import raises what a missing dependency raises.
    broken = tmp_path / "broken" / "cocopp"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("import a_dependency_that_is_not_installed\n")
    env = _env()
    env["PYTHONPATH"] = str(broken.parent) + ":" + env["PYTHONPATH"]
    done = subprocess.run([sys.executable, "-m", "harness", "coco", str(stored), "--output", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "a_dependency_that_is_not_installed" in done.stderr and 'pip install -e ".[coco]"' in done.stderr


def test_harness_coco_refuses_results_without_bbob_runs(tmp_path):
    (tmp_path / "suite.toml").write_text('name = "plain"\nseeds = 1\nbudget = 3\nproblems = ["branin"]\n'
                                         'strategies = ["random"]\n[executor]\nkind = "serial"\n')
    run_suite(tmp_path / "suite.toml", results=tmp_path / "r", progress=False)
    done = subprocess.run([sys.executable, "-m", "harness", "coco", str(tmp_path / "r")], capture_output=True,
                          text=True, timeout=120, env=_env())
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "BBOB" in done.stderr


def _env() -> dict:
    import os

    root = str(Path(harness.__file__).resolve().parents[1])
    return {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}


def test_report_and_paper_draw_the_bbob_ecdf_and_state_its_numbers(stored, tmp_path):
    from harness.report.bbob_section import BBOB_FIGURE, draw_bbob_figure, write_paper_section
    from harness.report.gallery import Gallery
    from harness.report.palette import strategy_styles

    frame = harness.load(stored)
    gallery = Gallery(tmp_path / "figures", strategy_styles(["random", "cmaes"]))
    draw_bbob_figure(gallery, frame[frame["problem_name"] == "branin"])  # no BBOB run: no figure
    assert gallery.figures == []
    draw_bbob_figure(gallery, frame)
    assert [f.name for f in gallery.figures] == [BBOB_FIGURE] and gallery.figures[0].png.stat().st_size > 10_000

    written = write_paper_section(frame, tmp_path / "paper", "coco-small")
    assert (tmp_path / "paper" / "figures" / f"{BBOB_FIGURE}.pdf") in written
    tex = (tmp_path / "paper" / "generated" / "bbob.tex").read_text()
    assert "\\section{BBOB" in tex and "\\includegraphics" in tex and "instances 1, 2, 3, 5." in tex
    # The stated fractions are the ECDF at the budget: solved (function, target) pairs, each
    # pair weighing its function's runs equally, computed here directly from the runtimes.
    rt = bbob_runtimes(frame)
    for (dim, strategy), group in rt.groupby(["dimension", "strategy"]):
        direct = group.groupby(["function", "target_index"])["runtime"].apply(lambda r: np.isfinite(r).mean()).mean()
        assert f"{strategy} {direct:.0%}".replace("%", "\\%") in tex
    with pytest.raises(ValueError, match="no BBOB run"):
        write_paper_section(frame[frame["problem_name"] == "branin"], tmp_path / "none", "plain")


def test_harness_paper_names_a_missing_bbob_suite_before_running_anything(tmp_path, capsys):
    from harness.cli import main

    (tmp_path / "suite.toml").write_text('name = "tiny"\nseeds = 1\nbudget = 2\nproblems = ["hartmann3"]\n'
                                         'strategies = ["random"]\n[executor]\nkind = "serial"\n')
    assert main(["paper", "--suite", str(tmp_path / "suite.toml"), "--results", str(tmp_path / "r"),
                 "--paper-dir", str(tmp_path / "p"), "--bbob-suite", str(tmp_path / "nobbob.toml")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "nobbob.toml" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "r").exists() and not (tmp_path / "p").exists()

"""The development / evaluation split: the paper never reports on what defaults were tuned on."""

import re
import tomllib
from pathlib import Path

from harness.splits import DEVELOPMENT, EVALUATION, split_of

ROOT = Path(__file__).resolve().parents[1]


def _problem_names(suite: Path) -> list[str]:
    data = tomllib.loads(suite.read_text())
    return [p if isinstance(p, str) else p["name"] for p in data["problems"]]


def test_variants_follow_their_family():
    assert split_of("branin") == split_of("branin-noisy") == split_of("branin-mf") == DEVELOPMENT
    assert split_of("hartmann6-mixed") == split_of("sphere-10d") == DEVELOPMENT
    assert split_of("hartmann3") == split_of("hartmann3-mf") == EVALUATION
    assert split_of("rosenbrock-5d") == split_of("svm-breast_cancer") == EVALUATION


def test_paper_suite_uses_only_evaluation_problems():
    for suite in ("paper.toml", "paper-bbob.toml"):
        names = _problem_names(ROOT / "suites" / suite)
        assert names and all(split_of(n) == EVALUATION for n in names), (suite, names)


def test_tuning_benchmarks_use_only_development_problems():
    """The defaults of bench_quality, bench_multifidelity and bench_gradient_evolutionary."""
    for script in ("bench_quality.py", "bench_multifidelity.py", "bench_gradient_evolutionary.py"):
        text = (ROOT / "bench" / script).read_text()
        named = set(re.findall(r"\b((?:branin|hartmann\d|rosenbrock|ackley|levy|michalewicz|"
                               r"styblinski-tang|rastrigin|griewank|six-hump-camel|"
                               r"goldstein-price)[a-z0-9-]*)", text))
        named = {n.rstrip("-") for n in named}
        assert named and all(split_of(n) == DEVELOPMENT for n in named), (script, named)

"""SMAC3, DEHB and Nevergrad adapters, run for real (small budgets: SMAC is slow).

The strategy contract test already runs every adapter on every problem type; this file checks
what is particular to each: the ConfigSpace translation, SMAC's handling of crashed trials,
DEHB's fidelity ladder and its files, Nevergrad's seeding and integer cells, and the
one-line install hints when a package is missing.
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

import pytest

from harness.protocols import Budget, Evaluation, Problem, Status, StrategyError
from harness.registry import problems, strategies
from harness.runner import drive
from harness.space import Categorical, Float, Int, Space

smac = pytest.importorskip("smac", reason="the 'peers' extra (smac) is not installed")
pytest.importorskip("dehb", reason="the 'peers' extra (dehb) is not installed")
pytest.importorskip("nevergrad", reason="the 'peers' extra (nevergrad) is not installed")

from strategies.adapters import _configspace  # noqa: E402

CONDITIONAL = Space([
    Categorical("model", ["linear", "tree", True]),
    Float("alpha", 1e-4, 1.0, log=True, condition=("model", ["linear"])),
    Int("depth", 1, 4, condition=("model", ["tree", True])),
    Float("leaf", 0.0, 1.0, condition=("depth", [3, 4])),
    Int("n", 1, 1000, log=True),
    Categorical("scale", [0.5, 1, "none"]),
])


class Conditional(Problem):
    """A cheap two-level conditional space whose multiples of 3 fail."""

    name = "conditional-peers"
    space = CONDITIONAL

    def evaluate(self, config, fidelity, seed):
        if config["n"] % 3 == 0:
            raise RuntimeError("diverged")
        return Evaluation(math.log(config["n"]) + config.get("alpha", 0.0) + config.get("depth", 0) / 4)


def _run(name, problem, budget, seed, **params):
    cls = strategies.factory(name)
    cls.check_compatible(problem.space, problem.fidelity)
    outcome = drive(problem, cls(problem.space, seed, budget, problem.fidelity, **params), budget, seed=0)
    assert outcome.status == "ok", outcome.error
    return outcome.trials


def test_configspace_keeps_names_bounds_log_and_conditions():
    cs = _configspace.to_configspace(CONDITIONAL, seed=3)
    assert sorted(cs.keys()) == sorted(CONDITIONAL.names)  # ConfigSpace orders parents first
    assert cs["alpha"].log and cs["alpha"].lower == 1e-4 and cs["alpha"].upper == 1.0
    assert cs["n"].log and (cs["n"].lower, cs["n"].upper) == (1, 1000)
    assert list(cs["model"].choices) == ["0", "1", "2"]
    parents = {c.child.name: c.parent.name for c in cs.conditions}
    assert parents == {"alpha": "model", "depth": "model", "leaf": "depth"}
    # Every ConfigSpace sample maps back to a valid harness config, of the original types.
    for sample in cs.sample_configuration(200):
        config = _configspace.from_configspace(CONDITIONAL, dict(sample))
        CONDITIONAL.validate(config)
    configs = [_configspace.from_configspace(CONDITIONAL, dict(s)) for s in cs.sample_configuration(200)]
    assert {c["model"] for c in configs} == {"linear", "tree", True}
    assert {c["scale"] for c in configs} == {0.5, 1, "none"}


def test_float_parent_is_refused_with_a_reason():
    space = Space([Float("x", 0.0, 1.0), Float("y", 0.0, 1.0, condition=("x", [0.5]))])
    for name in ("smac", "dehb"):
        with pytest.raises(StrategyError, match="Float that other parameters are conditioned on"):
            strategies.factory(name).check_compatible(space, None)


def test_smac_tells_failures_as_crashed_and_keeps_modelling():
    problem = Conditional()
    trials = _run("smac", problem, Budget(14), seed=5, initial_design_size=4)
    assert len(trials) == 14
    failed = [t for t in trials if t.status is Status.FAILED]
    assert failed and all(t.config["n"] % 3 == 0 for t in failed)
    # A fresh adapter, to look at SMAC's own run history after the same run.
    cls = strategies.factory("smac")
    strategy = cls(problem.space, 5, Budget(14), None, initial_design_size=4)
    drive(problem, strategy, Budget(14), seed=0)
    from smac.runhistory.enumerations import StatusType

    statuses = [v.status for v in strategy._facade.runhistory.values()]
    assert statuses.count(StatusType.CRASHED) == len(failed)
    assert statuses.count(StatusType.SUCCESS) == 14 - len(failed)


def test_smac_hyperband_runs_smacs_budget_ladder():
    problem = problems.create("branin-mf")  # fidelity in [0.05, 1]
    for model in (True, False):
        trials = _run("smac-hyperband", problem, Budget(3, "cost"), seed=1, model=model)
        fidelities = sorted({round(t.fidelity, 6) for t in trials})
        # eta = 3 below the maximum: 1, 1/3, 1/9 (1/27 < 0.05 is not a rung).
        assert fidelities == [round(1 / 9, 6), round(1 / 3, 6), 1.0]


def test_dehb_uses_its_fidelity_ladder_and_writes_no_pickle(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    problem = problems.create("branin-mf")
    trials = _run("dehb", problem, Budget(4, "cost"), seed=2)
    assert sorted({round(t.fidelity, 6) for t in trials}) == [round(1 / 9, 6), round(1 / 3, 6), 1.0]
    strategy = strategies.factory("dehb")(problem.space, 2, Budget(4, "cost"), problem.fidelity)
    drive(problem, strategy, Budget(4, "cost"), seed=0)
    written = list(Path(strategy._workdir.name).rglob("*")) + list(tmp_path.rglob("*"))
    assert not [p for p in written if p.suffix == ".pkl"]
    assert not list(tmp_path.iterdir()), "DEHB must not write into the working directory"


def test_dehb_without_fidelity_is_des_immediate_update():
    problem = Conditional()
    strategy = strategies.factory("dehb")(problem.space, 4, Budget(30), None, pop_size=6)
    outcome = drive(problem, strategy, Budget(30), seed=0)
    trials = outcome.trials
    assert outcome.status == "ok" and len(trials) == 30
    # The population holds, per target, the best value told for it (a failure counts as inf).
    values = [t.value if t.ok else math.inf for t in trials]
    for target in range(6):
        told = values[target::6]
        assert strategy._de.fitness[target] == min(told)


def test_nevergrad_seeded_and_integer_cells_equal():
    space = Space([Int("k", 1, 4), Float("x", 0.0, 1.0)])

    class Flat(Problem):
        name = "flat"

        def __init__(self):
            self.space = space

        def evaluate(self, config, fidelity, seed):
            return Evaluation(0.0)

    for name in ("nevergrad", "nevergrad-de", "nevergrad-oneplusone"):
        first = _run(name, Flat(), Budget(40), seed=8)
        assert [dict(t.config) for t in first] == [dict(t.config) for t in _run(name, Flat(), Budget(40), seed=8)]
    # Random search through the adapter: each integer gets about a quarter of the draws.
    draws = _run("nevergrad", Flat(), Budget(400), seed=1, optimizer="RandomSearch")
    counts = [sum(t.config["k"] == k for t in draws) for k in (1, 2, 3, 4)]
    assert min(counts) > 70, counts
    other = _run("nevergrad-de", Flat(), Budget(40), seed=9)
    assert [dict(t.config) for t in other] != [dict(t.config) for t in _run("nevergrad-de", Flat(), Budget(40), seed=8)]


def test_nevergrad_refuses_unknown_optimizer_and_batches():
    problem = problems.create("branin")
    with pytest.raises(StrategyError, match="unknown Nevergrad optimizer 'NoSuch'"):
        strategies.factory("nevergrad")(problem.space, 0, Budget(10), None, optimizer="NoSuch")
    trials = _run("nevergrad-de", problem, Budget(16), seed=0, batch_size=8)
    assert len(trials) == 16


@pytest.mark.parametrize("name, module", [("smac", "smac"), ("smac-hyperband", "smac"), ("dehb", "dehb"),
                                          ("nevergrad", "nevergrad"), ("nevergrad-de", "nevergrad")])
def test_missing_package_gives_an_install_hint(monkeypatch, name, module):
    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` raise ImportError
    problem = problems.create("branin-mf")
    with pytest.raises(StrategyError) as info:
        strategies.factory(name).check_compatible(problem.space, problem.fidelity)
    message = str(info.value)
    assert "\n" not in message and 'pip install -e ".[peers]"' in message and f"'{module}'" in message


def test_smac_stops_when_a_finite_space_is_exhausted():
    class Tiny(Problem):
        name = "tiny-finite"
        space = Space([Int("a", 1, 3), Int("b", 1, 2)])

        def evaluate(self, config, fidelity, seed):
            return Evaluation(float(config["a"] * config["b"]))

    trials = _run("smac", Tiny(), Budget(12), seed=0, initial_design_size=2)
    configs = [tuple(sorted(t.config.items())) for t in trials]
    assert 1 <= len(trials) <= 6 and len(set(configs)) == len(configs)


def test_nevergrad_leaves_out_metamodels_broken_surrogate_step_and_says_so():
    import contextlib

    import numpy as np
    import nevergrad as ng
    from nevergrad.optimization import optimizerlib

    from strategies.adapters.nevergrad_optimizers import metamodel_surrogate_broken

    broken = metamodel_surrogate_broken()
    # The incompatibility with Nevergrad alone: NGOpt picks MetaModel for a 2-D box at 128
    # evaluations and 8 workers, and its surrogate step raises exactly when the probe says so.
    box = ng.p.Array(shape=(2,), lower=-5, upper=5)
    box.random_state = np.random.RandomState(0)
    raw = ng.optimizers.NGOpt(parametrization=box, budget=128, num_workers=8)
    assert isinstance(raw.optim, optimizerlib._MetaModel)
    failure = None
    try:
        for _ in range(128):
            candidate = raw.ask()
            raw.tell(candidate, float(np.sum((candidate.value - 1.0) ** 2)))
    except TypeError as exc:
        failure = exc
    assert (failure is not None) == broken, failure
    # Through the adapter: NGOpt's choice without the surrogate step runs to the end, and says so.
    problem = problems.create("branin")
    with pytest.warns(RuntimeWarning, match="MetaModel cannot run its surrogate") if broken else contextlib.nullcontext():
        strategy = strategies.factory("nevergrad")(problem.space, 3, Budget(128), None, batch_size=8)
    outcome = drive(problem, strategy, Budget(128), seed=0)
    assert outcome.status == "ok" and len(outcome.trials) == 128 and all(t.ok for t in outcome.trials)
    assert min(t.value for t in outcome.trials) < 0.41  # Branin's minimum is 0.3979: CMA-ES converged
    if broken:
        assert strategy.selected == "NGOpt -> MetaModel without its surrogate (NumPy >= 2.4) -> ParametrizedCMA(elitist=True)"
    # Optimisers that are no MetaModel are asked as named.
    assert strategies.factory("nevergrad-de")(problem.space, 3, Budget(128), None, batch_size=8).selected == "TwoPointsDE"

"""Adapters to hyperopt, Optuna and Ray Tune, run for real through the harness's runner.

Every adapter: valid configs on Branin and on a mixed conditional space with failures, the
budget respected, same seed -> same run, different seed -> different run. The Ray schedulers
also on a multi-fidelity Branin. Plus the missing-dependency messages, the refusals at
validation time, and a check that ``ray-basic`` draws exactly what Ray Tune's own
``BasicVariantGenerator`` draws.
"""

from __future__ import annotations

import math
import sys

import pytest

from harness.protocols import Budget, Evaluation, Fidelity, Problem, Status, StrategyError
from harness.registry import problems, strategies
from harness.runner import drive
from harness.space import Categorical, Float, Int, Space

FULL_FIDELITY = ["tpe", "hyperopt-random", "hyperopt-anneal", "optuna", "optuna-tpe", "optuna-cmaes",
                 "optuna-qmc", "optuna-random", "ray-basic", "ray-hyperopt"]
SCHEDULERS = [("ray-asha", {}), ("ray-hyperband", {}), ("ray-asha", {"searcher": "hyperopt"}),
              ("ray-hyperband", {"searcher": "hyperopt", "max_pending_trials": 30})]


class Conditional(Problem):
    """A cheap mixed space with two levels of conditions, a bool choice and a failing region."""

    name = "conditional-local"
    space = Space([
        Categorical("model", ["linear", "tree", True]),
        Float("alpha", 1e-4, 1.0, log=True, condition=("model", ["linear"])),
        Int("depth", 1, 4, condition=("model", ["tree", True])),
        Float("leaf", 0.0, 1.0, condition=("depth", [3, 4])),
        Int("n", 1, 1000, log=True),
        Categorical("scale", [0.5, 1, "none"]),
    ])

    def evaluate(self, config, fidelity, seed):
        if config["n"] % 3 == 0:  # a third of the integers, all over the range: hard to avoid
            raise RuntimeError("diverged")
        value = math.log(config["n"]) + {"linear": 0.0, "tree": 1.0, True: 2.0}[config["model"]]
        value += config.get("alpha", 0.0) + config.get("depth", 0) / 4 + config.get("leaf", 0.0)
        return Evaluation(value + (0.1 if config["scale"] == "none" else 0.0))


class ConditionalMF(Conditional):
    """The same, with a fidelity that shifts the value."""

    name = "conditional-mf-local"
    fidelity = Fidelity("epochs", 1, 27, integer=True)

    def evaluate(self, config, fidelity, seed):
        return Evaluation(super().evaluate(config, fidelity, seed).value + 3.0 / fidelity)


def _run(name, problem, budget, seed, **params):
    cls = strategies.factory(name)
    cls.check_compatible(problem.space, problem.fidelity)
    outcome = drive(problem, cls(problem.space, seed, budget, problem.fidelity, **params), budget, seed=0)
    assert outcome.status == "ok", outcome.error
    return outcome.trials


def _fingerprint(trials):
    return [(sorted(t.config.items(), key=str), t.fidelity) for t in trials]


@pytest.mark.parametrize("name", FULL_FIDELITY)
def test_branin_valid_budget_and_seeded(name):
    problem = problems.create("branin")
    budget = Budget(12)
    seed = 2**63 + 3  # the harness derives 64-bit seeds; RandomState-based libraries take 32
    first = _run(name, problem, budget, seed=seed)
    assert len(first) == 12
    assert all(problem.space.contains(t.config) and t.status is Status.OK for t in first)
    assert _fingerprint(_run(name, problem, budget, seed=seed)) == _fingerprint(first)
    assert _fingerprint(_run(name, problem, budget, seed=seed + 1)) != _fingerprint(first)


@pytest.mark.parametrize("name", [n for n in FULL_FIDELITY if n != "optuna-qmc"])
def test_conditional_space_with_failures(name):
    problem = Conditional()
    budget = Budget(30)
    trials = _run(name, problem, budget, seed=5)
    assert len(trials) == 30
    for t in trials:
        problem.space.validate(t.config)
    assert {t.config["model"] for t in trials} > {"linear"}  # more than one branch explored
    assert any(type(t.config["model"]) is bool for t in trials)  # True stays a bool, not 1
    assert any(t.status is Status.FAILED for t in trials) and any(t.ok for t in trials)
    assert _fingerprint(_run(name, problem, budget, seed=5)) == _fingerprint(trials)


@pytest.mark.parametrize("name,params", SCHEDULERS)
def test_ray_schedulers_drive_the_fidelity(name, params):
    problem = problems.create("branin-mf")
    budget = Budget(3.0, kind="cost")
    seed = 2**64 - 2
    trials = _run(name, problem, budget, seed=seed, **params)
    fidelities = {t.fidelity for t in trials}
    assert problem.fidelity.high in fidelities and len(fidelities) > 1
    assert all(problem.fidelity.low <= f <= problem.fidelity.high for f in fidelities)
    assert _fingerprint(_run(name, problem, budget, seed=seed, **params)) == _fingerprint(trials)
    assert _fingerprint(_run(name, problem, budget, seed=seed - 1, **params)) != _fingerprint(trials)


@pytest.mark.parametrize("name,params", SCHEDULERS)
def test_ray_schedulers_conditional_with_failures(name, params):
    problem = ConditionalMF()
    trials = _run(name, problem, Budget(60), seed=7, **params)
    assert len(trials) == 60
    for t in trials:
        problem.space.validate(t.config)
        assert float(t.fidelity).is_integer()
    assert any(t.status is Status.FAILED for t in trials)


def test_asha_runs_rays_rungs_and_promotes_the_first_trial_to_the_top():
    # Ray's ASHA with grace 1, eta 3, max_t 27: rungs 1, 3, 9 and the stop at 27. With no
    # earlier result at any rung the first trial is never cut, so it climbs every rung.
    trials = _run("ray-asha", ConditionalMF(), Budget(40), seed=0, reduction_factor=3)
    assert {t.fidelity for t in trials} <= {1.0, 3.0, 9.0, 27.0}
    first = [t.fidelity for t in trials if t.tag[0] == trials[0].tag[0]]
    assert first == [1.0, 3.0, 9.0, 27.0]


def test_hyperband_opens_rays_brackets_in_rays_order():
    # branin-mf: fidelity 0.05..1 -> max_t = 20 units; Ray's HyperBand with eta 3 has brackets
    # s = 0, 1, 2 starting at r0 = int(20 * 3**-s) = 20, 6, 2 units (s = 3 is "too small"). The
    # first trial opens bracket s = 0 at full fidelity; the scheduler then runs the least
    # complete bracket first (choose_trial_to_run), which opens s = 1 and then s = 2.
    trials = _run("ray-hyperband", problems.create("branin-mf"), Budget(4), seed=0)
    assert [t.fidelity for t in trials] == [1.0, 0.3, 0.1, 0.1]
    assert len({t.tag[0] for t in trials}) == 4


def test_ray_basic_draws_what_basic_variant_generator_draws(tmp_path):
    from ray.tune.search import BasicVariantGenerator

    from strategies.adapters import _ray_space

    space = Conditional.space
    generator = BasicVariantGenerator(random_state=11)
    generator.add_configurations({"exp": {"run": lambda config: None, "config": _ray_space.to_ray(space),
                                          "num_samples": 5, "storage_path": str(tmp_path)}})
    expected = [_ray_space.from_ray(space, generator.next_trial().config) for _ in range(5)]
    strategy = strategies.factory("ray-basic")(space, 11, Budget(5))
    assert [s.config for s in strategy.ask(5)] == expected


def test_tpe_tells_failures_as_status_fail():
    problem = Conditional()
    cls = strategies.factory("tpe")
    strategy = cls(problem.space, 2, Budget(25))
    trials = drive(problem, strategy, Budget(25), seed=0).trials
    statuses = [doc["result"]["status"] for doc in strategy._trials.trials]
    assert statuses.count("fail") == sum(t.status is Status.FAILED for t in trials) > 0


@pytest.mark.skipif("torch" in sys.modules or __import__("importlib").util.find_spec("torch") is not None,
                    reason="torch is installed")
def test_optuna_gp_without_torch_says_what_to_install():
    with pytest.raises(StrategyError, match=r"torch==2\.13\.0"):
        strategies.factory("optuna-gp").check_compatible(problems.create("branin").space, None)
    with pytest.raises(StrategyError, match=r"torch==2\.13\.0"):
        strategies.factory("optuna")(problems.create("branin").space, 0, Budget(5), sampler="gp")


def test_missing_cmaes_and_missing_optuna_say_what_to_install(monkeypatch):
    space = problems.create("branin").space
    monkeypatch.setitem(sys.modules, "cmaes", None)  # makes `import cmaes` fail
    with pytest.raises(StrategyError, match="pip install cmaes"):
        strategies.factory("optuna-cmaes").check_compatible(space, None)
    monkeypatch.setitem(sys.modules, "optuna", None)
    with pytest.raises(StrategyError, match=r'pip install -e "\.\[optuna\]"'):
        strategies.factory("optuna-tpe").check_compatible(space, None)
    with pytest.raises(StrategyError, match=r"\.\[optuna\]"):
        strategies.factory("optuna").check_compatible(space, None)


def test_refusals_at_validation_time():
    float_parent = Space([Float("x", 0.0, 1.0), Float("y", 0.0, 1.0, condition=("x", [0.5]))])
    for name in ("tpe", "ray-hyperopt"):
        with pytest.raises(StrategyError, match="Float"):
            strategies.factory(name).check_compatible(float_parent, None)
    with pytest.raises(StrategyError, match="conditional"):
        strategies.factory("optuna-qmc").check_compatible(Conditional.space, None)
    for name in ("ray-asha", "ray-hyperband"):
        with pytest.raises(StrategyError, match="fidelity"):
            strategies.factory(name).check_compatible(problems.create("branin").space, None)
    with pytest.raises(StrategyError, match="The 'sampler' parameter of strategy 'optuna' must be one of 'cmaes', 'gp', 'qmc', 'random', 'tpe'. Got 'nope'"):
        strategies.factory("optuna")(float_parent, 0, Budget(5), sampler="nope")


def test_hyperopt_translation_gives_integers_the_harness_cell_masses():
    # Ints become quantised (log-)uniforms over the harness's cells [low - 0.5, high + 0.5]:
    # each integer k gets mass proportional to its cell's width (in log space when log=True).
    # Checked against those masses, computed here by hand, with scipy's chi-square test.
    from scipy.stats import chisquare

    space = Space([Int("k", 1, 5), Int("m", 1, 8, log=True), Categorical("c", ["a", True, 2])])
    configs = [s.config for s in strategies.factory("hyperopt-random")(space, 0, Budget(1500)).ask(1500)]
    log_widths = [math.log(k + 0.5) - math.log(k - 0.5) for k in range(1, 9)]
    expected = {"k": (range(1, 6), [1 / 5] * 5), "m": (range(1, 9), [w / sum(log_widths) for w in log_widths]),
                "c": (["a", True, 2], [1 / 3] * 3)}
    for name, (values, probs) in expected.items():
        counts = [sum(1 for c in configs if type(c[name]) is type(v) and c[name] == v) for v in values]
        assert sum(counts) == len(configs)
        assert chisquare(counts, [p * len(configs) for p in probs]).pvalue > 1e-3, (name, counts)


def test_ray_adapters_start_no_ray_runtime():
    import ray

    _run("ray-hyperband", ConditionalMF(), Budget(10), seed=0, searcher="hyperopt", max_pending_trials=5)
    _run("ray-asha", ConditionalMF(), Budget(10), seed=0)
    assert not ray.is_initialized()


@pytest.mark.parametrize("name", ["ray-asha", "ray-hyperband"])
def test_ray_schedulers_keep_several_trials_in_flight_with_k_workers(name):
    # Ray Tune runs one step per trial on each worker: with 4 workers and equal durations,
    # four steps start at time 0, and the run is as reproducible as with one worker.
    from harness.durations import DurationModel

    problem = problems.create("branin-mf")
    budget = Budget(12.0, "cost")

    def run():
        strategy = strategies.factory(name)(problem.space, 5, budget, problem.fidelity)
        outcome = drive(problem, strategy, budget, seed=0, workers=4, durations=DurationModel(1.0, 0.0))
        assert outcome.status == "ok", outcome.error
        return outcome.trials

    trials = run()
    assert sum(t.start_time == 0.0 for t in trials) == 4
    assert max(t.pending_at_ask for t in trials) == 3
    assert {t.worker for t in trials} == {0, 1, 2, 3}
    assert _fingerprint(run()) == _fingerprint(trials)
    # A trial may cross the cost budget; none starts once the started ones have spent it.
    started = sorted(trials, key=lambda t: t.index)
    assert all(sum(t.cost for t in started[:i]) < budget.amount for i in range(len(started)))

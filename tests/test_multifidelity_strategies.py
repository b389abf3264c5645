"""Tests of the multi-fidelity strategies: hyperband, successive-halving, asha and bohb."""

from __future__ import annotations

import math
import re
from collections import defaultdict

import numpy as np
import pytest

from harness.protocols import Budget, Evaluation, Fidelity, Problem, Status, StrategyError, Trial
from harness.registry import strategies
from harness.runner import drive
from harness.space import Categorical, Condition, Float, Int, Space
from strategies.multifidelity import ASHA, BOHB, Hyperband, ProductKDE, SuccessiveHalving, hyperband_schedule, max_bracket

NAMES = ["hyperband", "successive-halving", "asha", "bohb"]
TAG = re.compile(r"b(\d+)/r(\d+)/c(\d+)")


class BiasedBowl(Problem):
    """A mixed, conditional bowl whose low-fidelity values carry a config-dependent bias.

    Minimum 0 at x = 0.5, lr = 0.01, k = 2, c = "b", z = 0.3 (full fidelity). Configs with
    x > 1.7 raise, so failed trials occur; cost is the runner's default fidelity / 81.
    """

    name = "biased-bowl-mf"
    space = Space([
        Float("x", -2.0, 2.0),
        Float("lr", 1e-4, 1.0, log=True),
        Int("k", 0, 4),
        Categorical("c", ("a", "b", "c")),
        Float("z", 0.0, 1.0, condition=Condition("c", ("b",))),
    ])
    fidelity = Fidelity("steps", 1, 81, integer=True)
    optimum = 0.0

    def evaluate(self, config, fidelity, seed):
        if config["x"] > 1.7:
            raise ValueError("diverged")
        f = self.fidelity.high if fidelity is None else fidelity
        value = (config["x"] - 0.5) ** 2 + (math.log10(config["lr"]) + 2) ** 2 / 4 + 0.1 * (config["k"] - 2) ** 2
        value += {"a": 0.5, "b": (config.get("z", 0.0) - 0.3) ** 2, "c": 1.0}[config["c"]]
        return Evaluation(value + 0.5 * (1 - f / 81) * math.sin(3 * config["x"]))


def run(name, budget, seed=0, **params):
    problem = BiasedBowl()
    strategy = strategies.factory(name)(problem.space, seed, budget, problem.fidelity, **params)
    outcome = drive(problem, strategy, budget, seed=seed)
    assert outcome.status == "ok", outcome.error
    return outcome.trials


def test_schedule_matches_table_1_of_the_hyperband_paper():
    # Li et al. (2018, JMLR), Table 1: R = 81, eta = 3, (n_i, r_i) per bracket s.
    table = {
        4: [(81, 1), (27, 3), (9, 9), (3, 27), (1, 81)],
        3: [(34, 3), (11, 9), (3, 27), (1, 81)],
        2: [(15, 9), (5, 27), (1, 81)],
        1: [(8, 27), (2, 81)],
        0: [(5, 81)],
    }
    assert max_bracket(81, 3) == 4
    schedule = hyperband_schedule(81, 3)
    assert [[(n, pytest.approx(r)) for n, r in bracket] for bracket in schedule] == [table[s] for s in (4, 3, 2, 1, 0)]


def test_hyperband_runs_the_paper_schedule_and_promotes_the_best():
    one_iteration = sum(n * r for bracket in hyperband_schedule(81, 3) for n, r in bracket) / 81
    trials = run("hyperband", Budget(one_iteration, "cost"), eta=3)
    assert sum(t.cost for t in trials) == pytest.approx(one_iteration)
    by_rung = defaultdict(list)
    for t in trials:
        bracket, rung, config_id = map(int, TAG.fullmatch(t.tag).groups())
        by_rung[bracket, rung].append((t, config_id))
    for j, bracket in enumerate(hyperband_schedule(81, 3)):
        for i, (n, r) in enumerate(bracket):
            rung = by_rung[j, i]
            assert {t.fidelity for t, _ in rung} == {r}
            if i == 0:
                assert len(rung) == n
                continue
            # The promoted configs are the best n_i finite values of the rung below.
            below = sorted((t.value, cid) for t, cid in by_rung[j, i - 1] if t.ok)
            assert sorted(cid for _, cid in rung) == sorted(cid for _, cid in below[:n])
    failed = {tuple(t.tag.rsplit("/", 1)) for t in trials if not t.ok}
    assert failed, "the test problem should produce failures"
    for t in trials:
        bracket, rung, config_id = TAG.fullmatch(t.tag).groups()
        assert (f"b{bracket}/r{int(rung) - 1}", f"c{config_id}") not in failed


def test_hyperband_defaults_to_eta_4():
    # The default the multi-fidelity bench supports (strategies/hyperband.py docstring).
    problem = BiasedBowl()
    hyperband = strategies.factory("hyperband")(problem.space, 0, Budget(10, "cost"), problem.fidelity)
    assert hyperband.eta == 4
    assert hyperband.schedule == hyperband_schedule(hyperband.R, 4)


def test_min_fidelity_and_integer_rounding():
    problem = BiasedBowl()
    hb = Hyperband(problem.space, 0, Budget(100, "cost"), problem.fidelity, min_fidelity=3, eta=3)
    assert [n for n, _ in hb.schedule[0]] == [27, 9, 3, 1]
    assert [hb.fidelity_at(r) for _, r in hb.schedule[0]] == [3.0, 9.0, 27.0, 81.0]
    odd = Fidelity("epochs", 1, 10, integer=True)
    asha = ASHA(problem.space, 0, Budget(10), odd, eta=3)
    assert asha.rung_fidelities == [1.0, 3.0, 10.0]  # 10/9 and 10/3 rounded, top at high
    sh = SuccessiveHalving(problem.space, 0, Budget(10), problem.fidelity, n_configs=10, rungs=3)
    assert sh.rungs == [(10, 9.0), (3, 27.0), (1, 81.0)]


@pytest.mark.parametrize(
    "name, params, message",
    [
        ("hyperband", {"eta": 1}, "'eta'"),
        ("asha", {"min_fidelity": 100}, "'min_fidelity'"),
        ("asha", {"early_stopping_rate": 9}, "'early_stopping_rate'"),
        ("successive-halving", {"rungs": 0}, "'rungs'"),
        ("bohb", {"top_fraction": 1.5}, "'top_fraction'"),
    ],
)
def test_bad_parameters_are_refused_with_their_name(name, params, message):
    problem = BiasedBowl()
    with pytest.raises(StrategyError, match=message):
        strategies.factory(name)(problem.space, 0, Budget(10), problem.fidelity, **params)


@pytest.mark.parametrize("name", NAMES)
def test_problems_without_fidelity_are_refused_up_front(name):
    cls = strategies.factory(name)
    assert cls.needs_fidelity
    with pytest.raises(StrategyError, match="needs a problem with a fidelity"):
        cls.check_compatible(BiasedBowl.space, None)
    with pytest.raises(StrategyError, match="needs a problem with a fidelity"):
        cls(BiasedBowl.space, 0, Budget(10), None)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("budget", [Budget(7.3, "cost"), Budget(31, "cost"), Budget(150)])
def test_budget_is_never_exceeded_and_fidelities_are_valid(name, budget):
    trials = run(name, budget)
    if budget.kind == "cost":
        assert sum(t.cost for t in trials) <= budget.amount + 1e-9
        # The strategy stops only when the next rung's trial no longer fits.
        assert sum(t.cost for t in trials) > budget.amount - 1.0
    else:
        assert len(trials) == budget.amount
    fid = BiasedBowl.fidelity
    assert all(fid.low <= t.fidelity <= fid.high and float(t.fidelity).is_integer() for t in trials)
    assert any(t.status is Status.FAILED for t in trials)


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_run_other_seed_other_run(name):
    def signature(seed):
        return [(t.tag, t.fidelity, tuple(sorted(t.config.items()))) for t in run(name, Budget(12, "cost"), seed)]

    assert signature(3) == signature(3)
    assert signature(3) != signature(4)


def _tell(strategy, suggestions, values):
    trials = [
        Trial(i, s.config, s.fidelity, v, None, s.fidelity / 81, 0.0, 0.0, Status.OK if math.isfinite(v) else Status.FAILED,
              tag=s.tag)
        for i, (s, v) in enumerate(zip(suggestions, values))
    ]
    strategy.tell(trials)


def test_asha_promotes_without_waiting_for_the_rung():
    problem = BiasedBowl()
    asha = ASHA(problem.space, 0, Budget(1000), problem.fidelity, eta=3, batch_size=6)
    first = asha.ask(6)
    assert [s.fidelity for s in first] == [1.0] * 6
    # Only three of six are back (one failed): floor(3 / 3) = 1 promotion is already allowed,
    # the best finished one; the failed one never goes up.
    _tell(asha, first[:3], [0.7, math.nan, 0.2])
    second = asha.ask(4)
    assert second[0].fidelity == 3.0 and second[0].config == first[2].config
    assert [s.fidelity for s in second[1:]] == [1.0] * 3
    assert second[0].tag == "r1/c2"
    # More results at rung 0: the next-best finished one is promoted, never a repeat.
    _tell(asha, first[3:], [0.5, 0.9, 0.1])
    third = asha.ask(4)
    assert [(s.fidelity, s.tag) for s in third[:1]] == [(3.0, "r1/c5")]
    _tell(asha, second + third, [0.3] * 8)
    # Rung 1 has 2 results (< eta): nothing goes to rung 2 yet; rung 0 has 12 results -> 4 slots.
    fourth = asha.ask(6)
    assert all(s.fidelity <= 3.0 for s in fourth)
    assert asha.ask(100) and len(asha.ask(100)) <= 6


def test_asha_batches_mix_promotions_and_new_configs_in_a_run():
    trials = run("asha", Budget(40, "cost"), eta=3, batch_size=8)
    fidelities = sorted({t.fidelity for t in trials})
    assert fidelities == [1.0, 3.0, 9.0, 27.0, 81.0]
    assert len(trials) > 8  # several asks, promotions across rungs in the same batches


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_kde_matches_statsmodels():
    sm = pytest.importorskip("statsmodels.nonparametric.api")
    rng = np.random.default_rng(0)
    data = np.column_stack([rng.random(30), rng.random(30) ** 2, np.arange(30) % 3])
    levels = np.array([0, 0, 3])
    bandwidth = np.array([0.1, 0.05, 0.2])
    ours = ProductKDE(data, levels, bandwidth=bandwidth)
    reference = sm.KDEMultivariate(data=data, var_type="ccu", bw=bandwidth)
    points = np.column_stack([rng.random(20), rng.random(20), rng.integers(0, 3, 20)])
    np.testing.assert_allclose(ours.pdf(points), reference.pdf(points), rtol=1e-10)
    continuous = data[:, :2]
    np.testing.assert_allclose(
        ProductKDE.normal_reference(continuous),
        sm.KDEMultivariate(data=continuous, var_type="cc", bw="normal_reference").bw,
        rtol=1e-10,
    )


def test_kde_samples_stay_in_the_cube_and_near_the_data():
    data = np.array([[0.1, 0.0], [0.12, 0.0], [0.9, 1.0]])
    kde = ProductKDE(data, np.array([0, 2]), bandwidth=np.array([0.02, 0.1]))
    draws = kde.sample(np.random.default_rng(1), 2000, bandwidth_factor=3)
    assert draws[:, 0].min() >= 0 and draws[:, 0].max() <= 1
    assert set(np.unique(draws[:, 1])) <= {0.0, 1.0}
    assert np.mean(np.abs(draws[:, 0] - 0.5) > 0.25) > 0.9


def test_bohb_builds_a_model_once_a_fidelity_has_enough_points():
    problem = BiasedBowl()
    bohb = BOHB(problem.space, 0, Budget(1000), problem.fidelity, random_fraction=0.0)
    d = len(problem.space.params)
    assert bohb.model() is None
    first = bohb.ask(2 * (d + 1) - 1)
    _tell(bohb, first, [float(i) for i in range(len(first))])
    assert bohb.model() is None  # 2(d + 1) points needed: good and bad need more rows than d
    rest = bohb.ask(100)
    _tell(bohb, rest[:1], [0.0])
    good, bad = bohb.model()
    assert len(good.data) == d + 1 and len(bad.data) == d + 1
    configs = bohb.sample_configs(20)
    assert all(problem.space.contains(c) for c in configs)


def test_bohb_model_beats_random_sampling_on_the_bowl():
    def final_best(name):
        bests = []
        for seed in range(3):
            trials = run(name, Budget(60, "cost"), seed)
            bests.append(min(t.value for t in trials if t.ok and t.fidelity == 81))
        return np.median(bests)

    assert final_best("bohb") < final_best("hyperband")


class CostlyStartBowl(BiasedBowl):
    """The bowl with its own cost model: a fixed start-up cost plus a share of the fidelity."""

    name = "costly-start-bowl-mf"

    def evaluate(self, config, fidelity, seed):
        evaluation = super().evaluate(config, fidelity, seed)
        return Evaluation(evaluation.value, cost=0.05 + 0.95 * fidelity / 81)


@pytest.mark.parametrize("name", NAMES)
def test_costs_reported_by_the_problem_are_learned(name):
    problem, budget = CostlyStartBowl(), Budget(20, "cost")
    strategy = strategies.factory(name)(problem.space, 0, budget, problem.fidelity)
    outcome = drive(problem, strategy, budget, seed=0)
    assert outcome.status == "ok", outcome.error
    # The first rung's cost is unknown until told (the runner may let that batch overshoot by
    # its last trial); afterwards every fidelity's estimate is the reported cost.
    assert sum(t.cost for t in outcome.trials) <= budget.amount + 1.0
    for t in outcome.trials:
        if t.ok:  # the runner charges a failed trial the default fidelity / high
            assert strategy.cost_of(t.fidelity) == pytest.approx(t.cost)


def synthetic_multifidelity_problems():
    """Registered cheap problems with a fidelity (the ``-mf`` synthetic functions)."""
    from harness.registry import problems

    names = [n for n in problems.names() if n.endswith("-mf") and "{" not in n]
    return [n for n in names if "synthetic" in problems.create(n).tags]


@pytest.mark.parametrize("problem_name", synthetic_multifidelity_problems())
@pytest.mark.parametrize("name", NAMES)
def test_registered_multifidelity_problems(problem_name, name):
    from harness.registry import problems

    problem, budget = problems.create(problem_name), Budget(15, "cost")
    strategy = strategies.factory(name)(problem.space, 1, budget, problem.fidelity)
    outcome = drive(problem, strategy, budget, seed=1)
    assert outcome.status == "ok", outcome.error
    assert sum(t.cost for t in outcome.trials) <= budget.amount + 1e-9
    assert any(t.fidelity == problem.fidelity.high for t in outcome.trials)
    assert min(t.fidelity for t in outcome.trials) < problem.fidelity.high / 2

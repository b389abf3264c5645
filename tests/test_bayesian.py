"""Tests of the GP Bayesian-optimisation strategy and its numerical parts.

References are independent of the code under test: mpmath at 50 digits for log EI,
scikit-learn's GaussianProcessRegressor for the posterior and the marginal likelihood,
finite differences for every analytic gradient.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from scipy import optimize
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern

from harness.protocols import Budget, Status, StrategyError, Trial
from harness.registry import problems, strategies
from harness.runner import drive
from harness.space import Categorical, Float, Int, Space
from strategies.bayesian.model import GaussianProcess, GPHyperPrior, fit_gp, neg_log_posterior
from strategies.bayesian.acquisition import log_expected_improvement, log_h
from strategies.bayesian import BayesianOptimization


def _mp_log_h(z: float) -> float:
    mpmath.mp.dps = 50
    z = mpmath.mpf(z)
    return float(mpmath.log(mpmath.npdf(z) + z * mpmath.ncdf(z)))


@pytest.mark.parametrize("z", [3.0, 0.7, 0.0, -0.5, -1.0, -1.5, -4.0, -10.0, -38.0, -200.0, -1e5, -1e9, -1e12])
def test_log_h_matches_high_precision(z):
    assert log_h(np.array([z]))[0] == pytest.approx(_mp_log_h(z), rel=1e-9, abs=1e-12)


def test_log_ei_is_finite_and_monotone_far_in_the_tail():
    z = -np.logspace(0, 150, 400)
    values = log_h(z)
    assert np.all(np.isfinite(values))
    assert np.all(np.diff(values) < 0)  # h is increasing in z


def test_log_ei_gradients_match_finite_differences():
    mean = np.array([0.3, 2.0, 9.0, -1.0])
    std = np.array([0.5, 0.1, 0.2, 1.5])
    best = 0.0
    _, dmean, dstd = log_expected_improvement(mean, std, best)
    for i in range(mean.size):
        f_m = lambda m: log_expected_improvement(np.array([m[0]]), std[i : i + 1], best)[0][0]
        f_s = lambda s: log_expected_improvement(mean[i : i + 1], np.array([s[0]]), best)[0][0]
        assert dmean[i] == pytest.approx(optimize.approx_fprime([mean[i]], f_m, 1e-7)[0], rel=1e-4)
        assert dstd[i] == pytest.approx(optimize.approx_fprime([std[i]], f_s, 1e-7)[0], rel=1e-4)


def _toy_data(n=25, d=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, d))
    y = np.sin(6 * x[:, 0]) + x[:, 1] ** 2 - 0.5 * x[:, 2]
    return x, (y - y.mean()) / y.std()


def _sklearn_gp(x, y, ls, s2, n2):
    kernel = ConstantKernel(s2, "fixed") * Matern(length_scale=ls, length_scale_bounds="fixed", nu=2.5)
    return GaussianProcessRegressor(kernel, alpha=n2, optimizer=None, normalize_y=False).fit(x, y)


def test_posterior_matches_sklearn_at_fixed_hyperparameters():
    x, y = _toy_data()
    ls, s2, n2 = np.array([0.3, 0.8, 1.7]), 1.3, 1e-4
    gp = GaussianProcess(x, y, np.r_[np.log(ls), math.log(s2), math.log(n2)])
    ref = _sklearn_gp(x, y, ls, s2, n2)
    xs = np.random.default_rng(1).random((40, 3))
    mean, var = gp.predict(xs)
    ref_mean, ref_std = ref.predict(xs, return_std=True)
    np.testing.assert_allclose(mean, ref_mean, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(np.sqrt(var), ref_std, rtol=1e-6, atol=1e-8)


def test_marginal_likelihood_matches_sklearn_and_its_gradient_matches_finite_differences():
    x, y = _toy_data()
    theta = np.r_[np.log([0.3, 0.8, 1.7]), math.log(1.3), math.log(1e-3)]
    value, grad = neg_log_posterior(theta, x, y, prior=None)
    ref = _sklearn_gp(x, y, np.exp(theta[:3]), 1.3, 1e-3)
    assert value == pytest.approx(-ref.log_marginal_likelihood_value_, rel=1e-9)
    numeric = optimize.approx_fprime(theta, lambda t: neg_log_posterior(t, x, y, None)[0], 1e-6)
    np.testing.assert_allclose(grad, numeric, rtol=1e-4, atol=1e-4)
    # With the prior the gradient must still be exact.
    prior = GPHyperPrior()
    _, grad_p = neg_log_posterior(theta, x, y, prior)
    numeric_p = optimize.approx_fprime(theta, lambda t: neg_log_posterior(t, x, y, prior)[0], 1e-6)
    np.testing.assert_allclose(grad_p, numeric_p, rtol=1e-4, atol=1e-4)


def test_posterior_input_gradients_match_finite_differences():
    x, y = _toy_data()
    gp = GaussianProcess(x, y, np.r_[np.log([0.3, 0.8, 1.7]), 0.2, math.log(1e-5)])
    xs = np.random.default_rng(2).random((5, 3))
    _, _, dmean, dvar = gp.predict(xs, with_grad=True)
    for i in range(xs.shape[0]):
        num_m = optimize.approx_fprime(xs[i], lambda p: gp.predict(p[None, :])[0][0], 1e-7)
        num_v = optimize.approx_fprime(xs[i], lambda p: gp.predict(p[None, :])[1][0], 1e-7)
        np.testing.assert_allclose(dmean[i], num_m, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(dvar[i], num_v, rtol=1e-4, atol=1e-5)


def test_fit_recovers_relevant_and_irrelevant_dimensions():
    rng = np.random.default_rng(3)
    x = rng.random((40, 2))
    y = np.sin(8 * x[:, 0])
    gp, info = fit_gp(x, (y - y.mean()) / y.std(), prior=GPHyperPrior(), rng=rng)
    assert gp.lengthscales[0] < 0.5 * gp.lengthscales[1]


# -- the strategy ------------------------------------------------------------------------


def _run(space, func, seed, budget, *, batch=1, fail_every=0, **params):
    strat = strategies.factory("bayesian")(space, seed, Budget(budget), None, **params)
    configs, index = [], 0
    while index < budget:
        suggestions = strat.ask(min(batch, budget - index))
        assert 1 <= len(suggestions) <= batch
        trials = []
        for s in suggestions:
            space.validate(s.config)
            assert s.tag.startswith("bayesian:")
            failed = fail_every and index % fail_every == fail_every - 1
            value = math.nan if failed else func(s.config)
            status = Status.FAILED if failed else Status.OK
            trials.append(Trial(index, s.config, None, value, None, 1.0, 0.0, 0.0, status, tag=s.tag))
            configs.append(s.config)
            index += 1
        strat.tell(trials)
    return configs, strat


def _quadratic(config):
    return sum((v - 0.3) ** 2 for k, v in config.items() if isinstance(v, float))


def test_same_seed_same_suggestions_and_different_seed_differs():
    space = Space([Float("a", 0, 1), Float("b", 0, 1)])
    first, _ = _run(space, _quadratic, 7, 12, batch=2)
    again, _ = _run(space, _quadratic, 7, 12, batch=2)
    other, _ = _run(space, _quadratic, 8, 12, batch=2)
    assert first == again
    assert first != other


MIXED = Space(
    [
        Float("lr", 1e-4, 1.0, log=True),
        Int("layers", 1, 4),
        Int("width", 8, 512, log=True),
        Categorical("opt", ("sgd", "adam", "rmsprop")),
        Float("momentum", 0.0, 0.99, condition=("opt", ["sgd"])),
        Categorical("nesterov", (True, False), condition=("opt", ["sgd"])),
        Float("beta", 0.5, 0.999, condition=("opt", ["adam"])),
    ]
)


def _mixed_objective(c):
    value = (math.log10(c["lr"]) + 2) ** 2 + 0.3 * abs(c["layers"] - 2) + 0.001 * abs(c["width"] - 64)
    value += {"sgd": 1.0, "adam": 0.0, "rmsprop": 0.5}[c["opt"]]
    if c["opt"] == "sgd":
        value += (c["momentum"] - 0.9) ** 2 + (0.0 if c["nesterov"] else 0.1)
    if c["opt"] == "adam":
        value += (c["beta"] - 0.9) ** 2
    return value


@pytest.mark.parametrize("acquisition", ["logei", "ucb"])
def test_valid_configs_on_mixed_conditional_space_with_batches_and_failures(acquisition):
    configs, strat = _run(
        MIXED, _mixed_objective, 0, 24, batch=3, fail_every=5, acquisition=acquisition, n_candidates=256
    )
    assert len(configs) == 24
    assert {c["opt"] for c in configs} == {"sgd", "adam", "rmsprop"}
    assert any("error" not in entry for entry in strat.fit_log)
    # The model found the good region: the best value is close to the optimum 0.
    assert min(_mixed_objective(c) for c in configs) < 1.0


def test_constant_liar_batches_are_distinct():
    space = Space([Float("a", 0, 1), Float("b", 0, 1)])
    configs, _ = _run(space, _quadratic, 1, 14, batch=4, batch_mode="constant-liar")
    keys = {tuple(sorted(c.items())) for c in configs}
    assert len(keys) == len(configs)


def test_thompson_draws_have_sklearns_posterior_mean_and_covariance():
    x, y = _toy_data()
    ls, s2, n2 = np.array([0.3, 0.8, 1.7]), 1.3, 1e-4
    gp = GaussianProcess(x, y, np.r_[np.log(ls), math.log(s2), math.log(n2)])
    xs = np.random.default_rng(2).random((4, 3))
    ref_mean, ref_cov = _sklearn_gp(x, y, ls, s2, n2).predict(xs, return_cov=True)
    rng = np.random.default_rng(3)
    draws = np.array([gp.sample(xs, rng) for _ in range(4000)])
    # Monte Carlo tolerance: a few standard errors of the mean and covariance estimates.
    scale = np.sqrt(np.diag(ref_cov))
    np.testing.assert_allclose(draws.mean(0), ref_mean, atol=5 * scale.max() / math.sqrt(4000))
    np.testing.assert_allclose(np.cov(draws.T), ref_cov, atol=0.1 * scale.max() ** 2)


def test_thompson_draws_are_tagged_and_can_be_turned_off():
    problem = problems.create("branin")
    tags = {}
    for every in (0, 2):
        strategy = BayesianOptimization(problem.space, 0, Budget(12), None, n_initial=4, thompson_every=every)
        for index in range(12):
            suggestion = strategy.ask(1)[0]
            value = problem.evaluate(suggestion.config, None, index).value
            strategy.tell([Trial(index, suggestion.config, None, value, None, 1.0, 0.0, 0.0, Status.OK,
                                 tag=suggestion.tag)])
            tags.setdefault(every, []).append(suggestion.tag.split(":")[1])
    assert "ts" not in tags[0]
    assert tags[2][4:].count("ts") == 4 and tags[2][5] == "ts"


def test_parameters_are_listed():
    params = BayesianOptimization.parameters()
    assert params["acquisition"] == "logei"
    assert "n_initial" in params and "batch_mode" in params


def test_beats_random_search_on_branin_at_a_small_budget():
    problem = problems.create("branin")

    def value(config):
        return problem.evaluate(config, None, 0).value - problem.optimum

    bo, rnd = [], []
    for seed in range(3):
        configs, _ = _run(problem.space, value, seed, 25, n_candidates=512)
        bo.append(min(value(c) for c in configs))
        rnd.append(min(value(c) for c in problem.space.sample(np.random.default_rng(seed), 25)))
    # Random search sits near regret 0.5-1 at 25 evaluations; GP-BO is well inside a basin.
    assert np.median(bo) < 0.1
    assert np.median(bo) < np.median(rnd) / 5


def test_told_observations_replace_the_initial_design():
    space = Space([Float("a", 0, 1), Float("b", 0, 1)])
    strat = strategies.factory("bayesian")(space, 0, Budget(20), None, n_initial=5, n_candidates=256)
    configs = space.sample(np.random.default_rng(0), 6)
    strat.tell([Trial(i, c, None, _quadratic(c), None, 1.0, 0.0, 0.0, Status.OK) for i, c in enumerate(configs)])
    tag = strat.ask(1)[0].tag
    assert tag.startswith("bayesian:logei")


def test_rejects_bad_parameters():
    space = Space([Float("a", 0, 1)])
    for bad in ({"acquisition": "ei"}, {"batch_mode": "x"}, {"noise_floor": 0.0}, {"n_initial": 0}, {"batch_size": 0},
                {"prior_mean": "best"}, {"restart_ei": 1.0}, {"restart_ei": -1e-5}, {"restart_patience": 0}):
        with pytest.raises(StrategyError):
            strategies.factory("bayesian")(space, 0, Budget(10), None, **bad)


def test_batch_size_sets_max_batch():
    space = Space([Float("a", 0, 1)])
    assert strategies.factory("bayesian")(space, 0, Budget(10), None).max_batch == 1
    assert strategies.factory("bayesian")(space, 0, Budget(10), None, batch_size=4).max_batch == 4


def test_unfittable_data_falls_back_to_random_and_says_so():
    space = Space([Float("a", 0, 1), Float("b", 0, 1)])
    strat = strategies.factory("bayesian")(space, 0, Budget(20), None, n_initial=2, n_candidates=64)
    configs = space.sample(np.random.default_rng(0), 4)
    # Values whose sum overflows: the standardised targets are not finite, so no kernel fit
    # is possible whatever the jitter or noise floor.
    values = [1e308, 1e308, 1e308, -1e308]
    strat.tell([Trial(i, c, None, v, None, 1.0, 0.0, 0.0, Status.OK) for i, (c, v) in enumerate(zip(configs, values))])
    with np.errstate(all="ignore"):
        suggestion = strat.ask(1)[0]
    space.validate(suggestion.config)
    assert "random-fallback" in suggestion.tag
    assert all("error" in entry for entry in strat.fit_log)


@pytest.mark.parametrize("prior_mean", ["worst", "mean"])
def test_the_model_reverts_to_its_prior_mean_far_from_the_data(prior_mean):
    space = Space([Float("a", 0, 1), Float("b", 0, 1)])
    strat = strategies.factory("bayesian")(space, 0, Budget(20), None, prior_mean=prior_mean)
    rng = np.random.default_rng(0)
    units = 0.2 * rng.random((8, 2))  # all observations in one corner
    configs = space.decode(units)
    values = [_quadratic(c) for c in configs]
    strat.tell([Trial(i, c, None, v, None, 1.0, 0.0, 0.0, Status.OK) for i, (c, v) in enumerate(zip(configs, values))])
    x, y, centre, std = strat._training_data()
    gp = GaussianProcess(x, y, np.r_[np.log([0.05, 0.05]), 0.0, math.log(1e-6)])
    far = gp.predict(np.array([[0.95, 0.95]]))[0][0] * std + centre
    expected = max(values) if prior_mean == "worst" else float(np.mean(values))
    assert far == pytest.approx(expected, rel=1e-6)


def test_a_converged_run_restarts_with_a_fresh_design_and_model():
    space = Space([Float("a", 0, 1), Float("b", 0, 1)])
    configs, strat = _run(space, _quadratic, 0, 40, n_candidates=256, n_initial=5)
    again, _ = _run(space, _quadratic, 0, 40, n_candidates=256, n_initial=5)
    assert configs == again
    # One basin, refined to ~1e-5 expected improvement well before 40 evaluations.
    assert strat.restarts and strat.restarts[0] < 35
    first = strat.restarts[0]
    # After a restart the model sees only the new episode: its fits start again from n_initial.
    sizes = [entry["n"] for entry in strat.fit_log]
    restart_fit = sizes.index(5, 1)
    assert sizes[:restart_fit] == list(range(5, first))
    assert sizes[restart_fit:restart_fit + 3] == [5, 6, 7]
    # The best value found before the restart is kept by the run (the harness reads trials).
    assert min(_quadratic(c) for c in configs) < 1e-4
    _, never = _run(space, _quadratic, 0, 40, n_candidates=256, n_initial=5, restart_ei=0.0)
    assert never.restarts == []


def test_restart_design_points_are_tagged():
    space = Space([Float("a", 0, 1), Float("b", 0, 1)])
    strat = strategies.factory("bayesian")(space, 0, Budget(60), None, n_initial=5, n_candidates=256)
    sources = []
    for index in range(40):
        suggestion = strat.ask(1)[0]
        sources.append(suggestion.tag.split(":")[1])
        strat.tell([Trial(index, suggestion.config, None, _quadratic(suggestion.config), None, 1.0, 0.0, 0.0,
                          Status.OK, tag=suggestion.tag)])
    first = strat.restarts[0]
    assert sources[:5] == ["init"] * 5
    assert sources[first:first + 5] == ["restart"] * 5
    assert "init" not in sources[5:]


def _hartmann6_regret(seed: int, **params) -> tuple[float, BayesianOptimization]:
    problem = problems.create("hartmann6")
    strat = BayesianOptimization(problem.space, seed, Budget(100), None, **params)
    outcome = drive(problem, strat, Budget(100), seed=seed)
    return min(t.value for t in outcome.trials if t.status is Status.OK) - problem.optimum, strat


def test_restarts_escape_hartmann6s_local_minimum():
    # Seed 2's first basin is the local minimum at -3.20 (regret 0.12): without restarts the
    # remaining evaluations re-evaluate it; with them a later episode finds the global basin.
    stuck, without = _hartmann6_regret(2, restart_ei=0.0)
    escaped, with_restarts = _hartmann6_regret(2)
    assert 0.1 < stuck < 0.13 and without.restarts == []
    assert escaped < 0.01 and with_restarts.restarts

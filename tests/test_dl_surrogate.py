"""lcnet-digits-surrogate: refitted bit-identically from the shipped table, noise, continuation."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pyarrow.parquet as pq
import pytest

from harness.registry import problems
from harness.tabulate import sobol_configs
from problems.dl.lcnet_space import lcnet_space
from problems.dl.surrogate import TABLE, LCNetSurrogate, SurrogateModel, table_curves

pytestmark = pytest.mark.skipif(not TABLE.exists(), reason=f"the shipped table {TABLE} is missing")


@pytest.fixture(scope="module")
def frame():
    return pq.read_table(TABLE).to_pandas()


@pytest.fixture(scope="module")
def surrogate():
    return problems.create("lcnet-digits-surrogate")


def test_configs_read_back_from_the_table_are_the_sobol_configs(frame):
    configs, curves, seconds, keys = table_curves(frame)
    space = lcnet_space()
    drawn = sobol_configs(space, int(keys[:, 0].max()) + 1)
    for config, (config_id, _) in zip(configs, keys):
        space.validate(config)
        assert config == drawn[config_id]
    assert curves["val_loss"].shape == (len(keys), 50) and np.all(seconds > 0)


def test_the_surrogate_is_rebuilt_bit_identically_from_the_table(frame):
    configs = lcnet_space().sample(np.random.default_rng(3), 200)
    first, second = (SurrogateModel(*table_curves(frame)) for _ in range(2))
    a, sa = first.predict(configs)
    b, sb = second.predict(configs)
    assert all(np.array_equal(a[k], b[k]) for k in a) and np.array_equal(sa, sb)


def test_noise_is_a_function_of_the_seed_with_the_tables_spread(surrogate):
    config = lcnet_space().sample(np.random.default_rng(0), 1)[0]
    values = np.array([e.value for e in surrogate.evaluate_batch([config] * 400, [50] * 400, range(400))])
    fresh = LCNetSurrogate()
    assert fresh.evaluate(config, 50, seed=7).value == values[7]
    assert len(set(values.tolist())) > 300
    mean = LCNetSurrogate(noise=False).evaluate(config, 50, seed=7).value
    assert values.min() < mean < values.max()


def test_higher_fidelity_continues_the_same_curve_and_charges_the_extra_epochs():
    config = {**lcnet_space().sample(np.random.default_rng(1), 1)[0], "patience": 0}
    problem = LCNetSurrogate()
    low = problem.evaluate(config, 10, seed=5)
    high = problem.evaluate(config, 50, seed=9)
    assert math.isclose(low.cost, 10 / 50) and math.isclose(high.cost, 40 / 50) and high.info["resumed_from"] == 10
    straight = LCNetSurrogate().evaluate(config, 50, seed=5)
    assert high.value == straight.value and high.info["curve"]["val_loss"][:10] == low.info["curve"]["val_loss"]


def test_early_stopping_is_applied_to_the_predicted_curve():
    problem = LCNetSurrogate(noise=False)
    configs = lcnet_space().sample(np.random.default_rng(2), 300)
    for config, ev in zip(configs, problem.evaluate_batch(configs, [50] * 300, range(300))):
        curve = ev.info["curve"]["val_loss"]
        if config["patience"] == 0:
            assert ev.value == curve[-1] and len(curve) == 50
        else:
            assert ev.value == min(curve) and ev.info["reported_epoch"] == int(np.argmin(curve)) + 1


def test_batch_and_single_evaluations_agree_and_durations_are_positive(surrogate):
    configs = lcnet_space().sample(np.random.default_rng(4), 5)
    batch = LCNetSurrogate().evaluate_batch(configs, [7] * 5, range(5))
    single = [LCNetSurrogate().evaluate(c, 7, s) for c, s in zip(configs, range(5))]
    assert [e.value for e in batch] == [e.value for e in single]
    assert np.all(surrogate.durations(configs, [7] * 5) > 0)


def test_the_surrogate_does_not_need_torch():
    code = ("import sys; from harness.registry import problems; problems.create('lcnet-digits-surrogate')"
            ".evaluate_batch([], [], []); assert 'torch' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_continuing_a_run_that_stopped_early_costs_a_tenth_of_an_epoch_and_says_so():
    problem = LCNetSurrogate(noise=False)
    configs = [c for c in lcnet_space().sample(np.random.default_rng(5), 400) if c["patience"] > 0]
    stopped = next(c for c, e in zip(configs, problem.evaluate_batch(configs, [40] * len(configs), range(len(configs))))
                   if e.info["stopped_early"])
    again = problem.evaluate(stopped, 50, seed=1)
    assert again.info["stopped_early"] and math.isclose(again.cost, 0.1 / 50)


def test_median_stopping_does_not_continue_runs_the_problem_stopped():
    from harness.protocols import Budget
    from harness.runner import drive

    from harness.registry import strategies

    problem = LCNetSurrogate()
    strategy = strategies.factory("median-stopping")(problem.space, 0, Budget(10, "cost"), problem.fidelity)
    outcome = drive(problem, strategy, Budget(10, "cost"), seed=0)
    assert all(t.ok for t in outcome.trials)
    # A run whose patience ran out exactly at the last epoch asked for was not reported as
    # stopped (trained == asked), so continuing it is the strategy's fair guess; a run the
    # problem reported as stopped must never be asked for more.
    stopped, continued, continued_after_stop = set(), 0, []
    for trial in sorted(outcome.trials, key=lambda t: t.index):
        key = json.dumps(trial.config, sort_keys=True)
        if trial.info["resumed_from"]:
            continued += 1
            if key in stopped:
                continued_after_stop.append(trial.index)
        if trial.info["stopped_early"]:
            stopped.add(key)
    assert continued and not continued_after_stop


def test_normal_scores_are_the_normal_quantiles_of_mid_ranks():
    from scipy.stats import norm

    from problems.dl.surrogate import _normal_scores

    values = np.array([[3.0, 0.1], [1.0, 0.1], [2.0, 0.5], [10.0, 0.2]])
    expected_first = norm.ppf((np.array([3, 1, 2, 4]) - 0.5) / 4)
    expected_second = norm.ppf((np.array([1.5, 1.5, 4, 3]) - 0.5) / 4)  # tied values share their mean rank
    scores = _normal_scores(values)
    assert np.allclose(scores[:, 0], expected_first) and np.allclose(scores[:, 1], expected_second)


def test_mean_predictions_stay_within_the_tables_range_and_rank_its_configs(frame, surrogate):
    from scipy.stats import spearmanr

    model = surrogate.model
    curves, _ = model.predict(lcnet_space().sample(np.random.default_rng(6), 500))
    low, high = np.exp(model.quantiles[0, 0]), np.exp(model.quantiles[-1, 0])  # first anchor, log val loss
    assert np.all((curves["val_loss"][:, 0] >= low * (1 - 1e-12)) & (curves["val_loss"][:, 0] <= high * (1 + 1e-12)))
    # On its own training configs the fit ranks the final validation loss nearly as observed.
    configs, table, _, keys = table_curves(frame)
    first = np.unique(keys[:, 0], return_index=True)[1]
    fitted, _ = model.predict([configs[i] for i in first])
    assert spearmanr(fitted["val_loss"][:, -1], table["val_loss"][first, -1]).statistic > 0.9


def test_the_simulated_clock_lasts_each_trials_predicted_training_time():
    from harness.durations import DurationModel
    from harness.protocols import Budget
    from harness.registry import strategies
    from harness.runner import drive

    problem = LCNetSurrogate()
    strategy = strategies.factory("asha")(problem.space, 0, Budget(3, "cost"), problem.fidelity)
    outcome = drive(problem, strategy, Budget(3, "cost"), seed=0, workers=4, clock="simulated")
    lasted = np.array([t.end_time - t.start_time for t in outcome.trials])
    predicted = np.array([t.info["simulated_seconds"] for t in outcome.trials])
    assert np.allclose(lasted, predicted) and np.ptp(lasted / np.array([t.cost for t in outcome.trials])) > 0
    # A suite that fixes the seconds per evaluation keeps them.
    strategy = strategies.factory("asha")(problem.space, 0, Budget(3, "cost"), problem.fidelity)
    fixed = drive(LCNetSurrogate(), strategy, Budget(3, "cost"), seed=0, workers=4, durations=DurationModel(100.0))
    assert np.allclose([t.end_time - t.start_time for t in fixed.trials], [100.0 * t.cost for t in fixed.trials])


def test_a_suite_that_sets_duration_seconds_overrides_the_trials_own_seconds(surrogate):
    from harness.event_loop import timing_options
    from harness.protocols import Budget
    from harness.records import RunSpec

    def spec(durations):
        return RunSpec("s", "p", "lcnet-digits-surrogate", "asha", "asha", 0, 1, 2, Budget(3, "cost"), workers=4,
                       durations=durations)

    spread_only = timing_options(spec({"duration_cv": 0.5}), surrogate)["durations"]
    fixed = timing_options(spec({"seconds": 4.0}), surrogate)["durations"]
    assert spread_only.trial_seconds and spread_only.seconds == surrogate.seconds_per_evaluation
    assert not fixed.trial_seconds and fixed.duration(0.5, seed=1, own_seconds=99.0) == 2.0

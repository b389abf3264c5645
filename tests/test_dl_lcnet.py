"""lcnet-digits: continuation, schedules, augmentation, early stopping, registry and errors."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the dl extra (torch==2.13.0) is not installed")

from harness.registry import problems  # noqa: E402
from problems.dl.digits_split import digits_split  # noqa: E402
from problems.dl.lcnet_space import HYPERPARAMETERS  # noqa: E402
from problems.dl.networks import rotate_images, shift_images  # noqa: E402
from problems.dl.schedules import learning_rate  # noqa: E402
from problems.dl.training import Data, TrainingRun  # noqa: E402

#: A cheap config that still uses every source of randomness (dropout, shift, shuffling) and
#: state (batch norm, momentum, a step schedule).
CONFIG = {
    "arch": "mlp", "depth": 2, "width": 32, "activation": "relu", "optimizer": "sgd", "momentum": 0.9,
    "nesterov": True, "lr": 0.05, "schedule": "step", "step_size": 2, "step_gamma": 0.5, "warmup_epochs": 1,
    "batch_size": 128, "dropout": 0.2, "batch_norm": True, "weight_decay": 1e-4, "l1": 1e-6,
    "augmentation": "shift", "aug_strength": 0.5, "patience": 0,
}


@pytest.fixture(scope="module")
def data() -> Data:
    s = digits_split(0)
    return Data(s.X_train, s.y_train, s.X_val, s.y_val, s.X_test, s.y_test)


def test_split_is_stratified_and_fixed_by_the_data_seed():
    a, b, c = digits_split(0), digits_split(0), digits_split(1)
    assert (len(a.y_train), len(a.y_val), len(a.y_test)) == (898, 449, 450)
    assert np.array_equal(a.X_val, b.X_val) and not np.array_equal(a.X_val, c.X_val)
    counts = np.bincount(a.y_val, minlength=10) / len(a.y_val)
    assert np.allclose(counts, np.bincount(a.y_train, minlength=10) / len(a.y_train), atol=0.01)


def test_continuation_is_bit_identical_to_training_straight_through(data):
    straight = TrainingRun(CONFIG, data, seed=7, horizon=50)
    straight.train_to(6)
    split = TrainingRun(CONFIG, data, seed=7, horizon=50)
    assert split.train_to(2) == 2 and split.train_to(6) == 4
    for key in ("train_loss", "val_loss", "val_error", "test_loss"):
        assert straight.curve[key] == split.curve[key]
    for name, tensor in straight.network.state_dict().items():
        assert torch.equal(tensor, split.network.state_dict()[name]), name


def test_problem_continues_from_its_checkpoint_and_charges_only_the_extra_epochs():
    problem = problems.create("lcnet-digits")
    low = problem.evaluate(CONFIG, 3, seed=11)
    high = problem.evaluate(CONFIG, 6, seed=99)  # another trial seed: the checkpoint's seed is kept
    assert high.info["resumed_from"] == 3 and high.info["epochs_trained"] == 3
    assert math.isclose(high.cost, 3 / 50) and math.isclose(low.cost, 3 / 50)
    fresh = problems.create("lcnet-digits", checkpoints=0).evaluate(CONFIG, 6, seed=11)
    assert fresh.info["resumed_from"] == 0 and math.isclose(fresh.cost, 6 / 50)
    assert (high.value, high.test_value) == (fresh.value, fresh.test_value)
    timings = "seconds"
    assert {k: v for k, v in high.info["curve"].items() if k != timings} == {
        k: v for k, v in fresh.info["curve"].items() if k != timings}
    assert len(high.info["curve"]["val_loss"]) == 6 and high.info["curve"]["val_loss"][:3] == low.info["curve"]["val_loss"]


def test_schedules_give_the_rates_their_names_say():
    base = {"lr": 0.1, "warmup_epochs": 0}
    step = {**base, "schedule": "step", "step_size": 3, "step_gamma": 0.5}
    assert [learning_rate(step, e, 50) for e in range(7)] == [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025]
    time_based = {**base, "schedule": "time-based", "time_decay": 0.5}
    assert [learning_rate(time_based, e, 50) for e in range(3)] == pytest.approx([0.1, 0.1 / 1.5, 0.1 / 2])
    expo = {**base, "schedule": "exponential", "exp_gamma": 0.9}
    assert learning_rate(expo, 4, 50) == pytest.approx(0.1 * 0.9**4)
    cosine = {**base, "schedule": "cosine", "cosine_floor": 0.1}
    assert learning_rate(cosine, 0, 50) == pytest.approx(0.1)
    assert learning_rate(cosine, 25, 50) == pytest.approx(0.1 * (0.1 + 0.9 * 0.5))
    assert learning_rate(cosine, 50, 50) == pytest.approx(0.01)
    warm = {**base, "schedule": "constant", "warmup_epochs": 3}
    assert [learning_rate(warm, e, 50) for e in range(5)] == pytest.approx([0.025, 0.05, 0.075, 0.1, 0.1])


def test_training_sets_the_scheduled_rate_on_the_optimiser(data):
    run = TrainingRun(CONFIG, data, seed=0, horizon=50)
    for epoch in range(5):
        run.train_to(epoch + 1)
        assert run.optimizer.param_groups[0]["lr"] == learning_rate(CONFIG, epoch, 50)
    assert run.optimizer.param_groups[0]["lr"] == 0.05 * 0.5**2  # step 2, gamma 0.5, epoch 4


def test_a_shifted_image_is_the_same_digit_moved():
    image = torch.as_tensor(digits_split(0).X_train[:1])
    moved = shift_images(image, torch.tensor([1]), torch.tensor([-2]))[0]
    expected = torch.zeros(8, 8)
    expected[1:, :6] = image[0, :7, 2:]
    assert torch.equal(moved, expected)
    assert torch.equal(shift_images(image, torch.tensor([0]), torch.tensor([0])), image)


def test_rotation_by_zero_is_the_identity_and_by_90_degrees_a_quarter_turn():
    images = torch.as_tensor(digits_split(0).X_train[:3])
    assert torch.allclose(rotate_images(images, torch.zeros(3)), images, atol=1e-6)
    quarter = rotate_images(images, torch.full((3,), 90.0))
    assert torch.allclose(quarter, torch.rot90(images, 1, dims=(1, 2)), atol=1e-5)


def test_early_stopping_stops_after_patience_and_keeps_the_best_weights(data):
    config = {**CONFIG, "optimizer": "adam", "lr": 0.03, "schedule": "constant", "warmup_epochs": 0,
              "augmentation": "none", "batch_size": 256, "patience": 2}
    run = TrainingRun(config, data, seed=3, horizon=50)
    run.train_to(50)
    losses = run.curve["val_loss"]
    assert run.stopped and run.epochs < 50
    assert run.best_epoch == int(np.argmin(losses)) + 1 and run.epochs - run.best_epoch == 2
    assert run.result()["value"] == min(losses)
    run.network.load_state_dict(run.best_state())
    assert run.score(data.X_val, data.y_val)[0] == pytest.approx(min(losses), rel=1e-6)


def test_error_rate_metric_and_full_fidelity_default():
    problem = problems.create("lcnet-digits", metric="error_rate")
    ev = problem.evaluate({**CONFIG, "batch_size": 256}, 2, seed=0)
    assert ev.value == ev.info["curve"]["val_error"][-1] and 0 <= ev.value <= 1
    assert problem.resolve_fidelity(None) == 50
    with pytest.raises(ValueError, match="metric"):
        problems.create("lcnet-digits", metric="auc")


def test_show_documents_every_hyperparameter_with_its_range():
    from harness.cli import _show

    text = _show("lcnet-digits")
    for name, meaning in HYPERPARAMETERS.items():
        assert f"    {name}: " in text and meaning.split()[0] in text
    assert "lr: float[0.0001, 1, log]" in text


def test_listing_the_registries_does_not_import_torch():
    code = ("import sys; from harness.registry import problems, strategies; problems.names(); strategies.names(); "
            "problems.create('hartmann6'); assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_suite_naming_a_torch_task_without_torch_fails_validation_in_one_line(tmp_path):
    suite = tmp_path / "s.toml"
    suite.write_text('name = "s"\nseed = 0\nseeds = 1\nbudget = 2\nproblems = ["lcnet-digits"]\nstrategies = ["random"]\n')
    # A finder that refuses torch, as on a machine without it (sys.modules['torch'] = None
    # would break scipy, which probes sys.modules for array libraries).
    code = ("import sys\n"
            "class NoTorch:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name.split('.')[0] == 'torch': raise ModuleNotFoundError(\"No module named 'torch'\")\n"
            "sys.meta_path.insert(0, NoTorch())\n"
            "from harness.cli import main\n"
            f"sys.exit(main(['run', {str(suite)!r}, '--executor', 'serial', '--results', {str(tmp_path / 'r')!r}]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "lcnet-digits" in lines[0] and "torch==2.13.0" in lines[0], done.stderr

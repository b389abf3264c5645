"""transfer-digits: pre-training once, freezing, head re-initialisation, the scratch baseline."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="the dl extra (torch==2.13.0) is not installed")

from harness.registry import problems  # noqa: E402
from problems.dl.transfer_training import fine_tuning_network, pretrained_state  # noqa: E402

CONFIG = {"freeze": "first", "head_reinit": True, "optimizer": "adam", "lr": 3e-3, "schedule": "cosine",
          "warmup_epochs": 0, "batch_size": 16, "weight_decay": 1e-5, "augmentation": "none", "patience": 0}


@pytest.fixture(scope="module")
def tasks():
    return problems.create("transfer-digits"), problems.create("transfer-digits-scratch")


def test_split_holds_ten_labelled_images_per_target_class(tasks):
    data = tasks[0].data
    assert torch.equal(torch.bincount(data.y_train), torch.full((5,), 10))
    assert len(data.y_val) == 200 and len(data.y_test) > 600 and int(data.y_test.max()) == 4


def test_pretraining_runs_once_per_process_and_is_seeded(tasks):
    first = tasks[0].source_state()
    hits = pretrained_state.cache_info().hits
    again = tasks[0].source_state()
    assert pretrained_state.cache_info().hits == hits + 1 and again is first
    assert tasks[1].source_state() is None


def test_pretrained_fine_tuning_beats_training_from_scratch(tasks):
    pretrained, scratch = (t.evaluate(CONFIG, 10, seed=0) for t in tasks)
    assert pretrained.value < scratch.value - 0.1 and pretrained.test_value < scratch.test_value


def test_frozen_layers_do_not_move_and_the_head_is_reinitialised_or_kept(tasks):
    state = tasks[0].source_state()
    network, trainable = fine_tuning_network(state, "body", head_reinit=False, seed=0)
    assert len(trainable) == 2  # head weight and bias only
    assert torch.equal(network[-1].weight, state[f"{len(network) - 1}.weight"])
    run = tasks[0].new_run({**CONFIG, "freeze": "body", "head_reinit": True}, seed=5)
    before = {k: v.clone() for k, v in run.network.state_dict().items()}
    head_key = f"{len(run.network) - 1}.weight"
    assert not torch.equal(before[head_key], state[head_key])
    run.train_to(2)
    after = run.network.state_dict()
    moved = {k for k in before if not torch.equal(before[k], after[k])}
    assert moved == {head_key, head_key.replace("weight", "bias")}

"""Pre-training on digits 0-4 and building fine-tuning networks (imports torch; lazy)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch
from torch import nn

from problems.dl.training import Data, TrainingRun

__all__ = ["PRETRAIN_RECIPE", "pretrained_state", "body_network", "fine_tuning_network"]

#: The fixed recipe of the source network: an MLP 64-128-128-5 trained on every image of
#: digits 0-4 (labels 0-4) with Adam, seed 0. Validation/test in the recipe are the same
#: images (only the weights are used).
PRETRAIN_RECIPE = {
    "arch": "mlp", "depth": 2, "width": 128, "activation": "relu", "optimizer": "adam", "lr": 2e-3,
    "schedule": "constant", "warmup_epochs": 0, "batch_size": 64, "dropout": 0.1, "batch_norm": False,
    "weight_decay": 1e-5, "l1": 0.0, "augmentation": "shift", "aug_strength": 0.5, "patience": 0,
}
PRETRAIN_EPOCHS = 15
PRETRAIN_SEED = 0


def body_network() -> nn.Sequential:
    """An untrained network of the recipe's architecture with a 5-way head."""
    from problems.dl.networks import build_network

    return build_network(PRETRAIN_RECIPE, 5)


@lru_cache(maxsize=1)
def pretrained_state(source_images: bytes, source_labels: bytes) -> dict[str, torch.Tensor]:
    """Weights of the recipe trained on the given images (computed once per process)."""
    images = np.frombuffer(source_images, dtype=np.float32).reshape(-1, 8, 8)
    labels = np.frombuffer(source_labels, dtype=np.int64)
    data = Data(images, labels, images, labels, images, labels)
    run = TrainingRun(PRETRAIN_RECIPE, data, seed=PRETRAIN_SEED, horizon=PRETRAIN_EPOCHS)
    run.train_to(PRETRAIN_EPOCHS)
    return {k: v.clone() for k, v in run.network.state_dict().items()}


def fine_tuning_network(state: dict | None, freeze: str, head_reinit: bool, seed: int) -> tuple[nn.Sequential, list]:
    """The network to fine-tune and its trainable parameters.

    ``state`` None gives a randomly initialised network (the from-scratch baseline).
    ``freeze``: ``none``, ``first`` (the first hidden layer) or ``body`` (everything but the
    head). ``head_reinit`` replaces the 5-way head by a fresh one (seeded by ``seed``); else the
    source head is kept, its output k read as digit 5 + k.
    """
    torch.manual_seed(seed)
    network = body_network()
    if state is not None:
        network.load_state_dict(state)
    linear = [i for i, m in enumerate(network) if isinstance(m, nn.Linear)]
    if head_reinit:
        head = network[linear[-1]]
        network[linear[-1]] = nn.Linear(head.in_features, head.out_features)
    frozen = {"none": [], "first": linear[:1], "body": linear[:-1]}[freeze]
    for i in frozen:
        for p in network[i].parameters():
            p.requires_grad_(False)
    return network, [p for p in network.parameters() if p.requires_grad]

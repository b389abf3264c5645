"""The search space of ``lcnet-digits`` (torch-free, so listings and surrogates can use it).

Conditional parameters are active only under their parent's listed values; the table in
:data:`HYPERPARAMETERS` is what ``harness show lcnet-digits`` prints next to each parameter.
"""

from __future__ import annotations

from harness.space import Categorical, Condition, Float, Int, Space
from problems.dl.schedules import SCHEDULES

__all__ = ["lcnet_space", "HYPERPARAMETERS", "AUGMENTATIONS", "MAX_EPOCHS"]

#: Fidelity range (epochs) and the horizon every schedule is defined over.
MAX_EPOCHS = 50
AUGMENTATIONS = ("none", "shift", "rotate", "noise")

#: What each hyperparameter does (printed by ``harness show``).
HYPERPARAMETERS = {
    "arch": "network: 'mlp' (fully connected on the 64 pixels) or 'cnn' (3x3 convolutions)",
    "depth": "hidden layers (mlp) or convolution blocks (cnn; 2x2 max-pooling after blocks 1 and 2)",
    "width": "units per hidden layer (mlp only)",
    "channels": "channels of the first convolution block, doubled after each pooling (cnn only)",
    "activation": "nonlinearity after every hidden layer",
    "optimizer": "sgd, adam, rmsprop or adagrad (torch.optim, default betas/alphas)",
    "momentum": "heavy-ball momentum (sgd only)",
    "nesterov": "Nesterov momentum (sgd only; ignored when momentum = 0)",
    "lr": "base learning rate",
    "schedule": "learning-rate schedule over the 50-epoch horizon (problems.dl.schedules)",
    "time_decay": "time-based: lr / (1 + time_decay * epoch)",
    "step_size": "step: epochs between decays",
    "step_gamma": "step: factor applied every step_size epochs",
    "exp_gamma": "exponential: lr * exp_gamma ** epoch",
    "cosine_floor": "cosine: final rate as a fraction of lr",
    "warmup_epochs": "linear warm-up epochs before the schedule (0 = none)",
    "batch_size": "minibatch size (the train split has 898 images; from 32 so 50 epochs stay under 10 s on one core)",
    "dropout": "dropout rate after every hidden layer / block",
    "batch_norm": "batch normalisation before every activation",
    "weight_decay": "L2 penalty (the optimiser's weight_decay)",
    "l1": "L1 penalty on the weights (not biases), added to the loss",
    "augmentation": "training-time augmentation: none, shift (random integer translation), rotate "
    "(random rotation), noise (additive Gaussian)",
    "aug_strength": "shift: up to max(1, round(2 s)) pixels; rotate: up to 30 s degrees; noise: sd 0.3 s "
    "(pixels in [0, 1])",
    "patience": "early stopping: stop after this many epochs without a better validation value and "
    "keep the best epoch's weights (0 = off)",
}


def lcnet_space() -> Space:
    """The conditional space (24 parameters, at most 19 active at once)."""
    sgd = Condition("optimizer", ("sgd",))
    augmented = Condition("augmentation", AUGMENTATIONS[1:])
    return Space(
        [
            Categorical("arch", ("mlp", "cnn")),
            Int("depth", 1, 3),
            Int("width", 16, 256, log=True, condition=Condition("arch", ("mlp",))),
            Int("channels", 4, 16, log=True, condition=Condition("arch", ("cnn",))),
            Categorical("activation", ("relu", "tanh", "elu", "gelu")),
            Categorical("optimizer", ("sgd", "adam", "rmsprop", "adagrad")),
            Float("momentum", 0.0, 0.99, condition=sgd),
            Categorical("nesterov", (False, True), condition=sgd),
            Float("lr", 1e-4, 1.0, log=True),
            Categorical("schedule", SCHEDULES),
            Float("time_decay", 1e-3, 1.0, log=True, condition=Condition("schedule", ("time-based",))),
            Int("step_size", 2, 20, condition=Condition("schedule", ("step",))),
            Float("step_gamma", 0.1, 0.9, condition=Condition("schedule", ("step",))),
            Float("exp_gamma", 0.8, 0.999, condition=Condition("schedule", ("exponential",))),
            Float("cosine_floor", 0.0, 0.2, condition=Condition("schedule", ("cosine",))),
            Int("warmup_epochs", 0, 5),
            Int("batch_size", 32, 256, log=True),
            Float("dropout", 0.0, 0.6),
            Categorical("batch_norm", (False, True)),
            Float("weight_decay", 1e-6, 1e-2, log=True),
            Float("l1", 1e-8, 1e-3, log=True),
            Categorical("augmentation", AUGMENTATIONS),
            Float("aug_strength", 0.1, 1.0, condition=augmented),
            Int("patience", 0, 15),
        ]
    )

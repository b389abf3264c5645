"""``lcnet-digits-surrogate``: lcnet-digits predicted from its table, refitted at creation.

No model is stored anywhere: the table (``problems/dl/data/lcnet_digits.parquet``, rebuilt
by ``harness tabulate``) is the benchmark, and the surrogate is fitted from it,
deterministically, whenever the problem is created (a few seconds).
"""

from __future__ import annotations

import math
import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from scipy.special import ndtr, ndtri
from sklearn.ensemble import ExtraTreesRegressor, GradientBoostingRegressor, RandomForestRegressor

from harness.protocols import Evaluation, Fidelity, Problem
from harness.registry import problem
from problems.dl.curve_task import STOPPED_EPOCH_SHARE
from problems.dl.curves import early_stopping
from problems.dl.lcnet_space import HYPERPARAMETERS, MAX_EPOCHS, lcnet_space
from problems.dl.tree_arrays import TreeArrays

__all__ = ["LCNetSurrogate", "SurrogateModel", "TABLE", "ANCHORS", "table_curves", "objective_of_curves",
           "standard_normals"]

TABLE = Path(__file__).resolve().parent / "data" / "lcnet_digits.parquet"
#: Epochs at which curves are modelled; other epochs are interpolated linearly in log(epoch).
ANCHORS = np.array([1, 2, 3, 4, 6, 8, 11, 15, 20, 27, 35, 42, 50])
_SERIES = ("val_loss", "val_error", "test_loss", "test_error")
#: Diverged epochs count as chance level: cross-entropy ln(10), error 0.9.
_CHANCE = {"val_loss": math.log(10.0), "test_loss": math.log(10.0), "val_error": 0.9, "test_error": 0.9}


def table_curves(df: pd.DataFrame) -> tuple[list[dict], dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Per (config, seed): configs, curves ``(n, 50)`` per series, seconds per epoch ``(n,)``,
    and ``(config_id, seed)`` pairs ``(n, 2)``, from a table's rows. Diverged epochs and the
    epochs after divergence are set to chance level."""
    space = lcnet_space()
    df = df.sort_values(["config_id", "seed", "epoch"])
    groups = df.groupby(["config_id", "seed"], sort=True)
    keys = np.array(list(groups.groups.keys()))
    n = len(keys)
    curves = {s: np.full((n, MAX_EPOCHS), _CHANCE[s]) for s in _SERIES}
    seconds = np.empty(n)
    configs = []
    for row, (_, group) in enumerate(groups):
        epochs = group["epoch"].to_numpy() - 1
        for s in _SERIES:
            values = group[s].to_numpy(dtype=float)
            curves[s][row, epochs] = np.where(np.isfinite(values), values, _CHANCE[s])
        seconds[row] = float(np.mean(group["seconds"]))
        first = group.iloc[0]
        config = {}
        for param in space.params:
            value = first[f"param_{param.name}"]
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            if param.kind == "int":
                value = int(value)
            elif param.kind == "float":
                value = float(value)
            else:
                value = next(c for c in param.choices if str(c) == str(value))
            config[param.name] = value
        configs.append(config)
    return configs, curves, seconds, keys


def objective_of_curves(curves: Mapping[str, np.ndarray], patience: np.ndarray, epochs: np.ndarray,
                        metric: str = "loss") -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Value, test value, reported epoch and trained epochs of curves at ``epochs`` with early stopping."""
    reported, trained = early_stopping(curves[f"val_{metric}"], patience, epochs)
    rows = np.arange(len(reported))
    return curves[f"val_{metric}"][rows, reported - 1], curves[f"test_{metric}"][rows, reported - 1], reported, trained


#: Reference learning rates per optimiser for the feature "distance from a typical rate"
#: (Adam's is torch's default; the others common practice for these optimisers).
_REFERENCE_LR = {"sgd": 0.1, "adam": 1e-3, "rmsprop": 1e-3, "adagrad": 0.03}
_TRAIN_IMAGES = 898
_SPACE = lcnet_space()
#: Raw parameters kept next to the derived features (scaled to [0, 1], inactive -1); the
#: shared ``aug_strength`` is replaced by one strength column per augmentation.
_RAW = tuple(p.name for p in _SPACE.params if p.name != "aug_strength")
_OPTIMIZERS = tuple(_SPACE["optimizer"].choices)
_AUGMENTED = tuple(a for a in _SPACE["augmentation"].choices if a != "none")
#: Stand-in for "another optimiser's rate" in the per-optimiser rate columns: below every
#: log10 rate the space allows (1e-4), so a tree separates it with one split.
_OTHER_OPTIMIZER = -5.0
FEATURES = ("log_lr_vs_reference", "abs_log_lr_vs_reference", "log_mean_lr", "log_total_step", "log_l1_mass",
            "log_total_decay", "log_weights", "log_final_lr", "log_final_lr_vs_reference",
            *(f"log_lr_{o}" for o in _OPTIMIZERS), *(f"strength_{a}" for a in _AUGMENTED),
            *_RAW)


def _schedule_factors(configs: Sequence[Mapping[str, Any]]) -> np.ndarray:
    """Learning-rate multiplier ``(n, 50)`` at each epoch (schedule x warm-up), vectorised."""
    epochs = np.arange(MAX_EPOCHS, dtype=float)[None, :]

    def col(name, default):
        return np.array([float(c.get(name, default)) for c in configs])[:, None]

    kind = np.array([c["schedule"] for c in configs])[:, None]
    factor = np.ones((len(configs), MAX_EPOCHS))
    factor = np.where(kind == "time-based", 1.0 / (1.0 + col("time_decay", 0.0) * epochs), factor)
    factor = np.where(kind == "step", col("step_gamma", 1.0) ** np.floor(epochs / col("step_size", 1.0)), factor)
    factor = np.where(kind == "exponential", col("exp_gamma", 1.0) ** epochs, factor)
    floor = col("cosine_floor", 0.0)
    factor = np.where(kind == "cosine", floor + (1 - floor) * 0.5 * (1 + np.cos(np.pi * epochs / MAX_EPOCHS)), factor)
    warm = col("warmup_epochs", 0.0)
    return factor * np.where(epochs < warm, (epochs + 1) / (warm + 1), 1.0)


def _weights(config: Mapping[str, Any]) -> int:
    """Number of weights (not biases) of the config's network (see problems.dl.networks)."""
    depth = int(config["depth"])
    if config["arch"] == "mlp":
        width = int(config["width"])
        return 64 * width + width * width * (depth - 1) + 10 * width
    channels = inputs = int(config["channels"])
    total = 9 * channels
    for block in range(1, depth):
        out = channels * 2 ** min(block, 2)
        total += 9 * inputs * out
        inputs = out
    side = {1: 4, 2: 2, 3: 2}[depth]
    return total + inputs * side * side * 10


def _multiply_adds(config: Mapping[str, Any]) -> int:
    """Multiply-adds of one image's forward pass (convolutions at their resolution)."""
    if config["arch"] == "mlp":
        return _weights(config)
    channels = inputs = int(config["channels"])
    total, side = 9 * channels * 64, 8
    for block in range(1, int(config["depth"])):
        side = max(side // 2, 2)
        out = channels * 2 ** min(block, 2)
        total += 9 * inputs * out * side * side
        inputs = out
    side = {1: 4, 2: 2, 3: 2}[int(config["depth"])]
    return total + inputs * side * side * 10


#: Features of the seconds-per-epoch model.
TIMING_FEATURES = ("log_multiply_adds", "log_batch_size", "augmentation", "batch_norm", "arch", "optimizer", "depth")


def _timing_features(space, configs: Sequence[Mapping[str, Any]]) -> np.ndarray:
    """Work per epoch: log multiply-adds per image, log batch size (steps per epoch), and the
    choices that add per-step work (augmentation, batch norm, architecture, optimiser, depth)."""
    columns = [np.log10(np.array([_multiply_adds(c) for c in configs], dtype=float)),
               np.log10(np.array([float(c["batch_size"]) for c in configs]))]
    for name in TIMING_FEATURES[2:]:
        param = space[name]
        if param.kind == "categorical":
            lookup = {str(choice): i for i, choice in enumerate(param.choices)}
            columns.append(np.array([float(lookup[str(c[name])]) for c in configs]))
        else:
            columns.append(np.array([float(c[name]) for c in configs]))
    return np.column_stack(columns)


def _features(space, configs: Sequence[Mapping[str, Any]]) -> np.ndarray:
    """The fixed feature encoding of configs ``(n, 39)`` (:data:`FEATURES`).

    Derived features describe the training dynamics a few hundred table configs cannot teach
    trees from the raw 24 parameters: the effective rate (SGD's divided by 1 - momentum)
    against a typical rate of its optimiser, the mean rate over the schedule, the total step
    (mean rate x number of steps), the L1 mass (penalty x number of weights), the total
    weight decay, the network size, the rate of the last epoch (where the schedule has taken
    it), the rate of each optimiser in its own column (their scales differ by orders of
    magnitude) and the strength of each augmentation in its own column (a shift of strength
    0.5 and a rotation of strength 0.5 are different things); then every raw parameter but
    the shared ``aug_strength`` scaled to [0, 1] (log scale where the space says so,
    categoricals by choice index, inactive -1). The last three groups together raised the
    held-out Spearman of the final validation loss from 0.826 to 0.854 on the table's first 672
    configs (5-fold by config, ``bench/bench_dl.py``).
    Column-wise numpy, so a batch of 10,000 configs takes milliseconds.
    """
    if not configs:
        return np.zeros((0, len(FEATURES)))
    lr = np.array([float(c["lr"]) for c in configs])
    momentum = np.array([float(c.get("momentum", 0.0)) if c["optimizer"] == "sgd" else 0.0 for c in configs])
    effective = lr / (1.0 - momentum)
    optimizer = np.array([c["optimizer"] for c in configs])
    reference = np.array([_REFERENCE_LR[o] for o in optimizer])
    factors = _schedule_factors(configs)
    mean_lr = effective * factors.mean(axis=1)
    final_lr = effective * factors[:, -1]
    steps = MAX_EPOCHS * _TRAIN_IMAGES / np.array([float(c["batch_size"]) for c in configs])
    weights = np.array([_weights(c) for c in configs], dtype=float)
    distance = np.log10(effective / reference)
    augmentation = np.array([c["augmentation"] for c in configs])
    strength = np.array([float(c.get("aug_strength", 0.0)) for c in configs])
    columns = [distance, np.abs(distance), np.log10(mean_lr), np.log10(mean_lr * steps),
               np.log10(np.array([float(c["l1"]) for c in configs]) * weights),
               np.log10(np.array([float(c["weight_decay"]) for c in configs]) * mean_lr * steps),
               np.log10(weights), np.log10(final_lr), np.log10(final_lr / reference)]
    columns += [np.where(optimizer == o, np.log10(effective), _OTHER_OPTIMIZER) for o in _OPTIMIZERS]
    columns += [np.where(augmentation == a, strength, 0.0) for a in _AUGMENTED]
    for name in _RAW:
        param = space[name]
        raw = [c.get(name) for c in configs]
        if param.kind == "categorical":
            lookup = {str(choice): i / max(len(param.choices) - 1, 1) for i, choice in enumerate(param.choices)}
            columns.append(np.array([-1.0 if v is None else lookup[str(v)] for v in raw]))
        else:
            values = np.array([np.nan if v is None else float(v) for v in raw])
            low, high = float(param.low), float(param.high)
            if param.log:
                values, low, high = np.log(values), np.log(low), np.log(high)
            columns.append(np.nan_to_num((values - low) / (high - low), nan=-1.0))
    return np.column_stack(columns)


def standard_normals(seeds: Sequence[int], streams: int) -> np.ndarray:
    """``(n, streams)`` standard normal draws, a pure function of each seed (SplitMix64 of the
    seed and the stream index mapped through the normal quantile function; vectorised)."""
    mask = np.uint64(0xFFFFFFFFFFFFFFFF)
    z = (np.asarray(seeds, dtype=np.uint64)[:, None] * np.uint64(0x9E3779B97F4A7C15)
         + (np.arange(streams, dtype=np.uint64)[None, :] + np.uint64(1)) * np.uint64(0xBF58476D1CE4E5B9)) & mask
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9) & mask
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB) & mask
    z = z ^ (z >> np.uint64(31))
    uniform = ((z >> np.uint64(11)).astype(np.float64) + 0.5) / float(1 << 53)
    return ndtri(uniform)


#: Principal components of the validation curve fitted by gradient boosting.
COMPONENTS = 3


def _normal_scores(values: np.ndarray) -> np.ndarray:
    """Column-wise normal scores ``ndtri((rank - 1/2) / n)`` (ties share their mean rank)."""
    from scipy.stats import rankdata

    return ndtri((rankdata(values, axis=0) - 0.5) / len(values))


class SurrogateModel:
    """Curves of configs regressed from the fixed feature encoding of configs (:func:`_features`).

    Targets per config (mean over its seeds): log cross-entropy and error rate, validation and
    test, at :data:`ANCHORS`, each column replaced by its normal scores (rank-based, so a
    handful of diverged runs at huge losses do not dominate the squared error the trees
    split on, and the ordering of configs is what is learnt); a prediction is mapped back
    through the column's empirical quantiles, so predicted values stay within the table's
    range. Model: extra trees (``random_state=0``, one thread) for every column, averaged on
    the validation cross-entropy columns (the objective) with gradient boosting
    (``random_state=0``) of their three leading principal components: the two err differently, and their mean ranked
    held-out configs better than either (see ``bench/bench_dl.py``). Log seconds per epoch
    come from a random forest on :func:`_timing_features`. Seed-to-seed noise per anchor:
    the root mean square, over configs, of each seed's deviation from its config's mean (log
    scale for losses), corrected to a single seed's spread (x sqrt(S / (S - 1))).
    """

    def __init__(self, configs: list[dict], curves: dict[str, np.ndarray], seconds: np.ndarray, keys: np.ndarray,
                 n_estimators: int = 64, boosting: bool = True) -> None:
        self.space = lcnet_space()
        config_ids = keys[:, 0]
        ids, first = np.unique(config_ids, return_index=True)
        index = np.searchsorted(ids, config_ids)
        columns = []
        noise = []
        for s in _SERIES:
            values = curves[s][:, ANCHORS - 1]
            values = np.log(values) if s.endswith("loss") else values
            means = np.stack([values[index == k].mean(axis=0) for k in range(len(ids))])
            columns.append(means)
            seeds = np.bincount(index)
            residual = values - means[index]
            multi = seeds[index] > 1
            if multi.any():
                correction = np.sqrt(seeds[index][multi] / (seeds[index][multi] - 1))[:, None]
                noise.append(np.sqrt(np.mean((residual[multi] * correction) ** 2, axis=0)))
            else:
                noise.append(np.zeros(len(ANCHORS)))
        log_seconds = np.log(seconds)
        sec_means = np.array([log_seconds[index == k].mean() for k in range(len(ids))])
        self.noise = dict(zip(_SERIES, noise))
        sec_res = log_seconds - sec_means[index]
        self.seconds = seconds
        self.seconds_noise = float(np.sqrt(np.mean(sec_res**2))) if len(ids) < len(index) else 0.0
        self.targets = np.hstack(columns)
        self.quantiles = np.sort(self.targets, axis=0)
        scores = _normal_scores(self.targets)
        self.X = _features(self.space, [configs[i] for i in first])
        self.model = ExtraTreesRegressor(n_estimators=n_estimators, min_samples_leaf=2, max_features=0.5,
                                         random_state=0, n_jobs=1)
        self.model.fit(self.X, scores)
        # Boosting fits the leading principal components of the validation columns (curves
        # at neighbouring anchors move together), so prediction costs COMPONENTS models, not 13.
        block = scores[:, : len(ANCHORS)]
        self.block_mean = block.mean(axis=0)
        _, _, vt = np.linalg.svd(block - self.block_mean, full_matrices=False)
        self.components = vt[:COMPONENTS]
        projected = (block - self.block_mean) @ self.components.T
        self.boosted = []
        for j in range(COMPONENTS if boosting else 0):
            booster = GradientBoostingRegressor(n_estimators=150, learning_rate=0.07, max_depth=3, min_samples_leaf=8,
                                                random_state=0).fit(self.X, projected[:, j])
            self.boosted.append(TreeArrays(booster.estimators_[:, 0], booster.learning_rate,
                                           booster.init_.predict(self.X[:1])))
        # Seconds per epoch depend on other things than the curve does (work per step, steps
        # per epoch), so they get their own forest on their own features.
        self.timing = RandomForestRegressor(n_estimators=32, min_samples_leaf=2, random_state=0, n_jobs=1)
        self.timing.fit(_timing_features(self.space, [configs[i] for i in first]), sec_means)
        # Prediction walks the trees as arrays: scikit-learn's per-call overhead would
        # otherwise dominate the one-config-at-a-time asks of a simulated clock.
        self.forest = TreeArrays(self.model.estimators_, 1.0 / len(self.model.estimators_))
        self.timing_forest = TreeArrays(self.timing.estimators_, 1.0 / len(self.timing.estimators_))

    def _predict_targets(self, X: np.ndarray) -> np.ndarray:
        """Target columns ``(n, 4 * len(ANCHORS))`` (log losses, errors) of encoded configs."""
        scores = self.forest.predict(X)
        if self.boosted:
            # The validation cross-entropy columns come first (see _SERIES).
            projected = np.column_stack([m.predict(X)[:, 0] for m in self.boosted])
            # Not a matrix product: BLAS picks kernels by batch size, and their rounding then
            # made a config's prediction depend on the batch it was asked in.
            boosted = self.block_mean + (projected[:, :, None] * self.components[None]).sum(axis=1)
            scores[:, : len(ANCHORS)] = (scores[:, : len(ANCHORS)] + boosted) / 2
        levels = (np.arange(len(self.quantiles)) + 0.5) / len(self.quantiles)
        probabilities = ndtr(scores)
        return np.column_stack([np.interp(probabilities[:, j], levels, self.quantiles[:, j])
                                for j in range(scores.shape[1])])

    def predict(self, configs: Sequence[Mapping[str, Any]], z: np.ndarray | None = None) -> tuple[dict, np.ndarray]:
        """Curves ``(n, 50)`` per series and seconds per epoch ``(n,)``.

        ``z`` ``(n, 3)``: standard normal draws scaling the noise of validation, test and
        seconds (None: the mean prediction). One draw shifts a whole curve, as a seed does.
        """
        out = self._predict_targets(_features(self.space, configs))
        k = len(ANCHORS)
        log_epochs, log_anchors = np.log(np.arange(1, MAX_EPOCHS + 1)), np.log(ANCHORS)
        curves = {}
        for j, s in enumerate(_SERIES):
            block = out[:, j * k : (j + 1) * k]
            if z is not None:
                block = block + self.noise[s][None, :] * z[:, [0 if s.startswith("val") else 1]]
            # Linear interpolation in log(epoch), for all rows at once.
            pos = np.clip(np.searchsorted(log_anchors, log_epochs, side="right") - 1, 0, k - 2)
            w = (log_epochs - log_anchors[pos]) / (log_anchors[pos + 1] - log_anchors[pos])
            full = block[:, pos] * (1 - w) + block[:, pos + 1] * w
            curves[s] = np.exp(full) if s.endswith("loss") else np.clip(full, 0.0, 1.0)
        log_sec = self.timing_forest.predict(_timing_features(self.space, configs))[:, 0]
        log_sec = log_sec + (0.0 if z is None else self.seconds_noise * z[:, 2])
        return curves, np.exp(log_sec)


@lru_cache(maxsize=4)
def _fitted(table: str, n_estimators: int) -> SurrogateModel:
    df = pq.read_table(table).to_pandas()
    return SurrogateModel(*table_curves(df), n_estimators=n_estimators)


class LCNetSurrogate(Problem):
    """A surrogate of ``lcnet-digits`` fitted from its shipped table when created.

    Same space, fidelity (epochs 1..50) and metrics as ``lcnet-digits``. The table's curves
    (mean over seeds) at 13 anchor epochs, and the log seconds per epoch, are regressed on the
    unit-cube encoding of the config (inactive parameters as -1) by extra trees with
    ``random_state=0`` (:class:`SurrogateModel`); a prediction interpolates the anchors in
    log(epoch) to the whole 50-epoch curve. Early stopping (``patience``) is applied to the
    predicted validation curve exactly as the live task applies it. Noise: each trial draws
    one standard normal per curve (validation, test, seconds) from its seed and shifts the
    whole curve by the table's seed-to-seed spread at each epoch; ``noise=False`` gives the
    mean. A config evaluated before at fewer epochs continues its previous curve (same draw)
    and is charged only the extra epochs (a tenth of an epoch if it had stopped early), as the
    live task's checkpoints do.

    ``info`` holds the predicted curve and ``simulated_seconds`` (seconds per epoch x epochs
    trained: the time the live task would have taken on the machine that built the table);
    :meth:`durations` gives them for a batch, for simulated clocks. Diverged table runs count
    as chance level (cross-entropy ln 10, error 0.9). The fit is cached per process.

    Reference: Eggensperger et al. (2015), "Efficient benchmarking of hyperparameter
    optimizers via surrogates", AAAI; Pfisterer et al. (2022), "YAHPO Gym", AutoML Conf.

    Hyperparameters (as ``lcnet-digits``):

    {hyperparameters}
    """

    name = "lcnet-digits-surrogate"
    batch = True

    def __init__(self, *, instance: int | None = None, metric: str = "cross_entropy", noise: bool = True,
                 table: str | None = None, n_estimators: int = 64) -> None:
        from problems.dl.lcnet import METRICS

        if metric not in METRICS:
            raise ValueError(f"Task '{self.name}': metric must be one of {sorted(METRICS)}. Got {metric!r}.")
        path = Path(table) if table is not None else TABLE
        if not path.exists():
            raise ValueError(f"Task '{self.name}': table {path} not found (build it with `harness tabulate lcnet-digits`).")
        self.metric, self.series, self.noise = metric, METRICS[metric], bool(noise)
        self.space = lcnet_space()
        self.fidelity = Fidelity("epochs", 1, MAX_EPOCHS, integer=True)
        self.optimum = None
        self.tags = ("surrogate", "classification", "deep-learning", "conditional", "multi-fidelity", "learning-curve")
        self.model = _fitted(str(path), int(n_estimators))
        # The simulated clock's duration model scales cost by one number: a full 50-epoch
        # evaluation as long as the table's mean (per-config seconds are in info and durations()).
        self.seconds_per_evaluation = float(np.mean(self.model.seconds)) * MAX_EPOCHS
        self._progress: dict[tuple, tuple[int, int]] = {}

    def _draws(self, seeds: Sequence[int]) -> np.ndarray | None:
        return standard_normals(seeds, 3) if self.noise else None

    def durations(self, configs: Sequence[Mapping[str, Any]], fidelities: Sequence[float | None]) -> np.ndarray:
        """Seconds the live task would take for each config at its fidelity (mean prediction,
        early stopping applied)."""
        curves, seconds = self.model.predict(configs)
        epochs = np.array([MAX_EPOCHS if f is None else int(round(f)) for f in fidelities])
        patience = np.array([c["patience"] for c in configs])
        _, _, _, trained = objective_of_curves(curves, patience, epochs, self.series)
        return seconds * trained

    def evaluate(self, config: Mapping[str, Any], fidelity: float | None = None, seed: int = 0) -> Evaluation:
        """One config, validated against the space (see :meth:`evaluate_batch`)."""
        self.space.validate(config)
        return self.evaluate_batch([config], [fidelity], [seed])[0]

    def evaluate_batch(self, configs: Sequence[Mapping[str, Any]], fidelities: Sequence[float | None],
                       seeds: Sequence[int]) -> list[Evaluation]:
        """Predict whole curves for a batch and read each config's value at its fidelity.

        Configs are not validated here (the runner checks every suggestion against the space
        before evaluating it; :meth:`evaluate` validates).
        """
        if not configs:
            return []
        start = time.perf_counter()
        keys = [tuple(sorted(c.items())) for c in configs]  # hashable, cheaper than JSON
        # A continued config keeps the draw (seed) of its first evaluation.
        used_seeds = [self._progress.get(k, (0, s))[1] for k, s in zip(keys, seeds)]
        curves, seconds = self.model.predict(configs, self._draws(used_seeds))
        epochs = np.array([MAX_EPOCHS if f is None else int(round(f)) for f in fidelities])
        if epochs.min() < 1 or epochs.max() > MAX_EPOCHS:
            raise ValueError(f"Task '{self.name}': epochs must be in [1, {MAX_EPOCHS}]. Got {list(fidelities)!r}.")
        patience = np.array([c["patience"] for c in configs])
        value, test, reported, trained = objective_of_curves(curves, patience, epochs, self.series)
        elapsed = (time.perf_counter() - start) / len(configs)
        # Whole arrays to lists once: far cheaper than a numpy slice and tolist per trial.
        val_loss, val_error = curves["val_loss"].tolist(), curves["val_error"].tolist()
        trained_list, epoch_list, reported_list = trained.tolist(), epochs.tolist(), reported.tolist()
        value_list, test_list, seconds_list = value.tolist(), test.tolist(), seconds.tolist()
        out = []
        for i, key in enumerate(keys):
            before, _ = self._progress.get(key, (0, used_seeds[i]))
            if before >= epoch_list[i]:
                before = 0  # asked again at a lower or equal fidelity: a fresh run, as live
            if epoch_list[i] > before:
                self._progress[key] = (trained_list[i], used_seeds[i])
            extra = max(trained_list[i] - before, STOPPED_EPOCH_SHARE)
            out.append(Evaluation(
                value=value_list[i],
                cost=extra / MAX_EPOCHS,
                test_value=test_list[i],
                info={
                    "curve": {"val_loss": val_loss[i][: trained_list[i]],
                              "val_error": val_error[i][: trained_list[i]]},
                    "seconds_per_epoch": seconds_list[i],
                    "simulated_seconds": seconds_list[i] * extra,
                    "resumed_from": before,
                    "reported_epoch": reported_list[i],
                    "stopped_early": trained_list[i] < epoch_list[i],
                    "fit_seconds": elapsed,
                    "fidelity": epoch_list[i],
                },
            ))
        return out


LCNetSurrogate.__doc__ = LCNetSurrogate.__doc__.replace(
    "{hyperparameters}", "\n    ".join(f"* ``{k}``: {v}" for k, v in HYPERPARAMETERS.items())
)


@problem("lcnet-digits-surrogate")
def lcnet_digits_surrogate(*, instance: int | None = None, **kwargs: Any) -> LCNetSurrogate:
    """lcnet-digits-surrogate: lcnet-digits predicted by extra trees fitted from its shipped table."""
    return LCNetSurrogate(instance=instance, **kwargs)

"""Early stopping applied to stored learning curves (vectorised over many curves).

Early stopping only reads the validation curve, so a table of curves trained without it
(``harness tabulate``) answers what any ``patience`` would have done. The rule is the one
:class:`problems.dl.training.TrainingRun` applies live: an epoch improves when its value is
strictly below the best so far; after ``patience`` epochs in a row without improvement
training stops, and the best epoch is the one reported (with ``patience = 0``: no stopping,
the last epoch is reported).
"""

from __future__ import annotations

import numpy as np

__all__ = ["early_stopping"]


def early_stopping(val: np.ndarray, patience: np.ndarray, epochs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Reported and trained epochs (1-based) of each curve.

    Parameters
    ----------
    val : ndarray, shape (n, T)
        Validation values per epoch (lower is better; NaN never improves).
    patience : ndarray, shape (n,)
        Patience per curve (0 = off).
    epochs : ndarray, shape (n,)
        The fidelity: epochs asked for (<= T).

    Returns
    -------
    reported, trained : ndarray of int, shape (n,)
        The epoch whose weights are reported, and how many epochs were trained.
    """
    val = np.asarray(val, dtype=float)
    n, horizon = val.shape
    patience = np.broadcast_to(np.asarray(patience, dtype=int), (n,))
    epochs = np.broadcast_to(np.asarray(epochs, dtype=int), (n,))
    best = np.full(n, np.inf)
    best_epoch = np.zeros(n, dtype=int)
    bad = np.zeros(n, dtype=int)
    stopped = np.zeros(n, dtype=bool)
    trained = epochs.copy()
    for e in range(horizon):
        active = ~stopped & (e < epochs)
        if not active.any():
            break
        improved = active & (val[:, e] < best)
        best = np.where(improved, val[:, e], best)
        best_epoch = np.where(improved, e + 1, best_epoch)
        bad = np.where(improved, 0, np.where(active, bad + 1, bad))
        newly = active & ~improved & (patience > 0) & (bad >= patience)
        trained = np.where(newly, e + 1, trained)
        stopped |= newly
    reported = np.where((patience > 0) & (best_epoch > 0), best_epoch, trained)
    return reported, trained

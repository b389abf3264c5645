"""Fitted scikit-learn regression trees flattened into numpy arrays, predicted all at once.

scikit-learn predicts a forest tree by tree through joblib, which costs a few milliseconds
per call even for one row: on a simulated clock that asks the surrogate one config at a time
that overhead, not the arithmetic, is the whole cost. Here every tree's nodes live in shared
arrays and all trees descend one level per numpy step, so one row costs about as many steps
as the deepest tree, and a batch of 10,000 rows the same number of vectorised steps.

The arrays are read from each tree's public ``tree_`` structure right after fitting; nothing
is stored. Predictions equal scikit-learn's, which tests check (the comparison casts rows to
float32 exactly as scikit-learn does before comparing them with a threshold).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["TreeArrays"]


class TreeArrays:
    """Sum (``weight`` x leaf value) over fitted trees, plus ``offset``: a forest's mean
    (``weight = 1 / trees``) or a boosted ensemble (``weight`` = learning rate).

    Parameters
    ----------
    trees : sequence of sklearn.tree.DecisionTreeRegressor
        Fitted regression trees with the same number of outputs.
    weight : float
        Multiplier of every tree's leaf values.
    offset : array_like, shape (outputs,)
        Added to the sum (a boosted model's initial prediction; zeros for a forest).
    """

    def __init__(self, trees: Sequence, weight: float, offset: np.ndarray | float = 0.0) -> None:
        structures = [tree.tree_ for tree in trees]
        sizes = np.array([s.node_count for s in structures])
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        left = np.concatenate([s.children_left for s in structures]).astype(np.int64)
        right = np.concatenate([s.children_right for s in structures]).astype(np.int64)
        leaf = left < 0
        shift = np.repeat(starts, sizes)
        node = np.arange(len(left))
        # scikit-learn builds trees depth first, so an internal node's left child is the next
        # node: descending needs one gather (the right child), not two.
        if not np.array_equal(left[~leaf] + shift[~leaf], node[~leaf] + 1):
            raise ValueError("trees whose left children do not follow their parents are not supported")
        # A leaf's threshold is -inf and its right child itself, so rows that reached one stay
        # there while deeper trees go on.
        self.right = np.where(leaf, node, right + shift)
        self.feature = np.where(leaf, 0, np.concatenate([s.feature for s in structures])).astype(np.int64)
        self.threshold = np.where(leaf, -np.inf, np.concatenate([s.threshold for s in structures]))
        values = np.concatenate([s.value[:, :, 0] for s in structures])  # (nodes, outputs)
        self.values = values * float(weight)
        self.roots = starts.astype(np.int64)
        self.depth = max(s.max_depth for s in structures)
        self.offset = np.broadcast_to(np.asarray(offset, dtype=float), (values.shape[1],)).copy()

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predictions ``(n, outputs)`` for rows ``X`` ``(n, d)``."""
        # scikit-learn compares float32 features with float64 thresholds.
        X = np.asarray(X, dtype=np.float32).astype(np.float64)
        n, d = X.shape
        flat = X.ravel()
        node = np.repeat(self.roots[:, None], n, axis=1)  # (trees, n)
        row_starts = (np.arange(n) * d)[None, :]
        for _ in range(self.depth):
            go_left = flat.take(row_starts + self.feature.take(node)) <= self.threshold.take(node)
            node = np.where(go_left, node + 1, self.right.take(node))
        if self.values.shape[1] == 1:
            # Summed along a contiguous row per config, so a config's prediction does not
            # depend on how many others share its batch (numpy's pairwise order would).
            return np.ascontiguousarray(self.values[:, 0].take(node).T).sum(axis=1)[:, None] + self.offset
        total = np.zeros((n, self.values.shape[1]))
        for leaves in node:  # one tree at a time keeps memory at (n, outputs)
            total += self.values[leaves]
        return total + self.offset

"""scikit-learn's digits as 8x8 images in [0, 1], split into train / validation / test.

The split is stratified by class and fixed by the data seed: 50 % train, 25 % validation,
25 % test (898 / 449 / 450 images). Pixels are divided by 16 (their maximum); no other
preprocessing, so augmentations act on the images as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from sklearn.model_selection import train_test_split

from problems.sklearn.datasets import load

__all__ = ["ImageSplit", "digits_split"]


@dataclass(frozen=True)
class ImageSplit:
    """Images ``(n, 8, 8)`` float32 in [0, 1] and integer labels ``(n,)`` of each part."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


@lru_cache(maxsize=8)
def digits_split(data_seed: int = 0) -> ImageSplit:
    """The stratified 50/25/25 split of digits drawn with ``data_seed`` (cached per process)."""
    X, y, _ = load("digits")
    images = (np.asarray(X, dtype=np.float32) / 16.0).reshape(-1, 8, 8)
    labels = np.asarray(y, dtype=np.int64)
    X_train, X_rest, y_train, y_rest = train_test_split(
        images, labels, train_size=0.5, random_state=data_seed, stratify=labels
    )
    X_val, X_test, y_val, y_test = train_test_split(
        X_rest, y_rest, test_size=0.5, random_state=data_seed, stratify=y_rest
    )
    parts = [X_train, y_train, X_val, y_val, X_test, y_test]
    for part in parts:
        part.setflags(write=False)
    return ImageSplit(*parts)

"""Seeds for libraries whose generators take only 32-bit seeds."""

from __future__ import annotations

import numpy as np


def seed32(seed: int) -> int:
    """A seed in ``[0, 2**32)`` for ``seed``: itself when it fits, else a hash of it.

    The harness hands strategies 64-bit seeds, but ``np.random.RandomState`` (behind
    Optuna's samplers and Ray Tune's ``HyperOptSearch``) accepts only ``[0, 2**32)``. Seeds
    that fit are passed unchanged, so ``seed=3`` here is ``seed=3`` in plain Optuna; larger
    ones are hashed by ``SeedSequence`` (which uses every bit), so they stay distinct.
    """
    seed = int(seed)
    if 0 <= seed < 2**32:
        return seed
    return int(np.random.SeedSequence(seed).generate_state(1, dtype=np.uint32)[0])

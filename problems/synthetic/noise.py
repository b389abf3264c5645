"""Reproducible Gaussian noise keyed by per-trial seeds, vectorised over a batch.

A noisy function must give the same noisy value for the same trial seed whether it is
evaluated alone or inside a batch of 10,000. Building one ``numpy.random.Generator`` per row
would cost more than the formula itself, so each seed is hashed with SplitMix64 (Steele,
Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014) into two
independent 53-bit uniforms, turned into one standard normal by the Box-Muller transform.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from harness.seeding import splitmix64_step

__all__ = ["standard_normal_from_seeds"]

# Keeps the noise stream apart from anything else seeded with the same trial seed.
_STREAM = np.uint64(0x6E6F6973795F6678)


def standard_normal_from_seeds(seeds: Sequence[int]) -> np.ndarray:
    """One standard-normal draw per seed, a pure function of the seed.

    Parameters
    ----------
    seeds : sequence of int, length n
        Per-trial seeds (any Python ints; taken modulo 2**64).

    Returns
    -------
    ndarray, shape (n,)
    """
    state = np.array([int(s) % 2**64 for s in seeds], dtype=np.uint64) ^ _STREAM
    first = splitmix64_step(state)
    second = splitmix64_step(first)
    # The top 53 bits, centred in their cell, give uniforms strictly inside (0, 1).
    u1 = ((first >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53
    u2 = ((second >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)

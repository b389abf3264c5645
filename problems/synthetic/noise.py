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

__all__ = ["standard_normal_from_seeds"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MUL1 = np.uint64(0xBF58476D1CE4E5B9)
_MUL2 = np.uint64(0x94D049BB133111EB)
# Keeps the noise stream apart from anything else seeded with the same trial seed.
_STREAM = np.uint64(0x6E6F6973795F6678)


def _splitmix64(state: np.ndarray) -> np.ndarray:
    # uint64 array arithmetic wraps modulo 2**64 without warnings, which is what we want.
    z = state + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MUL1
    z = (z ^ (z >> np.uint64(27))) * _MUL2
    return z ^ (z >> np.uint64(31))


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
    first = _splitmix64(state)
    second = _splitmix64(first)
    # The top 53 bits, centred in their cell, give uniforms strictly inside (0, 1).
    u1 = ((first >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53
    u2 = ((second >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)

"""SplitMix64, the one integer hash behind per-trial seeds, simulated durations and noise.

SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA
2014) adds the golden-ratio increment to a 64-bit state and scrambles it with a fixed
finaliser. It is used where a numpy ``SeedSequence`` per trial would cost more than the work
it seeds: the runner's trial seeds, the simulated clock's durations and synthetic noise.
"""

from __future__ import annotations

import numpy as np

__all__ = ["GOLDEN_GAMMA", "mix64", "mix64_array"]

#: SplitMix64's state increment, 2**64 / golden ratio (odd).
GOLDEN_GAMMA = 0x9E3779B97F4A7C15
_MASK64 = (1 << 64) - 1
_MUL1, _MUL2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB


def mix64(z: int) -> int:
    """SplitMix64's finaliser of ``z`` (any Python int, taken modulo 2**64): a 64-bit int."""
    z &= _MASK64
    z = ((z ^ (z >> 30)) * _MUL1) & _MASK64
    z = ((z ^ (z >> 27)) * _MUL2) & _MASK64
    return z ^ (z >> 31)


def mix64_array(state: np.ndarray) -> np.ndarray:
    """:func:`mix64` of every element of a ``uint64`` array (vectorised, same values)."""
    # uint64 array arithmetic wraps modulo 2**64 without warnings, which is what we want.
    z = (state ^ (state >> np.uint64(30))) * np.uint64(_MUL1)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(_MUL2)
    return z ^ (z >> np.uint64(31))

"""Every seed the harness derives: run seeds, 32-bit seeds for libraries, SplitMix64 hashes.

- :func:`derive_seed`: a run's strategy and problem seeds from the suite seed and the run's
  identity, through numpy's ``SeedSequence``;
- :func:`hash32` / :func:`seed32`: a seed in ``[0, 2**32)`` for generators that take no more
  (scikit-learn's ``random_state``, ``np.random.RandomState`` behind Optuna, SMAC, DEHB,
  Nevergrad and Ray Tune's searchers);
- :func:`trial_seed` / :func:`trial_seeds`: the seed trial ``i`` of a run is evaluated with;
- SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA
  2014), which adds the golden-ratio increment to a 64-bit state and scrambles it with a fixed
  finaliser: used where a ``SeedSequence`` per trial would cost more than the work it seeds
  (the runner's trial seeds, the simulated clock's durations and synthetic noise).
"""

from __future__ import annotations

import hashlib
from typing import Any, Sequence

import numpy as np

__all__ = ["GOLDEN_GAMMA", "derive_seed", "hash32", "seed32", "trial_seed", "trial_seeds", "mix64", "mix64_array",
           "splitmix64_step"]


def derive_seed(suite_seed: int, *identity: Any) -> int:
    """A 63-bit seed from the suite seed and an identity, via numpy's SeedSequence.

    Each part of ``identity`` (strings, dicts, ints: anything with a stable ``str``) enters
    as the first 4 bytes of the SHA-256 of its text, so adding a problem or strategy to a
    suite never changes another run's seeds.
    """
    words = [int.from_bytes(hashlib.sha256(str(part).encode()).digest()[:4], "little") for part in identity]
    state = np.random.SeedSequence([suite_seed, *words]).generate_state(2, np.uint32)
    return int((int(state[0]) << 32 | int(state[1])) >> 1)


def hash32(seed: int) -> int:
    """A hash of ``seed`` (an integer >= 0 of any size) in ``[0, 2**32)``, via ``SeedSequence``."""
    return int(np.random.SeedSequence(int(seed)).generate_state(1, dtype=np.uint32)[0])


def seed32(seed: int) -> int:
    """A seed in ``[0, 2**32)`` for ``seed``: itself when it fits, else :func:`hash32` of it.

    The harness hands strategies 64-bit seeds, but ``np.random.RandomState`` (behind
    Optuna's samplers and Ray Tune's ``HyperOptSearch``) accepts only ``[0, 2**32)``. Seeds
    that fit are passed unchanged, so ``seed=3`` here is ``seed=3`` in plain Optuna; larger
    ones are hashed by ``SeedSequence`` (which uses every bit), so they stay distinct.
    """
    seed = int(seed)
    return seed if 0 <= seed < 2**32 else hash32(seed)

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


def splitmix64_step(state: np.ndarray) -> np.ndarray:
    """One SplitMix64 step of every element of a ``uint64`` array: advance by
    :data:`GOLDEN_GAMMA`, then finalise (the output is also the next state's seed)."""
    return mix64_array(state + np.uint64(GOLDEN_GAMMA))


def trial_seed(problem_seed: int, index: int) -> int:
    """Seed for trial ``index`` of a run: a SplitMix64 hash of the run's problem seed and index.

    A hash rather than ``SeedSequence.spawn`` because it costs well under a microsecond, and
    the runner derives one per trial.
    """
    return mix64(problem_seed + (index + 1) * GOLDEN_GAMMA) >> 1  # 63 bits: fits a signed int64 column


def trial_seeds(problem_seed: int, indices: Sequence[int]) -> list[int]:
    """:func:`trial_seed` of many trial indices at once (the same values, vectorised)."""
    if len(indices) < 8:
        return [trial_seed(problem_seed, i) for i in indices]
    steps = (np.asarray(indices, np.uint64) + np.uint64(1)) * np.uint64(GOLDEN_GAMMA)  # wraps modulo 2**64
    return (mix64_array(steps + np.uint64(problem_seed & 0xFFFFFFFFFFFFFFFF)) >> np.uint64(1)).tolist()

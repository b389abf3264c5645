"""Every seed the harness derives comes from harness.seeding, with values pinned before the move."""

from __future__ import annotations

import numpy as np

from harness.seeding import GOLDEN_GAMMA, derive_seed, hash32, mix64, seed32, splitmix64_step, trial_seed, trial_seeds
from problems.sklearn.base import random_state_from_seed
from problems.synthetic.noise import standard_normal_from_seeds


def test_derived_values_are_those_of_the_code_before_the_move():
    # Computed by harness.suite.derive_seed, sklearn's random_state_from_seed, the adapters'
    # seed32, the runner's trial seeds and synthetic noise as they were before they came here.
    assert derive_seed(0, "strategy", {"name": "branin"}, "random", 3) == 8103350270222124300
    assert derive_seed(7, "problem", "x", 0) == 8908398022585303140
    assert random_state_from_seed(0) == 2968811710 and random_state_from_seed(2**63 + 5) == 4212394281
    assert seed32(3) == 3 and seed32(2**40 + 1) == 1528293226
    assert trial_seed(0, 0) == 8147104208329303767 and trial_seed(2**63 + 11, 41) == 8714483661857043501
    assert trial_seeds(123, list(range(10)))[9] == 1298054565394096934  # the vectorised path
    assert standard_normal_from_seeds([0, 1, 2**64 - 1]).tolist() == [
        0.6307957483088251, -2.032421099821681, -0.2818642690629793]


def test_splitmix64_matches_its_published_first_output_and_the_scalar_finaliser():
    # SplitMix64 seeded with 0: first output 0xE220A8397B1DCDAF (Vigna's reference splitmix64.c).
    assert int(splitmix64_step(np.array([0], dtype=np.uint64))[0]) == 0xE220A8397B1DCDAF
    states = np.array([1, 2**63, 2**64 - 1, 123456789], dtype=np.uint64)
    assert splitmix64_step(states).tolist() == [mix64(int(s) + GOLDEN_GAMMA) for s in states]


def test_32_bit_seeds_use_every_bit_and_stay_in_range():
    big = [2**32, 2**33, 2**63 + 5, 2**64 + 7]
    assert len({seed32(s) for s in big}) == len(big)
    assert all(0 <= hash32(s) < 2**32 for s in big)
    assert hash32(5) == int(np.random.SeedSequence(5).generate_state(1, dtype=np.uint32)[0])


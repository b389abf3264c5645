"""Stored files cannot be altered silently, are readable by the user's group as the umask
says, and survive a reader racing a compaction."""

from __future__ import annotations

import os
import stat
import textwrap

import numpy as np
import pandas as pd

import harness
from harness.benchmark import run_suite
from harness.store import Store, StoreError

SUITE = """
name = "flips"
seeds = 2
budget = 10
problems = ["branin", "plugin-faulty"]
strategies = ["random"]
"""


def _suite(tmp_path):
    path = tmp_path / "suite.toml"
    path.write_text(textwrap.dedent(SUITE))
    run_suite(path, executor="serial", results=tmp_path / "r", progress=False, notify=lambda _: None)
    return tmp_path / "r"


def test_every_single_bit_flip_in_a_part_is_an_error_never_a_changed_value(tmp_path, plugin_path):
    results = _suite(tmp_path)
    part = Store(results).parts()[0]
    original = part.read_bytes()
    reference = harness.load(results)
    rng = np.random.default_rng(0)
    positions = rng.choice(len(original) * 8, size=60, replace=False)
    silent = errors = 0
    for bit in positions:
        flipped = bytearray(original)
        flipped[bit // 8] ^= 1 << (bit % 8)
        part.write_bytes(bytes(flipped))
        try:
            frame = harness.load(results)
        except StoreError as exc:
            assert part.name in str(exc)
            errors += 1
            continue
        try:
            pd.testing.assert_frame_equal(frame, reference)
        except AssertionError:
            silent += 1
    part.write_bytes(original)
    assert silent == 0 and errors == len(positions)
    pd.testing.assert_frame_equal(harness.load(results), reference)


def test_results_files_follow_the_umask(tmp_path, plugin_path):
    old = os.umask(0o027)
    try:
        results = _suite(tmp_path)
    finally:
        os.umask(old)
    for path in [results / "runs.json", results / "suite.toml", results / "environment.json", *Store(results).parts()]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o640, path

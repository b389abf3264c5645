"""Inputs and environments that used to end in a traceback: each is one line now, exit 2."""

from __future__ import annotations

import shutil
import subprocess
import textwrap

import pytest

from harness.cli import main

GOOD = """
name = "tiny"
seeds = 2
budget = 4
problems = ["plugin-paraboloid"]
strategies = ["random"]
"""


def run(tmp_path, monkeypatch, capsys, text: str, *extra: str) -> tuple[int, str]:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "suite.toml"
    path.write_text(textwrap.dedent(text))
    status = main(["run", str(path), "--executor", "serial", "--no-report", "--quiet", *extra])
    return status, capsys.readouterr().err


def assert_one_line(status: int, err: str, fragment: str) -> None:
    assert status == 2, err
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err, err[:2000]
    assert len(err) < 600 and fragment in err, err


@pytest.mark.parametrize("text, fragment", [
    (GOOD.replace('name = "tiny"', 'name = "a\\u0000b"'), "The 'name' field of the suite"),
    (GOOD.replace('name = "tiny"', f'name = "{"n" * 300}"'), "at most 100"),
    (GOOD.replace("seeds = 2", "seeds = 1000000000"), "The 'seeds' field of suite 'tiny' must be an integer >= 1 and <= 10000"),
    (GOOD.replace('["random"]', f'[{{name = "random", method = "{"m" * 1_000_000}"}}]'), "characters omitted"),
    (GOOD.replace('["random"]', f'[{{name = "random", label = "{"l" * 1000}"}}]'), "The 'label' of the 'strategies[0]' entry"),
])
def test_bad_input_is_one_short_line(tmp_path, monkeypatch, capsys, plugin_path, text, fragment):
    assert_one_line(*run(tmp_path, monkeypatch, capsys, text), fragment)


def test_a_long_parameter_value_gives_a_short_label(tmp_path, plugin_path):
    from harness.suite import parse_suite

    suite = parse_suite(GOOD.replace('["plugin-paraboloid"]', f'[{{name = "plugin-faulty", mode = "{"x" * 5000}"}}]'))
    assert len(suite.problems[0].label) <= 100


def test_results_path_that_is_a_file(tmp_path, monkeypatch, capsys, plugin_path):
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "tiny").write_text("not a folder")
    assert_one_line(*run(tmp_path, monkeypatch, capsys, GOOD), "results/tiny")


@pytest.fixture
def small_mount(tmp_path):
    """A 200 kB tmpfs (root only); yields a function that remounts it read-only."""
    where = tmp_path / "mnt"
    where.mkdir()
    if shutil.which("mount") is None or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", str(where)], capture_output=True).returncode != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    try:
        yield where, lambda: subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def test_full_disk_is_one_line(tmp_path, monkeypatch, capsys, plugin_path, small_mount):
    where, _ = small_mount
    (where / "filler").write_bytes(b"x" * 150_000)
    big = GOOD.replace("seeds = 2", "seeds = 200").replace("budget = 4", "budget = 40")
    status, err = run(tmp_path, monkeypatch, capsys, big, "--results", str(where / "r"))
    assert_one_line(status, err, "No space left on device")


def test_read_only_results_folder_is_one_line(tmp_path, monkeypatch, capsys, plugin_path, small_mount):
    where, make_read_only = small_mount
    make_read_only()
    status, err = run(tmp_path, monkeypatch, capsys, GOOD, "--results", str(where / "r"))
    assert_one_line(status, err, "Read-only file system")

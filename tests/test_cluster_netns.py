"""A real two-host Ray cluster: a head in one network namespace, a second node in another,
joined over a private veth link, token authentication on. The harness joins by address,
both nodes run runs, the second node is killed mid-suite (its whole process group, SIGKILL)
and the suite still completes with every run stored once and the values of a serial run.

Creating namespaces needs root and iproute2 (CI runs as root); elsewhere the test is skipped
with the reason."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import uuid

import pandas as pd
import pytest

import harness
from harness.benchmark import run_suite
from harness.store import Store

pytestmark = pytest.mark.cluster

TIMING = ["eval_seconds", "strategy_seconds", "info"]

SUITE = """
name = "cluster"
seeds = 15
budget = 6
problems = [{name = "plugin-faulty", mode = "slow", hang_seconds = 0.2}]
strategies = ["random", "plugin-coordinate"]
"""
RUNS = 30


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check)


@pytest.fixture
def two_hosts():
    """Two network namespaces joined by a veth pair on a private /30; yields their addresses."""
    if shutil.which("ip") is None:
        pytest.skip("iproute2 ('ip') is not installed")
    tag = uuid.uuid4().hex[:6]
    head, node = f"h14{tag}", f"n14{tag}"
    if _ip("netns", "add", head, check=False).returncode != 0:
        pytest.skip("cannot create network namespaces here (needs root and iproute2)")
    octet = int(tag[:2], 16) % 200 + 20
    head_ip, node_ip = f"10.251.{octet}.1", f"10.251.{octet}.2"
    try:
        _ip("netns", "add", node)
        _ip("link", "add", f"v{tag}a", "type", "veth", "peer", "name", f"v{tag}b")
        _ip("link", "set", f"v{tag}a", "netns", head)
        _ip("link", "set", f"v{tag}b", "netns", node)
        for ns, dev, addr in ((head, f"v{tag}a", head_ip), (node, f"v{tag}b", node_ip)):
            _ip("-n", ns, "link", "set", "lo", "up")
            _ip("-n", ns, "addr", "add", f"{addr}/30", "dev", dev)
            _ip("-n", ns, "link", "set", dev, "up")
        yield {"head_ns": head, "node_ns": node, "head_ip": head_ip, "node_ip": node_ip}
    finally:
        for ns in (head, node):
            _ip("netns", "del", ns, check=False)


def _in(ns: str, *command: str, env: dict, **kwargs) -> subprocess.Popen:
    # `ip netns exec` execs the command, so the Popen's pid leads its own process group.
    return subprocess.Popen(["ip", "netns", "exec", ns, *command], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)


def _stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=TIMING).sort_values(["run_id", "trial"]).reset_index(drop=True)


def test_two_hosts_one_lost_mid_suite(tmp_path, plugin_path, two_hosts):
    hosts = two_hosts
    port = _free_port()
    token = uuid.uuid4().hex
    env = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": token,
           # The head declares a lost node dead after ~1.5 s instead of ~15 s.
           "RAY_health_check_period_ms": "500", "RAY_health_check_failure_threshold": "3",
           "RAY_health_check_timeout_ms": "500", "RAY_health_check_initial_delay_ms": "500"}
    suite = tmp_path / "suite.toml"
    suite.write_text(textwrap.dedent(SUITE))
    # The serial reference sleeps through its trials: compute it meanwhile, in a thread.
    serial = tmp_path / "serial"
    reference = threading.Thread(target=run_suite, args=(suite,), kwargs=dict(
        executor="serial", results=serial, progress=False, notify=lambda _: None))
    reference.start()
    ray = [sys.executable, "-m", "ray.scripts.scripts", "start", "--block", "--disable-usage-stats"]
    head = _in(hosts["head_ns"], *ray, "--num-cpus=1", "--head", f"--port={port}", f"--node-ip-address={hosts['head_ip']}",
               "--include-dashboard=false", env=env)
    node = None
    try:
        time.sleep(2)
        # Two CPUs on the second node: once it is up it takes most of the runs, so losing it hurts.
        node = _in(hosts["node_ns"], *ray, "--num-cpus=2", f"--address={hosts['head_ip']}:{port}",
                   f"--node-ip-address={hosts['node_ip']}", env=env)
        results = tmp_path / "r"
        run = subprocess.Popen(
            ["ip", "netns", "exec", hosts["head_ns"], sys.executable, "-m", "harness", "run", str(suite),
             "--address", f"{hosts['head_ip']}:{port}", "--results", str(results), "--no-report", "--quiet"],
            env={**env, "HARNESS_FLUSH_SECONDS": "0.3"}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # Kill the second node once it has run a run (and while runs are still to come).
        deadline = time.monotonic() + 120
        on_node = []
        while time.monotonic() < deadline and run.poll() is None:
            if (results / "trials").exists():
                try:
                    records = Store(results).run_records()
                except Exception:  # noqa: BLE001 - a part may be mid-compaction
                    records = []
                on_node = [r for r in records if r.node == hosts["node_ip"]]
                if on_node:
                    break
            time.sleep(0.1)
        assert on_node, "the second node ran no run before the suite ended"
        stored_at_kill = len(records)
        _stop(node)
        node = None
        out, err = run.communicate(timeout=180)
        assert run.returncode == 0, err[-3000:]
        assert stored_at_kill < RUNS, "the kill landed after the suite ended"
    finally:
        if node is not None:
            _stop(node)
        _stop(head)

    frame = harness.load(results)
    runs = Store(results).runs()
    assert len(runs) == RUNS and frame.run_id.nunique() == RUNS
    assert not frame.duplicated(["run_id", "trial"]).any() and (frame.groupby("run_id").size() == 6).all()
    assert (runs.run_status == "ok").all()
    nodes = set(runs.node)
    assert nodes == {hosts["head_ip"], hosts["node_ip"]}, nodes
    print(f"\ncluster: {stored_at_kill} of {RUNS} runs stored when node {hosts['node_ip']} was killed; "
          f"runs per node {runs.node.value_counts().to_dict()}; stored once each: {frame.run_id.nunique()}")
    reference.join()
    pd.testing.assert_frame_equal(comparable(frame), comparable(harness.load(serial)))

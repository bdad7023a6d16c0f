"""Ctrl-C (SIGINT to the process group) or SIGTERM while a worker is busy: stopped within
seconds, one line, no traceback, no process left behind; the same command then resumes."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from ..conftest import PROJECT, read_manifest
from .site import PROFILE, crawl, serve_hostile, site

pytestmark = [pytest.mark.timeout(240), pytest.mark.slow]


def group_alive(group: int) -> bool:
    """A running (not zombie) process left in the group: zombies wait for init to reap them."""
    listing = subprocess.run(["ps", "-o", "stat=", "-g", str(group)], capture_output=True, text=True)
    return any(not state.startswith("Z") for state in listing.stdout.split())


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_stop_signal_to_the_process_group_stops_in_seconds(tmp_path, signum):
    out = tmp_path / "out.jsonl"
    with serve_hostile(site({"stuck": "sleep"})) as server:
        process = subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", "crawl", "--profile", PROFILE, "--base-url",
             server.base_url, "--out", str(out), "--workers", "2"], cwd=PROJECT,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
            env={**os.environ, "HOSTILE_SLEEP": "600"})
        deadline = time.monotonic() + 60
        while "/docs/1.0/stuck.html" not in server.paths and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(3)          # the stuck page is in a worker now
        sent = time.monotonic()
        os.killpg(process.pid, signum)
        try:
            _, stderr = process.communicate(timeout=15)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
        stopped_in = time.monotonic() - sent
        time.sleep(1)
        assert not group_alive(process.pid), "a worker outlived the crawl"
        assert process.returncode == 1, stderr
        assert "Traceback" not in stderr, stderr
        assert "stopped" in stderr and "run the same command again to resume" in stderr, stderr
        assert stopped_in < 15
        assert (tmp_path / "out.jsonl.part").exists() and not out.exists()
        resumed = crawl(server.base_url, out, "--workers", "2", env={"HOSTILE_SLEEP": "0"})
    assert resumed.returncode == 0, resumed.stderr
    assert read_manifest(out)["pages_failed"] == 0

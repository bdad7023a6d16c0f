"""SIGKILL of a crawl (the OOM killer, a CI timeout) leaves nothing behind: within 5 s every
process it started is gone, page workers busy with a page included. The same for a
distributed run's coordinator and ``docprompts worker``.

Every process of a run carries an environment marker; after the kill, /proc is searched for it
(re-parented orphans are no longer in the crawl's process group or tree)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from crawler.run.browser import find_browser

from ..conftest import PROJECT
from ..redis_server import needs_redis, redis_server
from .site import PROFILE, serve_hostile, site

pytestmark = [pytest.mark.timeout(240), pytest.mark.slow]   # crawls killed with SIGKILL
MARKER = "DOCPROMPTS_TEST_RUN"


def marked_processes(mark: str) -> list[int]:
    """Live (not zombie) processes whose environment carries ``MARKER=mark``."""
    found = []
    needle = f"{MARKER}={mark}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue   # gone meanwhile, or not ours
        if state != "Z":
            found.append(int(entry.name))
    return found


def names(mark: str) -> list[str]:
    """The command names of the marked processes (``chrome``, ``node``, ``python3``...)."""
    found = []
    for pid in marked_processes(mark):
        try:
            found.append(Path(f"/proc/{pid}/comm").read_text().strip())
        except OSError:
            pass
    return found


def start(mark: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "crawler.cli", *args], cwd=PROJECT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                            env={**os.environ, MARKER: mark, "HOSTILE_SLEEP": "600"})


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def kill_and_count_survivors(mark: str, mains: list[subprocess.Popen]) -> list[int]:
    """SIGKILL the main processes only (not their groups); the marked processes alive 5 s later."""
    started = marked_processes(mark)
    assert len(started) > len(mains), "no page worker was running"
    for main in mains:
        main.kill()
        main.wait()
    time.sleep(5)
    survivors = marked_processes(mark)
    for pid in survivors:   # clean up after a failure
        os.kill(pid, signal.SIGKILL)
    return survivors


@pytest.mark.parametrize("render", ["never", "always"])
def test_sigkill_of_a_crawl_leaves_no_page_worker(tmp_path, render):
    """``always``: the pages are read in Chromium too (scrapy-playwright's driver and browser)."""
    if render == "always" and find_browser(None) is None:
        pytest.skip("no Chromium here (apt-get install chromium)")
    mark = uuid.uuid4().hex
    with serve_hostile(site({"stuck": "sleep"})) as server:
        crawl = start(mark, "crawl", "--profile", PROFILE, "--base-url", server.base_url,
                      "--out", str(tmp_path / "out.jsonl"), "--workers", "2", "--render", render)
        if render == "always":   # the browser is up and reading pages
            assert wait_for(lambda: any(name.startswith(("chrom", "headless")) for name in names(mark)), 120)
            assert wait_for(lambda: len(server.paths) > 3, 60)
        else:
            assert wait_for(lambda: "/docs/1.0/stuck.html" in server.paths, 60)
        time.sleep(3)   # the stuck page is in a worker now, the others idle in the pool
        assert kill_and_count_survivors(mark, [crawl]) == []


@needs_redis
def test_sigkill_of_a_coordinator_and_a_worker_leaves_nothing(tmp_path):
    mark = uuid.uuid4().hex
    with redis_server() as (url, _), serve_hostile(site({"stuck": "sleep"})) as server:
        coordinator = start(mark, "crawl", "--profile", PROFILE, "--base-url", server.base_url,
                            "--out", str(tmp_path / "out.jsonl"), "--redis", url, "--workers", "1",
                            "-s", "DOWNLOAD_DELAY=0.2")
        worker = start(mark, "worker", "--redis", url, "--workers", "2", "--idle-exit", "30",
                       "--allow-plugin", "tests.hostile.hooks")
        assert wait_for(lambda: "/docs/1.0/stuck.html" in server.paths and len(server.paths) > 6, 90)
        time.sleep(3)
        assert kill_and_count_survivors(mark, [coordinator, worker]) == []

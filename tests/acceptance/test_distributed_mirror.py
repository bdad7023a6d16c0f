"""The real Kafka mirror crawled by a coordinator and two workers through a real Redis, one
worker killed with SIGKILL while it holds pages: exit 0 and exactly the records of a
single-process crawl, in the same order (none missing, none extra, no duplicates, no torn
lines). Skipped when ``../shared`` or ``redis-server`` is absent."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import redis

from ..conftest import PROJECT, SHARED, read_manifest, read_records, run_docprompts
from ..redis_server import free_port, needs_redis, redis_server

MIRROR = SHARED / "kafka-site"
pytestmark = [pytest.mark.acceptance, pytest.mark.slow, needs_redis,
              pytest.mark.skipif(not MIRROR.is_dir(), reason="../shared/kafka-site is absent")]


@pytest.fixture(scope="module")
def mirror():
    serve, port = SHARED / "serve-kafka-site", str(free_port())
    base_url = subprocess.run(["bash", str(serve), "start", port], capture_output=True, text=True,
                              check=True).stdout.strip().splitlines()[-1]
    try:
        yield base_url
    finally:
        subprocess.run(["bash", str(serve), "stop", port], capture_output=True)


def leases_of(client: redis.Redis, pid: int) -> int:
    return sum(client.hlen(key) for key in client.keys(f"docprompts:run:*:leases:*-{pid}-*"))


def shipped(client: redis.Redis) -> int:
    return sum(client.llen(key) for key in client.keys("docprompts:run:*:results"))


def test_a_worker_killed_mid_crawl_loses_nothing(mirror, tmp_path):
    single_out, out = tmp_path / "single.jsonl", tmp_path / "distributed.jsonl"
    result = run_docprompts("crawl", "kafka", "--base-url", mirror, "--out", str(single_out), "--workers", "1")
    assert result.returncode == 0, result.stderr[-2000:]
    with redis_server() as (url, _):
        client = redis.Redis.from_url(url)
        logs = [open(tmp_path / f"{name}.log", "w") for name in ("coordinator", "worker0", "worker1")]
        processes = [subprocess.Popen([sys.executable, "-m", "crawler.cli", *args], cwd=PROJECT, stdout=log,
                                      stderr=subprocess.STDOUT, start_new_session=True)
                     for log, args in zip(logs, [
                         ("crawl", "kafka", "--base-url", mirror, "--out", str(out), "--redis", url,
                          "--lease-seconds", "3", "--workers", "1"),
                         # The victim waits as long as the coordinator takes to start (it is killed)
                         ("worker", "--redis", url, "--idle-exit", "120", "--workers", "1"),
                         ("worker", "--redis", url, "--idle-exit", "5", "--workers", "1")])]
        coordinator, victim, survivor = processes
        deadline = time.monotonic() + 300
        while not (shipped(client) >= 40 and leases_of(client, victim.pid) > 0):
            assert time.monotonic() < deadline and coordinator.poll() is None, "the victim never held a page"
            time.sleep(0.01)
        os.killpg(victim.pid, signal.SIGKILL)   # the worker and its page processes: a machine dying
        assert coordinator.wait(timeout=900) == 0, (tmp_path / "coordinator.log").read_text()[-3000:]
        assert survivor.wait(timeout=120) == 0
        assert victim.wait(timeout=10) == -signal.SIGKILL
    raw = out.read_bytes()
    assert raw.endswith(b"\n")
    lines = raw.split(b"\n")[:-1]
    records = [json.loads(line) for line in lines]   # no torn line: every one parses
    ids = [record["id"] for record in records]
    expected = [record["id"] for record in read_records(single_out)]
    assert len(ids) == len(set(ids))                  # no duplicates
    assert ids == expected                            # none missing, none extra, same order
    manifest = read_manifest(out)
    assert manifest["distributed"]["requeued_requests"] >= 1   # the victim's pages went back
    assert manifest["pages_failed"] == read_manifest(single_out)["pages_failed"]
    assert manifest["records"] == len(records)

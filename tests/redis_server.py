"""A real Redis for the distributed tests: Debian's ``redis-server`` on a free loopback port,
without persistence, stopped at the end (CI installs it; the tests skip without it)."""
from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time

import pytest
import redis

HAVE_REDIS = shutil.which("redis-server") is not None
needs_redis = pytest.mark.skipif(not HAVE_REDIS, reason="redis-server is not installed (apt-get install redis-server)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def redis_server():
    """Yields (redis:// URL, the server process)."""
    port = free_port()
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--protected-mode", "yes"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.05)
        yield url, process
    finally:
        process.terminate()
        process.wait(timeout=20)

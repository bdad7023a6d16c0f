"""One politeness and one budget per run, whatever the number of processes: a coordinator and
two workers on one host send no more requests than one process would (DOWNLOAD_DELAY, kept in
Redis), and the crawl budget counts the whole run's pages once.

A real loopback server records when each request arrives; a real redis-server holds the run.
The site is the Kafka Hugo/Docsy fixture (tests/sites/kafka-hugo)."""
from __future__ import annotations

import bisect
import contextlib
import functools
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ..conftest import read_manifest, run_docprompts
from ..redis_server import needs_redis, redis_server
from .test_distributed import start_worker, stop_workers
from .test_resume_and_incremental import SITE

pytestmark = [needs_redis, pytest.mark.timeout(400), pytest.mark.slow]   # download delays, by design
DELAY = 0.5
WINDOW = 5.0


class Recording(SimpleHTTPRequestHandler):
    arrivals: list[tuple[float, str]]

    def do_GET(self):
        self.arrivals.append((time.monotonic(), self.path))
        super().do_GET()

    def log_message(self, format, *args):  # noqa: A002
        pass


@contextlib.contextmanager
def recording_site():
    """The fixture site on loopback; yields (base URL, the arrival list)."""
    arrivals: list[tuple[float, str]] = []
    handler = functools.partial(type("Handler", (Recording,), {"arrivals": arrivals}), directory=str(SITE))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", arrivals
    finally:
        server.shutdown()
        server.server_close()


def busiest_window(times: list[float], seconds: float) -> int:
    """The most requests that arrived within any ``seconds``-long window."""
    times = sorted(times)
    return max(bisect.bisect_right(times, start + seconds) - index for index, start in enumerate(times))


def crawl_with_workers(tmp_path, url: str, base_url: str, *options: str):
    """A coordinator and two workers. The workers wait up to 120 s for the run (a coordinator
    slow to start on a busy machine must find them there) and are stopped with SIGTERM once it
    is over, as an operator would stop them: a clean stop, exit 0."""
    workers = [start_worker(tmp_path, f"worker{i}", url, idle_exit=120) for i in range(2)]
    out = tmp_path / "docs.jsonl"
    result = run_docprompts("crawl", "kafka", "--base-url", base_url, "--out", str(out), "--redis", url,
                            "--workers", "1", *options)
    assert stop_workers(workers) == [0, 0]
    return result, read_manifest(out)


def test_three_processes_send_one_host_no_more_than_one_process_would(tmp_path):
    with redis_server() as (url, _), recording_site() as (base_url, arrivals):
        result, manifest = crawl_with_workers(tmp_path, url, base_url, "-s", f"DOWNLOAD_DELAY={DELAY}",
                                              "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2")
    assert result.returncode == 0, result.stderr[-2000:]
    busy = [name for name, process in manifest["distributed"]["processes"].items() if process["records"]]
    assert len(busy) >= 2, manifest["distributed"]["processes"]   # the work was shared
    times = [arrival for arrival, _ in arrivals]
    assert len(times) > 3 * WINDOW / DELAY
    # One process with a 0.5 s delay starts at most 11 requests in 5 s (one each 0.5 s,
    # both ends of the window included); before, three processes sent 31.
    assert busiest_window(times, WINDOW) <= WINDOW / DELAY + 1


ENTRY = "/documentation.html"   # the Kafka profile's entry page, asked for by the preflight too


def site_pages_requested(arrivals) -> set[str]:
    """The pages of the served site that were asked for; what is not there (the probes for
    newer releases, answered 404) is left out."""
    def exists(path: str) -> bool:
        target = SITE / path.split("?", 1)[0].lstrip("/")
        return (target / "index.html").is_file() if path.endswith("/") else target.is_file()
    return {path for _, path in arrivals if path.endswith((".html", "/")) and exists(path)}


def test_the_page_budget_counts_the_whole_run_once(tmp_path):
    """Three processes admit 8 pages between them, not 8 each. Which 8 depends on the order the
    processes pop requests in (one process's run picks others), so the bound is the budget:
    the site's pages requested are at most the 8 and the entry page."""
    limit = ("-s", "DOCPROMPTS_MAX_PAGES=8")
    with redis_server() as (url, _), recording_site() as (base_url, arrivals):
        # Paced (one request at a time, 0.3 s apart) so the admitted pages wait in Redis and the
        # workers find some: unpaced, the coordinator alone could fetch all 8 before they poll.
        result, manifest = crawl_with_workers(tmp_path, url, base_url, *limit, "-s", "DOWNLOAD_DELAY=0.3",
                                              "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1")
    assert result.returncode == 1
    assert "limit reached: max_pages = 8" in result.stderr
    assert manifest["pages_fetched"] <= 8
    requested = site_pages_requested(arrivals)
    assert ENTRY in requested and len(requested - {ENTRY}) <= 8, sorted(requested)
    busy = [name for name, process in manifest["distributed"]["processes"].items() if process["messages"]]
    assert len(busy) >= 2, manifest["distributed"]["processes"]   # the budget was shared, not one process's
    [reached] = [entry for entry in manifest["limits_reached"] if entry["limit"] == "max_pages"]
    assert reached["requests_dropped"] > 0

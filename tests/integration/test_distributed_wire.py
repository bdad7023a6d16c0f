"""No code from the wire: whoever can write to a run's Redis cannot make a process run code.

A pickled request planted in the shared queue (its unpickling would create a file), a JSON
request naming a class or a ``file://`` URL, a result message that is not one: each is refused,
named in the manifest (exit 1), never executed; the rest of the run is crawled. A run record
whose settings name a class (a pipeline) or an unknown setting, or that is a pickle, is refused
by the worker in one line; the coordinator refuses such ``-s`` settings before it starts."""
from __future__ import annotations

import json
import pickle
import zlib
from pathlib import Path

import pytest
import redis

from crawler.distributed.run import RUNS_KEY, run_id_for

from ..conftest import read_manifest, read_records, run_docprompts
from ..redis_server import needs_redis, redis_server
from .test_resume_and_incremental import site  # noqa: F401 (the fixture: the Kafka Hugo site, served)

pytestmark = [needs_redis, pytest.mark.slow]   # a Redis server and a crawl per test


@pytest.fixture(scope="module")
def server():
    with redis_server() as (url, _):
        yield url


class Planted:
    """What an attacker's pickle does when loaded: here, create a file."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def __reduce__(self):
        return (Path.touch, (Path(self.path),))


def test_planted_requests_and_messages_are_refused_and_named_never_run(site, server, tmp_path):
    out = tmp_path / "docs.jsonl"
    proof = tmp_path / "pwned"
    prefix = f"docprompts:run:{run_id_for(str(out))}:"
    client = redis.Redis.from_url(server)
    secret = tmp_path / "secret.txt"
    secret.write_text("the worker's own file")
    planted = {
        pickle.dumps({"url": f"{site}/docs/", "callback": "parse_page", "x": Planted(proof)}): -1000,
        json.dumps({"url": f"{site}/docs/", "_class": "os.system", "callback": "parse_page"}).encode(): -999,
        json.dumps({"url": secret.as_uri(), "callback": "parse_page", "meta": {}}).encode(): -998,
    }
    client.zadd(prefix + "requests", planted)
    client.rpush(prefix + "results", pickle.dumps(Planted(proof)), zlib.compress(b'{"worker": 3}'))
    result = run_docprompts("crawl", "kafka", "--base-url", site, "--out", str(out), "--redis", server,
                            "--workers", "1")
    assert not proof.exists()
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    manifest = read_manifest(out)
    refused = [failure for failure in manifest["failures"] if failure["kind"] == "refused_message"]
    reasons = " | ".join(failure["reason"] for failure in refused)
    assert len(refused) == 5, reasons
    assert "not JSON" in reasons and "'_class'" in reasons and "not an http(s) URL" in reasons, reasons
    assert "not compressed JSON" in reasons and "not a docprompts message" in reasons, reasons
    records = read_records(out)
    assert records and not any("the worker's own file" in record["text"] for record in records)
    assert manifest["pages_failed"] == len(refused)   # every page of the site is in the output


def plant_run(client, run_id: str, record: dict | bytes) -> None:
    client.set(f"docprompts:run:{run_id}:record", record if isinstance(record, bytes) else json.dumps(record))
    client.set(f"docprompts:run:{run_id}:status", "running")
    client.sadd(RUNS_KEY, run_id)


def a_record(run_id: str, **changes) -> dict:
    return {"run_id": run_id, "profile": "kafka", "profile_toml": None, "base_url": "http://127.0.0.1:9/",
            "spider_options": {}, "scrapy_settings": {}, "out": "/tmp/x.jsonl", "state": None,
            "fingerprint": "f", "crawled_at": "2026-01-01T00:00:00+00:00", "started": 0.0,
            "lease_seconds": 30.0, **changes}


@pytest.mark.parametrize("record, says", [
    (a_record("pipeline", scrapy_settings={"ITEM_PIPELINES": '{"evil.Pipeline": 1}'}),
     "run pipeline: setting ITEM_PIPELINES cannot travel in a distributed run"),
    (a_record("unknown", scrapy_settings={"SOMETHING_ELSE": "1"}),
     "run unknown: setting SOMETHING_ELSE cannot travel in a distributed run"),
    (pickle.dumps({"run_id": "pickled"}), "run pickled: the run record is not JSON"),
    (a_record("plugin", profile="p.toml", profile_toml='name = "p"\nplugin = "evil.hooks"\n'),
     "run plugin: its profile's plugin 'evil.hooks' is code; start the worker with --allow-plugin evil.hooks"),
    (a_record("path", profile="/etc/passwd"), "run path: '/etc/passwd' is not a shipped site"),
])
def test_a_worker_refuses_a_record_that_would_run_code(record, says):
    with redis_server() as (url, _):
        run_id = record["run_id"] if isinstance(record, dict) else "pickled"
        plant_run(redis.Redis.from_url(url), run_id, record)
        result = run_docprompts("worker", "--redis", url, "--idle-exit", "2", "--workers", "0",
                                "--log-level", "CRITICAL")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"docprompts: error: refused {says}"), lines


def test_the_coordinator_refuses_a_class_path_setting(site, server, tmp_path):
    result = run_docprompts("crawl", "kafka", "--base-url", site, "--out", str(tmp_path / "x.jsonl"),
                            "--redis", server, "-s", "DOWNLOADER_MIDDLEWARES={\"evil.Middleware\": 1}")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("docprompts: error: setting DOWNLOADER_MIDDLEWARES cannot travel"), lines


def test_a_setting_scrapy_cannot_read_ends_the_run_in_one_line(site, server, tmp_path):
    """The crawl fails while Scrapy builds it (before the reactor runs): the coordinator used to
    print its error and then wait forever."""
    result = run_docprompts("crawl", "kafka", "--base-url", site, "--out", str(tmp_path / "x.jsonl"),
                            "--redis", server, "--log-level", "CRITICAL", "-s", "RETRY_HTTP_CODES=many",
                            timeout=120)
    assert result.returncode == 1
    assert "docprompts: error: the crawl for " in result.stderr and "Traceback" not in result.stderr

"""Distributed runs through a real Redis (Debian's redis-server, started per test module on a free
loopback port): a coordinator and workers give the single-process output; a restarted
coordinator resumes; two runs share one Redis; --jobs; --state; Redis absent or lost.

The site is the Kafka Hugo/Docsy fixture (tests/sites/kafka-hugo, two versions, legacy anchor
maps); the SIGKILL of a worker on the real Kafka mirror is in tests/acceptance."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from crawler.demo import serve_directory

from ..conftest import PROJECT, read_manifest, read_records, run_docprompts
from ..hostile.test_output import one_error_line, resize, small_filesystem
from ..redis_server import free_port, needs_redis, redis_server

from .test_resume_and_incremental import SITE, site  # noqa: F401 (site: the fixture, the Kafka Hugo site served)

SLOW = ("-s", "DOWNLOAD_DELAY=0.3", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1")   # time to kill mid-run
pytestmark = [needs_redis, pytest.mark.slow]


@pytest.fixture(scope="module")
def server():
    with redis_server() as (url, _):
        yield url


@pytest.fixture(scope="module")
def single(site, tmp_path_factory):
    """The single-process crawl every distributed one must equal."""
    out = tmp_path_factory.mktemp("single") / "docs.jsonl"
    crawl_ok("crawl", "kafka", "--base-url", site, "--out", str(out))
    return read_records(out), read_manifest(out)


def crawl_ok(*args: str):
    result = run_docprompts(*args)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def comparable(records: list[dict]) -> list[tuple]:
    """In file order: ids, texts, anchors, prompts (timestamps differ between runs)."""
    return [(r["id"], r["text"], tuple(r["anchors"]), r["prompt"]) for r in records]


def same_manifest(single: dict, distributed: dict) -> None:
    for key in ("pages_fetched", "pages_failed", "failures", "broken_links", "skipped_links", "versions",
                "records", "text_tokens", "prompt_tokens", "delta"):
        assert distributed[key] == single[key], key
    # layout_share: the layout-drift sample is each version's first long pages to finish, which
    # the order pages finish in decides (as it does seconds); the drift alarm is in failures.
    assert ([{**page, "seconds": 0, "layout_share": None} for page in distributed["coverage"]["per_page"]] ==
            [{**page, "seconds": 0, "layout_share": None} for page in single["coverage"]["per_page"]])


def per_version_books(manifest: dict) -> dict:
    """The discovery ledger's counts (the order events were seen in differs between runs)."""
    keys = ("requested", "pages_linked", "pages_fetched", "redirect_stubs", "pages_with_records", "records",
            "text_tokens", "linked_not_fetched")
    discovery = manifest["discovery"]
    return {"empty": discovery["empty_versions"], "sitemap_unreached": discovery["sitemap_unreached"],
            **{version: {key: book[key] for key in keys} for version, book in discovery["versions"].items()}}


def start(tmp_path: Path, name: str, *args: str) -> subprocess.Popen:
    log = open(tmp_path / f"{name}.log", "w")
    return subprocess.Popen([sys.executable, "-m", "crawler.cli", *args], cwd=PROJECT, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)


def start_worker(tmp_path: Path, name: str, url: str, idle_exit: float = 8) -> subprocess.Popen:
    return start(tmp_path, name, "worker", "--redis", url, "--idle-exit", str(idle_exit), "--workers", "1")


def stop_workers(workers: list[subprocess.Popen]) -> list[int]:
    """Workers started with a long --idle-exit (so that a coordinator slow to start on a busy
    machine finds them still waiting), stopped once the run is over as an operator would:
    SIGTERM, a clean stop."""
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    return [worker.wait(timeout=60) for worker in workers]


def run_keys(url: str) -> list[bytes]:
    """Keys of runs (a host's politeness keys are shared by every run and expire by themselves)."""
    return sorted(key for key in redis.Redis.from_url(url).keys("docprompts:*")
                  if not key.startswith(b"docprompts:host:"))


def wait_for_results(url: str, count: int, timeout: float = 60) -> None:
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        keys = client.keys("docprompts:run:*:results")
        if keys and client.llen(keys[0]) >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"no {count} results shipped in {timeout}s")


def test_coordinator_and_two_workers_write_the_single_process_output(site, server, single, tmp_path):
    out = tmp_path / "docs.jsonl"
    workers = [start_worker(tmp_path, f"worker{i}", server, idle_exit=120) for i in range(2)]
    # SLOW: one request at a time to the host, every 0.3 s for the whole run, so the frontier
    # waits in Redis and a process that was idle when the first links were pushed finds work at
    # its next poll (unpaced, two processes can take a 25-page site between them).
    crawl_ok("crawl", "kafka", "--base-url", site, "--out", str(out), "--redis", server, "--workers", "1", *SLOW)
    assert stop_workers(workers) == [0, 0]
    records, manifest = read_records(out), read_manifest(out)
    assert comparable(records) == comparable(single[0])
    assert {r["crawled_at"] for r in records} == {manifest["started_at"]}   # one run, one timestamp
    same_manifest(single[1], manifest)
    assert any("anchors" in r and "uses" in r["anchors"] for r in records)   # legacy anchor maps applied
    assert len(manifest["distributed"]["processes"]) == 3                  # all three took part
    assert per_version_books(manifest) == per_version_books(single[1])   # the shipped ledgers, merged
    assert not Path(str(out) + ".part").exists()
    assert run_keys(server) == []   # the run's keys are gone once its output is written


def test_a_restarted_coordinator_resumes_the_run(site, server, single, tmp_path):
    out = tmp_path / "docs.jsonl"
    command = ("crawl", "kafka", "--base-url", site, "--out", str(out), "--redis", server,
               "--lease-seconds", "2", "--workers", "1", *SLOW)
    coordinator = start(tmp_path, "coordinator", *command)
    wait_for_results(server, 4)
    os.killpg(coordinator.pid, signal.SIGKILL)
    coordinator.wait(timeout=30)
    assert not out.exists()
    crawl_ok(*command)
    records, manifest = read_records(out), read_manifest(out)
    assert comparable(records) == comparable(single[0])
    same_manifest(single[1], manifest)
    assert len({r["crawled_at"] for r in records}) == 1
    assert run_keys(server) == []


def test_two_runs_share_one_redis_and_one_worker(site, server, single, tmp_path):
    latest = tmp_path / "latest.jsonl"
    every = tmp_path / "every.jsonl"
    worker = start_worker(tmp_path, "worker", server)
    first = start(tmp_path, "first", "crawl", "kafka", "--base-url", site, "--out", str(every),
                  "--redis", server, "--workers", "1")
    second = start(tmp_path, "second", "crawl", "kafka", "--base-url", site, "--out", str(latest),
                   "--versions", "latest", "--redis", server, "--workers", "1")
    assert [first.wait(timeout=300), second.wait(timeout=300), worker.wait(timeout=300)] == [0, 0, 0]
    assert comparable(read_records(every)) == comparable(single[0])
    records = read_records(latest)
    assert records and {r["version"] for r in records} == {read_manifest(latest)["versions"]["latest"]}
    assert comparable(records) == [r for r in comparable(single[0]) if r[0] in {x["id"] for x in records}]
    assert run_keys(server) == []


def test_jobs_file_runs_each_crawl_into_its_own_output(site, server, single, tmp_path):
    jobs = tmp_path / "jobs.txt"
    jobs.write_text(f"# two crawls\nkafka --base-url {site} --out {tmp_path / 'a.jsonl'}\n\n"
                    f"kafka --base-url {site} --out {tmp_path / 'b.jsonl'} --versions latest\n")
    worker = start_worker(tmp_path, "worker", server)
    result = crawl_ok("crawl", "--redis", server, "--jobs", str(jobs), "--workers", "1")
    assert worker.wait(timeout=120) == 0
    assert comparable(read_records(tmp_path / "a.jsonl")) == comparable(single[0])
    assert 0 < len(read_records(tmp_path / "b.jsonl")) < len(single[0])
    assert result.stdout.count("docprompts: wrote") == 2


def test_state_works_the_same_distributed(site, server, tmp_path):
    state = tmp_path / "state"
    runs = []
    for name in ("first", "second"):
        out = tmp_path / f"{name}.jsonl"
        crawl_ok("crawl", "kafka", "--base-url", site, "--out", str(out), "--redis", server,
                 "--state", str(state), "--workers", "1")
        runs.append((read_records(out), read_manifest(out)))
    (first, first_manifest), (second, second_manifest) = runs
    assert first and first_manifest["delta"]["new"] == len(first)
    assert second == [] and second_manifest["delta"]["unchanged"] == len(first)
    assert second_manifest["delta"]["pages_changed"] == 0 and second_manifest["delta"]["removed"] == 0
    assert Path(tmp_path / "second.removed.jsonl").read_text() == ""


def test_unreachable_redis_is_one_line_and_exit_2(site, tmp_path):
    url = f"redis://127.0.0.1:{free_port()}/0"
    for args in (("crawl", "kafka", "--base-url", site, "--out", str(tmp_path / "x.jsonl"), "--redis", url),
                 ("worker", "--redis", url)):
        result = run_docprompts(*args)
        assert result.returncode == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("docprompts: error: cannot reach Redis at "), lines
    assert not (tmp_path / "x.jsonl").exists()


def test_redis_lost_mid_run_exits_1(site, tmp_path):
    out = tmp_path / "docs.jsonl"
    with redis_server() as (url, server_process):
        coordinator = start(tmp_path, "coordinator", "crawl", "kafka", "--base-url", site, "--out", str(out),
                            "--redis", url, "--workers", "1", "--log-level", "CRITICAL", *SLOW)
        wait_for_results(url, 2)
        server_process.kill()
        assert coordinator.wait(timeout=120) == 1
    lines = (tmp_path / "coordinator.log").read_text().strip().splitlines()
    assert lines[-1].startswith("docprompts: error: lost the connection to Redis at "), lines[-5:]
    assert "run the same command again to resume" in lines[-1]
    assert not out.exists()


def test_other_settings_for_an_unfinished_run_are_refused(site, server, tmp_path):
    out = tmp_path / "docs.jsonl"
    coordinator = start(tmp_path, "coordinator", "crawl", "kafka", "--base-url", site, "--out", str(out),
                        "--redis", server, "--lease-seconds", "2", *SLOW)
    wait_for_results(server, 2)
    os.killpg(coordinator.pid, signal.SIGKILL)
    coordinator.wait(timeout=30)
    result = run_docprompts("crawl", "kafka", "--base-url", site, "--out", str(out), "--redis", server,
                            "--target-tokens", "50")
    assert result.returncode == 2
    assert result.stderr.strip().startswith("docprompts: error: Redis holds an unfinished run for ")
    crawl_ok("crawl", "kafka", "--base-url", site, "--out", str(out), "--redis", server, "--lease-seconds", "2")
    assert json.loads(Path(str(out) + ".manifest.json").read_text())["records"] > 0


def test_tls_and_a_password_from_the_environment(site, single, tmp_path, monkeypatch):
    out = tmp_path / "docs.jsonl"
    with redis_server(password="s3cret-pass", tls_folder=tmp_path) as (url, _):
        assert url.startswith("rediss://")
        monkeypatch.setenv("REDISCLI_AUTH", "wrong")
        refused = run_docprompts("crawl", "kafka", "--base-url", site, "--out", str(out), "--redis", url)
        assert refused.returncode == 2 and refused.stderr.count("\n") == 1, refused.stderr
        assert "s3cret-pass" not in refused.stderr
        monkeypatch.setenv("REDISCLI_AUTH", "s3cret-pass")
        worker = start_worker(tmp_path, "worker", url)
        crawl_ok("crawl", "kafka", "--base-url", site, "--out", str(out), "--redis", url, "--workers", "1")
        assert worker.wait(timeout=60) == 0
    assert comparable(read_records(out)) == comparable(single[0])


def test_a_worker_killed_while_holding_pages_loses_nothing(site, server, single, tmp_path):
    """The same as the acceptance test on the Kafka mirror, on the small fixture site (runs
    without ../shared): the victim's leased pages go back to the queue when its lease expires."""
    out = tmp_path / "docs.jsonl"
    client = redis.Redis.from_url(server)
    victim = start_worker(tmp_path, "victim", server, idle_exit=120)   # killed before it idles
    coordinator = start(tmp_path, "coordinator", "crawl", "kafka", "--base-url", site, "--out", str(out),
                        "--redis", server, "--lease-seconds", "2", "--workers", "1", *SLOW)
    deadline = time.monotonic() + 120
    while not any(client.hlen(key) for key in client.keys(f"docprompts:run:*:leases:*-{victim.pid}-*")):
        assert time.monotonic() < deadline and coordinator.poll() is None, "the victim never held a page"
        time.sleep(0.01)
    os.killpg(victim.pid, signal.SIGKILL)
    survivor = start_worker(tmp_path, "survivor", server)
    assert coordinator.wait(timeout=300) == 0, (tmp_path / "coordinator.log").read_text()[-2000:]
    assert survivor.wait(timeout=60) == 0
    records = read_records(out)
    assert comparable(records) == comparable(single[0])
    assert read_manifest(out)["distributed"]["requeued_requests"] >= 1


def test_a_full_disk_at_the_end_of_a_state_run_loses_no_change(server, tmp_path):
    """The incremental output fits on the disk, the manifest does not: the coordinator says so in
    one line, exit 1; the run stays in Redis, and the
    same command, once there is space, writes the changed record."""
    copy = tmp_path / "site"
    shutil.copytree(SITE, copy)
    state = tmp_path / "state"
    with serve_directory(copy) as base_url:
        crawl_ok("crawl", "kafka", "--base-url", base_url, "--out", str(tmp_path / "first.jsonl"), "--redis", server,
                 "--state", str(state), "--workers", "1")
        page = copy / "41" / "getting-started" / "introduction" / "index.html"
        page.write_text(page.read_text().replace("<p>", "<p>A sentence added between two runs. ", 1))
        with small_filesystem(tmp_path / "small", "16k") as disk:
            out = disk / "second.jsonl"
            command = ("crawl", "kafka", "--base-url", base_url, "--out", str(out), "--redis", server,
                       "--state", str(state), "--workers", "1", "--log-level", "CRITICAL")
            full = run_docprompts(*command)
            assert full.returncode == 1
            errors = one_error_line(full.stderr)
            assert len(errors) == 1 and "run the same command again" in errors[0], full.stderr
            assert not Path(str(out) + ".manifest.json").exists()
            resize(disk, "8m")
            again = run_docprompts(*command)
            assert again.returncode == 0, again.stderr[-2000:]
            manifest, records = read_manifest(out), read_records(out)
    assert manifest["delta"]["changed"] >= 1
    assert any("A sentence added between two runs." in record["text"] for record in records)


def test_an_alias_path_without_a_menu_crawls_the_same_distributed(server, tmp_path):
    """Sphinx + Furo at /en/stable/ (no version menu): the coordinator alone asks what the entry
    page needs (its documentation_options.js); views and the stated version reach the manifest."""
    from crawler.demo import serve_directory

    profile = (PROJECT / "crawler" / "site" / "sites" / "sphinx.toml").read_text(encoding="utf-8")
    path = tmp_path / "furo.toml"
    path.write_text(profile.replace('entry = "/en/latest/"', 'entry = "/en/stable/"'), encoding="utf-8")
    single_out, out = tmp_path / "single.jsonl", tmp_path / "docs.jsonl"
    with serve_directory(PROJECT / "tests" / "sites" / "sphinx-furo") as base_url:
        crawl_ok("crawl", "--profile", str(path), "--base-url", base_url, "--out", str(single_out))
        worker = start_worker(tmp_path, "worker", server)
        crawl_ok("crawl", "--profile", str(path), "--base-url", base_url, "--out", str(out), "--redis", server,
                 "--workers", "1")
        assert worker.wait(timeout=60) == 0
    single, manifest = read_manifest(single_out), read_manifest(out)
    assert comparable(read_records(out)) == comparable(read_records(single_out))
    assert manifest["versions"]["stated"] == single["versions"]["stated"] == {"stable": "1.4.2"}
    assert manifest["skipped_pages"] == single["skipped_pages"]
    assert manifest["skipped_pages"]["source_listing"]["pages"] == 1
    assert {r["version"] for r in read_records(out)} == {"stable"}



def test_a_url_with_redis_is_one_line_naming_what_a_distributed_run_takes(server, tmp_path):
    with serve_directory(PROJECT / "crawler" / "demo_site") as base_url:
        result = run_docprompts("crawl", base_url + "/20/documentation/streams/", "--out",
                                str(tmp_path / "demo.jsonl"), "--redis", server)
    assert result.returncode == 2
    [line] = one_error_line(result.stderr)
    assert "--redis" in line and "--base-url" in line

"""Pages whose processing fails, whose worker dies or hangs: failed by kind, never lost (exit 1)."""
from __future__ import annotations

import json

import pytest

from ..conftest import read_manifest
from .site import GOOD, crawl, failure_kinds, html, page, records_by_page, serve_hostile, site, topic

pytestmark = pytest.mark.timeout(300)


@pytest.mark.slow
def test_killed_and_failing_workers_lose_no_page(tmp_path):
    """A worker SIGKILLed by a page (every time), a plugin that raises: the run goes on, every
    other page (the killed worker's bystanders included) is in the output, the two pages are
    failures with their kind, exit 1."""
    out = tmp_path / "out.jsonl"
    with serve_hostile(site({"boom": "raise", "oom": "kill"})) as server:
        result = crawl(server.base_url, out, "--workers", "2")
    assert result.returncode == 1, result.stderr
    manifest = read_manifest(out)
    assert failure_kinds(manifest) == {"boom.html": "processing", "oom.html": "worker_died"}, manifest["failures"]
    done = records_by_page(out)
    for name in GOOD:
        assert done.get(f"{server.base_url}/docs/1.0/{name}.html"), (name, sorted(done))
    assert manifest["pages_failed"] == 2
    assert manifest["records"] == sum(done.values())
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_a_worker_killed_once_is_replaced_and_its_pages_retried(tmp_path):
    out = tmp_path / "out.jsonl"
    with serve_hostile(site({"oom-once": "kill-once"})) as server:
        result = crawl(server.base_url, out, "--workers", "2", env={"HOSTILE_MARKERS": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "killed-1.0").exists()   # the worker really was killed
    done = records_by_page(out)
    for name in GOOD + ["oom-once"]:
        assert done.get(f"{server.base_url}/docs/1.0/{name}.html"), (name, sorted(done))
    assert read_manifest(out)["pages_failed"] == 0


@pytest.mark.slow
def test_page_over_the_time_limit_fails_and_the_rest_is_done(tmp_path):
    out = tmp_path / "out.jsonl"
    with serve_hostile(site({"stuck": "sleep"})) as server:
        result = crawl(server.base_url, out, "--workers", "1", "--page-timeout", "2",
                       env={"HOSTILE_SLEEP": "120"}, timeout=120)
    assert result.returncode == 1, result.stderr
    manifest = read_manifest(out)
    assert failure_kinds(manifest) == {"stuck.html": "processing_timeout"}
    done = records_by_page(out)
    assert all(done.get(f"{server.base_url}/docs/1.0/{name}.html") for name in GOOD), sorted(done)


@pytest.mark.slow
def test_an_ordered_list_with_a_junk_start_is_extracted(tmp_path):
    """``<ol start="i">`` and a 5000-digit start used to raise and drop the page with exit 0."""
    junk = {"roman": "<ol start='i'><li>first roman step</li><li>second roman step</li></ol>",
            "huge": f"<ol start='{'9' * 5000}'><li>first huge step</li></ol>"}
    out = tmp_path / "out.jsonl"
    with serve_hostile(site({}, junk)) as server:
        result = crawl(server.base_url, out, "--workers", "1")
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert "1. first roman step" in text and "2. second roman step" in text
    assert "1. first huge step" in text
    assert read_manifest(out)["pages_failed"] == 0


@pytest.mark.slow
def test_with_state_a_failed_page_keeps_its_records(tmp_path):
    """A page that fails on a re-run is not 'removed': its records stay in the state."""
    state, out1, out2 = tmp_path / "state", tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    failing = {"name": ""}

    def route(path):
        if failing["name"] and path == f"/docs/1.0/{failing['name']}.html":
            return html(page("x", topic("x") + "<p>changed</p>", "<li><a href='/docs/1.0/'>raise</a></li>"))
        return site({})(path)

    with serve_hostile(route) as server:
        first = crawl(server.base_url, out1, "--workers", "1", "--state", str(state))
        assert first.returncode == 0, first.stderr
        failing["name"] = "c"
        second = crawl(server.base_url, out2, "--workers", "1", "--state", str(state))
    assert second.returncode == 1, second.stderr
    removed = (tmp_path / "two.removed.jsonl").read_text()
    assert removed == "", removed
    saved = json.loads((state / "hostile.json").read_text())
    assert saved["pages"]["/docs/1.0/c.html"]["records"], "the failed page's records were forgotten"
    assert failure_kinds(read_manifest(out2)) == {"c.html": "processing"}


def test_a_started_page_that_never_finished_is_failed_at_the_end():
    """The one place the invariant is enforced: started (claimed) but neither done nor failed,
    or journaled with records missing from the output, becomes a failure before the manifest."""
    from types import SimpleNamespace

    from crawler.run.accounting import settle_pages
    from crawler.run.state import PageDone

    failures = []
    spider = SimpleNamespace(base_url="http://h", claimed={"/a", "/b", "/c"}, failed_paths={"/c"},
                             done_pages={"/a": PageDone("http://h/a", "/a", "1", "x")})
    spider.fail = lambda url, reason, kind: (failures.append((url, kind)), spider.failed_paths.add(url[8:]))
    pending = {"http://h/a": spider.done_pages["/a"]}   # its records never all reached the output
    settle_pages(spider, pending)
    assert sorted(failures) == [("http://h/a", "output"), ("http://h/b", "lost")]

"""Crawler traps end by themselves, bounded, and are named in the manifest (exit 1); session ids
never make a page twice; a page-count limit never stops a resumed run from finishing."""
from __future__ import annotations

import itertools
import json
import re

import pytest

from crawler.run.limits import CrawlLimits, LimitTracker, without_session_ids

from ..conftest import read_manifest
from .site import GOOD, crawl, html, page, serve_hostile, site, topic

pytestmark = [pytest.mark.timeout(300), pytest.mark.slow]
_session = itertools.count(1000)


def trap_site():
    """Release 1.0 as usual, plus a calendar, an ever-deeper folder and session ids in links."""
    base = site({})

    def route(path: str):
        if path == "/docs/1.0/":
            sid = next(_session)
            links = "".join(f"<li><a href='{name}.html;jsessionid={sid}'>{name}</a></li>"
                            f"<li><a href='/docs/1.0/(S(x{sid}))/{name}.html'>{name}</a></li>" for name in GOOD)
            return html(page("Index", f"<h1 id='i'>Release 1.0</h1><p>Topics of this release, and "
                                      f"the calendar.</p><ul>{links}<li><a href='cal/0.html'>calendar</a>"
                                      f"</li><li><a href='deep/'>deeper</a></li></ul>"))
        if path.startswith("/docs/1.0/cal/"):
            month = int(path.rsplit("/", 1)[1].removesuffix(".html"))
            return html(page(f"Month {month}", topic(f"m{month}", f"<a href='{month + 1}.html'>next</a>")))
        if path.startswith("/docs/1.0/deep/"):
            depth = path.count("/")
            return html(page(f"Deep {depth}", topic(f"deep{depth}", "<a href='more/'>more</a>")))
        return base(path.replace(";jsessionid=", "?"))
    return route


def test_traps_end_by_themselves_and_are_named(tmp_path):
    out = tmp_path / "out.jsonl"
    with serve_hostile(trap_site(), max_requests=2000) as server:
        result = crawl(server.base_url, out, "--workers", "2", timeout=280)
    assert not server.stopped.is_set() or server.requests < 2000
    assert server.requests < 200, server.requests
    assert result.returncode == 1, result.stderr
    limits = {entry["limit"] for entry in read_manifest(out)["limits_reached"]}
    assert limits == {"max_depth"}, read_manifest(out)["limits_reached"]
    assert "limit reached: max_depth" in result.stderr
    assert not [p for p in server.paths if "jsessionid" in p or "(S(" in p], "session-id URLs requested"
    pages = [json.loads(line)["url"].split("#")[0] for line in open(out, encoding="utf-8")]
    for name in GOOD:   # each page once, under its one URL
        assert f"{server.base_url}/docs/1.0/{name}.html" in pages
    assert not [url for url in pages if "jsessionid" in url or "(S(" in url]


def test_release_chain_trap_stops_at_the_version_limit(tmp_path):
    """Each release's pages name the next release: versions never end."""
    def route(path: str):
        if path == "/docs/index.html":
            return html(page("Docs", "<h1>Docs</h1><p>Releases.</p>", "<li><a href='/docs/1.0/'>1.0</a></li>"))
        match = re.fullmatch(r"/docs/1\.(\d+)/", path)
        if match:
            minor = int(match.group(1))
            return html(page(f"1.{minor}", topic(f"r{minor}"), f"<li><a href='/docs/1.{minor + 1}/'>1.{minor + 1}</a></li>"))
        return None

    out = tmp_path / "out.jsonl"
    with serve_hostile(route) as server:
        result = crawl(server.base_url, out, "--workers", "1", "-s", "DOCPROMPTS_MAX_VERSIONS=5")
    assert result.returncode == 1, result.stderr
    manifest = read_manifest(out)
    assert [entry["limit"] for entry in manifest["limits_reached"]] == ["max_versions"]
    assert len(manifest["versions"]["crawled"]) == 5
    assert server.requests < 20


def test_scrapy_page_count_is_a_budget_that_lets_the_run_finish(tmp_path):
    """-s CLOSESPIDER_PAGECOUNT used to stop every run early, resumed ones included."""
    out = tmp_path / "out.jsonl"
    with serve_hostile(site({})) as server:
        exact = crawl(server.base_url, out, "--workers", "1", "-s", f"CLOSESPIDER_PAGECOUNT={len(GOOD) + 1}")
        assert exact.returncode == 0, exact.stderr
        smaller = crawl(server.base_url, tmp_path / "small.jsonl", "--workers", "1", "-s", "CLOSESPIDER_PAGECOUNT=3")
    assert smaller.returncode == 1
    assert [entry["limit"] for entry in read_manifest(tmp_path / "small.jsonl")["limits_reached"]] == ["max_pages"]


def test_replayed_pages_do_not_count():
    tracker = LimitTracker(CrawlLimits(max_pages=2))
    assert all(tracker.admit(f"http://h/docs/1.0/{n}.html", "1.0", 1, True, replayed=True) for n in range(10))
    assert tracker.admit("http://h/docs/1.0/x.html", "1.0", 1, True, False)
    assert tracker.admit("http://h/docs/1.0/y.html", "1.0", 1, True, False)
    assert not tracker.admit("http://h/docs/1.0/z.html", "1.0", 1, True, False)
    assert tracker.summary()[0]["limit"] == "max_pages"


@pytest.mark.parametrize("url, expected", [
    ("http://h/docs/a.html;jsessionid=ABC123", "http://h/docs/a.html"),
    ("http://h/docs/a.html;JSESSIONID=x?q=1#f", "http://h/docs/a.html?q=1#f"),
    ("http://h/(S(abcdef))/docs/a.html", "http://h/docs/a.html"),
    ("http://h/docs/(X(1)S(ab)A(cd))/a.html", "http://h/docs/a.html"),
    ("http://h/docs/a(b).html", "http://h/docs/a(b).html"),
])
def test_session_ids_are_dropped_from_urls(url, expected):
    assert without_session_ids(url) == expected

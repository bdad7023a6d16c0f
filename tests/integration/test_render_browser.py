"""Pages whose text exists only after JavaScript runs (issue 20): the Docsify fixture
(tests/sites/docsify, Docsify 5.0.0 from npm, served over loopback) crawled by one route's URL
through the real CLI, scrapy-playwright and the system Chromium; compared with what Chromium
shows a reader on each route. Also: no browser on the machine, ``--render never``, and a site
whose HTML holds its text (no browser started)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.render_fidelity import rendered_texts, route_fidelity
from crawler.demo import serve_directory
from crawler.run.browser import find_browser

from ..conftest import PROJECT, free_port, read_manifest, read_records, run_docprompts

SITES = PROJECT / "tests" / "sites"
BROWSER = find_browser()
needs_chromium = pytest.mark.skipif(BROWSER is None, reason="no Chromium on this machine "
                                    "(/usr/bin/chromium: apt-get install chromium)")
pytestmark = pytest.mark.slow   # each crawl renders its pages in Chromium
# Every page of the fixture: the sidebar's nine and one linked only from the questions page.
ROUTES = ["/", "/quickstart", "/install", "/guide", "/configuration", "/feeds", "/reference/commands",
          "/reference/api", "/faq", "/troubleshooting"]


class Crawl:
    def __init__(self, result, out: Path, base_url: str):
        self.result, self.out, self.base_url = result, out, base_url
        manifest = Path(str(out) + ".manifest.json")
        self.manifest = read_manifest(out) if manifest.exists() else None
        self.records = read_records(out) if out.exists() else []


def crawl(tmp: Path, site: str, path: str, *options: str, port: int = 0) -> Crawl:
    out = tmp / f"{site}.jsonl"
    with serve_directory(SITES / site, port=port) as base_url:
        result = run_docprompts("crawl", base_url + path, "--out", str(out), "--workers", "0", *options)
    return Crawl(result, out, base_url)


def page_of(record: dict) -> str:
    """The route of a record's page ("/guide" for .../docs/#/guide?id=setup)."""
    return record["url"].split("#", 1)[1].split("?", 1)[0]


@pytest.fixture(scope="module")
def docsify(tmp_path_factory):
    return crawl(tmp_path_factory.mktemp("docsify"), "docsify", "/docs/#/quickstart", "--target-tokens", "60")


def chromium_reference(crawled: Crawl, site: str, folder: str, routes: list[str], content: str) -> dict:
    """What Chromium shows in ``content`` on each route, rendered by the same browser straight
    through Playwright, not through docprompts (bench/render_fidelity.py); served again on the
    crawl's port, so the URLs are the records' own."""
    port = int(crawled.base_url.rsplit(":", 1)[1])
    with serve_directory(SITES / site, port=port) as base_url:
        return rendered_texts([f"{base_url}{folder}#{route}" for route in routes], BROWSER, content=content)


def assert_faithful(crawled: Crawl, reference: dict) -> None:
    figures = route_fidelity(crawled.records, reference)
    assert len(figures) == len(reference)
    for url, figure in figures.items():
        assert figure["recall"] >= 0.95 and figure["precision"] >= 0.95, (url, figure)


@pytest.fixture(scope="module")
def rendered_reference(docsify):
    return chromium_reference(docsify, "docsify", "/docs/", ROUTES, "article#main")


@needs_chromium
def test_the_docsify_site_is_detected_and_rendered_in_chromium(docsify):
    assert docsify.result.returncode == 0, docsify.result.stderr[-3000:]
    err = docsify.result.stderr
    assert "detected Docsify" in err and "profile docsify" in err
    assert re.search(r"its pages need a browser: Docsify .*Markdown source holds \d+ words, its HTML shows 2", err), err
    rendering = docsify.manifest["rendering"]
    assert rendering["mode"] == "auto" and rendering["browser"] == BROWSER and rendering["hash_routes"]
    assert "Docsify" in rendering["needed"]
    assert rendering["pages_rendered"] == len(ROUTES)
    assert docsify.manifest["pages_failed"] == 0


@needs_chromium
def test_every_route_is_a_page_once_and_record_urls_keep_the_route(docsify):
    assert sorted({page_of(record) for record in docsify.records}) == sorted(ROUTES)
    assert len(docsify.manifest["coverage"]["per_page"]) == len(ROUTES)   # #/guide?id=... is #/guide
    for record in docsify.records:
        assert record["url"].startswith(docsify.base_url + "/docs/#/"), record["url"]
        assert "Loading" not in record["text"]
        anchor = record["url"].partition("?id=")[2]
        assert not anchor or anchor in record["anchors"], record["url"]
    guide = [record for record in docsify.records if page_of(record) == "/guide"]
    anchors = {anchor for record in guide for anchor in record["anchors"]}
    assert {"secondary-harbour-offsets", "entering-offsets", "drying-heights", "weather-and-surge"} <= anchors
    assert {record["url"].rsplit("?id=", 1)[1] for record in guide} - {"guide"}   # ?id=HEADING
    text = "\n".join(record["text"] for record in guide)
    assert "```toml\n[harbour.wells]" in text and "### Entering offsets" in text


@needs_chromium
def test_recall_and_precision_against_what_chromium_shows(docsify, rendered_reference):
    assert len(rendered_reference) == len(ROUTES)
    assert_faithful(docsify, rendered_reference)


@needs_chromium
def test_with_render_never_the_pages_fail_as_needing_a_browser_and_nothing_says_loading(tmp_path):
    never = crawl(tmp_path, "docsify", "/docs/#/quickstart", "--render", "never")
    assert never.result.returncode == 1
    assert never.records == []
    assert [failure["kind"] for failure in never.manifest["failures"]] == ["needs_browser"]
    assert never.manifest["rendering"] == {"mode": "never", "needed": never.manifest["rendering"]["needed"],
                                           "browser": None, "hash_routes": False, "pages_rendered": 0,
                                           "unsettled": []}
    assert "scrapy-playwright" not in never.result.stderr   # no handler, no browser


def test_no_browser_on_the_machine_exits_1_in_one_line_and_writes_nothing(tmp_path):
    missing = tmp_path / "no-such-chromium"
    result = crawl(tmp_path, "docsify", "/docs/#/quickstart", "-s", f"DOCPROMPTS_BROWSER={missing}")
    assert result.result.returncode == 1
    errors = [line for line in result.result.stderr.splitlines() if "error" in line]
    assert len(errors) == 1, result.result.stderr
    assert f"{result.base_url}/docs/#/quickstart need a browser" in errors[0]
    assert "apt-get install chromium" in errors[0] and str(missing) in errors[0]
    assert not result.out.exists() and not Path(str(result.out) + ".manifest.json").exists()


def test_a_site_whose_html_holds_its_text_starts_no_browser(tmp_path):
    plain = crawl(tmp_path, "mkdocs", "/1.1/")
    assert plain.result.returncode == 0, plain.result.stderr[-2000:]
    assert plain.manifest["rendering"] == {"mode": "auto", "needed": None, "browser": None,
                                           "hash_routes": False, "pages_rendered": 0, "unsettled": []}
    assert "need a browser" not in plain.result.stderr
    assert "scrapy-playwright" not in plain.result.stderr   # its download handler never installed
    assert plain.records and not any(failure["kind"] == "needs_browser" for failure in plain.manifest["failures"])


@needs_chromium
def test_an_incremental_run_of_a_rendered_site_finds_every_route_unchanged(tmp_path):
    """--state: routes keep apart in the request fingerprint, and no conditional request (a 304
    aborts the browser's navigation) is sent for a rendered page. A route whose DOM's bytes
    differ this time (on a busy machine a route was once read before its sidebar was written) is
    unchanged: its records are."""
    port = int(free_port())   # the same site (records and state are named after host and port)
    first = crawl(tmp_path, "docsify", "/docs/", "--state", str(tmp_path / "state"), port=port)
    assert first.result.returncode == 0, first.result.stderr[-2000:]
    assert first.manifest["delta"]["new"] == len(first.records) > 0
    again = crawl(tmp_path, "docsify", "/docs/", "--state", str(tmp_path / "state"), port=port)
    assert again.result.returncode == 0, again.result.stderr[-2000:]
    assert again.manifest["delta"]["pages_unchanged"] == len(ROUTES)
    assert again.manifest["delta"]["new"] == again.manifest["delta"]["removed"] == again.manifest["delta"]["changed"] == 0


@needs_chromium
def test_render_always_reads_a_server_rendered_site_in_the_browser_with_the_same_pages(tmp_path):
    (tmp_path / "plain").mkdir()
    plain = crawl(tmp_path / "plain", "mkdocs", "/1.1/")
    always = crawl(tmp_path, "mkdocs", "/1.1/", "--render", "always")
    assert always.result.returncode == 0, always.result.stderr[-2000:]
    rendering = always.manifest["rendering"]
    assert rendering["browser"] == BROWSER and rendering["needed"] == "--render always"
    assert rendering["pages_rendered"] == always.manifest["pages_fetched"] == plain.manifest["pages_fetched"]
    assert not rendering["hash_routes"] and not any("#/" in record["url"] for record in always.records)
    def pages_and_anchors(crawl: Crawl) -> set[str]:   # the two crawls' servers have other ports
        return {record["url"].split("/", 3)[3] for record in crawl.records}
    assert pages_and_anchors(always) == pages_and_anchors(plain)


# -- a hash-routed single-page app (tests/sites/vue-spa: Vue 3 + vue-router, built by Vite) ------
HANDBOOK_ROUTES = ["/", "/duties", "/lamps", "/logbook"]


@needs_chromium
def test_a_hash_routed_app_with_an_empty_root_is_rendered_and_its_routes_found(tmp_path):
    app = crawl(tmp_path, "vue-spa", "/handbook/")
    assert app.result.returncode == 0, app.result.stderr[-3000:]
    assert 'its pages need a browser: its app root <div id="app"> is empty until its scripts run' in app.result.stderr
    rendering = app.manifest["rendering"]
    assert rendering["browser"] == BROWSER and rendering["pages_rendered"] == len(HANDBOOK_ROUTES)
    assert rendering["hash_routes"]   # found in the rendered page's links: the served one has none
    assert sorted({page_of(record) for record in app.records}) == sorted(HANDBOOK_ROUTES)
    lamps = [record for record in app.records if page_of(record) == "/lamps"]
    assert {"paraffin", "electric", "lens-care"} <= {anchor for r in lamps for anchor in r["anchors"]}
    home = "\n".join(record["text"] for record in app.records if page_of(record) == "/")
    assert "Duties of a keeper" not in home   # the app's menu is not content
    assert_faithful(app, chromium_reference(app, "vue-spa", "/handbook/", HANDBOOK_ROUTES, "article.page"))


@needs_chromium
def test_a_page_over_its_render_time_limit_fails_as_a_timeout(tmp_path):
    slow = crawl(tmp_path, "docsify", "/docs/#/quickstart", "-s", "DOCPROMPTS_RENDER_TIMEOUT=0.001")
    assert slow.result.returncode == 1
    assert slow.records == []
    failures = slow.manifest["failures"]
    assert failures and {failure["kind"] for failure in failures} == {"timeout"}, failures
    assert all("Timeout" in failure["reason"] for failure in failures)

"""The real CLI crawls a site that fails in every way a real one can (``tests/faults/server.py``).

One crawl (module fixture) with a 2 s download timeout, 2 retries and a 300 kB size limit; each
test then checks one fault three ways: the crawl went on, the manifest names the fault and its
URL, and the server's request log shows what the crawler really did on the wire.

Manifest contract checked here:
    failures: [{"url", "reason", "kind"}]   kind in FAILURE_KINDS
    retries: [{"url", "reason"}]            one per retried attempt ("HTTP 503", "timeout", ...)
    broken_links: [url]                     answered 404 (not failures)
    skipped_links: {"offsite": [url], "scheme": [url]}   seen, deliberately not requested
    charset_repairs: [url]                  declared charset was wrong, decoded otherwise
    pages_fetched, pages_failed, coverage.per_page: [{"url", "coverage", ...}]
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..conftest import read_manifest, read_records, run_docprompts
from ..faults import server as faults
from ..faults.server import FaultSite, serve_faults

pytestmark = pytest.mark.timeout(180)

PROFILE = "tests/faults/profile.toml"
DOWNLOAD_TIMEOUT, RETRY_TIMES, DOWNLOAD_MAXSIZE = 2, 2, 300_000
ATTEMPTS = RETRY_TIMES + 1
FAILURE_KINDS = {"http_error", "timeout", "connection", "truncated", "redirect_loop", "too_large",
                 "not_html", "robots", "out_of_scope", "no_content", "other"}

# Pages that must end as records (fetched, possibly after retries) and those that must fail.
SUCCEEDING = (faults.V1, faults.GUIDE, faults.STATIONS, faults.V2, faults.V2_GUIDE, faults.V2_CLI,
              faults.FLAKY_503, faults.RATE_LIMITED, faults.RATE_LIMITED_LONG, faults.SLOW_ONCE,
              faults.LATIN1_AS_UTF8, faults.UTF8_AS_LATIN1, faults.MALFORMED)
FAILING = {  # path -> failure kind
    faults.ALWAYS_500: "http_error",
    faults.SLOW_ALWAYS: "timeout",
    faults.RESET: "connection",
    faults.TRUNCATED: "truncated",
    faults.LOOP_A: "redirect_loop",     # or reported under LOOP_B, where the loop closes
    faults.HUGE: "too_large",
    faults.NOT_HTML: "not_html",
    faults.PRIVATE: "robots",
}
MOJIBAKE = re.compile("\ufffd|Ã|Â|â€")


@dataclass
class Crawl:
    returncode: int
    stderr: str
    records: list[dict]
    manifest: dict
    site: FaultSite

    def url(self, path: str) -> str:
        return self.site.url(path)

    def records_of(self, path: str) -> list[dict]:
        return [r for r in self.records if r["url"].split("#", 1)[0] == self.url(path)]

    def text_of(self, path: str) -> str:
        return "\n".join(r["text"] for r in self.records_of(path))

    def failures_of(self, *paths: str) -> list[dict]:
        urls = {self.url(path) for path in paths}
        return [f for f in self.manifest.get("failures", []) if f.get("url") in urls]

    def retries_of(self, path: str) -> list[dict]:
        return [r for r in self.manifest.get("retries", []) if r.get("url") == self.url(path)]

    def page(self, path: str) -> dict | None:
        pages = [p for p in self.manifest["coverage"]["per_page"] if p["url"] == self.url(path)]
        return pages[0] if pages else None

    def requests(self, path: str) -> int:
        return self.site.log.count(path)

    def diagnosis(self) -> str:
        return (f"failures={self.manifest.get('failures')}\nretries={self.manifest.get('retries')}\n"
                f"requests={self.site.log.paths()}\nstderr tail:\n{self.stderr[-1500:]}")


@pytest.fixture(scope="module")
def crawl(tmp_path_factory) -> Crawl:
    out = tmp_path_factory.mktemp("faults") / "faults.jsonl"
    with serve_faults(deadline=150, max_requests=2000) as site:
        result = run_docprompts(
            "crawl", "--profile", PROFILE, "--base-url", site.base_url, "--out", str(out),
            "-s", f"DOWNLOAD_TIMEOUT={DOWNLOAD_TIMEOUT}", "-s", f"RETRY_TIMES={RETRY_TIMES}",
            "-s", f"DOWNLOAD_MAXSIZE={DOWNLOAD_MAXSIZE}", timeout=120)
    assert Path(str(out) + ".manifest.json").exists(), \
        f"exit {result.returncode}, no manifest:\n{result.stderr[-3000:]}"
    assert not site.exhausted, "the crawler sent more than 2000 requests"
    return Crawl(result.returncode, result.stderr, read_records(out), read_manifest(out), site)


def _assert_failed(crawl: Crawl, path: str, kind: str, *also: str) -> dict:
    failures = crawl.failures_of(path, *also)
    assert len(failures) == 1, f"{path}: expected one failure of kind {kind}\n{crawl.diagnosis()}"
    failure = failures[0]
    assert failure.get("kind") == kind, failure
    assert not crawl.records_of(path) and not any(crawl.records_of(p) for p in also)
    assert crawl.page(path) is None, "a failed page has no coverage entry"
    return failure


def _assert_succeeded(crawl: Crawl, path: str) -> None:
    assert not crawl.failures_of(path), crawl.failures_of(path)
    assert faults.KEY_SENTENCES[path] in crawl.text_of(path), f"{path}: {crawl.text_of(path)[:500]!r}"
    page = crawl.page(path)
    assert page is not None and page["coverage"] >= 0.95, page


def _retry_reasons(crawl: Crawl, path: str) -> list[str]:
    return [retry.get("reason", "") for retry in crawl.retries_of(path)]


# -- the crawl as a whole -------------------------------------------------------------------------
def test_crawl_goes_on_past_every_fault_and_exits_partial(crawl):
    assert crawl.returncode == 1, crawl.diagnosis()
    assert crawl.manifest["versions"]["discovered"] == ["1.0", "2.0"]
    for path in faults.CLEAN_PAGES:
        _assert_succeeded(crawl, path)
    assert "pages failed" in crawl.stderr


def test_exactly_the_broken_pages_fail_and_the_counts_agree(crawl):
    manifest = crawl.manifest
    failures = manifest["failures"]
    loop_b = crawl.url(faults.LOOP_B)
    failed = {crawl.url(faults.LOOP_A) if f["url"] == loop_b else f["url"] for f in failures}
    assert failed == {crawl.url(path) for path in FAILING}, crawl.diagnosis()
    assert manifest["pages_failed"] == len(failures) == len(FAILING)
    fetched = {page["url"] for page in manifest["coverage"]["per_page"]}
    assert fetched == {crawl.url(path) for path in SUCCEEDING}
    assert manifest["pages_fetched"] == len(SUCCEEDING)
    assert manifest["records"] == len(crawl.records)


def test_every_failure_has_a_known_kind_and_a_readable_reason(crawl):
    assert crawl.manifest["failures"], crawl.diagnosis()
    for failure in crawl.manifest["failures"]:
        assert failure.get("kind") in FAILURE_KINDS, failure
        assert isinstance(failure.get("reason"), str) and failure["reason"].strip(), \
            f"a failure needs a readable reason: {failure}"


def test_records_hold_no_error_pages_traps_or_boilerplate(crawl):
    for record in crawl.records:
        text = record["text"]
        assert record["url"].startswith(crawl.site.base_url + "/docs/"), record["url"]
        assert not MOJIBAKE.search(text), (record["url"], MOJIBAKE.findall(text))
        assert faults.TRAP_TEXT not in text and faults.FOOTER_TEXT not in text
        assert faults.KEY_SENTENCES[faults.PRIVATE] not in text
        assert "%PDF" not in text and "root:x:0:0" not in text
        assert "Error 503" not in text and "Error 429" not in text and "Not found" not in text


# -- retried, then fine ---------------------------------------------------------------------------
def test_503_twice_is_retried_then_crawled(crawl):
    _assert_succeeded(crawl, faults.FLAKY_503)
    assert crawl.requests(faults.FLAKY_503) == 3
    reasons = _retry_reasons(crawl, faults.FLAKY_503)
    assert len(reasons) == 2 and all("503" in reason for reason in reasons), reasons


@pytest.mark.parametrize("path, wait", [(faults.RATE_LIMITED, 1), (faults.RATE_LIMITED_LONG, 3)],
                         ids=["retry-after-1", "retry-after-3"])
def test_429_waits_for_retry_after_then_crawls(crawl, path, wait):
    _assert_succeeded(crawl, path)
    times = crawl.site.log.times(path)
    assert len(times) == 2, times
    assert times[1] - times[0] >= wait - 0.1, \
        f"retried {times[1] - times[0]:.2f}s after a Retry-After: {wait}"
    reasons = _retry_reasons(crawl, path)
    assert len(reasons) == 1 and "429" in reasons[0], reasons


def test_timeout_once_is_retried_then_crawled(crawl):
    _assert_succeeded(crawl, faults.SLOW_ONCE)
    assert crawl.requests(faults.SLOW_ONCE) == 2
    reasons = _retry_reasons(crawl, faults.SLOW_ONCE)
    assert len(reasons) == 1 and "timeout" in reasons[0].lower(), reasons


# -- retried, then given up -----------------------------------------------------------------------
def test_500_every_time_fails_after_all_retries(crawl):
    failure = _assert_failed(crawl, faults.ALWAYS_500, "http_error")
    assert "500" in failure["reason"], failure
    assert crawl.requests(faults.ALWAYS_500) == ATTEMPTS
    reasons = _retry_reasons(crawl, faults.ALWAYS_500)
    assert len(reasons) == RETRY_TIMES and all("500" in reason for reason in reasons), reasons


def test_timeout_every_time_fails_after_all_retries(crawl):
    _assert_failed(crawl, faults.SLOW_ALWAYS, "timeout")
    times = crawl.site.log.times(faults.SLOW_ALWAYS)
    assert len(times) == ATTEMPTS, times
    assert all(later - earlier >= DOWNLOAD_TIMEOUT - 0.5 for earlier, later in zip(times, times[1:]))
    reasons = _retry_reasons(crawl, faults.SLOW_ALWAYS)
    assert len(reasons) == RETRY_TIMES and all("timeout" in r.lower() for r in reasons), reasons


def test_connection_reset_fails_after_all_retries(crawl):
    _assert_failed(crawl, faults.RESET, "connection")
    assert crawl.requests(faults.RESET) == ATTEMPTS
    reasons = _retry_reasons(crawl, faults.RESET)
    assert len(reasons) == RETRY_TIMES and all("connection" in r.lower() for r in reasons), reasons


def test_truncated_body_fails_and_is_not_used_half_read(crawl):
    _assert_failed(crawl, faults.TRUNCATED, "truncated")
    assert faults.KEY_SENTENCES[faults.TRUNCATED] not in "\n".join(r["text"] for r in crawl.records)
    attempts = crawl.requests(faults.TRUNCATED)
    assert 1 <= attempts <= ATTEMPTS
    assert len(crawl.retries_of(faults.TRUNCATED)) == attempts - 1


# -- failed at once -------------------------------------------------------------------------------
def test_redirect_loop_is_a_failure_not_a_silent_drop(crawl):
    _assert_failed(crawl, faults.LOOP_A, "redirect_loop", faults.LOOP_B)
    hops = crawl.requests(faults.LOOP_A) + crawl.requests(faults.LOOP_B)
    assert 2 <= hops <= 2 * 11, f"{hops} requests in the redirect loop"


def test_oversized_page_fails_without_retries(crawl):
    failure = _assert_failed(crawl, faults.HUGE, "too_large")
    assert failure["reason"]
    assert crawl.requests(faults.HUGE) == 1
    assert not crawl.retries_of(faults.HUGE)


def test_pdf_at_an_html_path_is_not_html(crawl):
    _assert_failed(crawl, faults.NOT_HTML, "not_html")
    assert crawl.requests(faults.NOT_HTML) == 1
    assert not crawl.retries_of(faults.NOT_HTML)


def test_dead_link_is_a_broken_link_not_a_failure(crawl):
    assert crawl.url(faults.MISSING) in crawl.manifest["broken_links"]
    assert not crawl.failures_of(faults.MISSING)
    assert crawl.requests(faults.MISSING) == 1
    assert not crawl.retries_of(faults.MISSING)


# -- content that arrives but lies about itself ---------------------------------------------------
@pytest.mark.parametrize("path", [faults.LATIN1_AS_UTF8, faults.UTF8_AS_LATIN1],
                         ids=["cp1252-declared-utf8", "utf8-declared-latin1"])
def test_wrong_charset_header_is_repaired(crawl, path):
    _assert_succeeded(crawl, path)
    text = crawl.text_of(path)
    for word in faults.ACCENTED_WORDS:
        assert word in text, f"{word!r} missing from {path}: {text[:400]!r}"
    assert not MOJIBAKE.search(text), MOJIBAKE.findall(text)
    assert crawl.url(path) in crawl.manifest["charset_repairs"]


def test_correctly_declared_pages_are_not_reported_as_repaired(crawl):
    repaired = set(crawl.manifest["charset_repairs"])
    assert repaired == {crawl.url(faults.LATIN1_AS_UTF8), crawl.url(faults.UTF8_AS_LATIN1)}


def test_malformed_html_keeps_every_sentence(crawl):
    _assert_succeeded(crawl, faults.MALFORMED)
    text = crawl.text_of(faults.MALFORMED)
    for sentence in faults.MALFORMED_SENTENCES:
        assert sentence in text, f"{sentence!r} missing: {text!r}"
    anchors = {a for record in crawl.records_of(faults.MALFORMED) for a in record["anchors"]}
    assert {"field-notes", "surges", "surge-example", "log-table"} <= anchors
    assert faults.FOOTER_TEXT not in text


# -- scope: what must never be requested ----------------------------------------------------------
def test_robots_disallowed_page_is_reported_never_requested(crawl):
    _assert_failed(crawl, faults.PRIVATE, "robots")
    assert crawl.requests(faults.PRIVATE) == 0
    assert not any(path.startswith("/docs/1.0/private/") for path in crawl.site.log.paths())
    assert crawl.requests(faults.ROBOTS) == 1


def test_offsite_and_non_http_links_are_skipped_and_listed(crawl):
    skipped = crawl.manifest["skipped_links"]
    for url in crawl.site.offsite_urls:
        assert url in skipped["offsite"], f"{url} not in {skipped['offsite']}"
    for url in crawl.site.scheme_urls:
        assert url in skipped["scheme"], f"{url} not in {skipped['scheme']}"
    assert not crawl.site.offsite_log.entries(), crawl.site.offsite_log.entries()
    # same host name, other port: another site, not a page of this one
    assert crawl.requests(faults.OTHER_PORT_PATH) == 0
    assert not any(faults.OTHER_PORT_PATH in url for url in crawl.manifest["broken_links"])


def test_every_request_stayed_in_scope(crawl):
    entries = crawl.site.log.entries()
    for entry in entries:
        path = entry.path.split("?", 1)[0]
        assert entry.method == "GET", entry
        # robots.txt, the sitemap (one more list of pages) and the documentation, nothing else
        assert path in (faults.ROBOTS, "/sitemap.xml") or path.startswith("/docs/"), entry
        assert entry.headers.get("User-Agent", "").startswith("docprompts/"), entry
    paths = [entry.path for entry in entries]
    first_robots = paths.index(faults.ROBOTS)
    first_version_page = min(i for i, path in enumerate(paths) if path.startswith("/docs/1.0/")
                             or path.startswith("/docs/2.0/"))
    assert first_robots < first_version_page, "robots.txt is read before any documentation page"


def test_each_page_is_requested_once_unless_retried(crawl):
    once = faults.CLEAN_PAGES + (faults.MALFORMED, faults.LATIN1_AS_UTF8, faults.UTF8_AS_LATIN1,
                                 faults.NOT_HTML, faults.HUGE, faults.MISSING)
    counts = {path: crawl.requests(path) for path in once}
    counts[faults.V1] += crawl.requests(faults.V1_INDEX)
    counts[faults.V2] += crawl.requests(faults.V2_INDEX)
    assert counts == {path: 1 for path in once}, counts
    # every repeat of a page is a retry the manifest lists
    for path in set(crawl.site.log.paths()) - {faults.ENTRY, faults.LOOP_A, faults.LOOP_B}:
        assert len(crawl.retries_of(path)) == crawl.requests(path) - 1, path

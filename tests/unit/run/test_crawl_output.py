"""The crawl process's share of the output: a page's records judged against the last run,
written as blocks by page URL, and its links judged once per folder."""
from __future__ import annotations

from output.records import EncodedRecords
from crawler.run.pipelines import _runs_by_page
from crawler.run.state import PageDone, page_delta
from crawler.spiders.docs import DocsSpider


def test_page_delta_chooses_new_and_changed_records_only_with_state():
    previous = {"same": "h1", "changed": "old"}
    ids, hashes = ["same", "changed", "new"], ["h1", "h2", "h3"]
    chosen, by_id, statuses = page_delta(ids, hashes, previous, emit_unchanged=False)
    assert chosen == [1, 2]
    assert by_id == {"same": "h1", "changed": "h2", "new": "h3"}
    assert statuses == {"new": 1, "changed": 1, "unchanged": 1, "pages_changed": 1}
    assert page_delta(ids, hashes, previous, emit_unchanged=True)[0] == [0, 1, 2]


def test_a_page_is_unchanged_when_its_records_are_though_its_body_differs():
    """A rendered DOM's bytes differ from run to run: the page's records decide."""
    before = PageDone(url="u", path="/p", version="1", body_sha256="old body", records={"a": "h1", "b": "h2"})
    ids, hashes = ["a", "b"], ["h1", "h2"]
    assert page_delta(ids, hashes, before.records, False, before)[2] == {
        "new": 0, "changed": 0, "unchanged": 2, "pages_unchanged": 1}
    assert page_delta(ids[:1], hashes[:1], before.records, False, before)[2]["pages_changed"] == 1   # one gone
    assert page_delta(ids, ["h1", "h3"], before.records, False, before)[2]["pages_changed"] == 1     # one changed


def test_records_are_grouped_by_their_page_url_in_order():
    urls = ["http://h/a.html", "http://h/a.html#s", "http://h/b.html#t", "http://h/a.html#u"]
    records = EncodedRecords(lines=[b"{}\n"] * 4, ids=list("wxyz"), urls=urls)
    assert list(_runs_by_page(records, [0, 1, 2, 3])) == [
        ("http://h/a.html", [0, 1]), ("http://h/b.html", [2]), ("http://h/a.html", [3])]
    assert list(_runs_by_page(records, [1, 3])) == [("http://h/a.html", [1, 3])]


HREFS = ["uses.html", "../20/documentation.html", "?page=2", "#intro", "mailto:dev@kafka.apache.org",
         "http://other.example/x", "/39/javadoc/index.html", "//127.0.0.1:9/39/streams/",
         "http:?q=1", "streams/", "./design.html", "/"]


def judged(spider, page_url):
    links = spider.documentation_links(page_url, HREFS)
    return links, {kind: sorted(urls) for kind, urls in spider.run.skipped_links.items()}, \
        {reason: sorted(urls) for reason, urls in spider.scope.left_out_by_reason().items()}


def test_links_judged_once_per_folder_as_if_judged_on_each_page():
    remembering = DocsSpider(profile="kafka", base_url="http://127.0.0.1:9")
    pages = ["http://127.0.0.1:9/39/documentation.html", "http://127.0.0.1:9/39/ops.html?x=1",
             "http://127.0.0.1:9/40/documentation.html"]
    for page in pages:
        fresh = DocsSpider(profile="kafka", base_url="http://127.0.0.1:9")
        for earlier in pages[:pages.index(page)]:
            fresh.documentation_links(earlier, HREFS)
            fresh._link_verdicts = (None, False, {})   # forget: every link judged anew
        assert judged(remembering, page) == judged(fresh, page)
    assert "/20/documentation.html" in remembering.documentation_links(pages[1], HREFS)
    memo = remembering.link_verdicts()
    assert ("http://127.0.0.1:9/39/", "uses.html") in memo     # shared by the folder's pages
    assert (pages[1], "?page=2") in memo and (pages[0], "?page=2") in memo   # a query: per page

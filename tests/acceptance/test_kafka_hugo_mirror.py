"""Today's kafka.apache.org (Hugo/Docsy), as published: ``../shared/kafka-site-hugo`` (4.0, 4.1 and
4.2 pages and the redirect stubs, from the public ``apache/kafka-site`` repository) served by
``../shared/serve-kafka-hugo`` and crawled with ``docprompts crawl kafka``, exactly as a user would.
Each page's records are judged against the page's own ``div.td-content``. Skipped when
``../shared`` is absent (a fresh clone)."""
from __future__ import annotations

import re
import subprocess
from collections import defaultdict
from urllib.parse import urlsplit

import pytest
from lxml import html as lxml_html

from crawler.page.clean import strip_boilerplate, text_of
from crawler.site.discovery import canonical_url
from output.coverage import markdown_to_plain, ngrams

from ..conftest import SHARED, free_port, read_manifest, read_records, run_docprompts

MIRROR = SHARED / "kafka-site-hugo"
pytestmark = [pytest.mark.acceptance, pytest.mark.slow,
              pytest.mark.skipif(not MIRROR.is_dir(), reason="../shared/kafka-site-hugo is absent")]
SERVED = ("4.0", "4.1", "4.2")
# What a reader never sees as the page's text: Docsy's chrome inside div.td-content.
INSIDE_CHROME = ("script", "style", "header.article-meta", ".td-page-meta__lastmod", "a.td-heading-self-link")
BOILERPLATE = ["Get Started", "DOWNLOAD KAFKA", "Redirecting...", "Tag Cloud", "Tags:", "Last modified",
               "Create child page", "Print entire section", "View page source", "Edit this page",
               "You are viewing documentation for an older version", "Previous:", "Next:",
               "The contents of this website are", "Search this site"]



@pytest.fixture(scope="module")
def hugo_mirror():
    serve, port = SHARED / "serve-kafka-hugo", free_port()
    base_url = subprocess.run(["bash", str(serve), "start", port], capture_output=True, text=True,
                              check=True).stdout.strip().splitlines()[-1]
    try:
        yield base_url
    finally:
        subprocess.run(["bash", str(serve), "stop", port], capture_output=True)


@pytest.fixture(scope="module")
def crawl(hugo_mirror, tmp_path_factory):
    """Every version the Releases menu names: the mirror serves three of them."""
    out = tmp_path_factory.mktemp("hugo") / "kafka.jsonl"
    result = run_docprompts("crawl", "kafka", "--base-url", hugo_mirror, "--out", str(out))
    return result, read_records(out), read_manifest(out)


def published_pages() -> dict[str, tuple[bool, object]]:
    """{public URL: (is a content page, its parsed tree)} for every page of the mirror."""
    pages = {}
    for path in sorted(MIRROR.rglob("*.html")):
        doc = lxml_html.document_fromstring(path.read_bytes())
        url = canonical_url(doc) or "https://kafka.apache.org/" + str(path.relative_to(MIRROR))
        pages[url] = (bool(doc.cssselect("div.td-content")), doc)
    return pages


def reference_text(doc) -> tuple[str, set[str]]:
    root = doc.cssselect("div.td-content")[0]
    strip_boilerplate(root, INSIDE_CHROME)
    ids = {str(i) for i in root.xpath(".//*[self::h1 or self::h2 or self::h3 or self::h4 or self::h5 or self::h6]/@id")}
    return text_of(root), ids


def records_by_page(records) -> dict[str, list[dict]]:
    pages = defaultdict(list)
    for record in records:
        pages[record["url"].partition("#")[0]].append(record)
    return pages


def test_versions_found_and_the_unserved_ones_make_the_run_partial(crawl):
    result, records, manifest = crawl
    assert result.returncode == 1, result.stderr[-3000:]
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("docprompts: error:")]
    assert len(error_lines) == 1 and "yielded no records" in error_lines[0] and "3.9" in error_lines[0]
    assert {r["version"] for r in records} == set(SERVED)
    discovery = manifest["discovery"]["versions"]
    assert len(discovery) == 33   # the Releases menu: 0.7 .. 4.2
    for version in SERVED:
        assert {"menu", "stub"} <= set(discovery[version]["found_by"]), discovery[version]
        assert discovery[version]["records"] > 0
    assert discovery["3.9"]["records"] == 0 and discovery["3.9"]["linked_not_fetched"]
    assert all(entry["reason"] for book in discovery.values() for entry in book["linked_not_fetched"])
    assert manifest["versions"]["latest"] == "4.2"


def test_only_the_served_versions_is_a_complete_run(hugo_mirror, tmp_path):
    out = tmp_path / "served.jsonl"
    result = run_docprompts("crawl", "kafka", "--base-url", hugo_mirror, "--versions", ",".join(SERVED),
                            "--out", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    for version in SERVED:   # the end-of-run table
        assert re.search(rf"^\s+{re.escape(version)}\s+\d+\s+\d+\s+\d+\s+\d+", result.stdout, re.M), result.stdout


def test_every_content_page_has_records_and_no_stub_has_any(crawl):
    _, records, manifest = crawl
    by_page = records_by_page(records)
    content = {url for url, (is_content, _) in published_pages().items() if is_content}
    stubs = {url for url, (is_content, _) in published_pages().items() if not is_content}
    assert not sorted(content - set(by_page)), "content pages without records"
    assert not sorted(set(by_page) & stubs), "records from redirect stubs"
    assert all("Redirecting" not in r["text"] for r in records)
    fetched = [urlsplit(page["url"]).path for page in manifest["coverage"]["per_page"]]
    assert len(fetched) == len(set(fetched)) == len(content), "each page fetched once"


def test_fidelity_against_each_pages_td_content(crawl):
    _, records, _ = crawl
    by_page = records_by_page(records)
    low = []
    for url, (is_content, doc) in published_pages().items():
        if not is_content:
            continue
        reference, heading_ids = reference_text(doc)
        ours = "\n\n".join(markdown_to_plain(r["text"]) for r in by_page[url])
        wanted, got = ngrams(reference), ngrams(ours)
        recall = len(wanted & got) / len(wanted) if wanted else 1.0
        precision = len(wanted & got) / len(got) if got else 1.0
        anchors = {a for r in by_page[url] for a in r["anchors"] + [r["url"].partition("#")[2]]}
        if recall < 0.99 or precision < 0.98 or heading_ids - anchors:
            low.append((url, round(recall, 4), round(precision, 4), sorted(heading_ids - anchors)[:5]))
    assert not low


def test_h1_first_in_path_and_no_boilerplate(crawl):
    _, records, _ = crawl
    titles = {url: doc.cssselect("div.td-content h1")[0].text_content().strip()
              for url, (is_content, doc) in published_pages().items() if is_content}
    for record in records:
        page = record["url"].partition("#")[0]
        assert record["path"][0] == titles[page], (record["url"], record["path"])
        assert record["url"].startswith("https://kafka.apache.org/")
        for text in BOILERPLATE:
            assert text not in record["text"], (record["url"], text)


def test_legacy_anchors_of_the_stub_map_land_on_their_targets(crawl):
    _, records, _ = crawl
    by_page = records_by_page(records)
    uses = by_page["https://kafka.apache.org/41/getting-started/uses/"]
    assert "uses" in uses[0]["anchors"]
    holders = [r for r in records if "compaction" in r["anchors"]]
    assert all(r["url"].startswith("https://kafka.apache.org/4") for r in holders)
    producer = [r for r in by_page["https://kafka.apache.org/41/apis/"] if "producerapi" in r["anchors"]]
    assert producer and ("producer-api" in producer[0]["anchors"] or producer[0]["url"].endswith("#producer-api"))

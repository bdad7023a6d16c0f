"""``docprompts crawl URL`` on real published pages of the themes that could not be built here
(issue 15): Antora, Hugo + Hextra, Hugo + Book and Jekyll + just-the-docs. Each folder of
tests/sites/published/ holds pages exactly as their project published them (sources and
licences in tests/sites/README.md), served over loopback HTTP at their published paths and
crawled by URL alone with the real CLI and Scrapy engine. Every page must read like its own
content element (bench/fidelity.py) with no theme chrome in the records."""
from __future__ import annotations

from pathlib import Path

import pytest

from bench.fidelity import page_fidelity
from crawler.demo import serve_directory

from ..conftest import PROJECT, read_manifest, read_records, run_docprompts

PUBLISHED = PROJECT / "tests" / "sites" / "published"

# family -> (URL path to crawl, generator named on the detection line, profile, pages read
# (paths under the served folder), words of theme chrome that must not reach a record)
FAMILIES = {
    "antora": ("/jandex/main/index.html", "Antora", "antora",
               {"jandex/main/index.html", "jandex/main/core/getting.html", "jandex/main/core/indexing.html",
                "jandex/main/core/browsing.html", "jandex/main/maven/basic.html",
                "jandex/main/maven/advanced.html", "jandex/main/maven/shading.html"},
               ["Edit this page", "Table of contents", "Antora UI", "Indexing Classes\nAdvanced Usage"]),
    "hextra": ("/dfir-ogre-documentation/usage/", "Hugo (Hextra)", "hextra",
               {"dfir-ogre-documentation/usage/", "dfir-ogre-documentation/usage/command_line_usage/",
                "dfir-ogre-documentation/usage/ogre_configuration/",
                "dfir-ogre-documentation/getting-started/manual_installation/"},
               ["On this page", "Scroll to top", "Powered by Hextra", "Search..."]),
    "hugo-book": ("/a-fully-on-chain-reading-group/docs/contributing/getting_started/", "Hugo (Book)", "hugo-book",
                  {"a-fully-on-chain-reading-group/", "a-fully-on-chain-reading-group/docs/contributing/getting_started/"},
                  ["Edit this page", "Table of Contents", "A fully on-chain reading group\n"]),
    "just-the-docs": ("/getting-started.html", "Jekyll (just-the-docs)", "just-the-docs",
                      {"", "getting-started.html", "advanced-usage.html", "custom-expressions.html"},
                      ["Back to top", "Table of contents:", "Search KSMT", "This site uses Just the Docs"]),
}


class Crawl:
    def __init__(self, family: str, tmp: Path):
        path, *_ = FAMILIES[family]
        self.root, self.out = PUBLISHED / family, tmp / f"{family}.jsonl"
        with serve_directory(self.root) as base_url:
            self.result = run_docprompts("crawl", base_url + path, "--out", str(self.out), "--workers", "0")
        self.base_url = base_url
        self.records = read_records(self.out) if self.out.exists() else []
        self.manifest = read_manifest(self.out) if self.result.returncode in (0, 1) else None

    def local(self, url: str) -> Path:
        path = self.root / url.split("/", 3)[3].split("#")[0]
        return path / "index.html" if url.endswith("/") or path.is_dir() else path

    def pages(self) -> set[str]:
        return {record["fetched_url"].split("/", 3)[3] for record in self.records}


@pytest.fixture(scope="module", params=list(FAMILIES))
def crawl(request, tmp_path_factory):
    return request.param, Crawl(request.param, tmp_path_factory.mktemp(request.param))


def test_crawled_by_url_alone_exits_0_and_names_the_theme(crawl):
    family, site = crawl
    _, generator, profile, pages, _ = FAMILIES[family]
    assert site.result.returncode == 0, site.result.stderr[-2000:]
    assert f"detected {generator}" in site.result.stderr and f"profile {profile}" in site.result.stderr
    assert site.pages() == pages
    assert not site.manifest["failures"]


def test_every_page_reads_like_its_own_content_element(crawl):
    family, site = crawl
    by_page: dict[str, list[dict]] = {}
    for record in site.records:
        by_page.setdefault(record["fetched_url"], []).append(record)
    for url, records in by_page.items():
        figures = page_fidelity(site.local(url).read_text(encoding="utf-8"), records)
        assert figures["recall"] >= 0.99 and figures["precision"] >= 0.98, (url, figures)
        assert figures["anchors"] == 1.0, (url, figures)
        assert figures["generator"].startswith(FAMILIES[family][1]), figures


def test_no_theme_chrome_reaches_a_record(crawl):
    family, site = crawl
    for record in site.records:
        for phrase in FAMILIES[family][4]:
            assert phrase not in record["text"], (phrase, record["url"])


def test_links_to_the_published_host_are_named_not_followed(crawl):
    # The Book site was published with absolute links to its own host (christinalast.com): served
    # elsewhere, its menu is off-site, and the manifest says so instead of reading other hosts.
    family, site = crawl
    offsite = site.manifest["skipped_links"].get("offsite", [])
    if family == "hugo-book":
        assert "http://christinalast.com/a-fully-on-chain-reading-group/docs/readings/bitcoin/" in offsite
    assert not any(link.startswith(site.base_url) for link in offsite)

"""Kafka site helpers, spider argument parsing and one page end to end (crawler.page.process)."""
from __future__ import annotations

import re

import pytest

from compress.budget import Budget
from crawler.page.process import MissingTemplateContext, PageInfo, process_page
from crawler.site.hooks import hooks_for
from crawler.site.sites import KAFKA
from crawler.site.sites.kafka import (
    canonical_path,
    entry_version,
    redirect_map,
    slug_to_version,
    successor_slugs,
    version_to_slug,
)
from crawler.options import scrapy_overrides
from crawler.spiders.kafka import ConfigError, parse_base_url, parse_version_filter
from output.records import RECORD_FIELDS, validate_record

from ..helpers import FIXTURES, parse

PAGE_HTML = (FIXTURES / "kafka_legacy_page.html").read_text(encoding="utf-8")
PUBLIC_URL = "https://kafka.apache.org/20/documentation.html"
MAIN_KIND = KAFKA.page_kinds[0]


# -- URL paths and versions ---------------------------------------------------------------------
@pytest.mark.parametrize("path, expected", [
    ("/20/documentation/", "/20/documentation.html"),
    ("/20/documentation", "/20/documentation.html"),
    ("/20/documentation.html", "/20/documentation.html"),
    ("/20/documentation/index.html", "/20/documentation.html"),
    ("/20/documentation/streams/architecture", "/20/documentation/streams/architecture.html"),
    ("/20/documentation/streams/developer-guide/", "/20/documentation/streams/developer-guide/index.html"),
    ("//20//documentation/streams/./x/../index.html?q=1#frag", "/20/documentation/streams/index.html"),
])
def test_canonical_path(path, expected):
    assert canonical_path(path) == expected


def test_canonical_paths_match_the_page_kinds():
    assert KAFKA.page_kind(canonical_path("/39/documentation/"))[0].name == "main"
    kind, slug = KAFKA.page_kind(canonical_path("/39/documentation/streams/developer-guide/"))
    assert (kind.name, slug) == ("streams", "39")
    assert not KAFKA.in_scope(canonical_path("/39/javadoc/index.html"))  # the scope denies javadoc


@pytest.mark.parametrize("slug, version", [
    ("07", "0.7"), ("081", "0.8.1"), ("090", "0.9.0"), ("0100", "0.10.0"), ("0102", "0.10.2"),
    ("0110", "0.11.0"), ("10", "1.0"), ("20", "2.0"), ("39", "3.9"),
])
def test_slug_to_version_and_back(slug, version):
    assert slug_to_version(slug) == version
    assert version_to_slug(version) == slug


def test_version_to_slug_ignores_patch_level_after_1_0():
    assert version_to_slug("2.0.0") == "20"
    assert version_to_slug("3.9.1") == "39"


def test_successor_slugs():
    assert successor_slugs("3.8") == ["39", "40"]
    assert successor_slugs("3.9") == ["310", "40"]
    assert successor_slugs("0.11.0") == []


def test_linked_versions_reads_the_prior_releases_list():
    doc = parse('<html><body><div class="right">Prior releases: '
                '<a href="/07/documentation.html">0.7.x</a>, '
                '<a href="/081/documentation.html">0.8.1.X</a>, '
                '<a href="/0102/documentation.html">0.10.2.X</a>, '
                '<a href="/08/documentation.html">0.8.0</a>, '
                '<a href="/20/documentation">2.0.X</a>, '
                '<a href="/documentation">current</a>, <a href="/20/javadoc/">javadoc</a>'
                "</div></body></html>")
    linked = hooks_for(KAFKA).version_links(doc, "https://kafka.apache.org/documentation.html")
    assert linked == {"07": "0.7", "081": "0.8.1", "0102": "0.10.2", "08": "0.8", "20": "2.0"}


def test_entry_version_from_the_context_script():
    assert entry_version(parse(PAGE_HTML)) == "20"


# The start of today's /41/documentation.html script as published (minified by Hugo), with
# two of its 76 map entries kept; the full page is in ../shared/kafka-site-hugo.
REAL_STUB_SCRIPT = (
    '(function(){var e,s,t="41",o={"#uses":"getting-started/uses","#producerapi":"apis/#producer-api"}'
    ',n=window.location.hash;if(n&&o[n])window.location.replace("/"+t+"/"+o[n]);else{if(s=window.'
    'location.pathname,s.includes("/documentation/streams/")){e=s.replace("/documentation/","/"),'
    't==="42"&&!s.match(/^\\/\\d+/)&&(e="/"+t+e),e=e.replace(".html",""),window.location.replace(e+n)'
    ';return}window.location.replace("/"+t+"/getting-started/introduction")}})()')


def test_hugo_redirect_page_maps_old_anchors_to_topic_pages():
    doc = parse(f"<html><body><main><script>{REAL_STUB_SCRIPT}</script><p>Redirecting...</p></main></body></html>")
    assert entry_version(doc) == "41"
    assert redirect_map(doc) == {"uses": "/41/getting-started/uses",
                                 "producerapi": "/41/apis/#producer-api"}


def test_hugo_topic_paths_keep_their_folder_form():
    assert canonical_path("/41/getting-started/uses/index.html") == "/41/getting-started/uses/"
    assert canonical_path("/41/getting-started/uses") == "/41/getting-started/uses/"   # the 301's source
    kinds = [kind.name for kind, _ in KAFKA.kinds_for("/41/getting-started/uses/")]
    assert kinds == ["topic"]
    assert [kind.name for kind, _ in KAFKA.kinds_for("/41/documentation.html")] == ["main", "legacy-redirects"]


def test_entry_version_from_the_heading():
    doc = parse("<html><body><h1>Documentation</h1><h3>Kafka 0.10.0</h3></body></html>")
    assert entry_version(doc) == "0100"
    assert entry_version(parse("<html><body><h1>Documentation</h1></body></html>")) is None


# -- spider arguments -----------------------------------------------------------------------------
def test_parse_version_filter():
    assert parse_version_filter("latest") == "latest"
    assert parse_version_filter(None) == "all"
    assert parse_version_filter("2.0,3.9") == {"2.0", "3.9"}
    assert parse_version_filter(" 0.10.2 , 3.9 ,") == {"0.10.2", "3.9"}
    # The site's own names (issue 11): Docusaurus "next", Read the Docs "stable", "v2".
    assert parse_version_filter("next") == {"next"}
    assert parse_version_filter("29.7,next") == {"29.7", "next"}
    assert parse_version_filter("stable,v2") == {"stable", "v2"}


@pytest.mark.parametrize("value", [",", "2.0;3.9", "2.0 3.9", "a/b"])
def test_parse_version_filter_rejects_bad_values(value):
    with pytest.raises(ConfigError):
        parse_version_filter(value)


def test_a_number_setting_given_something_else_is_one_clear_error():
    assert scrapy_overrides(["DOCPROMPTS_RENDER_SETTLE=2.5", "DOWNLOAD_DELAY=0.25", "DOCPROMPTS_MAX_PAGES=8",
                             "USER_AGENT=docs-bot"]) == {"DOCPROMPTS_RENDER_SETTLE": "2.5", "DOWNLOAD_DELAY": "0.25",
                                                         "DOCPROMPTS_MAX_PAGES": "8", "USER_AGENT": "docs-bot"}
    for bad, says in (("DOCPROMPTS_MAX_PAGES=7.5", "must be a whole number (got '7.5')"),
                      ("DOCPROMPTS_RENDER_SETTLE=soon", "must be a number"), ("DOWNLOAD_DELAY=", "must be a number"),
                      ("CONCURRENT_REQUESTS_PER_IP=many", "must be a number")):   # Scrapy's own, deprecated
        with pytest.raises(ConfigError, match=re.escape(says)):
            scrapy_overrides([bad])


def test_parse_base_url():
    assert parse_base_url(None, "https://kafka.apache.org/") == "https://kafka.apache.org"
    assert parse_base_url("http://127.0.0.1:8000/", "https://kafka.apache.org") == "http://127.0.0.1:8000"
    for bad in ("ftp://x", "kafka.apache.org", "http://"):
        with pytest.raises(ConfigError):
            parse_base_url(bad, "https://kafka.apache.org")


# -- one page end to end ------------------------------------------------------------------------
def run_page(html: str, count, budget: Budget, context=None):
    info = PageInfo(site="kafka", source="apache_kafka", version="2.0", version_slug="20",
                    is_latest=False, page_path="/20/documentation.html", public_url=PUBLIC_URL,
                    fetched_url="http://127.0.0.1:8000/20/documentation.html")
    return process_page(html, info, KAFKA, MAIN_KIND, budget, count, "2025-01-01T00:00:00+00:00",
                        context)


@pytest.mark.parametrize("budget", [Budget(), Budget(target_tokens=40, max_input_tokens=120)],
                         ids=["default-budget", "small-budget"])
def test_process_page_end_to_end(count, budget):
    result = run_page(PAGE_HTML, count, budget)
    records = [record.to_dict() for record in result.records]
    assert records
    for record in records:
        assert tuple(record) == RECORD_FIELDS
        assert validate_record(record) == []
        assert record["url"].startswith(PUBLIC_URL + "#")
        assert budget.target_tokens >= record["target_tokens"]
        assert record["target_tokens"] < record["text_tokens"] <= budget.max_input_tokens
        assert record["prompt"].endswith("\n\n" + record["text"])
        assert f"\nURL: {record['url']}\n" in record["prompt"]
        for unwanted in ("{{", "}}", "older version of Kafka", "Prior releases", "HIDDEN EXTRAS",
                         "Site header", "Site footer", "Kafka 2.0 Documentation"):
            assert unwanted not in record["text"]
    assert result.coverage >= 0.98
    assert result.unrendered == []
    assert len({record["id"] for record in records}) == len(records)
    urls = {record["title"]: record["url"] for record in records}
    assert urls["1.1 Introduction"] == PUBLIC_URL + "#introduction"
    assert urls["2. Configuration"] == PUBLIC_URL + "#configuration"
    anchors = [anchor for record in records for anchor in record["anchors"]]
    assert sorted(anchors) == ["configuration", "gettingStarted", "intro_topics", "introduction"]
    text = "\n\n".join(record["text"] for record in records)
    assert "Release 2.0 of the platform" in text and "reference for 2.0.0" in text
    assert "| log.dirs | Directories where partition data is stored, separated by commas. |" in text
    assert "```bash\n> bin/kafka-server-start.sh config/server.properties\n    --override" in text


def test_heading_without_id_gets_the_nearest_anchor_above(count):
    result = run_page(PAGE_HTML, count, Budget(target_tokens=40, max_input_tokens=120))
    use_cases = [r for r in result.records if r.title == "1.2 Use Cases"]
    assert [r.url for r in use_cases] == [PUBLIC_URL + "#intro_topics"]
    assert use_cases[0].path == ["1. Getting Started", "1.2 Use Cases"]


def test_split_section_records_share_a_url_and_count_their_chunks(count):
    result = run_page(PAGE_HTML, count, Budget(target_tokens=40, max_input_tokens=120))
    intro = [r for r in result.records if r.title == "1.1 Introduction"]
    assert len(intro) == 2
    assert [(r.chunk_index, r.chunk_count) for r in intro] == [(0, 2), (1, 2)]
    assert {r.url for r in intro} == {PUBLIC_URL + "#introduction"}


def test_templates_without_context_raise_and_an_explicit_context_works(count):
    without_context = PAGE_HTML.replace("var context=", "var unrelated=")
    with pytest.raises(MissingTemplateContext):
        run_page(without_context, count, Budget())
    result = run_page(without_context, count, Budget(), context={"version": "20", "dotVersion": "2.0",
                                                                  "fullDotVersion": "2.0.0"})
    assert "Release 2.0 of the platform" in "\n".join(r.text for r in result.records)

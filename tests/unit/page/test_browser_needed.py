"""Which pages need a browser: the Docsify fixture does; no page of the generator-built
fixtures, the demo site or the Kafka mirror does (a false alarm would start a browser, or fail a
page, on a site whose HTML holds its text)."""
from __future__ import annotations

from pathlib import Path

import pytest
from lxml import html as lxml_html

from crawler.site.detect import detect_generator
from crawler.page.browser_needed import browser_needed, far_less_than_source, visible_words

from ...conftest import PROJECT, SHARED

SITES = PROJECT / "tests" / "sites"
DOCSIFY_INDEX = SITES / "docsify" / "docs" / "index.html"


def html_pages(*roots: Path) -> list[Path]:
    return sorted(page for root in roots for page in root.rglob("*.html"))


def test_the_docsify_page_needs_a_browser_and_is_detected_as_docsify():
    served = DOCSIFY_INDEX.read_text(encoding="utf-8")
    assert browser_needed(served) == "Docsify renders every page from its Markdown file in the browser"
    detection = detect_generator(served)
    assert (detection.generator, detection.profile) == ("Docsify", "docsify")
    # What a reader sees before the scripts run: the placeholder, nothing else.
    assert visible_words(lxml_html.document_fromstring(served)) == ["Loading", "..."]


def test_a_built_single_page_app_with_an_empty_root_needs_a_browser():
    served = (SITES / "vue-spa" / "handbook" / "index.html").read_text(encoding="utf-8")
    assert browser_needed(served) == 'its app root <div id="app"> is empty until its scripts run'
    assert detect_generator(served).profile == "generic"


def test_the_docsify_page_shows_far_less_than_its_markdown_source():
    shown = len(visible_words(lxml_html.document_fromstring(DOCSIFY_INDEX.read_text(encoding="utf-8"))))
    source = len((SITES / "docsify" / "docs" / "README.md").read_text(encoding="utf-8").split())
    assert far_less_than_source(shown, source) == f"its Markdown source holds {source} words, its HTML shows 2"
    assert far_less_than_source(400, source) is None


@pytest.mark.parametrize("site", ["sphinx", "mkdocs", "docusaurus", "kafka-hugo", "vitepress", "starlight", "mdbook"])
def test_no_page_of_a_server_rendered_fixture_needs_a_browser(site):
    pages = html_pages(SITES / site)
    assert pages
    flagged = {str(page.relative_to(SITES)): browser_needed(page.read_bytes()) for page in pages}
    # VitePress's 404 page is the one it renders in the browser (an empty #app): rightly flagged,
    # and never crawled (the scope leaves 404 pages out).
    expected = {"vitepress/404.html": 'its app root <div id="app"> is empty until its scripts run'} \
        if site == "vitepress" else {}
    assert {page: reason for page, reason in flagged.items() if reason} == expected


def test_no_page_of_the_demo_site_needs_a_browser():
    pages = html_pages(PROJECT / "crawler" / "demo_site")
    assert pages and not [page for page in pages if browser_needed(page.read_bytes())]


@pytest.mark.acceptance
@pytest.mark.skipif(not (SHARED / "kafka-site").is_dir(), reason="../shared (the Kafka mirror) is absent")
@pytest.mark.slow
def test_no_page_of_the_kafka_mirror_needs_a_browser():
    pages = html_pages(SHARED / "kafka-site", SHARED / "kafka-site-hugo")
    assert len(pages) > 1000
    assert [str(page) for page in pages if browser_needed(page.read_bytes())] == []


def test_shows_words_agrees_with_the_visible_words_on_every_fixture_page():
    """The early-stopping count behind reason_of reads the same text as visible_words: scripts,
    styles, <noscript>, <template> and comments left out, tails kept."""
    from crawler.page.browser_needed import shows_words

    pages = sorted((Path(__file__).parents[2] / "sites").rglob("*.html"))[:400]
    pages.append(None)
    assert len(pages) > 100
    for page in pages:
        markup = page.read_bytes() if page else (
            b"<html><body><p>one <!-- two three --> four</p><script>five six</script>seven"
            b"<template><b>eight</b></template><noscript>nine</noscript>ten<style>x</style></body></html>")
        doc = lxml_html.document_fromstring(markup)
        words = len(visible_words(doc))
        for enough in {1, 4, 25, max(words, 1), words + 1}:
            assert shows_words(doc, enough) == (words >= enough), (page, enough, words)

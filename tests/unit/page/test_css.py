"""crawler.page.css: CSS selectors compiled once, plain class selectors on a faster XPath."""
from __future__ import annotations

from pathlib import Path

from lxml.cssselect import CSSSelector

from crawler.page.css import compiled, select

from ..helpers import parse

SITES = Path(__file__).parents[2] / "sites"   # pages built by the real generators, and published ones
SELECTORS = [".toc", "div.admonition", "nav.md-nav", ".md-nav__link", "ul.toc, .sidebar", "a.nav-link, button.nav-link",
             "div.theme-admonition", ".custom-block-title", "div.vp-code-group", "div#content", "main article",
             "a[href]", ".missing", "div.alert", "pre", "ul.nav-tabs, ol.nav-tabs, div.nav-tabs"]


def test_select_finds_what_lxml_cssselect_finds_on_every_fixture_page():
    pages = sorted(SITES.rglob("*.html"))
    assert len(pages) > 100
    for page in pages:
        doc = parse(page.read_text(encoding="utf-8", errors="replace"))
        for selector in SELECTORS:
            assert select(doc, selector) == CSSSelector(selector, translator="html")(doc), (page, selector)


def test_class_selectors_match_whole_class_words_and_the_element_itself():
    root = parse('<html><body><div class="toc  main">a<p class="table-of-toc">b</p><ul class="x toc">'
                 '<li class="TOC">c</li></ul></div></body></html>').body.find("div")
    assert [element.get("class") for element in select(root, ".toc")] == ["toc  main", "x toc"]
    assert [element.tag for element in select(root, "ul.toc, p.table-of-toc")] == ["p", "ul"]


def test_each_selector_is_compiled_once():
    assert compiled(".toc") is compiled(".toc")
    assert isinstance(compiled("main > article"), CSSSelector)   # not a plain class selector

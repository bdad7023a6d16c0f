"""crawler.page.css: CSS selectors compiled once, plain class selectors on a faster XPath."""
from __future__ import annotations

from pathlib import Path

from lxml.cssselect import CSSSelector

from crawler.page.css import TreeCensus, compiled, needed_words, select

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


def test_needed_words_are_the_classes_and_attributes_every_match_must_have():
    none = frozenset()
    assert needed_words("div.contents.local") == ((frozenset({"contents", "local"}), none),)
    assert needed_words("ul.nav-tabs, ol.x") == ((frozenset({"nav-tabs"}), none), (frozenset({"x"}), none))
    assert needed_words(".a .b > p[X]") == ((frozenset({"a", "b"}), frozenset({"x"})),)
    assert needed_words("div:not(.x) > p.y") == ((frozenset({"y"}), none),)   # .x must be absent
    assert needed_words("div:not([hidden]), a:has(.q)") == ((none, none), (none, none))
    assert needed_words("script, div[role='main']") == ((none, none), (none, frozenset({"role"})))


def test_a_census_holds_the_classes_and_the_rare_attributes_of_a_tree():
    root = parse('<html><body><div class="toc main" role="main" id="x"><a href="/" hidden>a</a>'
                 '</div></body></html>')
    census = TreeCensus(root, attributes=True)
    assert census.holds("toc") and census.holds("mai") and not census.holds("sidebar")
    assert census.has_attribute("role") and census.has_attribute("hidden") and census.has_attribute("href")
    assert not census.has_attribute("style")
    assert census.may_match("div.toc, .nothing") and not census.may_match("div.sidebar, .nothing")
    assert census.may_match("div[role=main]") and not census.may_match("div[itemprop]")
    assert TreeCensus(root).has_attribute("style")   # names not counted: any may be there


def test_select_with_the_census_finds_what_lxml_cssselect_finds_on_every_fixture_page():
    pages = sorted(SITES.rglob("*.html"))
    selectors = SELECTORS + ["div.contents.local", "a.headerlink", "div.toctree-wrapper", ".x .md-nav__link",
                             "nav:not(.md-nav) a", 'div[itemprop="articleBody"]', 'article[role="main"]',
                             "[aria-hidden=true]", "div[role] > p", "[data-md-component]"]
    for page in pages:
        doc = parse(page.read_text(encoding="utf-8", errors="replace"))
        census = TreeCensus(doc, attributes=True)
        for selector in selectors:
            assert select(doc, selector, census) == CSSSelector(selector, translator="html")(doc), (page, selector)

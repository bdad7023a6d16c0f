"""crawler.page.clean: content root selection, boilerplate removal, dropping the page's preamble."""
from __future__ import annotations

import pytest

from crawler.page.clean import (
    ContentNotFound,
    drop_content_before,
    drop_hidden,
    select_content_root,
    strip_boilerplate,
    text_of,
)
from crawler.page.css import TreeCensus
from crawler.site.sites import KAFKA

from ..helpers import parse

MAIN_STRIP = KAFKA.page_kinds[0].strip  # the Kafka main page's boilerplate selectors

PAGE = """<html><body>
<div class="header"><a href="/">Home navigation</a></div>
<div class="right"><!-- build comment -->
<a class="documentation__banner b-sticky-doc-banner" href="/documentation">You're viewing an older version.</a> Text right after the banner.
<h1>Documentation</h1>
<h3>Kafka 2.0 Documentation</h3>
Prior releases: <a href="/10/documentation.html">1.0.X</a>.
<ul class="toc"><li><a href="#gettingStarted">1. Getting Started</a></li></ul> Text right after the TOC.
<div class="wrapper">
  <p>Wrapper preamble.</p>
  <h2 id="gettingStarted">1. Getting Started</h2>
  <p>Chapter body.</p>
</div>
<p>Closing paragraph.</p>
</div></body></html>"""


def content_root():
    return select_content_root(parse(PAGE), ("div.nothing-here", "div.right"))


def test_select_content_root_takes_the_first_matching_selector():
    root = content_root()
    assert root.get("class") == "right"
    assert "Home navigation" not in root.text_content()


def test_select_content_root_raises_when_nothing_matches():
    with pytest.raises(ContentNotFound, match="div.missing"):
        select_content_root(parse(PAGE), ("div.missing",))


def test_strip_boilerplate_removes_banner_and_toc_but_keeps_their_tails():
    root = content_root()
    removed = strip_boilerplate(root, MAIN_STRIP)
    text = text_of(root)
    assert removed == 2
    assert "older version" not in text
    assert "1. Getting Started" in text  # the chapter heading, not the TOC...
    assert text.count("1. Getting Started") == 1  # ...which is gone
    assert "Text right after the banner." in text
    assert "Text right after the TOC." in text
    assert root.xpath(".//comment()") == []


def test_strip_boilerplate_keeps_tail_of_a_first_child():
    root = parse('<html><body><div class="right"><span class="documentation__banner">B</span>'
                 " tail text<p>para</p></div></body></html>").find_class("right")[0]
    strip_boilerplate(root, (".documentation__banner",))
    assert root.text == " tail text"
    assert text_of(root).split() == ["tail", "text", "para"]


def test_strip_boilerplate_keeps_tail_after_a_previous_sibling():
    root = parse('<html><body><div class="right"><p>one</p>mid<ul class="toc"><li>x</li></ul>'
                 "end</div></body></html>").find_class("right")[0]
    strip_boilerplate(root, ("ul.toc",))
    assert root.find("p").tail == "midend"


def test_drop_content_before_removes_preamble_even_when_h2_is_nested():
    root = content_root()
    strip_boilerplate(root, MAIN_STRIP)
    assert drop_content_before(root, "h2") is True
    text = text_of(root)
    for gone in ("Documentation\n", "Kafka 2.0 Documentation", "Prior releases", "1.0.X",
                 "Text right after the TOC.", "Wrapper preamble."):
        assert gone not in text
    assert text.split() == ["1.", "Getting", "Started", "Chapter", "body.", "Closing", "paragraph."]


def test_drop_content_before_without_the_tag_changes_nothing():
    root = parse("<html><body><div><p>only text</p></div></body></html>").body
    assert drop_content_before(root, "h2") is False
    assert text_of(root).split() == ["only", "text"]


def test_text_of_runs_inline_text_together_and_skips_scripts():
    root = parse("<html><body><div><p><b>S</b>treams are<br>fun</p><script>var x;</script>"
                 "<p>next</p></div></body></html>").body
    assert text_of(root).split() == ["Streams", "are", "fun", "next"]


def test_text_of_sets_blocks_apart_and_keeps_the_text_after_skipped_elements():
    root = parse("<html><body><div>lead<p>one</p>mid<!-- note -->dle<img src=x>after image"
                 "<script>var x;</script>after script<br>next line<td>cell</td></div></body></html>").body
    assert text_of(root) == "\n\nlead\none\nmiddleafter imageafter script\n\nnext line\ncell\n\n\n"


def test_text_of_the_document_element_reads_that_element_only():
    # libxml2 keeps a second <html> after the first one (Kafka's server-side includes): the
    # text of the first is its own, not the whole document's.
    doc = parse("<html><body><p>first</p></body></html><html><body><p>second</p></body></html>")
    assert [element.tag for element in doc.itersiblings()] == ["html"]
    assert text_of(doc) == "\n\n\nfirst\n\n\n"


def test_text_of_reads_nesting_as_deep_as_the_parser_allows():
    from crawler.page.process import parse_html

    body = parse_html("<html><body>" + "<div>x" * 2040 + "</body></html>").body
    assert text_of(body) == "\n" + "\nx" * 2040 + "\n" * 2041


def test_drop_hidden_drops_what_a_browser_does_not_show_and_keeps_the_tails():
    root = parse("""<html><body><div>
      <p hidden>attribute</p>tail one
      <p aria-hidden="true">aria</p><p aria-hidden="false">aria shown</p>
      <p style="color: red; DISPLAY : None">styled</p><p style="visibility: hidden">invisible</p>
      <p style="display: block">styled shown</p>
      <dialog>closed</dialog><dialog open>open dialog</dialog><div popover>popup</div>
      <div role="dialog">role dialog</div>
      <pre><code><span class="boring">use std::io;</span><span>fn run() {}</span></code></pre>
      <p><span class="boring">not code</span></p>
    </div></body></html>""").body
    div = root.find("div")
    assert drop_hidden(div) == 8
    assert text_of(div).split() == ["tail", "one", "aria", "shown", "styled", "shown", "open", "dialog",
                                    "fn", "run()", "{}", "not", "code"]


def test_drop_hidden_with_the_census_drops_the_same():
    html = """<html><body><div><p hidden>a</p>b<pre><span class="boring">c</span>d</pre>
              <dialog>e</dialog><p style="display:none">f</p>g</div></body></html>"""
    with_census, without = parse(html).body, parse(html).body
    assert drop_hidden(with_census, TreeCensus(with_census, attributes=True)) == drop_hidden(without) == 4
    assert text_of(with_census) == text_of(without)
    plain = parse("<html><body><div><dialog>e</dialog>f</div></body></html>").body   # no attribute to test
    assert drop_hidden(plain, TreeCensus(plain, attributes=True)) == 1 and text_of(plain).split() == ["f"]


def test_cleaning_with_the_census_leaves_every_fixture_page_as_without_it():
    from pathlib import Path

    from lxml import etree

    from crawler.page.widgets import rewrite_widgets
    from crawler.site.sites import load_site

    strip = [selector for name in ("sphinx", "docusaurus", "mkdocs", "docsy", "vitepress", "starlight")
             for kind in load_site(name).page_kinds for selector in kind.strip]
    pages = sorted((Path(__file__).parents[2] / "sites").rglob("*.html"))
    assert len(pages) > 100
    for page in pages:
        source = page.read_text(encoding="utf-8", errors="replace")
        cleaned = []
        for census_of in (lambda root: TreeCensus(root, attributes=True), TreeCensus, lambda root: None):
            root = parse(source)
            census = census_of(root)
            strip_boilerplate(root, strip, census)
            rewrite_widgets(root, census)
            drop_hidden(root, census)
            cleaned.append(etree.tostring(root))
        assert cleaned[0] == cleaned[1] == cleaned[2], page

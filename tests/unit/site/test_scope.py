"""The documentation's extent from what the site lists (crawler.site.scope) and the lists
themselves (robots.txt, llms.txt), on pages the real generators built (tests/sites)."""
from __future__ import annotations

from pathlib import Path

from lxml import html as lxml_html

from crawler.site import discovery
from crawler.site import scope
from crawler.site.sites import load_site

SITES = Path(__file__).resolve().parents[2] / "sites"


def page(path: str):
    return lxml_html.document_fromstring((SITES / path).read_text(encoding="utf-8"))


def test_areas_are_first_folders_and_root_pages_alone():
    assert scope.area_of("/guide/installing.html") == "guide/"
    assert scope.area_of("/reference/") == "reference/"
    assert scope.area_of("/introduction.html") == "/introduction.html"
    assert scope.area_of("/") == "/"
    assert scope.area_pattern("guide/").search("/guide/x.html") and not scope.area_pattern("guide/").search("/guides/")
    assert scope.area_pattern("/intro.html").search("/intro.html") and not scope.area_pattern("/intro.html").search("/intro.htmlx")


def test_a_folder_named_like_a_version_is_another_version():
    for area in ("41/", "2.1/", "v3/", "latest/", "stable/", "next/"):
        assert scope.is_version_folder(area), area
    for area in ("guide/", "reference/", "v/", "/41"):
        assert not scope.is_version_folder(area), area


def test_the_layout_is_the_profiles_specific_content_root_the_page_has():
    vitepress = page("vitepress/guide/installing.html")
    assert scope.layout_signature(vitepress, load_site("vitepress").page_kinds[0].content_roots) == "div.vp-doc"
    assert scope.has_layout(page("vitepress/reference/commands.html"), "div.vp-doc")
    mdbook = page("mdbook/recipes/producing.html")
    assert scope.layout_signature(mdbook, load_site("mdbook").page_kinds[0].content_roots) == "div#mdbook-content main"
    assert not scope.has_layout(page("mdbook/404.html"), "div.vp-doc")


def test_without_a_specific_root_the_layout_is_the_sidebar():
    # The generic profile names no content root: the page's sidebar tells its layout.
    signature = scope.layout_signature(page("mdbook/recipes/producing.html"), ())
    assert signature and "sidebar" in signature
    assert scope.has_layout(page("mdbook/internals/offsets.html"), signature)


def test_navigation_links_are_the_top_bar_and_the_sidebar():
    links = scope.navigation_links(page("vitepress/guide/installing.html"))
    assert "/reference/commands.html" in links and "/guide/profiles.html" in links


def test_the_book_left_out_lists_reasons_with_examples():
    book = scope.ScopeBook(layout="div.vp-doc", root=["guide/"])
    book.judged.update({"guide/": "the start page's folder", "blog/": scope.ANOTHER_LAYOUT})
    book.leave_out(scope.DENIED, "/search.html")
    book.outside.setdefault("blog/", set()).update({"/blog/a.html", "/blog/b.html"})
    book.outside.setdefault("api/", set()).add("/api/x.html")
    left_out = book.to_dict()["left_out"]
    assert left_out[scope.ANOTHER_LAYOUT] == {"count": 2, "examples": ["/blog/a.html", "/blog/b.html"]}
    assert left_out[scope.OUTSIDE_ROOT] == {"count": 1, "examples": ["/api/x.html"]}
    assert left_out[scope.DENIED]["count"] == 1


def test_robots_sitemaps_and_llms_txt_links():
    assert discovery.robots_sitemaps("User-agent: *\nDisallow:\nSitemap: https://x.example/sitemap-index.xml\n"
                                     "sitemap:   /other.xml\n") == ["https://x.example/sitemap-index.xml", "/other.xml"]
    text = ("# Project\n\n> Summary with a [link](https://elsewhere.example/).\n\n## Docs\n\n"
            "- [Intro](/guide/intro.md): start here\n- [API](<https://x.example/api/index.md> \"API\")\n"
            "- [Intro again](/guide/intro.md)\n")
    assert discovery.llms_txt_links(text) == ["https://elsewhere.example/", "/guide/intro.md",
                                              "https://x.example/api/index.md"]
    assert discovery.page_of_markdown_url("/guide/intro.md") == "/guide/intro.html"
    assert discovery.page_of_markdown_url("/guide/") == "/guide/"


def test_a_translation_is_another_language():
    english = page("vitepress/guide/installing.html")
    assert scope.page_language(english) == "en"                # <html lang="en-US">
    assert scope.same_language(english, "en") and not scope.same_language(english, "zh")
    assert scope.same_language(english, "")                   # the start page states none

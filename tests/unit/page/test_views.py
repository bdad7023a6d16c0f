"""Views that are not pages, on real pages: Sphinx's search page (Furo marks it noindex), the
module sources of sphinx.ext.viewcode, a listing written by Python's own http.server, a page
whose rel=canonical names another page of its version, print views."""
from __future__ import annotations

import io
from http.server import SimpleHTTPRequestHandler

from lxml import html as lxml_html

from compress.budget import Budget
from compress.tokenizer import TokenCounter
from crawler.page.views import (CANONICAL_ELSEWHERE, DIRECTORY_LISTING, NOINDEX, PRINT_VIEW, SOURCE_LISTING,
                                view_rule)
from crawler.page.process import PageInfo, process_page
from crawler.site.sites import load_site

from ...conftest import PROJECT

FURO = PROJECT / "tests" / "sites" / "sphinx-furo" / "en" / "stable"
SPHINX = load_site("sphinx")


def rule(path: str, html_text: str, canonical: str | None = None, **options) -> str | None:
    doc = lxml_html.document_fromstring(html_text)
    return view_rule(doc, path, "http://127.0.0.1:8000" + path, canonical,
                     lambda one, other: one.rstrip("/") == other.rstrip("/"),
                     lambda one, other: one.split("/")[:3] == other.split("/")[:3], **options)


def test_sphinx_search_page_is_noindex_and_a_content_page_is_read():
    assert rule("/en/stable/search.html", (FURO / "search.html").read_text(encoding="utf-8")) == NOINDEX
    assert rule("/en/stable/install.html", (FURO / "install.html").read_text(encoding="utf-8")) is None


def test_module_sources_are_skipped_unless_kept():
    source = (FURO / "_modules" / "tidewater.html").read_text(encoding="utf-8")
    assert rule("/en/stable/_modules/tidewater.html", source) == SOURCE_LISTING
    assert rule("/en/stable/_modules/tidewater.html", source, keep=("source_listing",)) is None


def test_a_directory_listing_written_by_pythons_http_server():
    class Listing(SimpleHTTPRequestHandler):
        def __init__(self):   # only list_directory() is used: no socket
            self.path = "/en/stable/_static/"
            self.wfile = io.BytesIO()
            self.requestline, self.request_version, self.command = "GET / HTTP/1.0", "HTTP/1.0", "GET"

        def send_response(self, *args): pass
        def send_header(self, *args): pass
        def end_headers(self): pass

    body = Listing().list_directory(str(FURO / "_static")).read().decode("utf-8")
    assert "Directory listing for /en/stable/_static/" in body
    assert rule("/en/stable/_static/", body) == DIRECTORY_LISTING


def test_a_canonical_link_to_another_page_of_the_same_version_only():
    html_text = (FURO / "install.html").read_text(encoding="utf-8")
    host = "http://127.0.0.1:8000"
    assert rule("/en/stable/setup.html", html_text, host + "/en/stable/install.html") == CANONICAL_ELSEWHERE
    assert rule("/en/stable/install.html", html_text, host + "/en/stable/install.html") is None
    assert rule("/en/1.3/install.html", html_text, host + "/en/stable/install.html") is None   # other version
    assert rule("/en/stable/setup.html", html_text, "https://elsewhere.example/en/stable/install.html") is None


def test_print_views():
    html_text = (FURO / "install.html").read_text(encoding="utf-8")
    assert rule("/book/print.html", html_text) == PRINT_VIEW
    assert rule("/docs/_print/guide/", html_text) == PRINT_VIEW


def test_process_page_returns_no_records_for_a_view_and_names_its_rule():
    info = PageInfo("s", "s", "stable", "stable", True, "/en/stable/search.html",
                    "http://h/en/stable/search.html", "http://h/en/stable/search.html")
    result = process_page((FURO / "search.html").read_text(encoding="utf-8"), info, SPHINX,
                          SPHINX.page_kinds[0], Budget(), TokenCounter("cl100k_base"), "2025-06-02T00:00:00Z")
    assert result.view == NOINDEX and result.records == [] and result.links


def test_page_title_is_the_first_title_in_document_order():
    from crawler.page.views import page_title

    assert page_title(lxml_html.document_fromstring("<html><head><title>Head</title></head><body>"
                                                    "<svg><title>Icon</title></svg></body></html>")) == "Head"
    # A <head> after the body (the parser keeps it there): the body's title comes first.
    late_head = lxml_html.document_fromstring("<html><body><title>Body</title></body><head><title>Late</title></head></html>")
    assert page_title(late_head) == late_head.findtext(".//title") == "Body"
    assert page_title(lxml_html.document_fromstring("<p>no title</p>")) is None

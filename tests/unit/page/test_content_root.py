"""A profile's content roots are hints: on a real page where none matches, trafilatura's main
text takes over (and the page says so); "none" keeps the old gate."""
from __future__ import annotations

import dataclasses

import pytest

from compress.budget import Budget
from compress.tokenizer import TokenCounter
from crawler.page.clean import ContentNotFound
from crawler.page.process import PageInfo, process_page
from crawler.site.profiles import ProfileError, profile_from_dict
from crawler.site.sites import load_site

from ...conftest import PROJECT

PYDATA = PROJECT / "tests" / "sites" / "sphinx-pydata" / "en" / "latest" / "guide" / "filters.html"
SPHINX = load_site("sphinx")


def read(kind) -> object:
    info = PageInfo("s", "s", "latest", "latest", True, "/en/latest/guide/filters.html",
                    "http://h/en/latest/guide/filters.html", "http://h/en/latest/guide/filters.html")
    return process_page(PYDATA.read_text(encoding="utf-8"), info, SPHINX, kind, Budget(),
                        TokenCounter("cl100k_base"), "2025-06-02T00:00:00Z")


def test_the_shipped_roots_find_the_pydata_article():
    result = read(SPHINX.page_kinds[0])
    assert not result.root_fallback
    assert {"ship-wakes", "silent-gauges", "smoothing"} <= {a for r in result.records for a in r.anchors}


def test_no_root_matching_the_main_text_reads_the_page_and_says_so():
    kind = dataclasses.replace(SPHINX.page_kinds[0], content_roots=("div.theme-that-was-renamed",))
    result = read(kind)
    assert result.root_fallback
    text = "\n".join(record.text for record in result.records)
    assert "Estuaries\nwith a tidal bore" in text or "Estuaries with a tidal bore" in text
    assert "Smoothing before removing wakes" in text
    assert "Color mode" not in text and "Skip to main content" not in text


def test_content_fallback_none_keeps_the_gate():
    kind = dataclasses.replace(SPHINX.page_kinds[0], content_roots=("div.theme-that-was-renamed",),
                               content_fallback="none")
    with pytest.raises(ContentNotFound, match="theme-that-was-renamed"):
        read(kind)


def test_a_profile_needs_a_root_only_when_it_opts_out_of_the_fallback():
    base = {"name": "p", "source": "p", "entry": "/", "versions": {"url_pattern": "^/(?P<slug>[^/]+)/"}}
    loaded = profile_from_dict({**base, "pages": [{"name": "p", "path": "^/(?P<slug>.*)$"}]})
    assert loaded.page_kinds[0].content_fallback == "main-text"
    with pytest.raises(ProfileError, match="content_root"):
        profile_from_dict({**base, "pages": [{"name": "p", "path": "^/(?P<slug>.*)$", "content_fallback": "none"}]})

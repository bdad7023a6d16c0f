"""A page of tens of thousands of tiny headings (issue 18's "linear time on any page", scaled
down from bench/hostile_pages.py's million): read whole, and not handed to trafilatura's
layout-drift check, whose XPaths grow quadratically with a page's elements."""
from __future__ import annotations

import re

from bench.hostile_pages import tiny_headings
from compress.budget import Budget
from compress.tokenizer import TokenCounter
from crawler.page.maintext import MAX_JUDGED_ELEMENTS, judgeable
from crawler.page.process import PageInfo, parse_html, process_page
from crawler.site.profiles import profile_from_dict

PROFILE = profile_from_dict({"name": "tiny", "source": "tiny", "entry": "/docs/",
                             "versions": {"url_pattern": "^/docs/(?P<slug>[^/]+)/"},
                             "pages": [{"name": "page", "path": "^/docs/(?P<slug>[^/]+)/",
                                        "content_root": ["main"]}]})
HEADINGS = 30_000   # 60k elements: over MAX_JUDGED_ELEMENTS


def page_of(headings: int) -> str:
    return f"<html><head><title>Tiny</title></head><body><main>{tiny_headings(headings)}</main></body></html>"


def test_every_tiny_heading_and_its_text_is_kept_and_the_page_is_not_judged():
    info = PageInfo("tiny", "tiny", "1.0", "1.0", True, "/docs/1.0/p.html", "https://x/docs/1.0/p.html",
                    "https://x/docs/1.0/p.html", check_layout=True)
    result = process_page(page_of(HEADINGS), info, PROFILE, PROFILE.page_kinds[0], Budget(),
                          TokenCounter("cl100k_base"), "2026-01-01T00:00:00+00:00")
    words = set(re.findall(r"\b[Hw]\d+\b", " ".join(record.text for record in result.records)))
    assert all(f"H{n}" in words and f"w{n}" in words for n in range(HEADINGS))
    anchors = {anchor for record in result.records for anchor in record.anchors}
    assert anchors == {f"h{n}" for n in range(HEADINGS)}
    assert result.layout_share is None   # too big to judge: the next pages of the version are
    assert result.coverage == 1.0


def test_a_page_is_judged_up_to_the_element_limit():
    assert judgeable(parse_html(page_of(100)))
    assert not judgeable(parse_html(page_of(MAX_JUDGED_ELEMENTS // 2)))   # + html, head, body...

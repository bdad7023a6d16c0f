"""Pathological pages: too deep to parse (failed, never truncated silently), deep but legal
(read whole), a huge heading (titles capped, no gigabytes), an unbroken multi-MB <pre> (cut in
linear time). Their time and memory figures are in bench/hostile_pages.py, not asserted here."""
from __future__ import annotations

import json
import re

import pytest

from bench.hostile_pages import nested_divs, one_line_pre, unclosed_spans
from crawler.page.sections import MAX_TITLE_CHARS

from ..conftest import read_manifest
from .site import GOOD, crawl, failure_kinds, records_by_page, serve_hostile, site

pytestmark = [pytest.mark.timeout(300), pytest.mark.slow]

PAGES = {
    "deep": nested_divs(100_000),
    "spans": unclosed_spans(300),
    "heading": "<h2 id='big'>" + "Heading " * 125_000 + "</h2>" + "".join(
        f"<h3 id='s{n}'>Sub {n}</h3><p>{'word ' * 200}</p>" for n in range(20)),
    "pre": one_line_pre(2_000_000),
}


def test_pathological_pages_are_done_or_failed_and_the_rest_is_done(tmp_path):
    out = tmp_path / "out.jsonl"
    with serve_hostile(site({}, PAGES)) as server:
        result = crawl(server.base_url, out, "--workers", "2", timeout=280)
    assert result.returncode == 1, result.stderr
    manifest = read_manifest(out)
    assert failure_kinds(manifest) == {"deep.html": "unparseable"}, manifest["failures"]
    done = records_by_page(out)
    for name in GOOD + ["spans", "heading", "pre"]:
        assert done.get(f"{server.base_url}/docs/1.0/{name}.html"), name
    records = [json.loads(line) for line in open(out, encoding="utf-8")]
    spans = " ".join(r["text"] for r in records if r["url"].split("#")[0].endswith("/spans.html"))
    assert "word299" in spans and "the last words of the page" in spans   # nothing lost past 256 levels
    heading = [r for r in records if "/heading.html" in r["url"]]
    assert all(len(r["title"]) <= MAX_TITLE_CHARS and all(len(p) <= MAX_TITLE_CHARS for p in r["path"])
               for r in heading)
    assert out.stat().st_size < 30_000_000
    pre = [r for r in records if "/pre.html" in r["url"]]
    runs = [len(run) for r in pre for run in re.findall("x{20,}", r["text"])]
    assert sum(runs) == 2_000_000      # every character of the unbroken line, once
    assert all(r["text_tokens"] <= r["max_input_tokens"] for r in records)

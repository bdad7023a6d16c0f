"""The HTML run report, opened in headless Chromium as a reader would open it."""
from __future__ import annotations

import argparse
import json
import re
import shutil
from pathlib import Path

import pytest

from output.corpus.cli import register
from output.corpus.report import build_report
from tests.unit.corpus_records import corpus

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
CHART_IDS = ["records-per-version", "tokens-per-version", "token-histogram", "dedup-records",
             "dedup-tokens", "coverage", "slowest-pages"]


def manifest_for(records: list[dict]) -> dict:
    pages = sorted({r["fetched_url"].split("#")[0] + "|" + r["version"] for r in records})
    per_page = [{"url": key.split("|")[0], "version": key.split("|")[1], "kind": "main",
                 "records": 1, "sections": 1, "coverage": 0.9 + n / 100, "content_words": 100,
                 "text_tokens": 100, "seconds": 0.05 * (n + 1)} for n, key in enumerate(pages)]
    return {"site": "kafka", "source": "apache_kafka", "settings": {"max_input_tokens": 800},
            "started_at": "2026-01-01T00:00:00+00:00", "duration_seconds": 3.2,
            "failures": [{"url": "http://127.0.0.1:8000/20/ops.html", "reason": "HTTP 500"}],
            "broken_links": ["http://127.0.0.1:8000/20/gone.html"],
            "coverage": {"min": 0.9, "mean": 0.95, "per_page": per_page}}


def test_report_is_self_contained_and_complete():
    records = corpus()
    html = build_report(records, manifest_for(records))
    assert not re.search(r"""(src|href)\s*=|<script|<link|@import|url\(""", html, re.I)
    for chart in CHART_IDS:
        assert f'id="{chart}"' in html
    assert "HTTP 500" in html and "/20/gone.html" in html and "budget 800" in html
    assert "no manifest found" in build_report(records, {})           # still renders without one


def test_report_cli_writes_the_page(tmp_path, capsys):
    source = tmp_path / "out.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in corpus()))
    (tmp_path / "out.jsonl.manifest.json").write_text(json.dumps(manifest_for(corpus())))
    parser = argparse.ArgumentParser(prog="docprompts")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["report", str(source), "-o", str(tmp_path / "r.html")])
    assert args.func(args) == 0
    assert "HTTP 500" in (tmp_path / "r.html").read_text()
    args = parser.parse_args(["report", str(tmp_path / "none.jsonl"), "-o", str(tmp_path / "x.html")])
    assert args.func(args) == 2 and "no such file" in capsys.readouterr().err


def test_report_renders_in_chromium(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    records = corpus()
    page_file = tmp_path / "report.html"
    page_file.write_text(build_report(records, manifest_for(records)))
    screenshot = tmp_path / "report.png"
    problems, requests = [], []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM if CHROMIUM.exists()
                                                                 else shutil.which("chromium")),
                                             args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 900, "height": 1200})
            page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
            page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
            page.on("request", lambda request: requests.append(request.url))
            page.goto(page_file.as_uri(), wait_until="load")
            assert page.locator("svg.chart").count() == len(CHART_IDS)
            for chart in CHART_IDS:
                box = page.locator(f"#{chart} svg").bounding_box()
                assert box and box["width"] > 100 and box["height"] > 10, chart
            assert page.locator("#records-per-version rect").count() == 4           # 4 versions
            assert page.locator("#token-histogram line.budget").count() == 1
            assert page.locator("#coverage rect").count() == len(manifest_for(records)["coverage"]["per_page"])
            assert "HTTP 500" in page.locator("table").first.inner_text()
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    assert problems == []
    assert requests == [page_file.as_uri()]                 # nothing fetched but the page itself
    assert screenshot.stat().st_size > 10_000
    print(f"report screenshot: {screenshot}")

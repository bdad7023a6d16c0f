"""Fidelity of a rendered crawl (a Docsify site): every route found, and recall and precision of
each route's records against what Chromium itself shows a reader on that route.

    python bench/render_fidelity.py                  # the Docsify fixture (tests/sites/docsify)
    python bench/render_fidelity.py OUT.jsonl        # an existing crawl's output (its URLs are fetched)

Without an output file the fixture is served on loopback and crawled by one route's URL alone
(``docprompts crawl http://127.0.0.1:PORT/docs/#/quickstart``), timed. Reference per route: the
route opened in a fresh Chromium page (the system one, as the crawl uses), network quiet, the
text of Docsify's ``article#main``. Recall = share of the reference's word 5-grams found in the
route's records; precision = share of the records' 5-grams found in the reference.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from lxml import html as lxml_html  # noqa: E402

from crawler.page.clean import text_of  # noqa: E402
from crawler.run.browser import LAUNCH_FLAGS, find_browser  # noqa: E402
from crawler.site.routes import page_url_of  # noqa: E402
from output.coverage import markdown_to_plain, recall  # noqa: E402

CONTENT = "article#main"   # Docsify's rendered Markdown


def rendered_texts(page_urls: list[str], browser: str | None = None, content: str = CONTENT) -> dict[str, str]:
    """{page URL: the text Chromium shows in the ``content`` element}, each route in a fresh page
    (a second ``goto`` that changes only the fragment would load nothing)."""
    from playwright.sync_api import sync_playwright

    texts = {}
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=browser or find_browser(), args=LAUNCH_FLAGS)
        for url in page_urls:
            page = chromium.new_page()
            page.goto(url, wait_until="networkidle")
            page.wait_for_selector(f"{content} h1")
            texts[url] = text_of(lxml_html.fragment_fromstring(page.inner_html(content), create_parent="div"))
            page.close()
        chromium.close()
    return texts


def route_fidelity(records: list[dict], references: dict[str, str]) -> dict[str, dict[str, float]]:
    """{page URL: {"recall", "precision"}} of the records of each page (by ``fetched_url``
    route) against its reference text."""
    by_page: dict[str, list[dict]] = defaultdict(list)
    for record in records:
        by_page[page_url_of(record["fetched_url"])].append(record)
    figures = {}
    for url, reference in references.items():
        text = "\n".join(markdown_to_plain(record["text"]) for record in by_page.get(url, []))
        figures[url] = {"recall": recall(reference, [text]), "precision": recall(text, [reference])}
    return figures


def crawl_fixture(out: Path) -> tuple[int, float, str]:
    from crawler.demo import serve_directory

    with serve_directory(PROJECT / "tests" / "sites" / "docsify") as base_url:
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "crawler.cli", "crawl", f"{base_url}/docs/#/quickstart",
                                 "--out", str(out), "--log-level", "WARNING"], cwd=PROJECT)
        return result.returncode, time.perf_counter() - started, base_url


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        if argv:
            out, status = Path(argv[0]), None
        else:
            out = Path(tmp) / "docsify.jsonl"
            status, seconds, base_url = crawl_fixture(out)
            print(f"crawl {base_url}/docs/#/quickstart: exit {status}, {seconds:.1f} s wall")
        records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        pages = sorted({page_url_of(record["fetched_url"]) for record in records})
        if not argv:
            from crawler.demo import serve_directory   # the same server again, for the reference
            with serve_directory(PROJECT / "tests" / "sites" / "docsify", port=int(base_url.rsplit(":", 1)[1])):
                references = rendered_texts(pages)
        else:
            references = rendered_texts(pages)
    figures = route_fidelity(records, references)
    for url, figure in sorted(figures.items()):
        print(f"{url}  recall {figure['recall']:.4f}  precision {figure['precision']:.4f}")
    values = list(figures.values())
    print(f"{len(pages)} routes; recall min {min(f['recall'] for f in values):.4f}; "
          f"precision min {min(f['precision'] for f in values):.4f}")
    return 0 if status in (None, 0) else status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

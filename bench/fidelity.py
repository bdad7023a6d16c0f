"""Fidelity of a crawl: recall, precision and anchors of each page's records against the page's
main content as a reader sees it, per generator.

    python bench/fidelity.py OUT.jsonl            # fetches each record's fetched_url again

Reference per page: the generator's own content element (Docusaurus ``div.theme-doc-markdown``,
VitePress ``div.vp-doc``, Starlight's ``main``, mdBook's ``div#mdbook-content main``), with what
a reader does not see as text removed (permalink signs, copy buttons, the code block's
language label, screen-reader-only text, mdBook's hidden code lines) and each tab opened as a
reader clicks it (its label, then its panel). The generator is detected from the page.
Recall = share of the reference's word 5-grams found in the page's records (in document order);
precision = share of the records' 5-grams found in the reference; anchors = share of the
reference's element ids found in the records' ``anchors``. Prints per version min and mean.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import urllib.request
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lxml import html as lxml_html  # noqa: E402

from crawler.page.clean import text_of  # noqa: E402
from crawler.site.detect import detect_generator  # noqa: E402
from output.coverage import markdown_to_plain, recall  # noqa: E402

# generator profile -> (content element, elements a reader does not read as text)
READER_VIEWS = {
    "docusaurus": ("div.theme-doc-markdown", ["a.hash-link"]),
    "vitepress": ("div.vp-doc", ["a.header-anchor", "button.copy", "span.lang", ".visually-hidden",
                                 "div.line-numbers-wrapper"]),
    "starlight": ("main", ["a.sl-anchor-link", ".sr-only", "main footer", "div.copy", "script", "style"]),
    "mdbook": ("div#mdbook-content main", ["pre span.boring"]),
}


def reader_text(html_text: str) -> tuple[str, set[str]]:
    """A page's main content as a reader sees it, and the ids inside it."""
    doc = lxml_html.document_fromstring(html_text)
    root_selector, unread = READER_VIEWS.get(detect_generator(html_text).profile, READER_VIEWS["docusaurus"])
    body = doc.cssselect(root_selector)[0]
    for selector in unread:
        for element in body.cssselect(selector):
            element.drop_tree()
    for tabs in body.cssselect("div.tabs-container, starlight-tabs"):   # ARIA tabs
        labels = [tab.text_content() for tab in tabs.cssselect("[role=tab]")]
        for label, panel in zip(labels, tabs.cssselect("[role=tabpanel]")):
            heading = lxml_html.Element("p")
            heading.text = label
            panel.addprevious(heading)
        tabs.cssselect("[role=tablist]")[0].drop_tree()
    for group in body.cssselect("div.vp-code-group"):   # VitePress code groups
        for label, block in zip(group.cssselect("div.tabs label"), group.cssselect("div.blocks > div")):
            heading = lxml_html.Element("p")
            heading.text = label.text_content()
            block.addprevious(heading)
        group.cssselect("div.tabs")[0].drop_tree()
    return text_of(body), {element.get("id") for element in body.iter() if element.get("id")}


def page_fidelity(html_text: str, records: list[dict]) -> dict[str, float]:
    reference, ids = reader_text(html_text)
    text = "\n".join(markdown_to_plain(record["text"]) for record in records)
    anchors = {anchor for record in records for anchor in record["anchors"]}
    return {"recall": recall(reference, [text]), "precision": recall(text, [reference]),
            "anchors": len(ids & anchors) / len(ids) if ids else 1.0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("jsonl", type=Path)
    args = parser.parse_args(argv)
    pages: dict[str, list[dict]] = defaultdict(list)
    with open(args.jsonl, encoding="utf-8") as stream:
        for line in stream:
            record = json.loads(line)
            pages[record["fetched_url"]].append(record)
    per_version: dict[str, list[dict]] = defaultdict(list)
    for url, records in sorted(pages.items()):
        with urllib.request.urlopen(url, timeout=30) as response:
            figures = page_fidelity(response.read().decode("utf-8"), records)
        per_version[records[0]["version"]].append(figures)
        print(f"{url}  recall {figures['recall']:.4f}  precision {figures['precision']:.4f}  "
              f"anchors {figures['anchors']:.4f}")
    for version, figures in sorted(per_version.items()):
        line = [f"version {version}: {len(figures)} pages"]
        for key in ("recall", "precision", "anchors"):
            values = [figure[key] for figure in figures]
            line.append(f"{key} min {min(values):.4f} mean {statistics.fmean(values):.4f}")
        print("; ".join(line))
    return 0


if __name__ == "__main__":
    sys.exit(main())

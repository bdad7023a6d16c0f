"""trafilatura where it earns its place: finding a page's main content, never converting it.

Measured on the Kafka mirror, trafilatura used as the per-section Markdown converter loses
most headings and code fences and is several times slower than ``crawler.page.extract``. What it is
good at is telling a page's main text from its navigation on a layout nobody described. So:

- ``main_text_root``: for a site with no known content root (the generic profile), the DOM
  element that holds trafilatura's main text (its word 5-grams); that element is then cleaned
  and converted by the project's own converter, ids and code intact;
- ``main_text_share``: the layout-drift alarm. The share of trafilatura's main text that a
  profile's content root holds; a redesign or a wrong selector makes it drop (the "0 records
  after a redesign" failure), and the spider reports it.
"""
from __future__ import annotations

from itertools import islice

import trafilatura
from lxml import etree

from output.coverage import recall

# Descend into a child while it keeps this share of the main text's 5-grams the page holds.
KEEP_SHARE = 0.9
# The layout-drift alarm (measured on the fixtures: real content pages 0.92-1.0, a wrong root
# under 0.2; pages under 150 words of main text scatter from 0.46 to 0.79, so they are not judged).
SAMPLE_PAGES = 3        # pages judged per version (the first ones long enough)
MIN_WORDS = 150         # trafilatura's main text shorter than this: the page is not judged
DRIFT_BELOW = 0.8       # a version whose judged pages hold less of the main text, on average
# trafilatura's XPaths grow quadratically with a page's elements (50k elements: 2-4 s CPU;
# 200k: 22 s; 1M tiny headings: past any page timeout). A bigger page is not judged (the next
# pages of its version are); the largest page of the Kafka mirror has 20.5k elements.
MAX_JUDGED_ELEMENTS = 50_000
_CONTAINERS = {"div", "main", "article", "section", "td", "body", "form", "center"}


def main_text(html_text: str) -> str:
    """trafilatura's main text of a whole page (plain text; tables in, comments out)."""
    text = trafilatura.extract(html_text, include_comments=False, include_tables=True,
                               include_formatting=False, deduplicate=False, favor_recall=True,
                               with_metadata=False)
    return text or ""


def main_text_root(doc, reference: str):
    """The smallest container element holding ``KEEP_SHARE`` of what the whole page holds of
    ``reference`` (trafilatura's main text): top-down, into the best child while it qualifies."""
    from crawler.page.clean import text_of

    node = doc.find(".//body")
    if node is None:
        node = doc
    if not reference.strip():
        return node
    total = recall(reference, [text_of(node)])
    while True:
        best, best_share = None, 0.0
        for child in node:
            if not isinstance(child.tag, str) or child.tag.lower() not in _CONTAINERS:
                continue
            share = recall(reference, [text_of(child)])
            if share > best_share:
                best, best_share = child, share
        if best is None or best_share < KEEP_SHARE * total:
            return node
        node = best


def judgeable(doc) -> bool:
    """Small enough for the layout-drift check (``MAX_JUDGED_ELEMENTS``)."""
    # Counted up to the limit only: a page of 1M elements is not walked whole (0.2 s).
    elements = doc.getroottree().getroot().iter(etree.Element)
    return next(islice(elements, MAX_JUDGED_ELEMENTS, None), None) is None


def main_text_share(reference: str, content_text: str) -> float | None:
    """How much of the page's main text (trafilatura) the profile's content root holds; None
    for a page too short to judge (a section index of 60 words: trafilatura then mixes in the
    navigation, and the share says nothing about the layout)."""
    if len(reference.split()) < MIN_WORDS:
        return None
    return recall(reference, [content_text])


# -- the layout-drift alarm ------------------------------------------------------------------------


def layout_drift(shares: dict[str, list[tuple[str, float]]]) -> list[dict]:
    """Versions whose sampled pages hold too little of trafilatura's main text, as manifest
    failures (kind ``layout_drift``): {version: [(page URL, share), ...]} -> entries."""
    alarms = []
    for version, samples in sorted(shares.items()):
        if not samples:
            continue
        mean = sum(share for _, share in samples) / len(samples)
        if mean < DRIFT_BELOW:
            alarms.append({
                "url": samples[0][0], "kind": "layout_drift",
                "reason": f"layout drift in version {version}: the content root holds {mean:.0%} of "
                          f"the pages' main text (trafilatura), below {DRIFT_BELOW:.0%}, on "
                          f"{len(samples)} sampled pages; the site may have been redesigned or the "
                          f"profile's content_root finds the wrong element",
                "version": version, "share": round(mean, 4), "pages": [url for url, _ in samples]})
    return alarms

"""The documentation's extent, from what the site itself lists: pure functions and a ledger.

A one-version profile (generic, VitePress, Starlight, mdBook, Docsy) used to take the start
URL's first folder as the whole documentation: VitePress started under /guide/ lost every
/reference/ page with exit 0. The extent is what the site lists instead: its navigation (top
bar, sidebar), its sitemaps and llms.txt. A folder those list is part of the documentation when
one of its pages has the start page's layout (its content element, e.g. ``div.vp-doc``): the
home page's hero, a blog or a community page with another layout are not, nor is a folder named
like a version (another version of the docs, crawled by its own URL) or a page in another
language (a translation: ``<html lang>``). Every link left out is
counted per reason, with examples, in the manifest.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from crawler.page.css import select
from crawler.site.regex import LinearRegex

# Navigation as sites mark it: the top bar, sidebars, ARIA navigation, "sidebar" containers.
# The containers first, then their links: "//nav//a" merges a node set per node below each
# <nav>, and a predicate on every element costs more than a step to its attributes (2.4x).
_NAVIGATION = etree.XPath(
    "(/descendant::nav | /descendant::header | /descendant::aside"
    " | (/descendant::*/@role[. = 'navigation'] | /descendant::*/@class[contains(., 'sidebar')]"
    " | /descendant::*/@id[contains(., 'sidebar')])/..)/descendant::a/@href", smart_strings=False)
# Content roots too general to tell one layout from another.
_GENERAL_ROOTS = {"main", "article", "body", "div[role=main]", "article[role=main]", "[role=main]"}
# A folder that names a version ("2.1", "v3", "latest"): another version, not a section.
_VERSION_FOLDER = re.compile(r"^(?:v?\d+(?:\.\d+)*(?:\.x)?|latest|stable|next|dev|main|master)$", re.I)
EXAMPLES = 5

ANOTHER_LAYOUT = "another layout (not a documentation page)"
ANOTHER_VERSION = "another version's folder"
ANOTHER_LANGUAGE = "another language (the page's <html lang> differs from the start page's)"
OUTSIDE_ROOT = "outside the documentation's root (linked from content only)"
UNJUDGED = "listed by the site's navigation, outside the root, layout unknown: not crawled"
DENIED = "the profile's scope rules (deny)"
DUPLICATE_VIEW = "a second path to a page already read (byte-identical body)"
ALLOW = "the profile's scope rules (outside allow)"
NOT_A_PAGE = "not a page of the profile's page kinds"


def navigation_links(doc) -> list[str]:
    """The hrefs of the page's navigation (top bar, sidebar), in document order, once each."""
    return list(dict.fromkeys(href.strip() for href in _NAVIGATION(doc)))


def layout_signature(doc, content_roots) -> str | None:
    """A CSS selector that the page's layout has and other layouts lack: the first specific
    content root of the profile the page matches (``div.vp-doc``), else its sidebar."""
    for selector in content_roots:
        if selector.strip() not in _GENERAL_ROOTS and select(doc, selector):
            return selector
    sidebars = doc.xpath("//*[contains(@class, 'sidebar') or contains(@id, 'sidebar')][.//a]")
    for element in sidebars:
        if element.get("id") and re.fullmatch(r"[A-Za-z][\w-]*", element.get("id")):
            return f"{element.tag}#{element.get('id')}"
        names = [name for name in (element.get("class") or "").split() if "sidebar" in name]
        if names and re.fullmatch(r"-?[A-Za-z_][\w-]*", names[0]):
            return f"{element.tag}.{names[0]}"
    return None


def has_layout(doc, signature: str) -> bool:
    return bool(select(doc, signature))


def page_language(doc) -> str:
    """The page's language as ``<html lang>`` states it, primary subtag ("en-US" -> "en")."""
    return str((doc.xpath("/html/@lang") or [""])[0]).strip().split("-")[0].lower()


def same_language(doc, language: str) -> bool:
    """A translation (VitePress /zh/, Starlight /fr/) is another corpus, not more of this one."""
    own = page_language(doc)
    return not own or not language or own == language


def area_of(path: str) -> str:
    """The part of the site a page belongs to: its first folder ("guide/"), or the page itself
    for a page at the root ("/intro.html", "/"): a root page is judged alone, the home page's
    hero says nothing about a chapter next to it."""
    parts = path.lstrip("/").split("/")
    return parts[0] + "/" if len(parts) > 1 else "/" + parts[0]


def is_version_folder(area: str) -> bool:
    return area.endswith("/") and bool(_VERSION_FOLDER.match(area[:-1]))


def area_pattern(area: str) -> LinearRegex:
    if area.endswith("/"):
        return LinearRegex("^/" + re.escape(area[:-1]) + "(?:/|$)")
    return LinearRegex("^" + re.escape(area) + "$")


@dataclass
class ScopeBook:
    """What the crawl decided about each folder the site lists, and every link it left out."""
    layout: str | None = None
    language: str = ""                                           # the start page's <html lang>
    root: list[str] = field(default_factory=list)               # areas crawled ([] and no allow: all)
    judged: dict[str, str] = field(default_factory=dict)        # area -> verdict
    widened: list[dict] = field(default_factory=list)           # {"area", "listed_by", "page"}
    pending: dict[str, list[str]] = field(default_factory=dict)  # area -> paths listed, until judged
    left_out: dict[str, set[str]] = field(default_factory=dict)  # reason -> URLs
    outside: dict[str, set[str]] = field(default_factory=dict)   # area -> URLs content links there

    def leave_out(self, reason: str, url: str) -> None:
        self.left_out.setdefault(reason, set()).add(url)

    def unjudged(self) -> list[str]:
        return sorted(self.left_out.get(UNJUDGED, ()))

    def left_out_by_reason(self) -> dict[str, set[str]]:
        """Every link left out, by reason; a content link's area once judged says why."""
        reasons = {reason: set(urls) for reason, urls in self.left_out.items()}
        for area, urls in self.outside.items():
            if area not in self.root:
                verdict = self.judged.get(area, OUTSIDE_ROOT)
                reasons.setdefault(OUTSIDE_ROOT if verdict == "judging" else verdict, set()).update(urls)
        return reasons

    def to_dict(self) -> dict:
        return {
            "layout": self.layout, "root": self.root, "widened": self.widened,
            "judged": dict(sorted(self.judged.items())),
            "left_out": {reason: {"count": len(urls), "examples": sorted(urls)[:EXAMPLES]}
                         for reason, urls in sorted(self.left_out_by_reason().items())},
        }

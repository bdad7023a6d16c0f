"""What the crawl learns from an entry (or probe) page, read in a page worker.

The spider decides which versions to crawl from the site's entry page: the version menu's
links, the page's own version, where each version starts, and, for sites without a menu or
with a scope grown from their own lists, the page's language, its ``<link rel="sitemap">``
and the version lists it points to. All of it is read from one parse of the page in a worker
process (``crawler.run.workers``): the crawl process never builds a tree of its own (a page of a
million headings is a 1 GB tree and seconds of parsing, while the crawl waits).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from crawler.page.css import select
from crawler.site import scope, versionsources
from crawler.site.detect import GENERIC_PROFILE, detect_generator
from crawler.site.hooks import hooks_for
from crawler.site.profiles import SiteProfile


# "/*/head": the parser puts <head> under the root element only ("//" walks the whole page).
_SITEMAP_LINKS = etree.XPath("/*/head/link[@rel='sitemap']/@href")


@dataclass
class EntryFacts:
    version_links: dict                 # slug -> version, from the page's version menu
    own_version: str | None             # the version the page itself belongs to
    version_entries: dict               # slug -> the menu's link to that version's entry page
    language: str = ""                  # <html lang>, primary subtag
    sitemap_links: list[str] = field(default_factory=list)   # <link rel="sitemap"> hrefs
    host_lists: list[tuple[str, str]] = field(default_factory=list)   # read only without a menu
    links_routes: bool = False          # links #/ routes (asked only of a rendered page)
    # Read only when nothing names a version (an alias path like /en/stable/ crawled as one):
    looks_like_site: bool = False       # a content root of the profile, or a known generator
    stated_version: str | None = None   # the version the page states (docsearch:version...)
    options_script: str | None = None   # Sphinx's documentation_options.js, which may state it


def entry_facts(doc, html_text: str, url: str, profile: SiteProfile, ask_routes: bool = False) -> EntryFacts:
    hooks = hooks_for(profile)
    facts = EntryFacts(
        version_links=hooks.version_links(doc, url),
        own_version=hooks.current_version(doc, url),
        version_entries=hooks.version_entries(doc, url),
        language=scope.page_language(doc),
        sitemap_links=[str(href) for href in _SITEMAP_LINKS(doc)],
        links_routes=ask_routes and bool(doc.xpath('//a[starts-with(@href, "#/")]')),
    )
    if not facts.version_links:
        facts.host_lists = versionsources.host_lists(doc, url)
        facts.looks_like_site = shows_profile_layout(doc, html_text, profile)
        facts.stated_version = versionsources.stated_version(doc)
        facts.options_script = versionsources.options_script_url(doc, url)
    return facts


def shows_profile_layout(doc, html_text: str, profile: SiteProfile) -> bool:
    """The page has one of the profile's content roots, or a known generator made it."""
    roots = {selector for kind in profile.page_kinds for selector in kind.content_roots}
    return (any(select(doc, selector) for selector in roots)
            or detect_generator(html_text, doc).profile != GENERIC_PROFILE)

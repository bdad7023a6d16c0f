"""What a page tells the crawl about the rest of the site: pure functions over a parsed page.

The spider only routes requests; everything it learns about *where* documentation lives comes
from here:

- version evidence: links naming versions (a "Releases" menu, a "Prior releases" list, a Read the
  Docs flyout), mike's ``versions.json``, the version a redirect stub sends to;
- page links: every ``<a href>`` of the page, hidden ones included (Docsy keeps the full sidebar
  tree ``nav#td-section-nav`` in every page's DOM, ``d-none`` until its script runs; section
  indexes list their children; content links the rest);
- redirect stubs: pages whose only job is a script or ``<meta refresh>`` sending the visitor
  elsewhere (today's kafka.apache.org ``/<v>/documentation.html`` maps the old single page's
  ``#anchors`` to the new topic pages). A stub is never content: it yields no record, but its map,
  its fallback target and its links are followed;
- sitemaps (``sitemap.xml``, read with Scrapy's sitemap parser), and the page's canonical URL.

Nothing here fetches anything or knows about Scrapy's engine.
"""
from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from lxml import etree

from crawler.page.css import select

__all__ = [
    "PageEvidence", "RedirectScript", "canonical_url", "current_version", "discover",
    "is_redirect_stub", "llms_txt_links", "page_links", "page_of_markdown_url", "parse_redirect_script",
    "parse_versions_json", "redirect_stub", "robots_sitemaps", "sitemap_entries", "version_links",
]


@dataclass
class PageEvidence:
    """Everything one page says about other pages and versions."""
    version_links: dict[str, str] = field(default_factory=dict)   # {slug: version} it names
    links: list[str] = field(default_factory=list)                # hrefs as written, in page order
    canonical_url: str | None = None                              # og:url / rel=canonical
    is_redirect_stub: bool = False
    redirects: dict[str, str] = field(default_factory=dict)       # stub: {old anchor: "/path/#frag"}
    redirect_target: str | None = None                            # stub: where it sends this URL


# -- links ----------------------------------------------------------------------------------------
def page_links(doc) -> list[str]:
    """Every link target of the page, in document order, hidden navigation included: a Docsy
    sidebar is in the DOM of every page even while ``d-none``, so one page lists a version."""
    return _HREFS(doc)


# Plain str: no reference to the tree (and no element proxy made for each link's <a>).
_HREFS = etree.XPath("//a/@href", smart_strings=False)


# "/*/head", not "//head": the parser puts <head> under the root element only, and "//" walks
# the whole page (0.16 s each over a page of 1M tiny headings).
_CANONICAL_QUERIES = (etree.XPath("/*/head/link[@rel='canonical']/@href"),
                      etree.XPath("/*/head/meta[@property='og:url']/@content"))


def canonical_url(doc) -> str | None:
    """The URL the page calls itself: ``<link rel=canonical>``, else Open Graph's ``og:url``."""
    for query in _CANONICAL_QUERIES:
        for value in query(doc):
            value = str(value).strip()
            if urlsplit(value).scheme in ("http", "https"):
                return value.split("#", 1)[0]
    return None


# -- versions -------------------------------------------------------------------------------------
def version_links(doc, page_url: str, selectors, slug_of_url, label_to_version, aliases=()) -> dict[str, str]:
    """Versions named by the page's version links: {slug: version}, aliases left out.

    ``slug_of_url(url)`` says which version a URL belongs to (the profile's ``url_pattern``);
    ``label_to_version(text, slug)`` reads the link's text ("2.0.X") or falls back on the slug."""
    page = urlsplit(page_url)
    host, own_slug = page.hostname, slug_of_url(page_url)
    found: dict[str, str] = {}
    for selector in selectors:
        for anchor in select(doc, selector):
            href = (anchor.get("href") or "").strip()
            if not href or href.startswith("#"):   # this page itself: its path names its version
                link_host, slug = host, own_slug
            elif page.scheme and _same_from_every_page(href):
                link_host, slug = _host_and_slug(page.scheme, page.netloc, href, slug_of_url)
            else:
                url = urljoin(page_url, href)
                link_host, slug = urlsplit(url).hostname, slug_of_url(url)
            if link_host == host and slug and slug not in aliases:
                found.setdefault(slug, label_to_version(anchor.text_content(), slug))
    return found


def _same_from_every_page(href: str) -> bool:
    """Does ``href`` resolve to the same URL from every page of a host ("/27/documentation.html",
    "https://host/x"), whatever the page's own path?"""
    if href.startswith("/"):
        return not href.startswith("//")   # "//" alone would take the page's path
    scheme, _, rest = href.partition("://")
    return scheme in ("http", "https") and rest[:1] not in ("", "/", "?", "#")   # it names a host


@functools.lru_cache(maxsize=16384)
def _host_and_slug(scheme: str, netloc: str, href: str, slug_of_url) -> tuple[str | None, str | None]:
    """The host and version slug of ``href`` (``_same_from_every_page``) from any page of
    ``scheme://netloc``. Once per worker: 22,000 of the Kafka mirror's 27,000 links (its version
    links are all the ``<a>``) are 2,300 distinct ones (0.3 s of urljoin and slug matching)."""
    url = urljoin(f"{scheme}://{netloc}/", href)
    return urlsplit(url).hostname, slug_of_url(url)


def current_version(doc, page_url: str, current_selector, slug_of_url, own_version=None) -> str | None:
    """The page's own version: the site's own answer (``own_version(doc)``), the version menu's
    current item, or the URL."""
    slug = own_version(doc) if own_version else None
    if not slug and current_selector:
        for anchor in doc.cssselect(current_selector):
            slug = slug_of_url(urljoin(page_url, anchor.get("href") or ""))
            if slug:
                break
    return slug or slug_of_url(page_url)


def parse_versions_json(text: str) -> tuple[dict[str, list[str]], str | None]:
    """mike's versions.json ``[{"version": "1.1", "aliases": ["latest"]}, ...]`` ->
    ({slug: [aliases]}, error or None)."""
    try:
        return {str(entry["version"]): [str(alias) for alias in entry.get("aliases") or []]
                for entry in json.loads(text)}, None
    except (ValueError, TypeError, KeyError, AttributeError):
        return {}, "versions list is not mike's versions.json format"


# -- redirect stubs ---------------------------------------------------------------------------------
_LOCATION_CHANGE = re.compile(r"\b(?:window|document)\.location(?:\.href)?\s*=(?!=)|\blocation\.href\s*=(?!=)"
                              r"|\blocation\.(?:replace|assign)\s*\(")
_SCRIPT_TYPES = ("", "text/javascript", "application/javascript", "module")
_ANCHOR_ENTRY = re.compile(r"""["']#([^"'#]+)["']\s*:\s*["']([^"']*)["']""")
# window.location.replace("/"+t+"/"+o[n]): a version variable, then the map's value.
_MAP_REDIRECT = re.compile(r"""location\.replace\(\s*["']/["']\s*\+\s*(\w+)\s*\+\s*["']/["']\s*\+\s*\w+\[\w+\]""")
# window.location.replace("/"+t+"/getting-started/introduction"): where everything else goes.
_DEFAULT_REDIRECT = re.compile(r"""location\.replace\(\s*["']/["']\s*\+\s*(\w+)\s*\+\s*["']/([^"']*)["']\s*\)""")
_PATH_TEST = re.compile(r"""\.includes\(\s*["']([^"']+)["']\s*\)""")
_PATH_REPLACE = re.compile(r"""\.replace\(\s*["']([^"']+)["']\s*,\s*["']([^"']*)["']\s*\)""")
_UNVERSIONED_TEST = re.compile(r"""\.match\(\s*/\^\\/\\d\+/\s*\)""")
_STUB_MAX_WORDS = 25   # "Redirecting..." and a link or two: more than this is a page


@dataclass
class RedirectScript:
    """A redirect stub's script, as data. Today's kafka.apache.org ``/<v>/documentation.html``::

        (function(){var e,s,t="41",o={"#uses":"getting-started/uses",...},n=window.location.hash;
         if(n&&o[n])window.location.replace("/"+t+"/"+o[n]);
         else{if(s=window.location.pathname,s.includes("/documentation/streams/")){
           e=s.replace("/documentation/","/"),t==="42"&&!s.match(/^\\/\\d+/)&&(e="/"+t+e),
           e=e.replace(".html",""),window.location.replace(e+n);return}
         window.location.replace("/"+t+"/getting-started/introduction")}})()
    """
    version: str | None = None                                    # "41"
    anchors: dict[str, str] = field(default_factory=dict)         # {"uses": "getting-started/uses"}
    path_test: str | None = None                                  # "/documentation/streams/"
    path_rewrites: list[tuple[str, str]] = field(default_factory=list)   # applied in order
    prefix_unversioned: bool = False                              # "/"+t added to "/documentation/..."
    default_target: str | None = None                             # "getting-started/introduction"

    def target_for(self, path: str) -> str | None:
        """Where this script sends a visitor of ``path`` who has no (known) fragment."""
        if self.path_test and self.path_test in path:
            target = path
            for old, new in self.path_rewrites:
                target = target.replace(old, new, 1)   # JS String.replace: first occurrence
            if self.prefix_unversioned and self.version and not re.match(r"^/\d+", path):
                target = f"/{self.version}{target}"
            return target
        if self.default_target is not None and self.version:
            return f"/{self.version}/{self.default_target}"
        return None

    def anchor_targets(self) -> dict[str, str]:
        """{old anchor: "/<v>/new/path/#fragment"}: the targets as absolute paths."""
        if not self.version:
            return {}
        return {anchor: f"/{self.version}/{target.lstrip('/')}" for anchor, target in self.anchors.items()}


def parse_redirect_script(code: str) -> RedirectScript | None:
    """A script that maps ``#anchors`` to pages of a version, or None for any other script."""
    mapped = _MAP_REDIRECT.search(code)
    default = _DEFAULT_REDIRECT.search(code)
    variable = (mapped or default).group(1) if (mapped or default) else None
    if variable is None:
        return None
    assigned = re.search(rf"""\b{re.escape(variable)}\s*=\s*["']([^"']+)["']""", code)
    script = RedirectScript(version=assigned.group(1) if assigned else None)
    if mapped:
        script.anchors = dict(_ANCHOR_ENTRY.findall(code))
    if default:
        script.default_target = default.group(2)
    test = _PATH_TEST.search(code)
    if test:
        script.path_test = test.group(1)
        # The rewrites of the pathname inside that branch (up to its `return`).
        branch = code[test.end(): code.find("return", test.end())]
        script.path_rewrites = _PATH_REPLACE.findall(branch)
        script.prefix_unversioned = bool(_UNVERSIONED_TEST.search(branch))
    return script


_REFRESH = etree.XPath("/*/head/meta[translate(@http-equiv,'REFSH','refsh')='refresh']/@content")


def _meta_refresh_target(doc) -> str | None:
    for content in _REFRESH(doc):
        match = re.search(r"url\s*=\s*['\"]?([^'\"\s]+)", str(content), re.I)
        if match:
            return match.group(1)
    return None


_CHROME = ("script", "style", "noscript", "template", "header", "nav", "footer", "aside")
_VISIBLE_TEXT = "//body//text()[not(" + " or ".join(f"ancestor::{tag}" for tag in _CHROME) + ")]"


def _visible_words(doc) -> int:
    """Words of the page outside scripts and the site's chrome (header, navigation, footer)."""
    return sum(len(text.split()) for text in doc.xpath(_VISIBLE_TEXT))


def redirect_stub(doc, page_path: str) -> tuple[dict[str, str], str | None] | None:
    """If the page is a redirect stub: ({old anchor: target path#frag}, the path it sends
    ``page_path`` to); None for a page with content of its own."""
    scripts = [script.text or "" for script in doc.iter("script")
               if (script.get("type") or "").strip().lower() in _SCRIPT_TYPES]
    # "location" first: Python's re has no literal to skip ahead to (0.15 s over the Kafka mirror).
    redirecting = [code for code in scripts if "location" in code and _LOCATION_CHANGE.search(code)]
    refresh = _meta_refresh_target(doc)
    if not redirecting and not refresh:
        return None
    if _visible_words(doc) > _STUB_MAX_WORDS:
        return None   # a page that also has a script using location: content comes first
    anchors: dict[str, str] = {}
    # The path a visitor's browser shows: "dir/", not the "dir/index.html" that served it.
    page_path = page_path[: -len("index.html")] if page_path.endswith("/index.html") else page_path
    target = urlsplit(urljoin(page_path, refresh)).path if refresh else None
    for code in redirecting:
        script = parse_redirect_script(code)
        if script is None:
            continue
        anchors.update(script.anchor_targets())
        target = target or script.target_for(page_path)
    return anchors, target


def is_redirect_stub(doc, page_path: str = "/") -> bool:
    return redirect_stub(doc, page_path) is not None


# -- sitemaps ----------------------------------------------------------------------------------------
def sitemap_entries(body: bytes) -> tuple[str, list[str]]:
    """A sitemap's kind ("urlset" or "sitemapindex", "" when not a sitemap) and its ``<loc>`` URLs."""
    # Imported here: importing scrapy costs a page worker 0.3 s at start-up, and workers never
    # read sitemaps (the crawl process does, and has scrapy already).
    from scrapy.utils.sitemap import Sitemap

    try:
        sitemap = Sitemap(body)
    except Exception:   # lxml raises several kinds on a non-XML body (an HTML 200 page)
        return "", []
    kind = sitemap.type or ""
    if kind not in ("urlset", "sitemapindex"):
        return "", []
    return kind, [entry["loc"].strip() for entry in sitemap if entry.get("loc")]


def robots_sitemaps(text: str) -> list[str]:
    """The ``Sitemap:`` lines of a robots.txt."""
    return [line.split(":", 1)[1].strip() for line in text.splitlines()
            if line.strip().lower().startswith("sitemap:") and line.split(":", 1)[1].strip()]


_MARKDOWN_LINK = re.compile(r"\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def llms_txt_links(text: str) -> list[str]:
    """The link targets of an llms.txt / llms-full.txt (llmstxt.org: Markdown, one list of
    ``[title](url): notes`` per section), in order, once each."""
    return list(dict.fromkeys(match.group(1) for match in _MARKDOWN_LINK.finditer(text)))


def page_of_markdown_url(path: str) -> str:
    """llms.txt lists pages by their Markdown twin (``/guide/intro.md``, VitePress, mdBook):
    the HTML page the generator wrote beside it."""
    return path[: -len(".md")] + ".html" if path.endswith(".md") else path


# -- one page -------------------------------------------------------------------------------------
def discover(doc, page_url: str, version_links_of) -> PageEvidence:
    """All of a page's evidence. ``version_links_of(doc, url)`` applies the profile's rules."""
    path = urlsplit(page_url).path or "/"
    evidence = PageEvidence(version_links=version_links_of(doc, page_url), links=page_links(doc),
                            canonical_url=canonical_url(doc))
    stub = redirect_stub(doc, path)
    if stub is not None:
        evidence.is_redirect_stub = True
        evidence.redirects, evidence.redirect_target = stub
    return evidence

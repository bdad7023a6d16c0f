"""Views that are not pages: fetched, counted in the manifest under a rule, never records.

A documentation site serves the same text more than once, or text that is no documentation:
the search page and the general index (``noindex``), a page that names another one as itself
(``rel=canonical``), the whole book on one page (mdBook's ``print.html``, Hugo's ``_print/``),
a web server's directory listing, Sphinx's highlighted module sources (``_modules/``, from
``sphinx.ext.viewcode``: the code, not its documentation). ``--keep-views RULE,...`` reads the
pages of those rules after all (a site that marks every page noindex, the module sources).
Records made from them would be duplicates or noise. ``view_rule`` names the rule a page falls
under, or None for a page to read. Pure: a parsed page and its paths in, a name out.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from lxml import etree

NOINDEX = "noindex"
CANONICAL_ELSEWHERE = "canonical_elsewhere"
PRINT_VIEW = "print_view"
DIRECTORY_LISTING = "directory_listing"
SOURCE_LISTING = "source_listing"
RULES = (NOINDEX, CANONICAL_ELSEWHERE, PRINT_VIEW, DIRECTORY_LISTING, SOURCE_LISTING)

_LISTING_TITLES = ("index of /", "directory listing for /")


def view_rule(doc, page_path: str, page_url: str, canonical: str | None, same_page, same_version,
              keep: tuple[str, ...] = ()) -> str | None:
    """The rule under which the page at ``page_path`` is a view, not a page; None to read it.

    ``canonical``: the page's rel=canonical URL; ``same_page(path_a, path_b)`` and
    ``same_version(path_a, path_b)`` say how the site names its pages (canonical paths, version
    slugs). A canonical link to another version is no duplicate (sites point old releases at
    the newest), nor one to another host (the published name of a mirrored page). ``keep``:
    the rules whose pages are read after all."""
    rule = _rule(doc, page_path, page_url, canonical, same_page, same_version)
    return None if rule in keep else rule


def _rule(doc, page_path: str, page_url: str, canonical: str | None, same_page, same_version) -> str | None:
    if _robots_noindex(doc):
        return NOINDEX
    parts = page_path.rstrip("/").split("/")
    if parts[-1] == "print.html" or "_print" in parts:
        return PRINT_VIEW
    if "_modules" in parts:
        return SOURCE_LISTING
    if _directory_listing(doc):
        return DIRECTORY_LISTING
    if canonical:
        target = urlsplit(canonical)
        if (target.netloc == urlsplit(page_url).netloc and target.path
                and not same_page(target.path, page_path) and same_version(target.path, page_path)):
            return CANONICAL_ELSEWHERE
    return None


# The parser puts <head> under the root element only ("//head" walked the whole page: 0.16 s
# over a page of 1M tiny headings, for each of the page's head queries).
_ROBOTS = etree.XPath("/*/head/meta[translate(@name, 'ROBTS', 'robts')='robots']/@content")


def _robots_noindex(doc) -> bool:
    for content in _ROBOTS(doc):
        words = {word.strip().lower() for word in str(content).split(",")}
        if words & {"noindex", "none"}:
            return True
    return False


def _directory_listing(doc) -> bool:
    """A web server's generated list of a folder (Apache, nginx, Python's http.server): its
    title and its only heading say so."""
    title = (page_title(doc) or "").strip().lower()
    if not title.startswith(_LISTING_TITLES):   # the headings are read only for such a title
        return False
    headings = [" ".join(h.text_content().split()).lower() for h in doc.iter("h1")]
    return len(headings) == 1 and headings[0] == title


def page_title(doc) -> str | None:
    """``doc.findtext(".//title")``: the text of the page's first ``<title>``, found in the
    head without walking the body when the head comes first (it nearly always does)."""
    if doc.getparent() is None:
        head = next(doc.iterchildren(etree.Element), None)
        if head is not None and head.tag == "head":
            title = head.findtext(".//title")
            if title is not None:
                return title
    return doc.findtext(".//title")

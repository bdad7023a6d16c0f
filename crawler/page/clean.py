"""Select a page's documentation content and drop everything that is not documentation."""
from __future__ import annotations

import functools
from collections.abc import Iterable

from lxml import etree

from crawler.page.css import TreeCensus, has_element, select


class ContentNotFound(ValueError):
    """The profile's content root is not on the page (wrong page kind or a redesign)."""


def select_content_root(doc, selectors: Iterable[str]):
    for selector in selectors:
        found = select(doc, selector)
        if found:
            return found[0]
    raise ContentNotFound(f"no content root matching {', '.join(selectors)!s}")


def strip_boilerplate(root, selectors: Iterable[str], census: TreeCensus | None = None) -> int:
    """Remove banners, navigation, TOCs... (the text after a removed element is kept).
    ``census``: the tree's, to skip the selectors of classes or attributes it does not have."""
    removed = 0
    # One walk for both kinds (an XPath union walks the tree once for each).
    for comment in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
        _drop_keeping_tail(comment)
    for selector in selectors:
        for element in select(root, selector, census):
            if element.getparent() is not None:
                _drop_keeping_tail(element)
                removed += 1
    return removed


# What a browser does not show a reader: the ``hidden`` attribute, ``aria-hidden="true"``,
# inline ``display:none`` / ``visibility:hidden``, a closed ``<dialog>`` or popup (mdBook's
# keyboard-help popup), and the lines mdBook hides in code blocks (``span.boring``: imports and
# the ``fn main`` wrapper, shown only when the reader clicks the eye icon).
# Each test steps to the attribute and back to its element ("@hidden/.."): a predicate on every
# element ("*[@hidden]") costs 5-8x more (66 ms -> 8 ms over a 30,000-element Kafka page), and
# "pre//span" merges a node set per text node of every <pre> (42 ms -> 2 ms on a Streams page).
_STYLE = "translate(., 'DISPLAYNOEVSBT ', 'displaynoevsbt')"
_HIDING_ATTRIBUTES = {   # attribute name -> its test, on the attribute axis
    "hidden": "descendant::*/@hidden",
    "aria-hidden": "descendant::*/@aria-hidden[. = 'true']",
    "popover": "descendant::*/@popover",
    "role": "descendant::*/@role[. = 'dialog']",
    "style": f"descendant::*/@style[contains({_STYLE}, 'display:none') or contains({_STYLE}, 'visibility:hidden')]",
}
_CLOSED_DIALOGS = "descendant::dialog[not(@open)]"
_BORING_LINES = "descendant::pre/descendant::span[contains(concat(' ', normalize-space(@class), ' '), ' boring ')]"


@functools.lru_cache(maxsize=None)
def _hidden_query(attributes: tuple[str, ...], dialogs: bool, boring_lines: bool) -> etree.XPath | None:
    """The hidden elements: by the ``attributes`` (names of ``_HIDING_ATTRIBUTES``), closed
    ``dialogs``, mdBook's hidden code lines if ``boring_lines``; None when none is looked for."""
    parts = [f"({' | '.join(_HIDING_ATTRIBUTES[name] for name in attributes)})/.."] if attributes else []
    parts += [_CLOSED_DIALOGS] if dialogs else []
    parts += [_BORING_LINES] if boring_lines else []
    return etree.XPath(" | ".join(parts)) if parts else None


def drop_hidden(root, census: TreeCensus | None = None) -> int:
    """Remove what a browser does not show (tab panels were opened by ``crawler.widgets``
    before this runs: a panel is hidden only until its label is clicked). ``census``: the
    tree's, to leave out the tests of attributes and classes it does not have."""
    attributes = tuple(name for name in _HIDING_ATTRIBUTES if census is None or census.has_attribute(name))
    query = _hidden_query(attributes, census is None or has_element(root, "dialog"),
                          census is None or census.holds("boring"))
    removed = 0
    for element in query(root) if query is not None else ():
        if element is not root and element.getparent() is not None:
            _drop_keeping_tail(element)
            removed += 1
    return removed


def drop_content_before(root, first_tag: str) -> bool:
    """Remove everything in ``root`` that precedes the first ``first_tag`` element.

    Kafka's main pages open with a title block, the "Prior releases" list and the TOC before the
    first chapter heading (h2); a browser's reader would not call that documentation.
    """
    first = next(root.iter(first_tag), None)
    if first is None:
        return False
    node = first
    while node is not root:
        parent = node.getparent()
        for sibling in list(node.itersiblings(preceding=True)):
            parent.remove(sibling)  # the sibling's tail lies before ``node`` too: drop it with it
        parent.text = None
        node = parent
    return True


def _drop_keeping_tail(element) -> None:
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    previous = element.getprevious()
    parent.remove(element)
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail


def text_of(root) -> str:
    """Visible text of a cleaned tree, for coverage: inline text runs together as a browser
    shows it ("<b>S</b>treams" is one word); block elements and cells are set apart.

    Each text run in document order, skipped elements (scripts, images, form fields...) left
    out but not the text after them, and a block element or ``<br>`` opened and closed by a
    newline. An XSLT transform writes it in C: a Python walk over 700,000 elements took 2 s of
    the Kafka mirror's crawl, the transform a tenth of it."""
    return str(_visible_text_transform()(root))


@functools.lru_cache(maxsize=None)
def _visible_text_transform() -> etree.XSLT:
    from crawler.page.extract import BLOCK_TAGS, SKIPPED_TAGS

    skipped = sorted(SKIPPED_TAGS)
    separated = sorted((BLOCK_TAGS | {"br"}) - SKIPPED_TAGS)
    return etree.XSLT(etree.XML(f"""\
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="text" encoding="UTF-8"/>
  <xsl:template match="/"><xsl:apply-templates select="*[1]"/></xsl:template>
  <xsl:template match="{' | '.join(skipped)}"/>
  <xsl:template match="{' | '.join(separated)}">
    <xsl:text>&#10;</xsl:text><xsl:apply-templates/><xsl:text>&#10;</xsl:text>
  </xsl:template>
</xsl:stylesheet>"""))


__all__ = ["ContentNotFound", "select_content_root", "strip_boilerplate", "drop_content_before", "drop_hidden",
           "text_of", "etree"]

"""Select a page's documentation content and drop everything that is not documentation."""
from __future__ import annotations

from collections.abc import Iterable

from lxml import etree


class ContentNotFound(ValueError):
    """The profile's content root is not on the page (wrong page kind or a redesign)."""


def select_content_root(doc, selectors: Iterable[str]):
    for selector in selectors:
        found = doc.cssselect(selector)
        if found:
            return found[0]
    raise ContentNotFound(f"no content root matching {', '.join(selectors)!s}")


def strip_boilerplate(root, selectors: Iterable[str]) -> int:
    """Remove banners, navigation, TOCs... (the text after a removed element is kept)."""
    removed = 0
    for comment in root.xpath(".//comment() | .//processing-instruction()"):
        _drop_keeping_tail(comment)
    for selector in selectors:
        for element in root.cssselect(selector):
            if element.getparent() is not None:
                _drop_keeping_tail(element)
                removed += 1
    return removed


# What a browser does not show a reader: the ``hidden`` attribute, ``aria-hidden="true"``,
# inline ``display:none`` / ``visibility:hidden``, a closed ``<dialog>`` or popup (mdBook's
# keyboard-help popup), and the lines mdBook hides in code blocks (``span.boring``: imports and
# the ``fn main`` wrapper, shown only when the reader clicks the eye icon).
# One pass over the elements, the string tests only where there is a style (7 passes before:
# 2.4x the CPU on a page of 1M tiny headings).
_HIDDEN = (".//*[@hidden or @aria-hidden='true' or (self::dialog and not(@open)) or @popover or @role='dialog'"
           " or (@style and (contains(translate(@style, 'DISPLAYNOEVSBT ', 'displaynoevsbt'), 'display:none')"
           " or contains(translate(@style, 'DISPLAYNOEVSBT ', 'displaynoevsbt'), 'visibility:hidden')))]"
           " | .//pre//span[contains(concat(' ', normalize-space(@class), ' '), ' boring ')]")


def drop_hidden(root) -> int:
    """Remove what a browser does not show (tab panels were opened by ``crawler.widgets``
    before this runs: a panel is hidden only until its label is clicked)."""
    removed = 0
    for element in root.xpath(_HIDDEN):
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
    shows it ("<b>S</b>treams" is one word); block elements and cells are set apart."""
    from crawler.page.extract import BLOCK_TAGS, SKIPPED_TAGS

    pieces: list[str] = []

    def walk(element) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in SKIPPED_TAGS or not tag:
            return
        separate = tag in BLOCK_TAGS or tag == "br"
        if separate:
            pieces.append("\n")
        pieces.append(element.text or "")
        for child in element:
            walk(child)
            pieces.append(child.tail or "")
        if separate:
            pieces.append("\n")

    walk(root)
    return "".join(pieces)


__all__ = ["ContentNotFound", "select_content_root", "strip_boilerplate", "drop_content_before", "drop_hidden",
           "text_of", "etree"]

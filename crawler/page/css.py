"""CSS selectors compiled once per process: ``select(root, "div.right")`` is ``root.cssselect(...)``.

lxml's ``cssselect`` translates the selector to XPath and compiles it on every call (6,900 calls
over the Kafka mirror: 0.3 s of translating alone). A plain class selector (``.toc``,
``ul.toc``) also gets a faster XPath of the same meaning: cssselect tests every element's
``@class`` in a predicate (5 ms over a 30,000-element Kafka page); stepping to the ``class``
attributes and back to their element tests only the elements that have one (1 ms).
"""
from __future__ import annotations

import functools

from lxml import etree
from lxml.cssselect import CSSSelector

from crawler.site.regex import LinearRegex

# ".name" or "tag.name" (a lower-case tag: lxml's HTML translator lower-cases them).
_CLASS_SELECTOR = LinearRegex(r"^(?P<tag>[a-z][a-z0-9]*)?\.(?P<name>-?[A-Za-z_][A-Za-z0-9_-]*)$")


def select(root, selector: str) -> list:
    """The elements of ``root`` (itself included) that ``selector`` matches, in document order."""
    return compiled(selector)(root)


@functools.lru_cache(maxsize=None)
def compiled(selector: str):
    """``selector`` compiled to an XPath callable (``CSSSelector`` semantics, HTML rules)."""
    parts = [_CLASS_SELECTOR.match(part.strip()) for part in selector.split(",")]
    if all(parts):   # ".a, ul.b": the union of the parts, in document order as CSS has it
        return etree.XPath(" | ".join(_class_xpath(part.group("tag") or "*", part.group("name")) for part in parts))
    return CSSSelector(selector, translator="html")


def _class_xpath(tag: str, name: str) -> str:
    # The plain substring test first: it spares most class attributes the full one.
    return (f"descendant-or-self::{tag}/@class[contains(., '{name}')]"
            f"[contains(concat(' ', normalize-space(.), ' '), ' {name} ')]/..")

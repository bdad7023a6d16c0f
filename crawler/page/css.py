"""CSS selectors compiled once per process: ``select(root, "div.right")`` is ``root.cssselect(...)``.

lxml's ``cssselect`` translates the selector to XPath and compiles it on every call (6,900 calls
over the Kafka mirror: 0.3 s of translating alone). A plain class selector (``.toc``,
``ul.toc``) also gets a faster XPath of the same meaning: cssselect tests every element's
``@class`` in a predicate (5 ms over a 30,000-element Kafka page); stepping to the ``class``
attributes and back to their element tests only the elements that have one (1 ms).
"""
from __future__ import annotations

import functools

import cssselect
from lxml import etree
from lxml.cssselect import CSSSelector

from crawler.site.regex import LinearRegex

# ".name" or "tag.name" (a lower-case tag: lxml's HTML translator lower-cases them).
_CLASS_SELECTOR = LinearRegex(r"^(?P<tag>[a-z][a-z0-9]*)?\.(?P<name>-?[A-Za-z_][A-Za-z0-9_-]*)$")


def select(root, selector: str, census: TreeCensus | None = None) -> list:
    """The elements of ``root`` (itself included) that ``selector`` matches, in document order.
    With ``census`` (the tree's), a selector needing a class or attribute it lacks is not run."""
    if census is not None and not census.may_match(selector):
        return []
    return compiled(selector)(root)


def has_element(root, tag: str) -> bool:
    """Is ``root`` or an element in it a ``tag``? Instant when the document never had one (lxml
    looks the name up in the parser's dictionary before walking); else at most one walk."""
    return next(root.iter(tag), None) is not None


_CLASS_VALUES = etree.XPath("descendant-or-self::*/@class", smart_strings=False)
# Every attribute but those most elements have (whose names no query needs): few on any page.
_COMMON_ATTRIBUTES = ("id", "class", "href")
_RARE_ATTRIBUTES = etree.XPath("descendant-or-self::*/@*[not(" + " or ".join(
    f"local-name() = '{name}'" for name in _COMMON_ATTRIBUTES) + ")]")


class TreeCensus:
    """The class attributes of a tree, and with ``attributes`` its attribute names, read in one
    walk each. A selector or query that needs a class word no class attribute holds, or an
    attribute no element has, matches nothing and is not run: each run walks the whole tree
    (0.16-0.25 s over a page of 1M tiny headings, whose cleaning ran 20 such queries for 0
    matches). Taken before the cleaning removes elements, it stays a superset afterwards.

    The names cost 4 walks on a Kafka page (a test for each of its many attributes) and save
    none there (its pages have the attributes the cleaning looks for): ask for them on huge
    pages only."""

    def __init__(self, root, attributes: bool = False) -> None:
        self._classes = " ".join(_CLASS_VALUES(root))
        self._attributes = {value.attrname for value in _RARE_ATTRIBUTES(root)} if attributes else None

    def holds(self, text: str) -> bool:
        """Does some class attribute contain ``text``?"""
        return text in self._classes

    def has_attribute(self, name: str) -> bool:
        """Does some element have an attribute ``name`` (lower case, as the parser writes it)?"""
        return self._attributes is None or name in _COMMON_ATTRIBUTES or name in self._attributes

    def may_match(self, selector: str) -> bool:
        return any(all(map(self.holds, words)) and all(map(self.has_attribute, attributes))
                   for words, attributes in needed_words(selector))


@functools.lru_cache(maxsize=None)
def needed_words(selector: str) -> tuple[tuple[frozenset[str], frozenset[str]], ...]:
    """For each selector of the comma-separated list, the class words and the attribute names
    an element it matches (or, past a combinator, one of its ancestors or siblings) must have.
    Those under ``:not()`` and other functional pseudo-classes are not counted: fewer words,
    never a miss."""
    needs = []
    for part in cssselect.parse(selector):
        classes: set[str] = set()
        attributes: set[str] = set()
        _needs_of(part.parsed_tree, classes, attributes)
        needs.append((frozenset(classes), frozenset(attributes)))
    return tuple(needs)


def _needs_of(node, classes: set[str], attributes: set[str]) -> None:
    if isinstance(node, cssselect.parser.CombinedSelector):
        _needs_of(node.subselector, classes, attributes)
    elif isinstance(node, cssselect.parser.Class):
        classes.add(node.class_name)
    elif isinstance(node, cssselect.parser.Attrib) and node.namespace is None:
        attributes.add(node.attrib.lower())   # the HTML translator's case, as the parser's
    base = getattr(node, "selector", None)   # [attr], #id, :pseudo, :not(...): the element they qualify
    if base is not None:
        _needs_of(base, classes, attributes)


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

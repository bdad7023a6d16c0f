"""Apply client-side Handlebars templates statically, as the page's own script would.

Kafka >= 0.10.1 keeps most chapters inside ``<script type="text/x-handlebars-template"
id="NAME-template">`` blocks; a footer script compiles each named template with the version's
``context`` (``js/templateData.js``) and puts the result into every ``.p-NAME`` element.
A crawler that skips this step loses ~99% of the text.
"""
from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping

from lxml import etree
from lxml import html as lxml_html

_CONTEXT_OBJECT = re.compile(r"\bvar\s+context\s*=\s*\{(.*?)\}\s*;?", re.S)
_CONTEXT_PAIR = re.compile(r"""(["']?)(\w+)\1\s*:\s*(["'])(.*?)\3""", re.S)
# {{{raw}}} before {{escaped}}: Handlebars semantics; unknown names render as "".
_MUSTACHE = re.compile(r"\{\{\{\s*([\w.]+)\s*\}\}\}|\{\{\s*([\w.]+)\s*\}\}")
TEMPLATE_SCRIPT_XPATH = '//script[@type="text/x-handlebars-template"]'


def parse_template_context(script_text: str) -> dict[str, str] | None:
    """The ``var context = {...}`` object of a templateData.js (or an inline copy of it)."""
    match = _CONTEXT_OBJECT.search(script_text)
    if not match:
        return None
    return {key: value for _, key, _, value in _CONTEXT_PAIR.findall(match.group(1))}


def find_inline_context(doc) -> dict[str, str] | None:
    """Kafka pages inline templateData.js through a server-side include: read it from there."""
    for script in doc.iter("script"):
        if script.get("type") in (None, "", "text/javascript") and script.text and "context" in script.text:
            context = parse_template_context(script.text)
            if context:
                return context
    return None


def fill_template(template: str, context: Mapping[str, str]) -> str:
    def substitute(match: re.Match) -> str:
        raw_name, escaped_name = match.groups()
        value = str(context.get(raw_name or escaped_name, ""))
        return value if raw_name else html.escape(value)

    return _MUSTACHE.sub(substitute, template)


def has_templates(doc) -> bool:
    return bool(doc.xpath(TEMPLATE_SCRIPT_XPATH))


def render_templates(doc, context: Mapping[str, str], template_names: Iterable[str]) -> int:
    """Render ``NAME-template`` scripts into ``.p-NAME`` placeholders, in the site's order.

    Only the names the site's script renders are applied (a browser never shows the others);
    every template script is then removed. Returns the number of placeholders filled.
    """
    filled = 0
    index = _Index(doc)
    for name in template_names:
        script = index.script(f"{name}-template")
        placeholders = index.placeholders(f"p-{name}")
        if script is None or not placeholders:
            continue
        markup = fill_template(script.text or "", context)  # jQuery's $("#id") takes the first
        for placeholder in placeholders:
            fragment = lxml_html.fragment_fromstring(markup, create_parent="div")
            removed = list(placeholder)
            for child in removed:
                placeholder.remove(child)
            placeholder.text = fragment.text
            placeholder.extend(list(fragment))
            index.changed(removed, placeholder)
            filled += 1
    for script in doc.xpath(TEMPLATE_SCRIPT_XPATH):
        script.drop_tree()
    return filled


class _Index:
    """Placeholders by class and scripts by id, found in two scans of the page instead of two per
    template name (a page has a dozen names). Scanned again only after a filled placeholder
    brought in or removed an element that could be a placeholder or a template script."""

    _CANDIDATES = "//@class[contains(., 'p-')]/.. | //script[@id]"

    def __init__(self, doc) -> None:
        self.doc = doc
        self._scan()

    def _scan(self) -> None:
        self._by_class: dict[str, list] = {}
        self._scripts: dict[str, object] = {}
        for element in self.doc.xpath(self._CANDIDATES):   # document order
            if element.tag == "script" and element.get("id") is not None:
                self._scripts.setdefault(element.get("id"), element)   # the first one wins
            for token in _CLASS_SPACE.split(element.get("class") or ""):
                if token.startswith("p-"):
                    self._by_class.setdefault(token, []).append(element)
        self._stale = False

    def script(self, element_id: str):
        if self._stale:
            self._scan()
        return self._scripts.get(element_id)

    def placeholders(self, class_name: str) -> list:
        if self._stale:
            self._scan()
        return self._by_class.get(class_name, [])

    def changed(self, removed: list, placeholder) -> None:
        """After ``placeholder`` had its children ``removed`` and new ones put in."""
        # One XPath per tree, not a Python call per element: a chapter brings in thousands.
        if not self._stale:
            self._stale = any(_HOLDS_INDEXED(top) for top in removed) or _HOLDS_INDEXED_BELOW(placeholder)


_CLASS_SPACE = re.compile(r"[ \t\r\n]+")   # XPath's normalize-space: XML whitespace only
# An element that could be a placeholder (a "p-" class) or a template script (a script with an id).
# Class attributes tested on the attribute axis: half the time of *[contains(@class, ...)].
_HOLDS_INDEXED = etree.XPath("boolean(descendant-or-self::*/@class[contains(., 'p-')])"
                             " or boolean(descendant-or-self::script[@id])")
_HOLDS_INDEXED_BELOW = etree.XPath("boolean(descendant::*/@class[contains(., 'p-')])"
                                   " or boolean(descendant::script[@id])")


_FENCED_CODE = re.compile(r"^(`{3,}|~{3,})[^\n]*\n.*?^\1[ \t]*$", re.S | re.M)
_CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1", re.S)


def unrendered_placeholders(markdown: str) -> list[str]:
    """``{{...}}`` left in the prose of final Markdown: a sign a template or variable was
    missed. Code blocks and code spans are left out: ``${{ steps.x.outputs.y }}`` in a CI
    example, Jinja or Helm templates are what the docs show, not a rendering failure."""
    if "{{" not in markdown:   # nearly every page: no regex pass over its records at all
        return []
    prose = _CODE_SPAN.sub(" ", _FENCED_CODE.sub(" ", markdown))
    return re.findall(r"\{\{[^{}]{0,80}\}\}", prose)

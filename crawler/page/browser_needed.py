"""Does a page need a browser? Its HTML as served, read for the signs of client-side rendering.

Almost every documentation site serves its text in the HTML, and docprompts reads it without a
browser. A few build their pages in the browser: Docsify fetches Markdown files and renders
them; single-page apps (Vue, React, hash-routed ``#/`` sites) serve an empty root and a script
bundle. Read as served, such a page is "Loading ..." or nothing at all. ``browser_needed``
names the reason (for the detection line and the manifest), or returns None when the HTML
holds the page's text. A pure function over the page's markup: no network, no browser.
"""
from __future__ import annotations

import re

from lxml import etree, html as lxml_html

# A page with fewer visible words than this has no text of its own to read (a docs page with
# its navigation and footer has hundreds; a "Loading ..." shell has one or two).
THIN_PAGE_WORDS = 25
# Roots that client-side frameworks fill in: Vue/Docsify #app, React #root, Nuxt, Next, Svelte.
APP_ROOTS = ("app", "root", "__nuxt", "__next", "svelte", "q-app", "main")
_PLACEHOLDER = re.compile(r"^\W*(loading|please wait|one moment)\b.{0,30}$", re.I | re.S)
_NOSCRIPT_NEEDS_JS = re.compile(r"javascript|enable\s+js|\bjs\s+(?:is\s+)?(?:required|needed|disabled)", re.I)
_DOCSIFY_CONFIG = re.compile(r"window\.\$docsify\b")
_DOCSIFY_SCRIPT = re.compile(r"(?:^|/)docsify(?:@[\w.^~-]+)?(?:/[\w./-]*)?(?:\.min)?\.js", re.I)
# The body's text nodes outside scripts, styles, <noscript> and <template> (libxml2 walks it).
_VISIBLE_TEXT = ("//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript "
                 "or ancestor::template)]")
# A body with more elements than this is no app shell (Docsify's has four, a Vue or React app's
# one or two): such a page holds its text, and checking it page by page costs one count.
SHELL_ELEMENTS = 200


class NeedsBrowser(ValueError):
    """The page's text is not in its HTML: a browser must render it (the reason is the message)."""


def is_docsify(doc) -> bool:
    """Docsify's signature: its ``window.$docsify`` configuration or its script."""
    scripts = list(doc.iter("script"))
    return any(_DOCSIFY_CONFIG.search(script.text or "") or _DOCSIFY_SCRIPT.search(script.get("src") or "")
               for script in scripts)


_NOT_SHOWN = {"script", "style", "noscript", "template"}


def shows_words(doc, enough: int) -> bool:
    """Whether the page shows at least ``enough`` words (those ``visible_words`` lists): reads
    the body until it has seen them. A page of a million headings is answered by its first
    elements; the XPath behind ``visible_words`` tests four ancestor axes per text node
    (2.7 s on that page, before the crawl even starts)."""
    count = 0
    for body in doc.xpath("//body"):
        hidden_depth = 0   # inside a script, style, noscript or template element
        for event, node in etree.iterwalk(body, events=("start", "end", "comment", "pi")):
            if event == "start":
                hidden_depth += node.tag in _NOT_SHOWN
                if not hidden_depth:
                    count += len((node.text or "").split())
                continue
            if event == "end":
                hidden_depth -= node.tag in _NOT_SHOWN
            # an element's or a comment's tail is its parent's text (a comment's own is not shown)
            if node is not body and not hidden_depth:
                count += len((node.tail or "").split())
            if count >= enough:
                return True
    return False


def visible_words(doc) -> list[str]:
    """The words a reader would see in the page as served (scripts, styles, <noscript> and
    <template> left out)."""
    return " ".join(doc.xpath(_VISIBLE_TEXT)).split()


def parse_served(html_text: str | bytes):
    """A page as served, parsed whatever it holds (the crawl's first page, before any profile)."""
    try:
        return lxml_html.document_fromstring(html_text or "<html></html>")
    except Exception:   # lxml refuses a few odd documents (an XML declaration in a str)
        return lxml_html.document_fromstring(html_text.encode("utf-8", "replace")
                                             if isinstance(html_text, str) else b"<html></html>")


def browser_needed(html_text: str | bytes) -> str | None:
    """Why the page needs a browser to show its text, or None when its HTML holds it."""
    return reason_of(parse_served(html_text))


def served_page_reason(doc) -> str | None:
    """``reason_of`` for each page of a crawl, as served: nearly free on the pages too large to
    be a shell (the crawl's first page is always read whole, crawler/preflight.py)."""
    body = doc.find("body")
    for count, _ in enumerate(body.iter() if body is not None else (), 1):
        if count > SHELL_ELEMENTS:
            return None
    return reason_of(doc)


def reason_of(doc) -> str | None:
    if is_docsify(doc):
        return "Docsify renders every page from its Markdown file in the browser"
    if shows_words(doc, THIN_PAGE_WORDS):
        return None
    words = visible_words(doc)
    shown = " ".join(words)
    for root_id in APP_ROOTS:
        for root in doc.xpath(f'//body//*[@id="{root_id}"]'):
            text = " ".join(root.text_content().split())
            if not text:
                return f'its app root <{root.tag} id="{root_id}"> is empty until its scripts run'
            if _PLACEHOLDER.match(text):
                return f'its app root <{root.tag} id="{root_id}"> holds only "{text[:40]}"'
    for noscript in doc.iter("noscript"):
        text = " ".join(noscript.text_content().split())
        if _NOSCRIPT_NEEDS_JS.search(text):
            return f'its <noscript> says "{text[:80]}"'
    if len(doc.xpath('//a[starts-with(@href, "#/")]')) >= 2:
        return "its links are #/ routes of a client-side router"
    if shown and _PLACEHOLDER.match(shown):
        return f'its only text is "{shown[:40]}"'
    scripts = doc.xpath("//script[@src]")
    if scripts and len(words) < 5:
        return f"it shows {len(words)} words and loads {len(scripts)} script(s) ({scripts[0].get('src')[:60]})"
    return None


def far_less_than_source(page_words: int, source_words: int) -> str | None:
    """A page whose own source file (Docsify's .md) holds several times the words its HTML
    shows: the text is added by the browser."""
    if source_words >= 20 and source_words > 3 * max(page_words, 1):
        return f"its Markdown source holds {source_words} words, its HTML shows {page_words}"
    return None

"""Which generator built a page, and so which shipped profile reads its site.

``docprompts crawl URL`` has a URL, not a profile. Documentation generators sign their pages: a
``<meta name="generator">`` (Docusaurus, MkDocs, Hugo, VitePress, Jekyll, Gatsby, Astro...),
Sphinx by its own files and footer, Read the Docs by its flyout or add-ons, Docsy by its
``td-content`` column, Docsify by its ``window.$docsify`` configuration and script. ``detect_generator`` reads those signs (a pure function over the page's
HTML) and names the shipped profile that fits, or the generic fallback when none does.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from crawler.page.browser_needed import is_docsify, parse_served
from crawler.site.regex import LinearRegex

GENERIC_PROFILE = "generic"


@dataclass(frozen=True)
class Detection:
    generator: str            # "Docusaurus", "MkDocs", "Sphinx", "Hugo (Docsy)", "unknown"...
    profile: str              # the shipped profile to use ("generic": no known layout)
    evidence: str             # what on the page said so, for the user
    version: str = ""         # the generator's own version when it says it ("v3.9.2")

    @property
    def known(self) -> bool:
        return self.profile != GENERIC_PROFILE


# <meta name="generator" content="..."> prefixes -> (generator, shipped profile).
_GENERATOR_META = [
    (re.compile(r"docusaurus", re.I), "Docusaurus", "docusaurus"),
    (re.compile(r"mkdocs", re.I), "MkDocs", "mkdocs"),
    (re.compile(r"sphinx", re.I), "Sphinx", "sphinx"),
    (re.compile(r"hugo", re.I), "Hugo", GENERIC_PROFILE),
    (re.compile(r"vitepress", re.I), "VitePress", "vitepress"),
    (re.compile(r"vuepress", re.I), "VuePress", GENERIC_PROFILE),
    (re.compile(r"jekyll", re.I), "Jekyll", GENERIC_PROFILE),
    (re.compile(r"gatsby", re.I), "Gatsby", GENERIC_PROFILE),
    (re.compile(r"starlight", re.I), "Astro Starlight", "starlight"),
    (re.compile(r"astro", re.I), "Astro", GENERIC_PROFILE),
    (re.compile(r"gitbook", re.I), "GitBook", GENERIC_PROFILE),
    (re.compile(r"docfx", re.I), "DocFX", GENERIC_PROFILE),
    (re.compile(r"antora", re.I), "Antora", "antora"),
]
# Hextra's sidebar (older releases: a plain sidebar-container holding its hextra-scrollbar).
_HEXTRA_SHELL = "aside.hextra-sidebar-container, aside.sidebar-container div.hextra-scrollbar"
# Themes that share their generator's tag, by the page's own shell (first match wins).
_THEMES_OF = {
    "Hugo": [(".td-content", "Hugo (Docsy)", "docsy"),
             (_HEXTRA_SHELL, "Hugo (Hextra)", "hextra"),
             ("div.book-page, aside.book-menu", "Hugo (Book)", "hugo-book")],
    "Jekyll": [("div#main-content-wrap, div.side-bar nav#site-nav", "Jekyll (just-the-docs)", "just-the-docs")],
}
# Without a generator tag, only markup no other generator writes names a theme.
_THEME_SHELLS = [(_HEXTRA_SHELL, "Hugo (Hextra)", "hextra"),
                 ("aside.book-menu div.book-menu-content", "Hugo (Book)", "hugo-book"),
                 ("div#main-content-wrap div#main-content", "Jekyll (just-the-docs)", "just-the-docs")]
_VERSION_IN = re.compile(r"v?\d+(?:\.\d+)+[\w.-]*")

# Signatures searched for in the whole page's HTML run on RE2 (linear, and 10-25x faster than
# ``re`` on a 20 MB page that has none of them: 2 s of the crawl's start on a page of a million
# headings).
# Sphinx marks its pages without a generator tag in most themes: its own static files, its
# search index and the theme footer's "Created using Sphinx".
_SPHINX_FILES = LinearRegex(r"_static/(?:documentation_options|doctools|sphinx_highlight)\.js|searchindex\.js")
_SPHINX_FOOTER = LinearRegex(r"(?i)Created\s+using\s+<a[^>]*>\s*Sphinx|Built\s+with\s+<a[^>]*>\s*Sphinx")
# Read the Docs: the classic flyout (rst-versions), the add-ons flyout element, its meta tags.
# mdBook writes no generator tag: its "Book generated using mdBook" comment and its book.js.
_MDBOOK = LinearRegex(r"Book generated using mdBook|<script src=\"[^\"]*book(?:-[0-9a-f]+)?\.js\"")
_READTHEDOCS = LinearRegex(r"(?i)readthedocs-flyout|readthedocs-addons|READTHEDOCS_DATA|class=\"rst-versions")
# MkDocs themes without a generator tag (readthedocs, mkdocs): their page variables and footer.
_MKDOCS = LinearRegex(r"(?i)\bmkdocs_page_(?:name|url|input_path)\b|built\s+with\s+<a[^>]*>\s*MkDocs")
# The theme, named in the evidence: the same profile reads them all (its roots are hints).
_THEMES = [
    (LinearRegex(r"furo-main-content|_static/styles/furo\.css"), "Furo"),
    (LinearRegex(r"sphinx-book-theme|sbt-scroll-pixel-helper"), "sphinx-book-theme"),
    (LinearRegex(r"pydata-sphinx-theme|bd-article"), "pydata-sphinx-theme"),
    (LinearRegex(r"sphinx_rtd_theme|wy-nav-side"), "Read the Docs theme"),
    (LinearRegex(r"_static/alabaster\.css"), "alabaster"),
    (LinearRegex(r"md-content__inner"), "Material"),
]


def theme_of(html_text: str) -> str:
    """", theme X" for the evidence line when a known theme signs the page."""
    return next((f", theme {name}" for pattern, name in _THEMES if pattern.search(html_text)), "")


def detect_generator(html_text: str, doc=None) -> Detection:
    """The generator of a page, from its markup alone (``doc``: the page already parsed)."""
    if doc is None:
        doc = parse_served(html_text)
    generators = doc.xpath("//meta[translate(@name, 'GENRATO', 'genrato')='generator']/@content")
    for pattern, generator, profile in _GENERATOR_META:   # in this order: Starlight before Astro
        for content in generators:
            if pattern.search(content):
                generator, profile = next(((name, theme) for selector, name, theme in _THEMES_OF.get(generator, [])
                                           if doc.cssselect(selector)), (generator, profile))
                version = _VERSION_IN.search(content[pattern.search(content).end():])
                return Detection(generator, profile, f'<meta name="generator" content="{content}">'
                                 + theme_of(html_text), version.group(0) if version else "")
    if _MKDOCS.search(html_text):
        return Detection("MkDocs", "mkdocs", "MkDocs's page variables and footer" + theme_of(html_text))
    if is_docsify(doc):   # its pages are Markdown files rendered in the browser (#/ routes)
        return Detection("Docsify", "docsify", "window.$docsify and docsify.js")
    if _SPHINX_FILES.search(html_text) or _SPHINX_FOOTER.search(html_text):
        evidence = "Sphinx's _static files and footer" + theme_of(html_text)
        if _READTHEDOCS.search(html_text):
            evidence += ", Read the Docs flyout or add-ons"
        return Detection("Sphinx", "sphinx", evidence)
    if _READTHEDOCS.search(html_text):
        return Detection("Read the Docs", "sphinx", "Read the Docs flyout / add-ons")
    if doc.cssselect("div.td-content"):
        return Detection("Hugo (Docsy)", "docsy", "Docsy's div.td-content")
    # Hugo writes its generator tag on the home page only unless the theme adds it (Jekyll only
    # with jekyll-seo-tag): the theme's own shell names the rest.
    for selector, name, theme in _THEME_SHELLS:
        if doc.cssselect(selector):
            shell = next(part for part in selector.split(", ") if doc.cssselect(part))
            return Detection(name, theme, f"the theme's {shell}")
    if doc.cssselect("div#mdbook-content") or _MDBOOK.search(html_text):
        return Detection("mdBook", "mdbook", "div#mdbook-content, book.js")
    if doc.cssselect("div#__docusaurus"):
        return Detection("Docusaurus", "docusaurus", "div#__docusaurus")
    return Detection("unknown", GENERIC_PROFILE, "no generator signature on the page")

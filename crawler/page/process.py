"""One fetched page -> sections -> records: the pure pipeline the spider calls.

    html --render_templates--> --clean--> --html_to_blocks--> --split_sections-->
         --compress.budget.chunk_page--> --compress.prompt.render_prompt--> records
"""
from __future__ import annotations

import functools
import gc
import time
from urllib.parse import urlsplit
from dataclasses import dataclass, field

from lxml import etree, html as lxml_html

from compress.budget import Budget, chunk_page
from compress.prompt import prompt_header, prompt_tokens
from compress.tokenizer import TokenCounter
from output.coverage import markdown_to_plain, recall
from output.records import Record, record_id, sha256_text

from crawler.page.browser_needed import NeedsBrowser, served_page_reason
from crawler.site.discovery import discover, page_links
from crawler.site.routes import route_url
from crawler.page.css import TreeCensus, select
from crawler.page.clean import (ContentNotFound, drop_content_before, drop_hidden, select_content_root,
                                strip_boilerplate, text_of)
from crawler.page.extract import Block, html_to_blocks, repair_text
from crawler.site.hooks import hooks_for
from crawler.page.maintext import judgeable, main_text, main_text_root, main_text_share
from crawler.site.profiles import PageKind, SiteProfile
from crawler.page.render import find_inline_context, has_templates, render_templates, unrendered_placeholders
from crawler.page.sections import Section, split_sections
from crawler.page.views import page_title, view_rule
from crawler.site.scope import navigation_links
from crawler.page.widgets import rewrite_widgets


class StageClock:
    """CPU seconds per stage of one page (``bench/benchmark.py`` sums them over a crawl):
    ``lap(stage)`` charges the time since the previous lap to ``stage``."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.process_time()

    def lap(self, stage: str) -> None:
        now = time.process_time()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - self._last
        self._last = now


class MissingTemplateContext(ValueError):
    """The page has client-side templates but no variables to fill them with."""


class PageUnparseable(ValueError):
    """The parser could not build the whole page (nesting deeper than libxml2's limit): the page
    fails rather than losing what lies below the limit without a word."""


@dataclass
class PageInfo:
    site: str
    source: str
    version: str
    version_slug: str
    is_latest: bool
    page_path: str          # canonical path, e.g. /20/documentation.html
    public_url: str         # canonical public URL of the page (no fragment)
    fetched_url: str
    is_prerelease: bool = False   # an unreleased version ("next")
    check_layout: bool = False    # compare the content root with trafilatura's main text
    keep_views: tuple[str, ...] = ()   # view rules whose pages are read after all (page.views)
    rendered: bool = False        # the DOM a browser rendered, not the HTML as served


@dataclass
class PageResult:
    records: list[Record]             # an EncodedRecords once back from a page worker
    content_text: str                 # the cleaned page's visible text
    coverage: float                   # share of content_text's word 5-grams found in records
    sections: int
    unrendered: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)      # hrefs of the rendered page
    kind: str = ""                                      # the page kind that read it
    version_links: dict[str, str] = field(default_factory=dict)   # {slug: version} it links to
    redirects: dict[str, str] = field(default_factory=dict)   # legacy page: {old anchor: new path}
    seconds: float = 0.0                                # processing time (not queueing)
    decoded_as: str | None = None                       # the real charset when the header lied
    content_words: int = 0
    redirect_stub: bool = False                         # a page that only sends elsewhere: no records
    public_url: str = ""                                # the page's URL in its own canonical form
    layout_share: float | None = None                   # share of trafilatura's main text held
    version_entries: dict[str, str] = field(default_factory=dict)  # {slug: menu link path}
    stages: dict[str, float] = field(default_factory=dict)   # CPU seconds per stage (StageClock)
    view: str | None = None                             # a view, not a page: the rule (page.views)
    root_fallback: bool = False                         # no profile root matched: main text read
    nav_links: list[str] = field(default_factory=list)  # hrefs of its navigation (top bar, sidebar)


_PLAIN_HTML_CLASSES = etree.ElementDefaultClassLookup(
    element=lxml_html.HtmlElement, comment=lxml_html.HtmlComment,
    pi=lxml_html.HtmlProcessingInstruction, entity=lxml_html.HtmlEntity)


def parse_html(html_text: str):
    # huge_tree: libxml2 stops at 256 levels of nesting otherwise (300 unclosed <span>s are
    # enough) and silently drops the rest of the page; with it the limit is 2048.
    # collect_ids=False: no hash table of the page's id attributes (no stage looks an id up
    # through libxml2): half of the parse's CPU and a fifth of the tree's memory on a page of
    # 1M tiny headings (2.9 s -> 1.5 s, 1040 MB -> 830 MB).
    parser = lxml_html.HTMLParser(huge_tree=True, collect_ids=False)
    # Every element gets lxml.html's HtmlElement from a C lookup: lxml.html's own lookup is a
    # Python call per element proxy (one in ten of a page's CPU seconds in cProfile) that only
    # picks form-field subclasses, which no stage uses.
    parser.set_element_class_lookup(_PLAIN_HTML_CLASSES)
    doc = lxml_html.document_fromstring(html_text, parser=parser)
    for error in parser.error_log:
        if "Excessive depth" in error.message:
            raise PageUnparseable(f"elements nested deeper than the parser's limit "
                                  f"(line {error.line}): the page cannot be read whole")
    return doc


def render_page(doc, profile: SiteProfile, context: dict[str, str] | None = None) -> None:
    """What the browser would show: client-side templates applied."""
    if profile.template_names and has_templates(doc):
        context = context or find_inline_context(doc)
        if context is None:
            raise MissingTemplateContext("page has client-side templates but no template context")
        render_templates(doc, context, profile.template_names)


def convert_content(doc, root, kind: PageKind, clock: StageClock,
                    census: TreeCensus | None = None) -> tuple[list[Block], str, str]:
    """The content root cleaned and converted: its Markdown blocks, its visible text (the
    coverage reference) and the page's title. The tree is not needed afterwards. ``census``:
    the tree's (``TreeCensus``), taken before the cleaning, else taken here."""
    census = census or TreeCensus(root)   # to skip the queries of classes and attributes the page lacks
    strip_boilerplate(root, kind.strip, census)
    rewrite_widgets(root, census)   # tabs as labelled blocks, admonitions and alerts with their title
    drop_hidden(root, census)       # after the tabs: a closed tab panel is hidden until clicked
    if kind.content_starts_at:
        drop_content_before(root, kind.content_starts_at)
    title = (page_title(doc) or "").strip()
    clock.lap("clean")
    blocks = html_to_blocks(root)   # before text_of: it edits <br>s inside code blocks
    clock.lap("convert")
    content_text = repair_text(text_of(root))   # the coverage reference
    clock.lap("coverage")
    return blocks, content_text, title


def profile_root(doc, kind: PageKind, census: TreeCensus | None = None):
    """The first element the profile's first matching root selector finds, else None."""
    for selector in kind.content_roots:
        found = select(doc, selector, census)
        if found:
            return found[0]
    return None


def build_records(info: PageInfo, sections: list[Section], budget: Budget, count: TokenCounter,
                  crawled_at: str, clock: StageClock | None = None) -> list[Record]:
    clock = clock or StageClock()
    chunks = chunk_page(sections, budget, count)
    clock.lap("budget+tokens")
    records = []
    occurrences: dict[str | None, int] = {}
    seen_leads: dict[int, int] = {}
    for chunk in chunks:
        lead = chunk.lead
        if lead.ordinal not in seen_leads:
            seen_leads[lead.ordinal] = occurrences.get(lead.anchor, 0)
            occurrences[lead.anchor] = seen_leads[lead.ordinal] + 1
        if "#/" in info.public_url:   # a client-side route: its headings are ?id=ANCHOR
            url = route_url(info.public_url, lead.anchor)
        else:
            url = info.public_url + (f"#{lead.anchor}" if lead.anchor else "")
        target = budget.target_for(chunk.text_tokens)
        header = prompt_header(target, info.source, url)
        records.append(Record(
            id=record_id(info.site, info.version_slug, info.page_path, lead.anchor,
                         seen_leads[lead.ordinal], chunk.chunk_index),
            source=info.source, site=info.site, version=info.version,
            version_slug=info.version_slug, is_latest=info.is_latest,
            is_prerelease=info.is_prerelease, url=url,
            fetched_url=info.fetched_url, title=lead.title, path=list(lead.path),
            anchors=chunk.anchors, chunk_index=chunk.chunk_index, chunk_count=chunk.chunk_count,
            text=chunk.text, text_tokens=chunk.text_tokens, target_tokens=target,
            max_input_tokens=budget.max_input_tokens, encoding=count.name,
            prompt=header + chunk.text,
            prompt_tokens=prompt_tokens(header, chunk.text, chunk.text_tokens, count),
            content_sha256=sha256_text(chunk.text), crawled_at=crawled_at,
        ))
    clock.lap("prompt")
    return records


def own_public_url(info: PageInfo, canonical: str | None, canonical_path) -> str:
    """The page's public URL in the form the page gives itself (``og:url`` / rel=canonical),
    when that names this same page: a canonical link to another version or page is ignored.
    "/docs/ci" (Docusaurus) is the same page as the "/docs/ci/" a static server redirected to."""
    if canonical:
        path = urlsplit(canonical).path
        if path and (canonical_path(path) == info.page_path or _same_page(path, info.page_path)):
            return info.public_url[: -len(info.page_path)] + path
    return info.public_url


def _same_page(one: str, other: str) -> bool:
    def bare(path: str) -> str:
        path = path[: -len("index.html")] if path.endswith("/index.html") else path
        return path.rstrip("/") or "/"
    return bare(one) == bare(other)


def choose_kind(doc, kinds: list[PageKind]) -> PageKind:
    """The first kind whose ``requires`` selector the page satisfies: sites with two layouts
    (Kafka's legacy single page and its Hugo pages) are told apart by the page itself."""
    for kind in kinds:
        if not kind.requires or select(doc, kind.requires):
            return kind
    wanted = ", ".join(kind.requires for kind in kinds if kind.requires)
    raise ContentNotFound(f"the page matches none of the layouts its URL allows (looked for {wanted})")


# A huge page (the Kafka mirror's largest are under 2 MB as served) has its freed tree trimmed
# (a smaller one is simply reused by the next page's: trimming would only make the system hand
# the same pages back, page faults for nothing) and its attribute names counted (TreeCensus).
_HUGE_PAGE_CHARS = 4_000_000


def collector_paused(function):
    """``function`` run with the cyclic garbage collector off. A page of 1M tiny headings makes
    millions of small objects (blocks, sections, counts) that live until the page is done: the
    collector's passes over them cost a fifth of that page's CPU. The pipeline makes no cycles
    worth collecting mid-page; any it makes are collected once the collector runs again."""
    @functools.wraps(function)
    def paused(*args, **kwargs):
        enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()
    return paused


@collector_paused
def process_page(html_text: str, info: PageInfo, profile: SiteProfile,
                 kinds: PageKind | list[PageKind], budget: Budget, count: TokenCounter,
                 crawled_at: str, context: dict[str, str] | None = None) -> PageResult:
    started = time.perf_counter()
    clock = StageClock()
    doc = parse_html(html_text)
    clock.lap("parse")
    hooks = hooks_for(profile)
    evidence = discover(doc, info.fetched_url, hooks.version_links)
    found = {"version_links": evidence.version_links,
             "version_entries": hooks.version_entries(doc, info.fetched_url),
             "public_url": own_public_url(info, evidence.canonical_url, hooks.canonical_path),
             "nav_links": navigation_links(doc) if profile.layout is not None else []}
    kinds = kinds if isinstance(kinds, (list, tuple)) else [kinds]
    has_layout = any(kind.requires and select(doc, kind.requires) for kind in kinds)
    if (evidence.is_redirect_stub and not has_layout) or all(kind.role == "redirects" for kind in kinds):
        # A redirect stub is never content, whatever its URL looks like; what it points to is.
        # (A short page of a known layout that also runs a redirecting script stays a page.)
        redirects = evidence.redirects or hooks.redirect_map(doc)
        followed = evidence.links + ([evidence.redirect_target] if evidence.redirect_target else [])
        return PageResult([], "", 1.0, 0, kind="redirect-stub", redirects=redirects, links=followed,
                          redirect_stub=True, seconds=time.perf_counter() - started, **found)
    view = view_rule(doc, info.page_path, info.fetched_url, evidence.canonical_url,
                     lambda one, other: _same_page(hooks.canonical_path(one), hooks.canonical_path(other)),
                     lambda one, other: hooks.slug_of_url(one) == hooks.slug_of_url(other),
                     info.keep_views)
    if view is not None:   # counted by the spider under its rule; its links are still followed
        return PageResult([], "", 1.0, 0, kind="view", links=evidence.links, view=view,
                          seconds=time.perf_counter() - started, **found)
    templated = profile.template_names and has_templates(doc)   # rendered below, without a browser
    if not info.rendered and not templated:   # "Loading ...": never a record of that
        reason = served_page_reason(doc)
        if reason:
            raise NeedsBrowser(reason)
    kind = choose_kind(doc, kinds)
    found["kind"] = kind.name
    if kind.role == "redirects":
        return PageResult([], "", 1.0, 0, redirects=hooks.redirect_map(doc), links=evidence.links,
                          redirect_stub=True, seconds=time.perf_counter() - started, **found)
    info.public_url = found["public_url"]
    if templated:
        # trafilatura reads the page as served; a page whose text comes from client-side
        # templates (Kafka's legacy chapters) cannot be compared with it.
        info.check_layout = False
    clock.lap("discover")
    render_page(doc, profile, context)
    links = page_links(doc) if profile.template_names else evidence.links   # templates add links
    clock.lap("render")
    # A huge page's classes and attributes, after its templates: to skip the queries of those it
    # lacks (each is a walk over the whole tree). A smaller page's classes are read below.
    census = TreeCensus(doc, attributes=True) if len(html_text) >= _HUGE_PAGE_CHARS else None
    root = profile_root(doc, kind, census)   # once: each selector is a walk too
    rooted = root is not None
    if not rooted and kind.content_fallback != "main-text":
        select_content_root(doc, kind.content_roots)   # raises ContentNotFound, naming the roots
    # trafilatura only where it is needed: the drift alarm's samples and pages without a root.
    check_layout = info.check_layout and judgeable(doc)
    reference = main_text(html_text) if (check_layout or not rooted) else ""
    if not rooted:
        root = main_text_root(doc, reference)
    # Drift alarm: the root as selected, before the profile's strip list (a section index or a
    # TOC stripped on purpose is no drift; a root that found the wrong element is).
    share = main_text_share(reference, text_of(root)) if check_layout else None
    layout_share = round(share, 4) if share is not None else None
    clock.lap("layout check")
    blocks, content_text, title = convert_content(doc, root, kind, clock, census)
    # The tree (20x the page's size) is not needed past this point: freed before the sections
    # and chunks are built (a third off the peak RSS of a page of 1M tiny headings).
    del doc, root
    if len(html_text) >= _HUGE_PAGE_CHARS:
        # The freed tree's memory given back now, not after the page (malloc_trim): libxml2
        # allocates its nodes with malloc, Python its small objects in arenas of their own, so
        # the sections and chunks built next would not reuse it. Imported here: the workers
        # module imports this one.
        from crawler.run.workers import release_freed_memory
        release_freed_memory()
    clock.lap("parse")   # the tree's teardown: the other end of its life
    sections = split_sections(blocks, kind.section_levels, title)
    del blocks
    clock.lap("sections")
    records = build_records(info, sections, budget, count, crawled_at, clock)
    records_text = "\n\n".join(markdown_to_plain(record.text) for record in records)
    coverage = recall(content_text, [records_text])
    clock.lap("coverage")
    unrendered = unrendered_placeholders("\n\n".join(record.text for record in records))
    clock.lap("render")
    return PageResult(
        records=records,
        content_text=content_text,
        content_words=len(content_text.split()),
        coverage=coverage,
        sections=len(sections),
        unrendered=unrendered,
        links=links,
        layout_share=layout_share,
        root_fallback=not rooted and bool(kind.content_roots),
        seconds=time.perf_counter() - started,
        stages=clock.seconds,
        **found,
    )

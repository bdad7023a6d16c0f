"""Render the Kafka-shaped Hugo/Docsy test site: today's kafka.apache.org page shell, own prose.

The shell is the markup kafka.apache.org publishes today (Hugo + Docsy, minified), taken from a
real published page of the public ``apache/kafka-site`` repository (Apache License 2.0): the
navbar with its "Releases" menu (``shell/header.html``), the sidebar's search form and the
script that unhides the sidebar (``d-none`` until it runs), the footer and script tags
(``shell/footer.html``), and the minified ``documentation.html`` redirect script
(``shell/redirect.js``, with its version, map and latest-version test as placeholders). The
sidebar tree (``nav#td-section-nav``), breadcrumbs, "older version" banner, tags header,
section index, "Last modified" line, right-hand page meta ("View page source" ... "Print
entire section"), table of contents, tag cloud and pager are generated from the content tree
in the same minified markup as the real pages. The content under content/<version>/ is
original prose about the fictional "Streamlet" broker; Docsy's ``tabpane`` and ``alert``
shortcodes appear in it as Docsy renders them.

Pure standard library, deterministic. Called by tests/sites/build_sites.py.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
CONTENT = HERE / "content"
SHELL = HERE / "shell"
ASSETS = HERE / "assets"

PUBLIC = "https://kafka.apache.org"
REPO = "https://github.com/apache/kafka-site/"
LATEST = "41"
# (slug, label) in the navbar's "Releases" menu, newest first: the releases this site serves.
RELEASES = [("41", "4.1"), ("40", "4.0")]
BUILT_VERSIONS = ["41", "40"]
# Old single-page anchors -> new page paths (relative to /<version>/), as the redirect script's map.
LEGACY_MAP = [
    ("#gettingStarted", "getting-started"),
    ("#introduction", "getting-started/introduction"),
    ("#uses", "getting-started/uses"),
    ("#uses_workqueues", "getting-started/uses/#work-queues"),
    ("#operations", "operations"),
    ("#monitoring", "operations/monitoring/"),
    ("#remote_metrics", "operations/monitoring/#exposing-metrics-remotely"),
    ("#producer_monitoring", "operations/monitoring/#producer-metrics"),
    ("#tiered_storage", "operations/tiered-storage/"),
    ("#streams", "streams"),
    ("#streamsconfigs", "streams/developer-guide/config-streams/"),
]
# Legacy Kafka Streams URLs that are redirect stubs in today's site (the script's fallback rule
# sends /<v>/documentation/streams/x/ to /<v>/streams/x/).
STREAMS_STUBS = ["", "developer-guide/", "developer-guide/config-streams/"]
MODIFIED = "2025-06-02T09:30:00+00:00"


# --------------------------------------------------------------------------
# content model
# --------------------------------------------------------------------------

@dataclass
class Page:
    version: str
    path: str                  # "" for the version root, else "a/b"
    meta: dict
    body: str
    is_section: bool
    children: list["Page"] = field(default_factory=list)
    parent: "Page | None" = None

    @property
    def url(self) -> str:
        return f"/{self.version}/" + (f"{self.path}/" if self.path else "")

    @property
    def title(self) -> str:
        return self.meta["title"]

    @property
    def link_title(self) -> str:
        return self.meta.get("linkTitle", self.title)

    @property
    def weight(self) -> int:
        return int(self.meta.get("weight", 0))

    def ancestors(self) -> list["Page"]:
        out, p = [], self.parent
        while p is not None:
            out.append(p)
            p = p.parent
        return out[::-1]


FRONT = re.compile(r"\A<!--\n(.*?)\n-->\n", re.S)


def read_fragment(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    m = FRONT.match(text)
    if not m:
        raise ValueError(f"{path}: missing front-matter comment")
    meta = {}
    for line in m.group(1).splitlines():
        key, _, value = line.partition(":")
        meta[key.strip()] = value.strip()
    return meta, text[m.end():].strip("\n")


def load_version(version: str) -> Page:
    root_dir = CONTENT / version
    pages: dict[str, Page] = {}
    for f in sorted(root_dir.rglob("*.html")):
        rel = f.relative_to(root_dir)
        is_section = f.name == "_index.html"
        path = "/".join(rel.parent.parts) if is_section else "/".join(rel.with_suffix("").parts)
        meta, body = read_fragment(f)
        pages[path] = Page(version, path, meta, body, is_section)
    for path, page in pages.items():
        if path == "":
            continue
        parent_path = path.rpartition("/")[0]
        page.parent = pages[parent_path]
        page.parent.children.append(page)
    for page in pages.values():
        page.children.sort(key=lambda p: (p.weight, p.title))
    return pages[""]


def walk(page: Page):
    yield page
    for child in page.children:
        yield from walk(child)


# --------------------------------------------------------------------------
# rendering helpers
# --------------------------------------------------------------------------

def esc(s: str) -> str:
    return html.escape(s, quote=True)


def first_paragraph_text(body: str) -> str:
    m = re.search(r"<p>(.*?)</p>", body, re.S)
    text = re.sub(r"<[^>]+>", "", m.group(1)) if m else ""
    return " ".join(text.split())


def long_date(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.strftime('%B')} {d.day}, {d.year}"



def version_label(version: str) -> str:
    return dict(RELEASES)[version]


def shell_part(name: str) -> str:
    return (SHELL / name).read_text(encoding="utf-8")


# --------------------------------------------------------------------------
# page shell (minified, as Hugo publishes kafka.apache.org)
# --------------------------------------------------------------------------

HEADING = re.compile(r'<h([2-6]) id="([^"]+)">(.*?)</h\1>', re.S)


def add_self_links(body: str) -> str:
    """Docsy appends a self-link anchor to every h2..h6 with an id."""
    return HEADING.sub(lambda m: (f'<h{m.group(1)} id={m.group(2)}>{m.group(3)}<a class=td-heading-self-link '
                                  f'href=#{m.group(2)} aria-label="Heading self-link"></a></h{m.group(1)}>'), body)


def toc_html(body: str) -> str:
    """Hugo's TableOfContents (h2/h3), in the nesting Hugo emits for a page whose first level is h2."""
    items = [(int(level), hid, re.sub(r"<[^>]+>", "", text)) for level, hid, text in HEADING.findall(body)
             if level in "23"]
    if not items:
        return ""
    out = ["<nav id=TableOfContents><ul><li><ul>"]
    for index, (level, hid, text) in enumerate(items):
        out.append(f"<li><a href=#{hid}>{text}</a>")
        following = items[index + 1][0] if index + 1 < len(items) else 2
        if following > level:
            out.append("<ul>")
        else:
            out.append("</li>")
            if following < level:
                out.append("</ul></li>")
    out.append("</ul></li></ul></nav>")
    return "".join(out)


def head(title: str, description: str, url: str, kind: str = "article") -> str:
    description = esc(description)
    return (
        "<!doctype html><html itemscope itemtype=http://schema.org/WebPage lang=en class=no-js><head>"
        "<meta charset=utf-8><meta name=viewport content=\"width=device-width,initial-scale=1,shrink-to-fit=no\">"
        "<meta name=robots content=\"index, follow\"><link rel=icon type=image/png sizes=32x32 href=/images/apache.png>"
        "<link rel=icon type=image/png sizes=16x16 href=/images/apache.png><link rel=\"shortcut icon\" href=/images/apache.png>"
        "<link rel=apple-touch-icon sizes=180x180 href=/images/apache.png>"
        f"<title>{esc(title)} | Apache Kafka</title>\n<meta name=description content=\"{description}\">"
        f"<meta property=\"og:title\" content=\"{esc(title)}\"><meta property=\"og:description\" content=\"{description}\">"
        f"<meta property=\"og:type\" content=\"{kind}\"><meta property=\"og:url\" content=\"{PUBLIC}{url}\">"
        + (f"<meta property=\"article:section\" content=\"{url.split('/')[1]}\">"
           f"<meta property=\"article:modified_time\" content=\"{MODIFIED}\">" if kind == "article" else "")
        + f"<meta itemprop=name content=\"{esc(title)}\"><meta itemprop=description content=\"{description}\">"
        f"<meta name=twitter:card content=\"summary\"><meta name=twitter:title content=\"{esc(title)}\">"
        f"<meta name=twitter:description content=\"{description}\">"
        + shell_part("head-links.html") + "</head>")


def navbar() -> str:
    releases = "".join(f"<li><a class=dropdown-item href=/{slug}/>{label}</a></li>" for slug, label in RELEASES)
    return shell_part("header.html").replace("@@RELEASES@@", releases).replace("@@LATEST@@", LATEST)


def menu_id(page: Page) -> str:
    return "m-" + page.version + page.path.replace("/", "")


def sidebar(root: Page, current: Page) -> str:
    """Docsy's foldable sidebar: the whole version tree in every page, hidden until its script runs."""
    def item(page: Page, depth: int) -> str:
        kind = "with-child" if page.children else "without-child"
        link = "td-sidebar-link__section" if page.is_section else "td-sidebar-link__page"
        i = menu_id(page)
        out = (f'<li class="td-sidebar-nav__section-title td-sidebar-nav__section {kind}" id={i}-li>'
               f"<input type=checkbox id={i}-check>\n<label for={i}-check><a href={page.url} "
               f'class="align-left ps-0 td-sidebar-link {link}" id={i}><span>{esc(page.link_title)}</span></a></label>')
        if page.children:
            out += f'<ul class="ul-{depth + 1} foldable">' + "".join(item(c, depth + 1) for c in page.children) + "</ul>"
        return out + "</li>"

    i = menu_id(current)
    script = ("<script>$(function(){$(\"#td-section-nav a\").removeClass(\"active\"),"
              f"$(\"#td-section-nav #{i}\").addClass(\"active\"),"
              f"$(\"#td-section-nav #{i}-li span\").addClass(\"td-sidebar-nav-active-item\"),"
              f"$(\"#td-section-nav #{i}\").parents(\"li\").addClass(\"active-path\"),"
              "$(\"#td-section-nav li.active-path\").addClass(\"show\"),"
              "$(\"#td-section-nav li.active-path\").children(\"input\").prop(\"checked\",!0),"
              f"$(\"#td-section-nav #{i}-li\").siblings(\"li\").addClass(\"show\"),"
              f"$(\"#td-section-nav #{i}-li\").children(\"ul\").children(\"li\").addClass(\"show\"),"
              "$(\"#td-sidebar-menu\").toggleClass(\"d-none\")})</script>")
    r = menu_id(root)
    tree = (f'<ul class="td-sidebar-nav__section pe-md-3 ul-0"><li class="td-sidebar-nav__section-title '
            f'td-sidebar-nav__section with-child" id={r}-li><a href={root.url} class="align-left ps-0 td-sidebar-link '
            f'td-sidebar-link__section tree-root" id={r}><span>{esc(root.link_title)}</span></a><ul class=ul-1>'
            + "".join(item(child, 1) for child in root.children) + "</ul></li></ul>")
    return ('<aside class="col-12 col-md-3 col-xl-2 td-sidebar d-print-none"><div class=td-sticky-container>'
            f"<div class=td-sticky-content>{script}<div id=td-sidebar-menu class=\"td-sidebar__inner d-none\">"
            + shell_part("sidebar-search.html")
            + f'<nav class="td-sidebar-nav collapse td-sidebar-nav--search-disabled foldable-nav" id=td-section-nav>{tree}'
            "</nav></div></div></div></aside>")


TAG_CLOUD = ('<div class="taxonomy taxonomy-terms-cloud taxo-tags"><h5 class=taxonomy-title>Tag Cloud</h5>'
             "<ul class=taxonomy-terms>" + "".join(
                 f"<li><a class=taxonomy-term href={PUBLIC}/tags/{tag}/ data-taxonomy-term={tag}><span "
                 f"class=taxonomy-label>{tag.title()}</span><span class=taxonomy-count>{count}</span></a></li>"
                 for tag, count in (("docs", 2024), ("kafka", 2024), ("ops", 33), ("streams", 66)))
             + "</ul></div>")


def page_meta(page: Page, source: str, toc: str) -> str:
    """The right-hand column: page meta links, the table of contents, the tag cloud."""
    folder = source.rpartition("/")[0]
    return ('<aside class="d-none d-xl-block col-xl-2 td-sidebar-toc d-print-none"><div class=td-sticky-container>'
            '<div class=td-sticky-header><div class="td-page-meta ms-2 pb-1 pt-2 mb-0">'
            f'<a href={REPO}/tree/markdown/content/en/{source} class="td-page-meta--view td-page-meta__view" '
            'target=_blank rel=noopener><i class="fa-solid fa-file-lines fa-fw"></i> View page source</a>\n'
            f'<a href={REPO}/edit/markdown/content/en/{source} class="td-page-meta--edit td-page-meta__edit" '
            'target=_blank rel=noopener><i class="fa-solid fa-pen-to-square fa-fw"></i> Edit this page</a>\n'
            f'<a href="{REPO}/new/markdown/content/en/{folder}?filename=change-me.md" class="td-page-meta--child '
            'td-page-meta__child" target=_blank rel=noopener><i class="fa-solid fa-pen-to-square fa-fw"></i> Create child page</a>\n'
            f'<a href="{REPO}/issues/new?title={html.escape(page.title)}" class="td-page-meta--issue td-page-meta__issue" '
            'target=_blank rel=noopener><i class="fa-solid fa-list-check fa-fw"></i> Create documentation issue</a>\n'
            f'<a id=print href={(page.parent or page).url}_print/><i class="fa-solid fa-print fa-fw"></i> Print entire section</a>'
            f"</div></div><div class=td-sticky-content><div class=td-toc-content><div class=td-toc>{toc}</div></div>"
            f"{TAG_CLOUD}</div></div></aside>")


def banner(version: str) -> str:
    if version == LATEST:
        return ""
    return ('<div class="pageinfo pageinfo-warning"><p>You are viewing documentation for an older version '
            f"({version_label(version)}) of Kafka.\nFor up-to-date documentation, see the\n"
            f"<a href=/{LATEST}/ target=_blank>latest version</a>.</p></div>")


def breadcrumb(page: Page) -> str:
    crumbs = page.ancestors()
    single = " td-breadcrumbs__single" if not crumbs else ""
    items = "".join(f"<li class=breadcrumb-item><a href={p.url}>{esc(p.link_title)}</a></li>" for p in crumbs)
    return (f'<nav aria-label=breadcrumb class="td-breadcrumbs{single}"><ol class=breadcrumb>{items}'
            f'<li class="breadcrumb-item active" aria-current=page>{esc(page.link_title)}</li></ol></nav>')


def tags(page: Page) -> str:
    names = ["kafka", "docs"] + ([page.path.split("/")[0]] if page.path else [])
    return ('<header class=article-meta><div class="taxonomy taxonomy-terms-article taxo-tags"><h5 '
            "class=taxonomy-title>Tags:</h5><ul class=taxonomy-terms>" + "".join(
                f"<li><a class=taxonomy-term href={PUBLIC}/tags/{n}/ data-taxonomy-term={n}><span "
                f"class=taxonomy-label>{n.title()}</span></a></li>" for n in names) + "</ul></div></header>")


def section_index(page: Page) -> str:
    """Docsy's list of a section's child pages (title and description)."""
    entries = "".join(f"<div class=entry><h5><a href={child.url}>{esc(child.title)}</a></h5>"
                      f"<p>{esc(child.meta.get('description', ''))}</p></div>" for child in page.children)
    return f"<div class=section-index><hr class=panel-line>{entries}</div>"


def lastmod(meta: dict) -> str:
    if "lastmod" not in meta:
        return ""
    commit = meta["commit"]
    return (f"<div class=td-page-meta__lastmod>Last modified {long_date(meta['lastmod'])}: <a "
            f"href={REPO}/commit/{commit}>{esc(meta['commit_msg'])} ({commit[:10]})</a></div>")


def pager(page: Page, order: list[Page]) -> str:
    """Previous / next buttons, on leaf pages only (as the real site)."""
    if page.is_section:
        return ""
    leaves = [p for p in order if not p.is_section]
    i = leaves.index(page)
    button = ('<a class="btn pager-btn rounded-3 fw-semibold py-2 px-3 d-inline-flex align-items-center gap-2" '
              "style=min-width:12rem href={url} rel={rel} aria-label=\"{word}: {title}\">")
    before = after = ""
    if i > 0:
        p = leaves[i - 1]
        before = (button.format(url=p.url, rel="prev", word="Previous", title=esc(p.title))
                  + '<span class="fw-semibold text-dark">‹ Previous:</span>\n<span class="text-dark text-truncate '
                  f'd-inline-block" style=max-width:18rem>{esc(p.title)}</span></a>')
    if i + 1 < len(leaves):
        p = leaves[i + 1]
        after = (button.format(url=p.url, rel="next", word="Next", title=esc(p.title))
                 + '<span class="fw-semibold text-dark">Next:</span>\n<span class="text-dark text-truncate '
                 f'd-inline-block text-end" style=max-width:18rem>{esc(p.title)}\n</span><span class="fw-semibold '
                 "text-dark\">›</span></a>")
    return ('<div class="td-page-meta mb-3 mt-4 d-print-none"><nav class="d-flex justify-content-between '
            f'align-items-center gap-3"><div class="d-flex flex-column align-items-start">{before}</div>'
            f'<div class="ms-auto d-flex flex-column align-items-end">{after}</div></nav></div>')


def render_page(page: Page, root: Page, order: list[Page]) -> str:
    body = add_self_links(page.body)
    source = (f"{page.version}/{page.path + '/' if page.path else ''}_index.md" if page.is_section
              else f"{page.version}/{page.path}.md")
    lead = f"<div class=lead>{esc(page.meta['lead'])}</div>" if page.meta.get("lead") else ""
    content = (f"<div class=td-content><h1>{esc(page.title)}</h1>{lead}{tags(page)}{body}"
               + (section_index(page) if page.is_section else "") + lastmod(page.meta) + "</div>")
    description = page.meta.get("description") or first_paragraph_text(page.body)
    return "".join([
        head(page.title, description, page.url, "website" if page.is_section else "article"),
        f"<body class={'td-section' if page.is_section else 'td-page'}>", navbar(),
        '<div class="container-fluid td-outer"><div class=td-main><div class="row flex-xl-nowrap">',
        sidebar(root, page), page_meta(page, source, toc_html(body)),
        '<main class="col-12 col-md-9 col-xl-8 ps-md-5" role=main>', banner(page.version), breadcrumb(page),
        content, pager(page, order), "</main></div></div>", shell_part("footer.html"),
    ])


def redirect_stub(version: str, url: str) -> str:
    """A ``documentation.html`` stub as published: navbar, the minified map script, "Redirecting...",
    footer; no sidebar, no content."""
    mapping = ",".join(f'"{old}":"{new}"' for old, new in LEGACY_MAP)
    script = (shell_part("redirect.js").replace("@@VERSION@@", version).replace("@@LATEST@@", LATEST)
              .replace("@@MAP@@", mapping))
    return "".join([
        head("Documentation Redirect", "Redirecting...", url), "<body class=td-page>", navbar(),
        '<div class="container-fluid td-default td-outer"><main role=main class=td-main>',
        f"<script>{script}</script><p>Redirecting...</p></main>", shell_part("footer.html"),
    ])


def render_home() -> str:
    return "".join([
        head("Apache Kafka", "Apache Kafka: A Distributed Streaming Platform.", "/", "website"),
        "<body class=td-home>", navbar(),
        '<div class="container-fluid td-outer"><div class=td-main><main role=main class=td-main>'
        '<section class="row td-box td-box--primary td-box--height-auto"><div class=col>'
        "<h1>Apache Streamlet</h1><p>A small, durable message queue for teams who want logs, not magic.</p>"
        f'<a class="btn btn-lg btn-primary me-3 mb-4" href=/{LATEST}/>Read the documentation</a>'
        "</div></section></main></div>", shell_part("footer.html"),
    ])


# --------------------------------------------------------------------------

def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def build(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for version in BUILT_VERSIONS:
        root = load_version(version)
        order = list(walk(root))
        for page in order:
            write(out / page.url.strip("/") / "index.html", render_page(page, root, order))
        # /<v>/documentation.html and /<v>/documentation/ are the same stub (Hugo writes both).
        write(out / version / "documentation.html", redirect_stub(version, f"/{version}/documentation.html"))
        write(out / version / "documentation" / "index.html", redirect_stub(version, f"/{version}/documentation/"))
        for stub in STREAMS_STUBS:
            url = f"/{version}/documentation/streams/{stub}"
            write(out / url.strip("/") / "index.html", redirect_stub(version, url))
    # Unversioned entry points: the latest release's stub.
    write(out / "documentation.html", redirect_stub(LATEST, "/documentation.html"))
    write(out / "documentation" / "index.html", redirect_stub(LATEST, "/documentation/"))
    write(out / "index.html", render_home())

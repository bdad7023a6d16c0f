"""Render the Kafka-shaped Hugo/Docsy test site from hand-written fragments.

The content under content/<version>/ is original prose about the fictional
"Streamlet" broker. Each fragment is an HTML body preceded by a front-matter
comment; _index.html files are section pages. This module wraps every fragment
in the page shell that today's kafka.apache.org (Hugo + Docsy) emits: navbar
with a "Releases" dropdown, left sidebar (td-sidebar), breadcrumb, td-content
with tags / feedback / last-modified blocks, right TOC (td-toc), pager and
footer; an "older version" banner on non-latest versions; and the legacy
<version>/documentation.html pages that map old fragments to the new pages
with an inline JavaScript object literal.

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
ASSETS = HERE / "assets"

SITE_NAME = "Apache Streamlet"
BASE_URL = "https://streamlet.example.org"
REPO = "https://github.com/example/streamlet-site"
LATEST = "41"
# (slug, label) as listed in the navbar's "Releases" menu, newest first.
RELEASES = [
    ("41", "4.1"), ("40", "4.0"), ("39", "3.9"), ("38", "3.8"), ("37", "3.7"),
    ("36", "3.6"), ("35", "3.5"), ("34", "3.4"), ("33", "3.3"), ("32", "3.2"),
    ("31", "3.1"), ("30", "3.0"), ("28", "2.8"), ("27", "2.7"), ("26", "2.6"),
    ("25", "2.5"), ("24", "2.4"), ("23", "2.3"), ("22", "2.2"), ("21", "2.1"),
    ("20", "2.0"), ("11", "1.1"), ("10", "1.0"), ("0110", "0.11.0"),
    ("0102", "0.10.2"), ("0101", "0.10.1"), ("0100", "0.10.0"), ("090", "0.9.0"),
    ("082", "0.8.2"), ("081", "0.8.1"), ("080", "0.8.0"), ("07", "0.7"),
]
BUILT_VERSIONS = ["41", "40"]        # full Hugo page trees
LEGACY_ONLY_VERSIONS = ["39"]        # only a bare documentation.html stub
CSS = "/scss/main.min.5c1f1a7b9e2d4c3a8b6f0e1d2c3b4a5968778695a4b3c2d1e0f9a8b7c6d5e4f3.css"
JS = "/js/main.min.0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e.js"

# Old single-page anchors -> new page paths (relative to /<version>/), in the
# shape of kafka-site's layouts/shortcodes/doc-redirect.html.
LEGACY_MAP = [
    ("Getting Started menu", [
        ("#gettingStarted", "getting-started"),
        ("#introduction", "getting-started/introduction"),
        ("#uses", "getting-started/uses"),
        ("#uses_workqueues", "getting-started/uses/#work-queues"),
    ]),
    ("Operations menu", [
        ("#operations", "operations"),
        ("#monitoring", "operations/monitoring/"),
        ("#remote_metrics", "operations/monitoring/#exposing-metrics-remotely"),
        ("#producer_monitoring", "operations/monitoring/#producer-metrics"),
        ("#tiered_storage", "operations/tiered-storage/"),
    ]),
    ("Streams menu", [
        ("#streams", "streams"),
        ("#streamsconfigs", "streams/developer-guide/config-streams/"),
    ]),
]


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


HEADING = re.compile(r'<h([23]) id="([^"]+)">(.*?)</h\1>', re.S)       # TOC levels
ANY_HEADING = re.compile(r'<h([2-6]) id="([^"]+)">(.*?)</h\1>', re.S)   # self-linked


def add_self_links(body: str) -> str:
    """Docsy appends a self-link anchor to every h2..h6 with an id."""
    return ANY_HEADING.sub(
        lambda m: (f'<h{m.group(1)} id="{m.group(2)}">{m.group(3)}'
                   f'<a class="td-heading-self-link" href="#{m.group(2)}" '
                   f'aria-label="Heading self-link"></a></h{m.group(1)}>'),
        body)


def toc_html(body: str) -> str:
    """Hugo's TableOfContents for h2..h3 (markup.tableOfContents default)."""
    items: list[tuple[int, str, str]] = [
        (int(level), hid, re.sub(r"<[^>]+>", "", text))
        for level, hid, text in HEADING.findall(body)]
    if not items:
        return ""
    out = ['<nav id="TableOfContents">', "  <ul>"]
    i = 0
    while i < len(items):
        level, hid, text = items[i]
        if level == 3:           # h3 before any h2: list it at top level
            out.append(f'    <li><a href="#{hid}">{text}</a></li>')
            i += 1
            continue
        subs = []
        j = i + 1
        while j < len(items) and items[j][0] == 3:
            subs.append(items[j])
            j += 1
        if subs:
            out.append(f'    <li><a href="#{hid}">{text}</a>')
            out.append("      <ul>")
            for _, sid, stext in subs:
                out.append(f'        <li><a href="#{sid}">{stext}</a></li>')
            out.append("      </ul>")
            out.append("    </li>")
        else:
            out.append(f'    <li><a href="#{hid}">{text}</a></li>')
        i = j
    out += ["  </ul>", "</nav>"]
    return "\n".join(out)


def first_paragraph_text(body: str) -> str:
    m = re.search(r"<p>(.*?)</p>", body, re.S)
    text = re.sub(r"<[^>]+>", "", m.group(1)) if m else ""
    return " ".join(text.split())


def long_date(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.strftime('%B')} {d.day}, {d.year}"


def version_label(version: str) -> str:
    return dict(RELEASES)[version]


# --------------------------------------------------------------------------
# page shell
# --------------------------------------------------------------------------

def head(title: str, description: str, url: str, meta: dict, noindex: bool = False) -> str:
    lastmod = meta.get("lastmod")
    lines = [
        "<!doctype html>",
        '<html itemscope itemtype="http://schema.org/WebPage" lang="en" class="no-js">',
        "  <head>",
        '    <meta charset="utf-8">',
        '    <meta name="viewport" content="width=device-width, initial-scale=1, shrink-to-fit=no">',
        f'    <meta name="robots" content="{"noindex, nofollow" if noindex else "index, follow"}">',
        '    <link rel="shortcut icon" href="/favicons/favicon.ico">',
        f"    <title>{esc(title)} | {SITE_NAME}</title>",
        f'    <meta name="description" content="{esc(description)}">',
        f'    <meta property="og:title" content="{esc(title)}">',
        f'    <meta property="og:description" content="{esc(description)}">',
        '    <meta property="og:type" content="article">',
        f'    <meta property="og:url" content="{BASE_URL}{url}">',
    ]
    if lastmod:
        lines += [
            f'    <meta property="article:modified_time" content="{lastmod}T09:30:00+00:00">',
            f'    <meta itemprop="dateModified" content="{lastmod}T09:30:00+00:00">',
        ]
    lines += [
        f'    <link rel="preload" href="{CSS}" as="style">',
        f'    <link href="{CSS}" rel="stylesheet">',
        "  </head>",
    ]
    return "\n".join(lines)


def navbar() -> str:
    releases = "\n".join(
        f'            <li><a class="dropdown-item{" active" if slug == LATEST else ""}" href="/{slug}/">{label}</a></li>'
        for slug, label in RELEASES)
    return f"""    <header>
      <nav class="navbar td-navbar js-navbar-scroll" data-bs-theme="light">
      <div class="container-fluid">
        <button class="navbar-toggler order-0 d-lg-none" type="button" data-bs-toggle="collapse" data-bs-target="#main_navbar" aria-controls="main_navbar" aria-expanded="false" aria-label="Toggle navigation">
          <span class="navbar-toggler-icon"></span>
        </button>
        <a class="navbar-brand order-1 order-lg-0 mx-auto mx-lg-0" href="/">
          <img src="/logos/streamlet_logo--simple.png" alt="{SITE_NAME}" class="navbar-logo-img" />
        </a>
        <div class="collapse navbar-collapse order-3 order-lg-1" id="main_navbar">
          <ul class="navbar-nav ms-auto">
            <li class="nav-item">
              <a class="nav-link" href="/{LATEST}/getting-started/introduction/"><span>Get Started</span></a>
            </li>
            <li class="nav-item active">
              <a class="nav-link" href="/{LATEST}/"><span>Docs</span></a>
            </li>
            <li class="nav-item">
              <a class="nav-link" href="/community/"><span>Community</span></a>
            </li>
            <li class="nav-item">
              <a class="nav-link" href="/blog/"><span>Blog</span></a>
            </li>
            <li class="nav-item dropdown">
              <a class="nav-link dropdown-toggle" href="#" role="button" data-bs-toggle="dropdown" aria-haspopup="true" aria-expanded="false">Releases</a>
              <ul class="dropdown-menu">
{releases}
              </ul>
            </li>
            <li class="nav-item download-btn-item">
              <a class="nav-link btn-gradient-download" href="/community/downloads/"><span>DOWNLOAD STREAMLET</span></a>
            </li>
          </ul>
        </div>
        <div class="d-none d-lg-flex order-2 navbar-search">
          <button class="search-toggle-btn" id="searchToggle" type="button" aria-label="Toggle search">
            <i class="fas fa-search"></i>
          </button>
          <div class="search-input-wrapper" id="searchInputWrapper">
            <div class="td-search td-search--offline">
              <div class="td-search__icon"></div>
              <input type="search" class="td-search__input form-control" placeholder="Search this site…" aria-label="Search this site…" autocomplete="off" data-offline-search-index-json-src="/offline-search-index.json" data-offline-search-base-href="/" data-offline-search-max-results="10">
            </div>
          </div>
        </div>
      </div>
      </nav>
    </header>"""


def sidebar(root: Page, current: Page | None) -> str:
    active_path = set()
    if current is not None:
        active_path = {id(p) for p in current.ancestors()} | {id(current)}

    def mid(page: Page) -> str:
        return "m-" + page.version + page.path.replace("/", "")

    def item(page: Page, depth: int) -> list[str]:
        ind = "  " * (depth + 6)
        is_active = current is page
        on_path = id(page) in active_path
        kind = "with-child" if page.children else "without-child"
        cls = f"td-sidebar-nav__section-title td-sidebar-nav__section {kind}"
        if on_path:
            cls += " active-path"
        link_cls = "align-left ps-0" + (" active" if is_active else "") + " td-sidebar-link " + (
            "td-sidebar-link__section" if page.is_section else "td-sidebar-link__page")
        label = (f'<span class="td-sidebar-nav-active-item">{esc(page.link_title)}</span>'
                 if is_active else f"<span>{esc(page.link_title)}</span>")
        i = mid(page)
        lines = [f'{ind}<li class="{cls}" id="{i}-li">',
                 f'{ind}  <input type="checkbox" id="{i}-check"{" checked" if on_path else ""}>',
                 f'{ind}  <label for="{i}-check"><a href="{page.url}" class="{link_cls}" id="{i}">{label}</a></label>']
        if page.children:
            lines.append(f'{ind}  <ul class="ul-{depth + 1} foldable">')
            for child in page.children:
                lines += item(child, depth + 1)
            lines.append(f"{ind}  </ul>")
        lines.append(f"{ind}</li>")
        return lines

    root_cls = "td-sidebar-nav__section-title td-sidebar-nav__section with-child active-path"
    root_link = "align-left ps-0" + (" active" if current is root else "") + " td-sidebar-link td-sidebar-link__section tree-root"
    lines = [
        '          <aside class="col-12 col-md-3 col-xl-2 td-sidebar d-print-none">',
        '            <div id="td-sidebar-menu" class="td-sidebar__inner">',
        '              <form class="td-sidebar__search d-flex align-items-center">',
        '                <button class="btn btn-link td-sidebar__toggle d-md-none p-0 ms-3 fas fa-bars" type="button" data-bs-toggle="collapse" data-bs-target="#td-section-nav" aria-controls="td-section-nav" aria-expanded="false" aria-label="Toggle section navigation"></button>',
        "              </form>",
        '              <nav class="td-sidebar-nav collapse td-sidebar-nav--search-disabled foldable-nav" id="td-section-nav">',
        '                <ul class="td-sidebar-nav__section pe-md-3 ul-0">',
        f'                  <li class="{root_cls}" id="{mid(root)}-li">',
        f'                    <a href="{root.url}" class="{root_link}" id="{mid(root)}"><span>{esc(root.link_title)}</span></a>',
        '                    <ul class="ul-1">',
    ]
    for child in root.children:
        lines += item(child, 1)
    lines += [
        "                    </ul>",
        "                  </li>",
        "                </ul>",
        "              </nav>",
        "            </div>",
        "          </aside>",
    ]
    return "\n".join(lines)


def right_toc(page: Page, source_rel: str, toc: str) -> str:
    src = f"{REPO}/tree/main/content/en/{source_rel}"
    edit = f"{REPO}/edit/main/content/en/{source_rel}"
    issue = f"{REPO}/issues/new?title={page.title.replace(' ', '%20')}"
    return f"""          <aside class="d-none d-xl-block col-xl-2 td-sidebar-toc d-print-none">
            <div class="td-page-meta ms-2 pb-1 pt-2 mb-0">
              <a href="{src}" class="td-page-meta--view td-page-meta__view" target="_blank" rel="noopener"><i class="fa-solid fa-file-lines fa-fw"></i> View page source</a>
              <a href="{edit}" class="td-page-meta--edit td-page-meta__edit" target="_blank" rel="noopener"><i class="fa-solid fa-pen-to-square fa-fw"></i> Edit this page</a>
              <a href="{issue}" class="td-page-meta--issue td-page-meta__issue" target="_blank" rel="noopener"><i class="fa-solid fa-list-check fa-fw"></i> Create documentation issue</a>
            </div>
            <div class="td-toc">
{toc}
            </div>
            <div class="taxonomy taxonomy-terms-cloud taxo-tags">
              <h5 class="taxonomy-title">Tag Cloud</h5>
              <ul class="taxonomy-terms">
                <li><a class="taxonomy-term" href="{BASE_URL}/tags/docs/" data-taxonomy-term="docs"><span class="taxonomy-label">Docs</span><span class="taxonomy-count">212</span></a></li>
                <li><a class="taxonomy-term" href="{BASE_URL}/tags/streamlet/" data-taxonomy-term="streamlet"><span class="taxonomy-label">Streamlet</span><span class="taxonomy-count">212</span></a></li>
              </ul>
            </div>
          </aside>"""


def banner(version: str) -> str:
    if version == LATEST:
        return ""
    return f"""            <div class="pageinfo pageinfo-warning">
              <p>You are viewing documentation for an older version ({version_label(version)}) of Streamlet.
                For up-to-date documentation, see the
                <a href="/{LATEST}/" target="_blank">latest version</a>.</p>
            </div>
"""


def breadcrumb(page: Page) -> str:
    crumbs = page.ancestors() + [page]
    lines = ['            <nav aria-label="breadcrumb" class="td-breadcrumbs">',
             '              <ol class="breadcrumb">']
    for p in crumbs[:-1]:
        lines.append(f'                <li class="breadcrumb-item"><a href="{p.url}">{esc(p.link_title)}</a></li>')
    lines.append(f'                <li class="breadcrumb-item active" aria-current="page">{esc(page.link_title)}</li>')
    lines += ["              </ol>", "            </nav>"]
    return "\n".join(lines)


TAGS_BLOCK = f"""<header class="article-meta">
<div class="taxonomy taxonomy-terms-article taxo-tags">
  <h5 class="taxonomy-title">Tags:</h5>
  <ul class="taxonomy-terms">
    <li><a class="taxonomy-term" href="{BASE_URL}/tags/streamlet/" data-taxonomy-term="streamlet"><span class="taxonomy-label">Streamlet</span></a></li>
    <li><a class="taxonomy-term" href="{BASE_URL}/tags/docs/" data-taxonomy-term="docs"><span class="taxonomy-label">Docs</span></a></li>
  </ul>
</div>
</header>"""

FEEDBACK_BLOCK = """<div class="d-print-none">
  <h2 class="feedback--title">Feedback</h2>
  <p class="feedback--question">Was this page helpful?</p>
  <button class="btn btn-primary mb-4 feedback--answer feedback--answer-yes">Yes</button>
  <button class="btn btn-primary mb-4 feedback--answer feedback--answer-no">No</button>
  <p class="feedback--response feedback--response-yes">Glad to hear it! Please <a href="https://github.com/example/streamlet-site/issues/new">tell us how we can improve</a>.</p>
  <p class="feedback--response feedback--response-no">Sorry to hear that. Please <a href="https://github.com/example/streamlet-site/issues/new">tell us how we can improve</a>.</p>
</div>
<script>
  const yesButton = document.querySelector('.feedback--answer-yes');
  const noButton = document.querySelector('.feedback--answer-no');
  const disableButtons = () => { yesButton.disabled = true; noButton.disabled = true; };
  yesButton.addEventListener('click', () => { document.querySelector('.feedback--response-yes').classList.add('feedback--response__visible'); disableButtons(); });
  noButton.addEventListener('click', () => { document.querySelector('.feedback--response-no').classList.add('feedback--response__visible'); disableButtons(); });
</script>"""


def lastmod_block(meta: dict) -> str:
    if "lastmod" not in meta:
        return ""
    commit = meta["commit"]
    return (f'<div class="td-page-meta__lastmod">Last modified {long_date(meta["lastmod"])}: '
            f'<a href="{REPO}/commit/{commit}">{esc(meta["commit_msg"])} ({commit[:8]})</a></div>')


def section_index(page: Page) -> str:
    """Docsy's list of child pages at the end of a section page."""
    lines = ['<div class="section-index">', '  <hr class="panel-line">']
    for child in page.children:
        desc = child.meta.get("description") or first_paragraph_text(child.body)
        lines += ['  <div class="entry">',
                  f'    <h5><a href="{child.url}">{esc(child.title)}</a></h5>',
                  f"    <p>{esc(desc)}</p>",
                  "  </div>"]
    lines.append("</div>")
    return "\n".join(lines)


def pager(page: Page, order: list[Page]) -> str:
    i = order.index(page)
    prev_p = order[i - 1] if i > 0 else None
    next_p = order[i + 1] if i + 1 < len(order) else None
    lines = ['            <ul class="list-unstyled d-flex justify-content-between align-items-center mb-0 pt-5">']
    lines.append(f'              <li>{f"""<a href="{prev_p.url}" aria-label="Previous page - {esc(prev_p.title)}" class="btn btn-primary"><span class="me-1">←</span> Previous</a>""" if prev_p else ""}</li>')
    lines.append(f'              <li>{f"""<a href="{next_p.url}" aria-label="Next page - {esc(next_p.title)}" class="btn btn-primary">Next <span class="ms-1">→</span></a>""" if next_p else ""}</li>')
    lines.append("            </ul>")
    return "\n".join(lines)


FOOTER = f"""      <footer class="td-footer row d-print-none">
        <div class="container-fluid">
          <div class="row mx-md-2">
            <div class="td-footer__left col-6 col-sm-4 order-sm-1">
              <ul class="td-footer__links-list">
                <li class="td-footer__links-item" data-bs-toggle="tooltip" title="Contact" aria-label="Contact"><a target="_blank" rel="noopener" href="/community/contact/" aria-label="Contact"><i class="fa fa-envelope"></i></a></li>
                <li class="td-footer__links-item" data-bs-toggle="tooltip" title="Mastodon" aria-label="Mastodon"><a target="_blank" rel="noopener" href="https://mastodon.example/@streamlet" aria-label="Mastodon"><i class="fab fa-mastodon"></i></a></li>
              </ul>
            </div>
            <div class="td-footer__right col-6 col-sm-4 order-sm-3">
              <ul class="td-footer__links-list">
                <li class="td-footer__links-item" data-bs-toggle="tooltip" title="GitHub" aria-label="GitHub"><a target="_blank" rel="noopener" href="https://github.com/example/streamlet" aria-label="GitHub"><i class="fab fa-github"></i></a></li>
              </ul>
            </div>
            <div class="td-footer__center col-12 col-sm-4 py-2 order-sm-2">
              <span class="td-footer__copyright">&copy; 2014&ndash;2025 <span class="td-footer__authors">The Streamlet project. Streamlet is a fictional product used in test fixtures; all text on this site was written for these fixtures.</span></span>
              <span class="td-footer__all_rights_reserved">All Rights Reserved</span>
              <span class="ms-2"><a href="https://privacy.example.org/policy.html" target="_blank" rel="noopener">Privacy Policy</a></span>
            </div>
          </div>
        </div>
      </footer>"""

SCRIPTS = f"""    <script src="{JS}"></script>
    <script src="/js/tabpane-persist.js"></script>"""


def render_page(page: Page, root: Page, order: list[Page]) -> str:
    meta = page.meta
    body = add_self_links(page.body)
    if page.is_section:
        source_rel = f"{page.version}/{page.path + '/' if page.path else ''}_index.md"
    else:
        source_rel = f"{page.version}/{page.path}.md"
    description = meta.get("description") or first_paragraph_text(page.body)
    content = [f"<h1>{esc(page.title)}</h1>"]
    if meta.get("lead"):
        content.append(f'<div class="lead">{esc(meta["lead"])}</div>')
    content.append(TAGS_BLOCK)
    content.append(body)
    if page.is_section:
        content.append(section_index(page))
    content.append(FEEDBACK_BLOCK)
    content.append("<br>")
    content.append(lastmod_block(meta))
    body_class = "td-section" if page.is_section else "td-page"
    return "\n".join([
        head(page.title, description, page.url, meta),
        f'  <body class="{body_class}">',
        navbar(),
        '    <div class="container-fluid td-outer">',
        '      <div class="td-main">',
        '        <div class="row flex-xl-nowrap">',
        sidebar(root, page),
        right_toc(page, source_rel, toc_html(body)),
        '          <main class="col-12 col-md-9 col-xl-8 ps-md-5" role="main">',
        banner(page.version) + breadcrumb(page),
        '            <div class="td-content">',
        "\n".join(content),
        "            </div>",
        pager(page, order),
        "          </main>",
        "        </div>",
        "      </div>",
        FOOTER,
        "    </div>",
        SCRIPTS,
        "  </body>",
        "</html>",
        "",
    ])


def redirect_script(target_version: str) -> str:
    rows = []
    for group, entries in LEGACY_MAP:
        rows.append(f"            //{group}")
        for key, value in entries:
            rows.append(f'            "{key}": "{value}",')
        rows.append("")
    body = "\n".join(rows).rstrip().rstrip(",")
    return f"""<script>
    (function () {{
        // Old single-page documentation anchors, mapped to the per-topic pages.
        var targetVersion = "{target_version}";

        var hashIncludedMap = {{
{body}
        }};

        var currentHash = window.location.hash;

        if (currentHash && hashIncludedMap[currentHash]) {{
            window.location.replace("/" + targetVersion + "/" + hashIncludedMap[currentHash]);
        }} else {{
            // Default fallback: the version's introduction page
            window.location.replace("/" + targetVersion + "/getting-started/introduction");
        }}
    }})();
</script>
<p>Redirecting...</p>"""


def render_legacy_in_shell(version: str, root: Page) -> str:
    """<version>/documentation.html: the redirect shortcode inside the docs layout."""
    fake = Page(version, "documentation", {"title": "Documentation Redirect Legacy"}, "", False, parent=None)
    parts = [
        head(fake.title, f"{SITE_NAME} documentation", f"/{version}/documentation.html", {}, noindex=True),
        '  <body class="td-page">',
        navbar(),
        '    <div class="container-fluid td-outer">',
        '      <div class="td-main">',
        '        <div class="row flex-xl-nowrap">',
        sidebar(root, None),
        '          <aside class="d-none d-xl-block col-xl-2 td-sidebar-toc d-print-none">',
        '            <div class="td-toc">',
        "            </div>",
        "          </aside>",
        '          <main class="col-12 col-md-9 col-xl-8 ps-md-5" role="main">',
        banner(version) + '            <nav aria-label="breadcrumb" class="td-breadcrumbs">\n              <ol class="breadcrumb">\n'
        f'                <li class="breadcrumb-item active" aria-current="page">{esc(fake.title)}</li>\n'
        "              </ol>\n            </nav>",
        '            <div class="td-content">',
        f"<h1>{esc(fake.title)}</h1>",
        redirect_script(version),
        "            </div>",
        "          </main>",
        "        </div>",
        "      </div>",
        FOOTER,
        "    </div>",
        SCRIPTS,
        "  </body>",
        "</html>",
        "",
    ]
    return "\n".join(parts)


def render_bare_redirect(target_version: str, title: str) -> str:
    """A redirect page with no docs shell (simple layout)."""
    return "\n".join([
        "<!doctype html>",
        '<html lang="en">',
        "  <head>",
        '    <meta charset="utf-8">',
        '    <meta name="robots" content="noindex, nofollow">',
        f"    <title>{esc(title)} | {SITE_NAME}</title>",
        "  </head>",
        "  <body>",
        redirect_script(target_version),
        "  </body>",
        "</html>",
        "",
    ])


def render_home() -> str:
    latest = version_label(LATEST)
    return "\n".join([
        head("Apache Streamlet", "A small, durable message queue.", "/", {}),
        '  <body class="td-home">',
        navbar(),
        '    <div class="container-fluid td-outer">',
        '      <div class="td-main">',
        '        <main role="main" class="td-main">',
        '          <section class="row td-box td-box--primary td-box--height-auto">',
        '            <div class="col">',
        "              <h1>Apache Streamlet</h1>",
        "              <p>A small, durable message queue for teams who want logs, not magic.</p>",
        f'              <a class="btn btn-lg btn-primary me-3 mb-4" href="/{LATEST}/">Read the {latest} documentation</a>',
        f'              <a class="btn btn-lg btn-secondary me-3 mb-4" href="/{LATEST}/getting-started/introduction/">Get started</a>',
        "            </div>",
        "          </section>",
        "        </main>",
        "      </div>",
        FOOTER,
        "    </div>",
        SCRIPTS,
        "  </body>",
        "</html>",
        "",
    ])


# --------------------------------------------------------------------------

def build(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for version in BUILT_VERSIONS:
        root = load_version(version)
        order = list(walk(root))
        for page in order:
            dest = out / page.url.strip("/") / "index.html"
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(render_page(page, root, order), encoding="utf-8")
        (out / version / "documentation.html").write_text(
            render_legacy_in_shell(version, root), encoding="utf-8")
    for version in LEGACY_ONLY_VERSIONS:
        (out / version).mkdir(parents=True, exist_ok=True)
        (out / version / "documentation.html").write_text(
            render_bare_redirect(version, "Documentation Redirect Legacy"), encoding="utf-8")
    # Unversioned entry points: both redirect to the latest release.
    (out / "documentation.html").write_text(
        render_bare_redirect(LATEST, "Documentation"), encoding="utf-8")
    (out / "documentation").mkdir(exist_ok=True)
    (out / "documentation" / "index.html").write_text(
        render_bare_redirect(LATEST, "Documentation"), encoding="utf-8")
    (out / "index.html").write_text(render_home(), encoding="utf-8")
    # Tiny stand-ins for the theme bundles so the shell's references resolve.
    for rel in (CSS, JS, "/js/tabpane-persist.js"):
        dest = out / rel.lstrip("/")
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text((ASSETS / ("stub" + Path(rel).suffix)).read_text(encoding="utf-8"),
                        encoding="utf-8")

"""Fidelity of a crawl: recall, precision and anchors of each page's records against the page's
own content element, as a reader sees it, per generator.

    python bench/fidelity.py OUT.jsonl [OUT2.jsonl ...]   # fetches each record's fetched_url again
    python bench/fidelity.py --fixtures [SITE ...]        # crawls tests/sites/ builds by URL first

Reference per page: the element the generator puts the page's content in (VitePress
``div.vp-doc``, Starlight's ``main``, mdBook's ``div#mdbook-content main``, else the first of
``CONTENT_ELEMENTS``: Docusaurus ``div.theme-doc-markdown``, Sphinx themes' article or body,
MkDocs' article or ``div[role=main]``...), found on the page as served, with what a reader does
not read as text removed (permalink signs, copy buttons, the code block's language label,
screen-reader-only text, mdBook's hidden code lines, lists of child pages) and each tab opened as
a reader clicks it (its label, then its panel). The generator is detected from the page.
Recall = share of the reference's word 5-grams found in the page's records (in document order);
precision = share of the records' 5-grams found in the reference; anchors = share of the
reference's element ids found in the records' ``anchors``. Prints each page, then per generator
and version the min and mean.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import urllib.request
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lxml import html as lxml_html  # noqa: E402

from crawler.page.clean import text_of  # noqa: E402
from crawler.site.detect import detect_generator  # noqa: E402
from output.coverage import markdown_to_plain, recall  # noqa: E402

# generator profile -> (content element, elements a reader does not read as text there)
READER_VIEWS = {
    "vitepress": ("div.vp-doc", ["a.header-anchor", "button.copy", "span.lang", ".visually-hidden",
                                 "div.line-numbers-wrapper"]),
    "starlight": ("main", ["a.sl-anchor-link", ".sr-only", "main footer", "div.copy", "script", "style"]),
    "mdbook": ("div#mdbook-content main", ["pre span.boring"]),
    # Published pages (tests/sites/published/): the element each theme writes the page into.
    "antora": ("article.doc", ["a.edit-this-page", "nav.pagination"]),
    "hextra": ("main#content div.content", ["a.subheading-anchor"]),
    "hugo-book": ("article.markdown", ["a.anchor"]),
    "just-the-docs": ("div#main-content main", ["a.anchor-heading", "details:has(> ol#markdown-toc)"]),
}
# (theme, the element its pages hold their content in), first match wins; the generator comes
# from crawler.site.detect.
CONTENT_ELEMENTS = [
    ("Docusaurus classic", "div.theme-doc-markdown"),
    ("Read the Docs theme", 'div.rst-content div[itemprop="articleBody"]'),
    ("Furo", "article#furo-main-content"),
    ("pydata / book theme", "article.bd-article"),
    ("Material", "article.md-content__inner"),
    ("Docsy", "div.td-content"),
    ("alabaster / classic", "div.body"),
    ("mkdocs theme", 'div[role="main"]'),
]
# Not the page's own text though inside its content element: permalink signs; lists of child
# pages (Sphinx's toctree, Docsy's section index: navigation, each listed page is crawled
# itself) and a page's own table of contents (docutils' contents directive); Docsy's page meta,
# breadcrumbs, tags and feedback widget.
NOT_CONTENT = ", ".join([
    "a.hash-link", "a.headerlink", "a.td-heading-self-link", "div.toctree-wrapper", ".section-index",
    "nav.contents", "div.contents.local", "div.topic.contents",
    ".td-page-meta", ".td-page-meta__lastmod", ".td-toc", "nav.td-breadcrumbs", "div.pageinfo", ".feedback--title", ".taxonomy",
    "header.article-meta", ".d-print-none"])


def content_element(doc, html_text: str):
    """(generator and theme, the page's own content element, what is not text there) or
    (None, None, [])."""
    detection = detect_generator(html_text)
    if detection.profile in READER_VIEWS:
        selector, unread = READER_VIEWS[detection.profile]
        found = doc.cssselect(selector)
        return (detection.generator, found[0], unread) if found else (None, None, [])
    for theme, selector in CONTENT_ELEMENTS:
        found = doc.cssselect(selector)
        if found:
            return f"{detection.generator} ({theme})", found[0], []
    return None, None, []


def open_tabs(labels: list, panels: list, label_rows: list) -> None:
    """Each panel preceded by its label's text; the row of labels gone."""
    for label, panel in zip([label.text_content() for label in labels], panels):
        heading = lxml_html.Element("p")
        heading.text = label
        panel.addprevious(heading)
    for row in label_rows:
        row.drop_tree()


def reader_text(html_text: str) -> tuple[str, set[str], str | None]:
    """A page's main content as a reader sees it, the ids inside it and its generator family."""
    doc = lxml_html.document_fromstring(html_text)
    family, body, unread = content_element(doc, html_text)
    if body is None:
        return "", set(), None
    for selector in [NOT_CONTENT, *unread]:
        for element in body.cssselect(selector):
            element.drop_tree()
    # Each tab opened as a reader clicks it: its label, then its panel.
    for tabs in body.cssselect("div.tabs-container, starlight-tabs"):   # ARIA tabs in one container
        open_tabs(tabs.cssselect("[role=tab]"), tabs.cssselect("[role=tabpanel]"), tabs.cssselect("[role=tablist]"))
    for group in body.cssselect("div.vp-code-group"):   # VitePress code groups
        open_tabs(group.cssselect("div.tabs label"), group.cssselect("div.blocks > div"), group.cssselect("div.tabs"))
    for tabs in body.cssselect("div.tabbed-set"):   # Material's tabs
        open_tabs(tabs.cssselect("div.tabbed-labels > label"), tabs.cssselect("div.tabbed-content > div.tabbed-block"),
                  tabs.cssselect("div.tabbed-labels"))
    for tablist in body.cssselect("[role=tablist]"):   # Bootstrap tabs (Docsy): panels beside the list
        panels = tablist.getparent().cssselect("[role=tabpanel]")
        for panel in panels:
            panel.attrib.pop("id", None)   # the tab machinery's ids: no place a reader links to
        open_tabs(tablist.cssselect("[role=tab]"), panels, [tablist])
    for machinery in body.cssselect(".tab-content"):
        machinery.attrib.pop("id", None)
    # The content element's own id (furo-main-content) names the container, not a place in it.
    # Material's generated ids of code lines and tab inputs (__codelineno-0-1, __tabbed_1_1) and
    # the ids inside a drawing (a Graphviz SVG's a_clust1) are no places a reader links to.
    drawn = {id(element) for svg in body.iter("svg") for element in svg.iter()}
    ids = {element.get("id") for element in body.iterdescendants()
           if element.get("id") and not element.get("id").startswith("__") and id(element) not in drawn}
    return text_of(body), ids, family


def page_fidelity(html_text: str, records: list[dict]) -> dict:
    reference, ids, family = reader_text(html_text)
    text = "\n".join(markdown_to_plain(record["text"]) for record in records)
    anchors = {anchor for record in records for anchor in record["anchors"]}
    return {"recall": recall(reference, [text]), "precision": recall(text, [reference]),
            "anchors": len(ids & anchors) / len(ids) if ids else 1.0, "generator": family or "unknown"}


def summary_lines(per_group: dict[tuple[str, str], list[dict]]) -> list[str]:
    lines = []
    for (family, version), figures in sorted(per_group.items()):
        line = [f"{family}, version {version}: {len(figures)} pages"]
        for key in ("recall", "precision", "anchors"):
            values = [figure[key] for figure in figures]
            line.append(f"{key} min {min(values):.4f} mean {statistics.fmean(values):.4f}")
        lines.append("; ".join(line))
    return lines


PROJECT = Path(__file__).resolve().parents[1]
# tests/sites/ builds and the URL a user would give (`docprompts crawl URL`); "rtd": served as
# Read the Docs serves it (add-ons tags and API, tests/sites/rtd_hosting.py).
FIXTURES = {
    "docusaurus": ("/docs/getting-started", "static"),
    "sphinx": ("/en/latest/", "static"),
    "mkdocs": ("/", "static"),
    "kafka-hugo": ("/41/getting-started/introduction/", "static"),
    "sphinx-furo": ("/en/stable/", "static"),
    "sphinx-pydata": ("/en/latest/", "static"),
    "sphinx-book": ("/en/latest/", "static"),
    "sphinx-alabaster": ("/en/1.4/", "static"),
    "sphinx-rtd": ("/en/stable/", "rtd"),
    "mkdocs-readthedocs": ("/", "static"),
    "vitepress": ("/guide/installing.html", "static"),
    "starlight": ("/operate/routing/", "static"),
    "mdbook": ("/recipes/consuming.html", "static"),
    "published/antora": ("/jandex/main/index.html", "static"),
    "published/hextra": ("/dfir-ogre-documentation/usage/", "static"),
    "published/hugo-book": ("/a-fully-on-chain-reading-group/docs/contributing/getting_started/", "static"),
    "published/just-the-docs": ("/getting-started.html", "static"),
}


def crawl_fixtures(names: list[str], out_dir: Path) -> list[str]:
    """Crawl each fixture by its URL alone, then measure it while it is still served."""
    import subprocess
    import tempfile

    sys.path.insert(0, str(PROJECT / "tests" / "sites"))
    from crawler.demo import serve_directory
    from rtd_hosting import serve_like_readthedocs

    lines = []
    for name in names or list(FIXTURES):
        path, hosting = FIXTURES[name]
        root = PROJECT / "tests" / "sites" / name
        server = serve_like_readthedocs(root) if hosting == "rtd" else serve_directory(root)
        with server as base_url, tempfile.TemporaryDirectory(dir=out_dir) as tmp:
            out = Path(tmp) / f"{name}.jsonl"
            result = subprocess.run([sys.executable, "-m", "crawler.cli", "crawl", base_url + path, "--out",
                                     str(out), "--workers", "0", "--log-level", "ERROR"],
                                    cwd=PROJECT, capture_output=True, text=True)
            print(f"# {name}: docprompts crawl {base_url}{path}: exit {result.returncode}", flush=True)
            if out.exists():
                lines += [f"{name}: {line}" for line in measure([out])]
    return lines


def measure(paths: list[Path]) -> list[str]:
    pages: dict[str, list[dict]] = defaultdict(list)
    for path in paths:
        with open(path, encoding="utf-8") as stream:
            for line in stream:
                record = json.loads(line)
                pages[record["fetched_url"]].append(record)
    per_group: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for url, records in sorted(pages.items()):
        with urllib.request.urlopen(url, timeout=30) as response:
            figures = page_fidelity(response.read().decode("utf-8"), records)
        per_group[(figures["generator"], records[0]["version"])].append(figures)
        print(f"{url}  recall {figures['recall']:.4f}  precision {figures['precision']:.4f}  "
              f"anchors {figures['anchors']:.4f}")
    return summary_lines(per_group)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", help="JSONL outputs, or fixture names with --fixtures")
    parser.add_argument("--fixtures", action="store_true", help="crawl tests/sites/ builds by URL first")
    args = parser.parse_args(argv)
    if args.fixtures:
        unknown = [name for name in args.paths if name not in FIXTURES]
        if unknown:
            parser.error(f"unknown fixture(s) {', '.join(unknown)}; choose from {', '.join(FIXTURES)}")
        lines = crawl_fixtures(args.paths, Path("/tmp"))
    else:
        lines = measure([Path(path) for path in args.paths])
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())

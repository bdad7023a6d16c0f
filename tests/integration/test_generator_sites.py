"""``docprompts crawl URL`` on the VitePress, Astro Starlight and mdBook fixtures (tests/sites/*,
built by the real generators), each started on a page inside a subfolder, by its URL alone:
every page the site lists is reached (scope from the site, not the URL's first folder), code
keeps its language and its fences, tabs and code groups are labelled blocks, what a browser
hides is not text, and mdBook's print.html is never a record."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bench.fidelity import page_fidelity
from crawler.demo import serve_directory

from ..conftest import PROJECT, read_manifest, read_records, run_docprompts
from .test_crawl_by_url import SITES

VITEPRESS_PAGES = {"/guide/what-is-streamlet-cli.html", "/guide/installing.html", "/guide/profiles.html",
                   "/reference/commands.html", "/reference/config-file.html", "/reference/exit-codes.html"}
STARLIGHT_PAGES = {"/start/overview/", "/start/install/", "/operate/routing/", "/operate/monitoring/"}
MDBOOK_PAGES = {"/introduction.html", "/recipes/producing.html", "/recipes/consuming.html",
                "/recipes/retries.html", "/internals/offsets.html"}
LANGUAGES = {"sh", "bash", "zsh", "console", "json", "toml", "ts", "md", "yaml", "powershell", "rust"}


class Crawl:
    def __init__(self, site: str, result, out: Path, base_url: str):
        self.site, self.result, self.base_url = site, result, base_url
        self.manifest = read_manifest(out)
        self.records = read_records(out)
        self.text = "\n\n".join(record["text"] for record in self.records)

    def pages(self) -> set[str]:
        return {re.sub(r"^https?://[^/]+", "", r["url"].split("#")[0]) for r in self.records}

    def fidelity(self) -> list[tuple[str, dict]]:
        pages: dict[str, list[dict]] = {}
        for record in self.records:
            pages.setdefault(record["fetched_url"], []).append(record)
        figures = []
        for url, records in sorted(pages.items()):
            path = url.split("/", 3)[3]
            local = SITES / self.site / (path + "index.html" if path.endswith("/") or not path else path)
            figures.append((url, page_fidelity(local.read_text(encoding="utf-8"), records)))
        return figures


def crawl(tmp: Path, site: str, path: str, directory: Path | None = None) -> Crawl:
    out = tmp / f"{site}.jsonl"
    with serve_directory(directory or SITES / site) as base_url:
        result = run_docprompts("crawl", base_url + path, "--out", str(out), "--workers", "0")
    return Crawl(site, result, out, base_url)


@pytest.fixture(scope="module")
def vitepress(tmp_path_factory):
    return crawl(tmp_path_factory.mktemp("vitepress"), "vitepress", "/guide/installing.html")


@pytest.fixture(scope="module")
def starlight(tmp_path_factory):
    return crawl(tmp_path_factory.mktemp("starlight"), "starlight", "/operate/routing/")


@pytest.fixture(scope="module")
def mdbook(tmp_path_factory):
    return crawl(tmp_path_factory.mktemp("mdbook"), "mdbook", "/recipes/consuming.html")


def fences(text: str) -> list[str]:
    """The opening lines of the top-level code fences of a Markdown text."""
    openers, fence = [], ""
    for line in text.split("\n"):
        if fence:
            if line == fence:
                fence = ""
        elif re.match(r"^`{3,}", line):
            fence = re.match(r"^`+", line).group(0)
            openers.append(line)
    return openers


# -- every page, by URL alone ------------------------------------------------------------------------
@pytest.mark.parametrize("name, generator, pages", [
    ("vitepress", "VitePress v1.6.4", VITEPRESS_PAGES),
    ("starlight", "Astro Starlight v0.37.7", STARLIGHT_PAGES),
    ("mdbook", "mdBook", MDBOOK_PAGES),
])
def test_every_page_the_site_lists_is_reached_from_a_subfolder(request, name, generator, pages):
    site: Crawl = request.getfixturevalue(name)
    assert site.result.returncode == 0, site.result.stderr[-3000:]
    assert f"detected {generator}" in site.result.stderr and f"profile {name}" in site.result.stderr
    assert site.pages() >= pages
    assert site.manifest["pages_failed"] == 0
    scope = site.manifest["discovery"]["scope"]
    assert len(scope["root"]) >= 2 and scope["widened"], scope   # beyond the start URL's folder


def test_vitepress_reference_joins_the_scope_because_the_site_lists_it(vitepress):
    scope = vitepress.manifest["discovery"]["scope"]
    assert scope["layout"] == "div.vp-doc"
    assert "reference/" in scope["root"] and scope["judged"]["guide/"] == "the start page's folder"
    assert scope["judged"]["reference/"].startswith("documentation: listed by the")


@pytest.mark.parametrize("name", ["vitepress", "starlight", "mdbook"])
def test_recall_precision_and_anchors_against_each_pages_own_content(request, name):
    site: Crawl = request.getfixturevalue(name)
    for url, figures in site.fidelity():
        assert figures["recall"] >= 0.99 and figures["precision"] >= 0.98, (url, figures)
        assert figures["anchors"] >= 0.95, (url, figures)


# -- code as the site shows it -----------------------------------------------------------------------
@pytest.mark.parametrize("name", ["vitepress", "starlight", "mdbook"])
def test_every_fence_keeps_its_language_and_no_language_label_is_a_paragraph(request, name):
    site: Crawl = request.getfixturevalue(name)
    openers = fences(site.text)
    assert openers and all(opener.strip("`") in LANGUAGES for opener in openers), openers
    paragraphs = {paragraph.strip() for paragraph in site.text.split("\n\n")}
    assert not paragraphs & LANGUAGES, paragraphs & LANGUAGES


def test_vitepress_code_groups_are_labelled_blocks_and_a_fence_holding_fences_is_longer(vitepress):
    assert ("**npm**\n\n```sh\nnpm install --global @streamlet/cli\n```\n\n**pnpm**\n\n```sh\n"
            "pnpm add --global @streamlet/cli\n```\n\n**Homebrew**\n\n```sh\n") in vitepress.text
    assert "**Linux and macOS**\n\n```sh\nSTREAMLET_TOPIC_PREFIX" in vitepress.text
    assert "npmpnpm" not in vitepress.text
    assert '````md\nPaste this into the wiki page "Cluster access":\n\n```toml\n' in vitepress.text
    assert '```\n````\n\nReaders copy the TOML part' in vitepress.text
    assert "**Offline help:** Every command accepts `--help`" in vitepress.text


def test_starlight_tabs_are_labelled_and_its_chrome_is_not_text(starlight):
    assert "**Container**\n\n```sh\ndocker run" in starlight.text
    assert "**Debian and Ubuntu**\n\n```sh\nsudo apt install streamlet-bridge\n```" in starlight.text
    assert '```toml\n[source]\nurl = "streamlet://broker-1.eu:9440/orders"\n\n[[sink]]' in starlight.text
    for chrome in ("Section titled", "Terminal window", "Edit page", "Next\n", "Skip to content"):
        assert chrome not in starlight.text, chrome


# -- what a browser does not show, and views that are not pages ---------------------------------------
def test_mdbook_hidden_code_lines_help_popup_and_print_view_are_not_records(mdbook):
    assert "let producer = client.producer(\"orders\").await?;" in mdbook.text
    for hidden in ("# use streamlet", "use streamlet::", "#![allow(unused)]", "fn main() {", "Keyboard shortcuts",
                   "Press ? to show this help"):
        assert hidden not in mdbook.text, hidden
    assert not any("print.html" in r["url"] or "print.html" in r["fetched_url"] for r in mdbook.records)
    left_out = mdbook.manifest["discovery"]["scope"]["left_out"]
    assert "/print.html" in left_out["the profile's scope rules (deny)"]["examples"]
    # Each chapter once: no section of the book is filed twice (print.html would file them all again).
    titles = [r["title"] for r in mdbook.records]
    assert len(titles) == len(set(titles))


# -- llms.txt ----------------------------------------------------------------------------------------
LLMS_TXT = """# Streamlet CLI

> The command-line client of the Streamlet message queue.

## Guide

- [What is Streamlet CLI?](/guide/what-is-streamlet-cli.md)
- [Installing](/guide/installing.md): every package manager
- [Upgrading](/guide/upgrading.md): a page this build does not have

## Reference

- [Exit codes](/reference/exit-codes.md)
"""


@pytest.mark.slow
def test_llms_txt_is_read_and_the_pages_it_lists_that_the_crawl_missed_are_named(tmp_path):
    """The VitePress build without its sitemap, with an llms.txt as a site publishes it (its
    pages listed by their Markdown twins)."""
    site = tmp_path / "site"
    shutil.copytree(SITES / "vitepress", site)
    (site / "sitemap.xml").unlink()
    (site / "llms.txt").write_text(LLMS_TXT, encoding="utf-8")
    result = crawl(tmp_path, "vitepress", "/guide/installing.html", directory=site)
    assert result.result.returncode == 0, result.result.stderr[-2000:]
    discovery = result.manifest["discovery"]
    assert discovery["llms_txt_pages"] == 4
    assert discovery["llms_txt_unreached"] == ["/guide/upgrading.md"]
    assert result.pages() >= VITEPRESS_PAGES


@pytest.mark.slow
def test_mdbook_started_at_its_root_reads_the_first_chapter_once(tmp_path):
    """mdBook writes its first chapter twice, as /index.html and /introduction.html."""
    site = crawl(tmp_path, "mdbook", "/")
    assert site.result.returncode == 0, site.result.stderr[-2000:]
    titles = [r["title"] for r in site.records]
    assert titles.count("Introduction") == 1 and len(titles) == len(set(titles))
    assert {path.split("#")[0] for path in site.pages()} >= MDBOOK_PAGES - {"/introduction.html"}
    left_out = site.manifest["discovery"]["scope"]["left_out"]
    assert left_out["a second path to a page already read (byte-identical body)"]["count"] == 1


@pytest.mark.slow
def test_pages_the_navigation_lists_that_no_layout_can_judge_fail_the_run(tmp_path):
    """The demo site (Kafka's legacy layout: no generator signature, no content element or
    sidebar the generic profile knows): started in /20/, its navigation's links outside that
    folder cannot be judged. They are not crawled; the run names them and exits 1."""
    out = tmp_path / "demo.jsonl"
    with serve_directory(PROJECT / "crawler" / "demo_site") as base_url:
        result = run_docprompts("crawl", base_url + "/20/documentation/streams/", "--out", str(out), "--workers", "0")
    assert result.returncode == 1, result.stderr[-2000:]
    manifest = read_manifest(out)
    left_out = [failure for failure in manifest["failures"] if failure["kind"] == "left_out"]
    assert len(left_out) == 1 and "/documentation" in left_out[0]["pages"]
    assert "navigation lists" in result.stderr and "Traceback" not in result.stderr
    scope = manifest["discovery"]["scope"]
    assert scope["layout"] == "" and "/documentation" in \
        scope["left_out"]["listed by the site's navigation, outside the root, layout unknown: not crawled"]["examples"]


@pytest.mark.slow
def test_vitepress_started_at_its_home_page_judges_each_section(tmp_path):
    site = crawl(tmp_path, "vitepress", "/")
    assert site.result.returncode == 0, site.result.stderr[-2000:]
    assert site.pages() >= VITEPRESS_PAGES
    scope = site.manifest["discovery"]["scope"]
    assert scope["root"][0] == "/" and {"guide/", "reference/"} <= set(scope["root"])

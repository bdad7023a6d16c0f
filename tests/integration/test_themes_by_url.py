"""``docprompts crawl URL`` on Sphinx themes and MkDocs' readthedocs theme (tests/sites/*, built
by the real generators from tests/sites/src/tidewater and src/mkdocs-readthedocs), served over
loopback HTTP (as Read the Docs serves them where it matters: tests/sites/rtd_hosting.py) and
crawled by URL alone with the real CLI and Scrapy engine (issue 15, part A)."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from bench.fidelity import page_fidelity
from crawler.demo import serve_directory

from ..conftest import PROJECT, read_manifest, read_records, run_docprompts

SITES = PROJECT / "tests" / "sites"
sys.path.insert(0, str(SITES))
from rtd_hosting import serve_like_readthedocs  # noqa: E402

TIDEWATER_PAGES = {"", "install.html", "guide/reading-logs.html", "guide/filters.html", "api.html",
                   "changes.html"}
CHROME = ["Color mode", "Skip to main content", "Search docs", "Created using", "Built with", "¶",
          "View page source", "Edit on GitHub", "Next\n", "Previous\n", "On this page", "Back to top"]


class Crawl:
    def __init__(self, result, out: Path, base_url: str, root: Path):
        self.result, self.out, self.base_url, self.root = result, out, base_url, root
        self.manifest = read_manifest(out) if Path(str(out) + ".manifest.json").exists() else None
        self.records = read_records(out) if out.exists() else []

    def pages(self, version: str, prefix: str) -> set[str]:
        """The record URLs' paths under ``prefix`` ("dir/index.html" known as "dir/")."""
        return {re.sub(r"(^|/)index\.html$", r"\1", re.sub(r"^https?://[^/]+" + re.escape(prefix), "",
                                                            r["url"].split("#")[0]))
                for r in self.records if r["version"] == version}

    def fidelity(self) -> dict[str, dict]:
        """bench/fidelity.py's figures per fetched page, against the page as built."""
        pages: dict[str, list[dict]] = {}
        for record in self.records:
            pages.setdefault(record["fetched_url"], []).append(record)
        figures = {}
        for url, records in pages.items():
            local = self.root / url.split("/", 3)[3]
            local = local / "index.html" if url.endswith("/") else local
            figures[url] = page_fidelity(local.read_text(encoding="utf-8"), records)
        return figures


def crawl(tmp: Path, site: str, path: str, *options: str, hosting: str = "static") -> Crawl:
    out = tmp / f"{site}.jsonl"
    root = SITES / site
    server = {"static": lambda: serve_directory(root), "rtd": lambda: serve_like_readthedocs(root),
              "rtd-no-addons": lambda: serve_like_readthedocs(root, addons=False)}[hosting]()
    with server as base_url:
        result = run_docprompts("crawl", base_url + path, "--out", str(out), "--workers", "0", *options)
    return Crawl(result, out, base_url, root)


def assert_reads_like_its_content_element(crawl: Crawl) -> None:
    figures = crawl.fidelity()
    assert figures
    for url, figure in figures.items():
        assert figure["recall"] >= 0.99 and figure["precision"] >= 0.99, (url, figure)
        assert figure["anchors"] == 1.0, (url, figure)
    for record in crawl.records:
        for phrase in CHROME:
            assert phrase not in record["text"], (phrase, record["url"])


# -- Furo on /en/stable/ without any version menu -------------------------------------------------
@pytest.fixture(scope="module")
def furo(tmp_path_factory):
    return crawl(tmp_path_factory.mktemp("furo"), "sphinx-furo", "/en/stable/")


def test_furo_on_an_alias_path_is_crawled_as_one_version_named_by_the_alias(furo):
    assert furo.result.returncode == 0, furo.result.stderr[-3000:]
    assert "detected Sphinx" in furo.result.stderr and "theme Furo" in furo.result.stderr
    assert "versions on /en/stable/: stable (alias path; its pages state 1.4.2)" in furo.result.stderr
    assert {r["version"] for r in furo.records} == {"stable"}
    assert furo.pages("stable", "/en/stable/") == TIDEWATER_PAGES
    versions = furo.manifest["versions"]
    assert versions["crawled"] == ["stable"] and versions["stated"] == {"stable": "1.4.2"}
    assert furo.manifest["pages_failed"] == 0


def test_furo_views_are_skipped_under_their_rule(furo):
    skipped = furo.manifest["skipped_pages"]
    assert skipped["source_listing"]["urls"] == [furo.base_url + "/en/stable/_modules/tidewater.html"]
    assert not any("/_modules/" in r["url"] or "search" in r["url"] or "genindex" in r["url"]
                   for r in furo.records)


def test_furo_records_read_like_the_article(furo):
    assert_reads_like_its_content_element(furo)
    assert furo.manifest["content_root_fallback"] == {}


@pytest.mark.parametrize("requested", ["stable", "latest"])
@pytest.mark.slow
def test_versions_stable_or_latest_on_an_alias_path(tmp_path, requested):
    result = crawl(tmp_path, "sphinx-furo", "/en/stable/", "--versions", requested)
    assert result.result.returncode == 0, result.result.stderr[-2000:]
    assert result.pages("stable", "/en/stable/") == TIDEWATER_PAGES


@pytest.mark.slow
def test_source_listings_are_kept_on_request(tmp_path):
    result = crawl(tmp_path, "sphinx-furo", "/en/stable/", "--keep-views", "source_listing")
    assert result.result.returncode == 0, result.result.stderr[-2000:]
    assert any(r["url"].split("#")[0].endswith("/_modules/tidewater.html") for r in result.records)
    assert "source_listing" not in result.manifest["skipped_pages"]


# -- pydata and book themes on /en/latest/ ----------------------------------------------------------
@pytest.mark.slow
def test_pydata_on_latest_reads_its_version_switcher(tmp_path):
    """The switcher's JSON (named by the page's theme_switcher_json_url on the public host) is
    asked for on the host being crawled: latest (an alias path, stating 1.4) and 1.3."""
    result = crawl(tmp_path, "sphinx-pydata", "/en/latest/")
    assert result.result.returncode == 0, result.result.stderr[-3000:]
    assert "theme pydata-sphinx-theme" in result.result.stderr
    assert re.search(r"versions on /en/latest/: .*latest \(alias path; its pages state 1\.4\)", result.result.stderr)
    versions = result.manifest["versions"]
    assert set(versions["crawled"]) == {"latest", "1.3"} and versions["stated"] == {"latest": "1.4"}
    assert result.pages("latest", "/en/latest/") == TIDEWATER_PAGES == result.pages("1.3", "/en/1.3/")
    assert "version switcher" in result.manifest["discovery"]["versions"]["1.3"]["found_by"]
    assert_reads_like_its_content_element(result)


@pytest.mark.slow
def test_alabaster_on_a_numbered_path(tmp_path):
    result = crawl(tmp_path, "sphinx-alabaster", "/en/1.4/")
    assert result.result.returncode == 0, result.result.stderr[-3000:]
    assert "theme alabaster" in result.result.stderr and "versions on /en/1.4/: 1.4" in result.result.stderr
    assert result.pages("1.4", "/en/1.4/") == TIDEWATER_PAGES
    assert_reads_like_its_content_element(result)


@pytest.mark.slow
def test_book_theme_on_latest(tmp_path):
    result = crawl(tmp_path, "sphinx-book", "/en/latest/")
    assert result.result.returncode == 0, result.result.stderr[-3000:]
    assert "theme sphinx-book-theme" in result.result.stderr
    assert result.pages("latest", "/en/latest/") == TIDEWATER_PAGES
    assert result.manifest["versions"]["stated"] == {"latest": "1.4"}   # <meta name="docsearch:version">
    assert_reads_like_its_content_element(result)


@pytest.mark.slow
def test_a_profile_root_that_misses_is_a_hint_the_main_text_takes_over(tmp_path):
    profile = (PROJECT / "crawler" / "site" / "sites" / "sphinx.toml").read_text(encoding="utf-8")
    profile = re.sub(r"content_root = \[.*?\]\n", 'content_root = ["div.renamed-by-a-redesign"]\n', profile,
                     flags=re.S)
    path = tmp_path / "renamed.toml"
    path.write_text(profile, encoding="utf-8")
    result = crawl(tmp_path, "sphinx-pydata", "/en/latest/", "--profile", str(path), "--versions", "latest")
    assert result.result.returncode == 0, result.result.stderr[-2000:]
    assert result.pages("latest", "/en/latest/") == TIDEWATER_PAGES
    fallback = result.manifest["content_root_fallback"]["latest"]
    assert fallback["pages"] == len(TIDEWATER_PAGES)
    assert not [f for f in result.manifest["failures"] if f["kind"] == "layout_drift"]
    text = "\n".join(r["text"] for r in result.records)
    assert "Smoothing before removing wakes" in text and "Color mode" not in text


# -- the Read the Docs theme, served as Read the Docs serves it (add-ons, no flyout) -------------------
@pytest.fixture(scope="module")
def rtd(tmp_path_factory):
    return crawl(tmp_path_factory.mktemp("rtd"), "sphinx-rtd", "/en/stable/", hosting="rtd")


def test_the_addons_api_lists_the_versions_and_stable_is_not_crawled_twice(rtd):
    assert rtd.result.returncode == 0, rtd.result.stderr[-3000:]
    assert "versions on /en/stable/: 1.4 (also stable), 1.3" in rtd.result.stderr
    versions = rtd.manifest["versions"]
    assert set(versions["crawled"]) == {"1.3", "1.4"} and versions["latest"] == "1.4"
    assert versions["aliases"] == {"stable": "1.4"}
    assert rtd.pages("1.4", "/en/1.4/") == TIDEWATER_PAGES == rtd.pages("1.3", "/en/1.3/")
    assert not any("/en/stable/" in r["url"] for r in rtd.records)
    assert "Read the Docs add-ons" in rtd.manifest["discovery"]["versions"]["1.3"]["found_by"]


def test_each_version_has_its_own_text(rtd):
    def text(version: str) -> str:
        return "\n".join(r["text"] for r in rtd.records if r["version"] == version)
    assert "## Silent gauges" in text("1.4") and "Silent gauges" not in text("1.3")
    assert "max_jump_mm=120" in text("1.3") and "max_jump_mm" not in text("1.4")


def test_rtd_records_read_like_the_article_body(rtd):
    assert_reads_like_its_content_element(rtd)


@pytest.mark.slow
def test_versions_stable_names_the_release_it_stands_for(tmp_path):
    result = crawl(tmp_path, "sphinx-rtd", "/en/stable/", "--versions", "stable", hosting="rtd")
    assert result.result.returncode == 0, result.result.stderr[-2000:]
    assert {r["version"] for r in result.records} == {"1.4"}


@pytest.mark.slow
def test_without_the_addons_api_the_alias_path_is_one_version(tmp_path):
    result = crawl(tmp_path, "sphinx-rtd", "/en/stable/", hosting="rtd-no-addons")
    assert result.result.returncode == 0, result.result.stderr[-2000:]
    assert {r["version"] for r in result.records} == {"stable"}
    assert result.pages("stable", "/en/stable/") == TIDEWATER_PAGES
    assert result.manifest["versions"]["stated"] == {"stable": "1.4.2"}


# -- MkDocs with its readthedocs theme ------------------------------------------------------------------
@pytest.mark.slow
def test_mkdocs_readthedocs_theme_by_url(tmp_path):
    result = crawl(tmp_path, "mkdocs-readthedocs", "/")
    assert result.result.returncode == 0, result.result.stderr[-3000:]
    assert "detected MkDocs" in result.result.stderr
    assert result.pages("latest", "") == {"/", "/setup/", "/usage/commands/", "/usage/job-files/"}
    assert_reads_like_its_content_element(result)
    text = "\n".join(r["text"] for r in result.records)
    assert "**Note:** Kelpie refuses to start" in text or "Kelpie refuses to start" in text


# -- mike below the host's root: versions.json a level up ------------------------------------------
@pytest.mark.slow
def test_mike_below_the_root_reads_versions_json_a_level_up(tmp_path):
    """tests/sites/ served whole: the MkDocs Material + mike build lives under /mkdocs/, its
    versions.json at /mkdocs/versions.json (one level above /mkdocs/1.1/)."""
    out = tmp_path / "mike.jsonl"
    with serve_directory(SITES) as base_url:
        result = run_docprompts("crawl", base_url + "/mkdocs/1.1/getting-started/", "--out", str(out),
                                "--workers", "0")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "versions listed in /mkdocs/versions.json" in result.stderr
    manifest = read_manifest(out)
    assert set(manifest["versions"]["crawled"]) == {"1.0", "1.1"} and manifest["versions"]["aliases"] == {"latest": "1.1"}
    records = read_records(out)
    assert records and all(r["url"].startswith(base_url + f"/mkdocs/{r['version']}/") for r in records)
    assert {r["url"].split("#")[0] for r in records if r["version"] == "1.1"} >= {
        base_url + "/mkdocs/1.1/getting-started/", base_url + "/mkdocs/1.1/webhooks/"}


@pytest.mark.slow
def test_an_incremental_run_still_names_its_views_and_fallbacks(tmp_path):
    """With --state, unchanged pages are replayed, not processed: the views they were and the
    pages read without a profile root are still in the second run's manifest."""
    profile = (PROJECT / "crawler" / "site" / "sites" / "sphinx.toml").read_text(encoding="utf-8")
    profile = re.sub(r"content_root = \[.*?\]\n", 'content_root = ["div.renamed-by-a-redesign"]\n', profile,
                     flags=re.S)
    path = tmp_path / "renamed.toml"
    path.write_text(profile, encoding="utf-8")
    manifests = []
    with serve_directory(SITES / "sphinx-furo") as base_url:
        for run in ("first", "second"):
            out = tmp_path / run / "docs.jsonl"
            out.parent.mkdir()
            result = run_docprompts("crawl", base_url + "/en/stable/", "--profile", str(path), "--out", str(out),
                                    "--state", str(tmp_path / "state"), "--workers", "0")
            assert result.returncode == 0, result.stderr[-2000:]
            manifests.append(read_manifest(out))
    first, second = manifests
    assert second["delta"]["unchanged"] == first["records"] > 0 and second["delta"]["new"] == 0
    assert second["skipped_pages"] == first["skipped_pages"] and "source_listing" in second["skipped_pages"]
    assert second["content_root_fallback"] == first["content_root_fallback"]
    assert first["content_root_fallback"]["stable"]["pages"] == len(TIDEWATER_PAGES)


@pytest.mark.slow
def test_a_site_that_marks_every_page_noindex_says_so_and_can_be_read(tmp_path):
    """A staging copy: every page carries <meta name="robots" content="noindex">. The crawl
    skips them as views and says so (exit 1, not silence); --keep-views noindex reads them."""
    site = tmp_path / "staging"
    for page in (SITES / "sphinx-furo").rglob("*"):
        target = site / page.relative_to(SITES / "sphinx-furo")
        if page.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        elif page.suffix == ".html":
            target.write_text(page.read_text(encoding="utf-8").replace(
                "<head>", '<head><meta name="robots" content="noindex, nofollow">', 1), encoding="utf-8")
        else:
            target.write_bytes(page.read_bytes())
    with serve_directory(site) as base_url:
        skipped = run_docprompts("crawl", base_url + "/en/stable/", "--out", str(tmp_path / "a.jsonl"), "--workers", "0")
        kept = run_docprompts("crawl", base_url + "/en/stable/", "--out", str(tmp_path / "b.jsonl"), "--workers", "0",
                              "--keep-views", "noindex")
        unknown = run_docprompts("crawl", base_url + "/en/stable/", "--out", str(tmp_path / "c.jsonl"),
                                 "--keep-views", "noindx")
    assert skipped.returncode == 1
    assert "skipped as views (noindex" in skipped.stderr and "--keep-views RULE" in skipped.stderr
    assert kept.returncode == 0, kept.stderr[-2000:]
    assert {r["url"].split("#")[0].rsplit("/", 1)[1] for r in read_records(tmp_path / "b.jsonl")} >= {
        "install.html", "filters.html"}
    assert unknown.returncode == 2 and "unknown rule(s) noindx" in unknown.stderr and "Traceback" not in unknown.stderr

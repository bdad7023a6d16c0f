"""sitemap.xml as one more source of pages (read with Scrapy's sitemap parser): a page only the
sitemap names is crawled, and an in-scope sitemap URL the crawl never reached is listed in the
manifest. On a copy of the MkDocs + mike fixture (mike writes one sitemap per version)."""
from __future__ import annotations

import shutil

import pytest

from crawler.demo import serve_directory

from ..conftest import PROJECT, read_manifest, read_records, run_docprompts

pytestmark = pytest.mark.slow   # four crawls, each of its own copy of the site

MKDOCS = PROJECT / "tests" / "sites" / "mkdocs"


def test_sitemap_pages_are_crawled_and_the_unreached_listed(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(MKDOCS, site)
    # A page linked from nowhere but the sitemap (a real generated page, under a new folder),
    # and a sitemap entry whose page is gone.
    shutil.copytree(site / "1.1" / "routing", site / "1.1" / "orphan")
    # A page of its own, not a byte-identical second path to routing/ (read once: a duplicate view).
    orphan = site / "1.1" / "orphan" / "index.html"
    orphan.write_text(orphan.read_text(encoding="utf-8").replace("<title>", "<title>Orphan: ", 1), encoding="utf-8")
    sitemap = site / "1.1" / "sitemap.xml"
    extra = "".join(f"    <url>\n         <loc>https://relay.streamlet.example/1.1/{name}/</loc>\n    </url>\n"
                    for name in ("orphan", "gone"))
    sitemap.write_text(sitemap.read_text().replace("</urlset>", extra + "</urlset>"))
    out = tmp_path / "out.jsonl"
    with serve_directory(site) as base_url:
        result = run_docprompts("crawl", "mkdocs", "--base-url", base_url, "--out", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    records, manifest = read_records(out), read_manifest(out)
    assert any(r["fetched_url"].endswith("/1.1/orphan/") for r in records)
    discovery = manifest["discovery"]
    assert discovery["sitemap_unreached"] == ["/1.1/gone/"]
    assert discovery["sitemap_pages"] == 11   # 4 + 5 generated pages, the orphan, the gone one
    assert "sitemap" in discovery["versions"]["1.1"]["found_by"]
    assert {"path": "/1.1/gone/", "reason": "broken link (HTTP 404)"} in \
        discovery["versions"]["1.1"]["linked_not_fetched"]


def root_sitemap(site, paths: list[str]) -> None:
    """A root sitemap.xml (the crawler reads /sitemap.xml) naming these pages."""
    entries = "".join(f"<url><loc>https://relay.streamlet.example{path}</loc></url>" for path in paths)
    (site / "sitemap.xml").write_text('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns='
                                      f'"http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>\n')


def test_a_version_only_a_sitemap_names_is_crawled(tmp_path):
    """0.9: a real build of the site's pages published under /0.9/, absent from versions.json;
    only the root sitemap names it. It was listed as found by the sitemap and never fetched."""
    site = tmp_path / "site"
    shutil.copytree(MKDOCS, site)
    shutil.copytree(site / "1.0", site / "0.9")
    root_sitemap(site, ["/0.9/", "/0.9/configuration/", "/0.9/routing/"])
    out = tmp_path / "out.jsonl"
    with serve_directory(site) as base_url:
        result = run_docprompts("crawl", "mkdocs", "--base-url", base_url, "--out", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    records, manifest = read_records(out), read_manifest(out)
    old = [r for r in records if r["version"] == "0.9"]
    assert {r["fetched_url"].split("#")[0].removeprefix(base_url) for r in old} >= \
        {"/0.9/", "/0.9/configuration/", "/0.9/routing/"}
    book = manifest["discovery"]["versions"]["0.9"]
    assert book["found_by"] == ["sitemap"] and book["requested"] and book["records"] == len(old)
    assert manifest["discovery"]["found_not_crawled"] == []


def test_a_sitemap_only_version_with_no_page_left_exits_1_and_is_named(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(MKDOCS, site)
    root_sitemap(site, ["/0.8/", "/0.8/configuration/"])   # pages long removed from the server
    out = tmp_path / "out.jsonl"
    with serve_directory(site) as base_url:
        result = run_docprompts("crawl", "mkdocs", "--base-url", base_url, "--out", str(out))
    assert result.returncode == 1, result.stderr[-3000:]
    assert "version(s) found and requested yielded no records: 0.8" in result.stderr
    assert read_manifest(out)["discovery"]["empty_versions"] == ["0.8"]


def test_a_sitemap_named_only_by_robots_txt_is_read(tmp_path):
    """robots.txt's Sitemap: line is the only way to this sitemap (not at /sitemap.xml): read
    from the robots.txt Scrapy fetches to obey it, so the version it names is crawled."""
    site = tmp_path / "site"
    shutil.copytree(MKDOCS, site)
    shutil.copytree(site / "1.0", site / "0.9")
    root_sitemap(site, ["/0.9/", "/0.9/configuration/", "/0.9/routing/"])
    (site / "maps").mkdir()
    (site / "sitemap.xml").rename(site / "maps" / "pages.xml")
    (site / "robots.txt").write_text("User-agent: *\nAllow: /\n\nSitemap: /maps/pages.xml\n")
    out = tmp_path / "out.jsonl"
    with serve_directory(site) as base_url:
        result = run_docprompts("crawl", "mkdocs", "--base-url", base_url, "--out", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    records, manifest = read_records(out), read_manifest(out)
    assert {r["version"] for r in records} >= {"0.9", "1.0", "1.1"}
    assert manifest["discovery"]["versions"]["0.9"]["found_by"] == ["sitemap"]

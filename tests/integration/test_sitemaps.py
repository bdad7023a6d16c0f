"""sitemap.xml as one more source of pages (read with Scrapy's sitemap parser): a page only the
sitemap names is crawled, and an in-scope sitemap URL the crawl never reached is listed in the
manifest. On a copy of the MkDocs + mike fixture (mike writes one sitemap per version)."""
from __future__ import annotations

import shutil

from crawler.demo import serve_directory

from ..conftest import PROJECT, read_manifest, read_records, run_docprompts

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

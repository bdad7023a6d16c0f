"""crawler.site.discovery on real markup: today's kafka.apache.org pages in ../shared/kafka-site-hugo
(skipped when absent), the project's fixture sites (built from the real published shell and by
the real MkDocs), and the real minified redirect script."""
from __future__ import annotations

from pathlib import Path

import pytest

from crawler.site.discovery import (
    canonical_url,
    discover,
    is_redirect_stub,
    page_links,
    parse_redirect_script,
    parse_versions_json,
    redirect_stub,
    sitemap_entries,
)
from crawler.site.hooks import hooks_for
from crawler.site.sites import KAFKA

from ...conftest import PROJECT, SHARED
from ..helpers import parse
from .test_kafka_site import REAL_STUB_SCRIPT

HUGO = SHARED / "kafka-site-hugo"
SITES = PROJECT / "tests" / "sites"
needs_hugo_mirror = pytest.mark.skipif(not HUGO.is_dir(), reason="../shared/kafka-site-hugo is absent")


def page(path: Path):
    return parse(path.read_text(encoding="utf-8"))


# -- the redirect script ----------------------------------------------------------------------------
def test_the_real_minified_script_is_read_with_its_fallback_rules():
    script = parse_redirect_script(REAL_STUB_SCRIPT)
    assert script.version == "41"
    assert script.anchors == {"uses": "getting-started/uses", "producerapi": "apis/#producer-api"}
    assert script.anchor_targets() == {"uses": "/41/getting-started/uses", "producerapi": "/41/apis/#producer-api"}
    # Anything else goes to the introduction; a legacy Streams URL to the new Streams page.
    assert script.target_for("/41/documentation.html") == "/41/getting-started/introduction"
    assert script.target_for("/41/documentation/streams/tutorial") == "/41/streams/tutorial"
    assert script.target_for("/41/documentation/streams/core-concepts.html") == "/41/streams/core-concepts"
    # An unversioned legacy URL gets the version (the script tests for the latest release).
    assert script.target_for("/documentation/streams/quickstart.html") == "/41/streams/quickstart"


def test_other_scripts_are_not_redirect_maps():
    assert parse_redirect_script('document.addEventListener("DOMContentLoaded",function(){})') is None
    assert parse_redirect_script("var t = 1; window.location.replace(next);") is None


def test_a_meta_refresh_page_is_a_stub_and_a_page_with_text_is_not():
    refresh = parse('<html><head><meta http-equiv="refresh" content="0; url=../latest/"></head>'
                    '<body><p>Redirecting to <a href="../latest/">latest</a>...</p></body></html>')
    assert redirect_stub(refresh, "/en/stable/") == ({}, "/en/latest/")
    words = " ".join(["word"] * 60)
    page_with_script = parse(f"<html><body><script>window.location.href = '/x/';</script><p>{words}</p></body></html>")
    assert not is_redirect_stub(page_with_script)


# -- the fixture site, generated from the real published shell ---------------------------------------
def test_fixture_stub_map_links_and_version_menu():
    doc = page(SITES / "kafka-hugo" / "40" / "documentation" / "streams" / "developer-guide" / "index.html")
    evidence = discover(doc, "http://127.0.0.1:1/40/documentation/streams/developer-guide/index.html",
                        hooks_for(KAFKA).version_links)
    assert evidence.is_redirect_stub
    assert evidence.redirect_target == "/40/streams/developer-guide/"
    assert evidence.redirects["remote_metrics"] == "/40/operations/monitoring/#exposing-metrics-remotely"
    assert evidence.version_links == {"41": "4.1", "40": "4.0"}        # the Releases menu
    assert evidence.canonical_url == "https://kafka.apache.org/40/documentation/streams/developer-guide/"


def test_fixture_content_page_lists_its_whole_version_through_the_hidden_sidebar():
    doc = page(SITES / "kafka-hugo" / "41" / "getting-started" / "uses" / "index.html")
    assert not is_redirect_stub(doc, "/41/getting-started/uses/")
    links = set(page_links(doc))
    assert doc.cssselect("div#td-sidebar-menu.d-none nav#td-section-nav")   # hidden until its script runs
    assert {"/41/operations/tiered-storage/", "/41/streams/developer-guide/config-streams/"} <= links


# -- real published pages -----------------------------------------------------------------------------
@needs_hugo_mirror
def test_real_version_stub_and_its_fallback():
    doc = page(HUGO / "41" / "documentation.html")
    anchors, target = redirect_stub(doc, "/41/documentation.html")
    assert len(anchors) == 76 and target == "/41/getting-started/introduction"
    assert anchors["compaction"] == "/41/design/design/#log-compaction"
    assert anchors["security_ssl"] == "/41/security/encryption-and-authentication-using-ssl/"


@needs_hugo_mirror
def test_real_streams_stub_sends_to_the_new_streams_page():
    doc = page(HUGO / "41" / "documentation" / "streams" / "developer-guide" / "dsl-api" / "index.html")
    _, target = redirect_stub(doc, "/41/documentation/streams/developer-guide/dsl-api/index.html")
    assert target == "/41/streams/developer-guide/dsl-api/"


@needs_hugo_mirror
def test_real_unversioned_stub_is_the_latest_release():
    doc = page(HUGO / "documentation.html")
    evidence = discover(doc, "http://127.0.0.1:1/documentation.html", hooks_for(KAFKA).version_links)
    assert evidence.is_redirect_stub and evidence.redirect_target == "/42/getting-started/introduction"
    assert hooks_for(KAFKA).entry_version(doc) == "42"
    assert len(evidence.version_links) == 33 and evidence.version_links["0102"] == "0.10.2"


@needs_hugo_mirror
def test_real_content_page_evidence():
    doc = page(HUGO / "41" / "getting-started" / "uses" / "index.html")
    evidence = discover(doc, "http://127.0.0.1:1/41/getting-started/uses/", hooks_for(KAFKA).version_links)
    assert not evidence.is_redirect_stub and not evidence.redirects
    assert evidence.canonical_url == "https://kafka.apache.org/41/getting-started/uses/"
    sidebar = {a.get("href") for a in doc.cssselect("nav#td-section-nav a")}
    assert len(sidebar) > 70 and sidebar <= set(evidence.links)
    assert "/41/configuration/broker-configs/" in sidebar   # pages no content link reaches


@needs_hugo_mirror
def test_real_section_index_lists_the_children():
    doc = page(HUGO / "41" / "index.html")
    children = [a.get("href") for a in doc.cssselect("div.section-index div.entry h5 a")]
    assert children[:2] == ["/41/getting-started/", "/41/apis/"] and set(children) <= set(page_links(doc))


# -- sitemaps and version lists -------------------------------------------------------------------------
def test_a_real_mkdocs_sitemap():
    kind, urls = sitemap_entries((SITES / "mkdocs" / "1.1" / "sitemap.xml").read_bytes())
    assert kind == "urlset" and "https://relay.streamlet.example/1.1/webhooks/" in urls and len(urls) == 5


def test_not_a_sitemap():
    assert sitemap_entries(b"<html><body><h1>It works!</h1></body></html>") == ("", [])
    assert sitemap_entries(b"") == ("", [])


def test_versions_json_as_mike_writes_it():
    entries, error = parse_versions_json((SITES / "mkdocs" / "versions.json").read_text())
    assert error is None and entries["1.1"] == ["latest"] and entries["1.0"] == []
    assert parse_versions_json("<html>")[1]


def test_canonical_url_prefers_rel_canonical():
    doc = parse('<html><head><meta property="og:url" content="https://a.example/x/">'
                '<link rel="canonical" href="https://a.example/x/index.html#top"></head><body></body></html>')
    assert canonical_url(doc) == "https://a.example/x/index.html"


def test_the_unminified_shortcode_source_reads_the_same():
    """kafka-site's layouts/shortcodes/doc-redirect.html (map shortened), rendered for 3.7 as an
    unminified build would publish it."""
    source = (PROJECT / "tests" / "unit" / "fixtures" / "kafka_doc_redirect_shortcode.html").read_text()
    rendered = (source.replace('{{ if ne .Page.Section "documentation" }}{{ .Page.Section }}{{ else }}'
                               '{{ .Site.Params.latest_version }}{{ end }}', "37")
                .replace("{{ .Site.Params.latest_version }}", "41"))
    doc = parse(f"<html><body><main>{rendered}</main></body></html>")
    anchors, target = redirect_stub(doc, "/37/documentation/streams/developer-guide/index.html")
    assert anchors == {"gettingStarted": "/37/getting-started", "uses": "/37/getting-started/uses",
                       "design": "/37/design/design/", "compaction": "/37/design/design/#log-compaction",
                       "streams": "/37/streams"}
    assert target == "/37/streams/developer-guide/"
    assert redirect_stub(doc, "/37/documentation.html")[1] == "/37/getting-started/introduction"


# -- version links ------------------------------------------------------------------------------------
LINK_KINDS = ["/28/documentation.html", "/29/documentation.html#streams", "http://docs.test/30/documentation.html",
              "https://docs.test/31/documentation.html", "//docs.test/32/documentation.html", "#anchor", "",
              "../33/documentation.html", "34/documentation.html", "?page=2", "http://other.test/35/documentation.html",
              "/36/./../37/documentation.html", "http:/38/documentation.html", "//", "http://"]


@pytest.mark.parametrize("page_url", ["http://docs.test/27/documentation.html", "http://docs.test/27/",
                                      "https://docs.test/40/documentation/streams/index.html", "http://docs.test"])
def test_version_links_resolve_every_kind_of_href_as_urljoin_does(page_url):
    from urllib.parse import urljoin, urlsplit

    from crawler.site.discovery import version_links

    def slug_of_url(url):
        first = urlsplit(url).path.lstrip("/").split("/")[0]
        return first if first.isdigit() else None

    doc = parse("<html><body>" + "".join(f'<a href="{href}">v{number}</a>' for number, href in enumerate(LINK_KINDS))
                + "</body></html>")
    expected = {}
    for number, href in enumerate(LINK_KINDS):   # each link joined to the page URL, as a browser does
        url = urljoin(page_url, href)
        if urlsplit(url).hostname == "docs.test" and slug_of_url(url):
            expected.setdefault(slug_of_url(url), f"v{number}")
    found = version_links(doc, page_url, ["a"], slug_of_url, lambda label, slug: label)
    assert found == expected and list(found) == list(expected)
    assert {"28", "30", "31", "37"} <= set(found)

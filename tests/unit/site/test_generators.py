"""Generator-aware reading of real generated pages (tests/sites/*): detection, Docusaurus
boilerplate, tabs and admonitions, versions as the menu names them, canonical URLs, template
warnings, trafilatura's main-text root and the layout-drift share. Issue 11's "Why" points are
named in the test names (why1 ... why9)."""
from __future__ import annotations

import re

import pytest

from compress.budget import Budget
from compress.tokenizer import TokenCounter
from crawler.site.detect import GENERIC_PROFILE, detect_generator
from crawler.page.maintext import main_text, main_text_root, main_text_share
from crawler.page.process import PageInfo, StageClock, convert_content, parse_html, process_page, profile_root
from crawler.site.profiles import ProfileError, profile_from_dict
from crawler.page.render import unrendered_placeholders
from crawler.site.sites import load_site
from crawler.page.clean import text_of
from crawler.site.versionmenu import UNVERSIONED, menu_links, menu_slugs, slug_of_path, version_name
from crawler.page.widgets import rewrite_widgets

from ...conftest import PROJECT
from ..helpers import body_of

SITES = PROJECT / "tests" / "sites"
DOCUSAURUS = SITES / "docusaurus"
DOCUSAURUS_PROFILE = load_site("docusaurus")


def page(path: str) -> str:
    return (SITES / path).read_text(encoding="utf-8")


def records_of(path: str, profile_name: str = "docusaurus", public_url: str | None = None,
               check_layout: bool = False):
    profile = load_site(profile_name)
    url_path = "/" + path.split("/", 1)[1].removesuffix("index.html")
    info = PageInfo(profile.name, profile.source, "2.0", "", True, url_path,
                    public_url or "https://docs.example.org" + url_path,
                    "http://127.0.0.1:1" + url_path, check_layout=check_layout)
    return process_page(page(path), info, profile, list(profile.page_kinds), Budget(),
                        TokenCounter("cl100k_base"), "2025-01-01T00:00:00+00:00")


# -- detection --------------------------------------------------------------------------------------
@pytest.mark.parametrize("path, generator, profile", [
    ("docusaurus/docs/getting-started/index.html", "Docusaurus", "docusaurus"),
    ("docusaurus/docs/1.4/ci/index.html", "Docusaurus", "docusaurus"),
    ("mkdocs/1.1/getting-started/index.html", "MkDocs", "mkdocs"),
    ("sphinx/en/2.1/quickstart.html", "Sphinx", "sphinx"),
    ("kafka-hugo/41/getting-started/introduction/index.html", "Hugo (Docsy)", "docsy"),
])
def test_detects_the_generator_of_real_generated_pages(path, generator, profile):
    detection = detect_generator(page(path))
    assert (detection.generator, detection.profile) == (generator, profile)
    assert detection.evidence


def test_detects_generators_by_their_meta_tag_and_falls_back_for_unknown_pages():
    def meta(content: str) -> str:
        return f'<html><head><meta name="generator" content="{content}"></head><body><p>x</p></body></html>'

    assert detect_generator(meta("VitePress v1.6.3")).generator == "VitePress"
    assert detect_generator(meta("Jekyll v4.3.2")).generator == "Jekyll"
    assert detect_generator(meta("Hugo 0.147.0")).generator == "Hugo"
    assert detect_generator(meta("Docusaurus v2.4.3")).version == "v2.4.3"
    unknown = detect_generator("<html><body><main><p>Plain page.</p></main></body></html>")
    assert unknown.profile == GENERIC_PROFILE and not unknown.known


def test_detects_read_the_docs_by_its_flyout_without_sphinx_files():
    html = '<html><body><div role="main"><p>x</p></div><readthedocs-flyout></readthedocs-flyout></body></html>'
    assert detect_generator(html).profile == "sphinx"


# -- why 4: Docusaurus boilerplate --------------------------------------------------------------------
BOILERPLATE = ["Edit this page", "Last updated", "Version: 1.4", "On this page", "Previous",
               "Direct link to", "no longer actively maintained", "latest version", "Ines Okafor",
               "Skip to main content", "Operations", "Built with Docusaurus", "\u200b"]


@pytest.mark.parametrize("path", ["docusaurus/docs/1.4/configuration/index.html",
                                  "docusaurus/docs/next/getting-started/index.html",
                                  "docusaurus/docs/operations/upgrading/index.html"])
def test_why4_docusaurus_profile_drops_every_piece_of_boilerplate(path):
    result = records_of(path)
    text = "\n".join(record.text for record in result.records)
    for phrase in BOILERPLATE:
        assert phrase not in text, phrase
    assert result.coverage >= 0.99
    assert result.records[0].title in ("Configuration", "Getting started", "Upgrading Streamlet")


# -- why 8: tabs and admonitions ----------------------------------------------------------------------
def test_why8_docusaurus_tabs_become_labelled_blocks():
    text = "\n\n".join(record.text for record in records_of("docusaurus/docs/getting-started/index.html").records)
    helm, kubectl, kustomize = (text.index(f"**{label}**\n\n```") for label in ("Helm", "kubectl", "Kustomize"))
    assert helm < text.index("helm repo add") < kubectl < text.index("kubectl apply") < kustomize
    assert "Helm kubectl Kustomize" not in text


def test_why8_admonitions_keep_their_title():
    text = "\n\n".join(record.text for record in records_of("docusaurus/docs/configuration/index.html").records)
    assert "**Storage class changes:** Changing `storageClass` of an existing pool" in text
    assert "**Note:** Listener names are limited" in text
    tip = "\n\n".join(r.text for r in records_of("docusaurus/docs/getting-started/index.html").records)
    assert "**Tip:** Run `kubectl get streamletclusters -w`" in tip


def test_mkdocs_material_tabs_and_sphinx_admonitions_are_labelled_too():
    root = body_of('<div class="tabbed-set"><input id="a" type="radio"><input id="b" type="radio">'
                   '<div class="tabbed-labels"><label for="a">pip</label><label for="b">Docker</label></div>'
                   '<div class="tabbed-content"><div class="tabbed-block"><pre>pip install x</pre></div>'
                   '<div class="tabbed-block"><pre>docker run x</pre></div></div></div>'
                   '<div class="admonition warning"><p class="admonition-title">Warning</p><p>Hot.</p></div>')
    rewrite_widgets(root)
    text = " ".join(text_of(root).split())
    assert text == "pip pip install x Docker docker run x Warning: Hot."
    assert [strong.text for strong in root.iter("strong")] == ["pip", "Docker", "Warning:"]


def test_mkdocs_fixture_tabs_are_labelled():
    result = records_of("mkdocs/1.1/getting-started/index.html", "mkdocs")
    text = "\n\n".join(record.text for record in result.records)
    assert re.search(r"\*\*pip\*\*\n\n```\w*\npython3 -m pip install", text)
    assert "**Docker**\n\n```" in text


# -- why 7: template warnings ----------------------------------------------------------------------
def test_why7_no_template_warning_for_braces_inside_code():
    result = records_of("docusaurus/docs/ci/index.html")
    assert "${{ steps.cpu-cores.outputs.count }}" in "\n".join(record.text for record in result.records)
    assert result.unrendered == []
    assert unrendered_placeholders("Set {{ version }} here.\n\n```yaml\na: ${{ b }}\n```") == ["{{ version }}"]
    assert unrendered_placeholders("Use `{{ name }}` literally.") == []


# -- why 6: canonical URLs ---------------------------------------------------------------------------
def test_why6_record_urls_follow_the_pages_canonical_form_not_the_redirects_slash():
    result = records_of("docusaurus/docs/1.4/ci/index.html", public_url="http://docs.example.org/docs/1.4/ci/")
    urls = {record.url.split("#")[0] for record in result.records}
    assert urls == {"http://docs.example.org/docs/1.4/ci"}
    assert result.public_url == "http://docs.example.org/docs/1.4/ci"
    # A canonical naming another page is not followed (it would rename this one).
    html = page("docusaurus/docs/1.4/ci/index.html").replace(
        'rel="canonical" href="https://operator.streamlet.example/docs/1.4/ci"',
        'rel="canonical" href="https://operator.streamlet.example/docs/ci"').replace(
        'content="https://operator.streamlet.example/docs/1.4/ci"', 'content="https://x.example/docs/ci"')
    profile = DOCUSAURUS_PROFILE
    info = PageInfo("docusaurus", "d", "1.4", "1.4", False, "/docs/1.4/ci/", "http://h/docs/1.4/ci/", "http://h/docs/1.4/ci/")
    other = process_page(html, info, profile, list(profile.page_kinds), Budget(), TokenCounter("cl100k_base"), "t")
    assert other.public_url == "http://h/docs/1.4/ci/"


# -- why 1, 2: versions as the menu names them ---------------------------------------------------------
def test_why1_why2_unversioned_newest_release_is_found_and_named_by_its_label():
    rules = DOCUSAURUS_PROFILE.versions
    for path in ("docs/getting-started/index.html", "docs/1.4/getting-started/index.html",
                 "docs/next/ci/index.html"):
        url = "http://127.0.0.1:9/" + path.removesuffix("index.html")
        found = menu_slugs(menu_links(parse_html(page("docusaurus/" + path)), url, rules), rules)
        assert found == {"next": "Next", UNVERSIONED: "2.0", "1.4": "1.4"}
    known = {"next", "1.4"}
    assert slug_of_path("/docs/getting-started", rules, known) == UNVERSIONED
    assert slug_of_path("/docs/operations/upgrading", rules, known) == UNVERSIONED
    assert slug_of_path("/docs/1.4/operations/upgrading", rules, known) == "1.4"
    assert slug_of_path("/docs/next/ci", rules, known) == "next"
    assert version_name(UNVERSIONED, "2.0", rules, str) == "2.0"
    # Custom labels: the slug reads like the label, or the same page sits beside it.
    links = [("v3.x (current)", "/docs/intro"), ("v2.x", "/docs/2.x/intro"), ("Canary", "/docs/canary/setup"),
             ("All versions", "/versions")]
    assert menu_slugs(links, rules) == {UNVERSIONED: "v3.x (current)", "2.x": "v2.x", "canary": "Canary"}


def test_profile_language_validates_the_new_keys():
    base = {"name": "s", "source": "s", "entry": "/", "versions": {"url_pattern": "^/(?P<slug>[^/]+)/"},
            "pages": [{"name": "p", "path": "^/(?P<slug>.*)$", "content_fallback": "main-text"}]}
    profile = profile_from_dict({**base, "versions": {**base["versions"], "unversioned": True,
                                                      "named_by": "label", "prerelease": ["Next"], "seeds": []}})
    assert profile.versions.unversioned and profile.versions.named_by == "label"
    assert profile.versions.prerelease == ("next",) and profile.versions.seeds == ()
    assert profile.page_kinds[0].content_fallback == "main-text" and profile.page_kinds[0].content_roots == ()
    with pytest.raises(ProfileError, match="named_by"):
        profile_from_dict({**base, "versions": {**base["versions"], "named_by": "title"}})
    with pytest.raises(ProfileError, match="unversioned"):
        profile_from_dict({**base, "versions": {**base["versions"], "unversioned": "yes"}})


# -- trafilatura: main-text root (generic profile) and layout drift ------------------------------------
def test_generic_profile_reads_the_element_holding_trafilaturas_main_text():
    html = page("docusaurus/docs/configuration/index.html")
    doc = parse_html(html)
    root = main_text_root(doc, main_text(html))
    text = text_of(root)
    assert "Brokers are grouped in pools" in text and "Listener names are limited" in text
    assert "Docs sidebar" not in text and "Copyright" not in text and "Streamlet OperatorDocs" not in text
    result = records_of("docusaurus/docs/configuration/index.html", "generic")
    joined = "\n\n".join(record.text for record in result.records)
    assert "| `brokers.pools[].count` | `3` | Number of brokers in the pool. |" in joined
    assert {"broker-pools", "listeners"} <= {anchor for r in result.records for anchor in r.anchors}
    assert "Edit this page" not in joined and "Next\n" not in joined


def test_layout_share_is_high_for_the_right_root_and_drops_for_a_wrong_selector():
    good = records_of("docusaurus/docs/configuration/index.html", check_layout=True)
    assert good.layout_share >= 0.9
    html = page("docusaurus/docs/configuration/index.html")
    reference = main_text(html)
    doc = parse_html(html)
    wrong_kind = profile_from_dict({"name": "x", "source": "x", "entry": "/", "versions": {"url_pattern": "^/(?P<slug>x)/"},
                                    "pages": [{"name": "p", "path": "^/(?P<slug>.*)$", "content_root": "footer.theme-doc-footer"}]}).page_kinds[0]
    _, wrong_text, _ = convert_content(doc, profile_root(doc, wrong_kind), wrong_kind, StageClock())
    assert main_text_share(reference, wrong_text) < 0.2


def test_why1_an_optional_slug_group_means_the_release_at_the_unversioned_path():
    """The natural profile a user writes: an optional slug group. Its unversioned pages used
    to be skipped without a word; now they are the newest release, named by the menu."""
    natural = {"name": "s", "source": "s", "entry": "/docs/getting-started",
               "versions": {"url_pattern": r"^/docs/(?:(?P<slug>\d+\.\d+|next)/)?",
                            "links": ["ul.dropdown__menu a.dropdown__link"]},
               "pages": [{"name": "p", "path": r"^/docs/(?:(?P<slug>\d+\.\d+|next)/)?[^?#]*$",
                          "content_root": "div.theme-doc-markdown"}]}
    profile = profile_from_dict(natural)
    assert profile.versions.unversioned
    assert not profile_from_dict({**natural, "versions": {**natural["versions"], "unversioned": False}}).versions.unversioned
    assert not load_site("sphinx").versions.unversioned and not load_site("kafka").versions.unversioned
    from crawler.site.hooks import hooks_for
    doc = parse_html(page("docusaurus/docs/getting-started/index.html"))
    assert hooks_for(profile).version_links(doc, "http://h/docs/getting-started") == \
        {"next": "next", UNVERSIONED: "2.0", "1.4": "1.4"}
    assert slug_of_path("/docs/operations/backups", profile.versions, {"next", "1.4"}) == UNVERSIONED


def test_docusaurus_v2_admonition_heading_is_a_title_not_a_section():
    # Docusaurus 2.0's compiled MDX emits this (div.admonition > div.admonition-heading > h5 with
    # span.admonition-icon, then div.admonition-content), as published sites' bundles show.
    root = body_of('<div class="admonition admonition-note alert alert--secondary">'
                   '<div class="admonition-heading"><h5><span class="admonition-icon"><svg></svg></span>note</h5></div>'
                   '<div class="admonition-content"><p>Listener names are short.</p></div></div>')
    rewrite_widgets(root)
    assert root.xpath(".//h5") == []
    assert " ".join(text_of(root).split()) == "Note: Listener names are short."

"""Versions of a site without a version menu, from real pages and the add-ons API's answer as
tests/sites/ holds them (Sphinx builds with Furo, pydata, the Read the Docs theme)."""
from __future__ import annotations

import re

from lxml import html as lxml_html

from crawler.site import versionsources

from ...conftest import PROJECT

SITES = PROJECT / "tests" / "sites"


def page(path: str):
    return lxml_html.document_fromstring((SITES / path).read_text(encoding="utf-8"))


def test_the_addons_answer_lists_the_releases_and_what_stable_stands_for():
    host = versionsources.addons_versions((SITES / "sphinx-rtd" / "_addons.json").read_text(encoding="utf-8"))
    assert host.versions == {"1.4": "1.4", "1.3": "1.3"}
    assert host.aliases == {"stable": "1.4"}
    assert host.current == "stable"


def test_an_answer_that_is_not_the_addons_json_gives_nothing():
    for body in ("", "<html>Not found</html>", '{"detail": "Not found."}', '{"versions": {"active": 3}}',
                 '{"versions": {"active": [{"slug": "x", "hidden": true}]}}'):
        assert versionsources.addons_versions(body) is None, body


def test_an_alias_whose_release_is_not_listed_stands_for_itself():
    body = ('{"versions": {"active": [{"slug": "stable", "verbose_name": "stable", '
            '"aliases": [{"slug": "9.9"}]}, {"slug": "latest", "aliases": []}]}}')
    host = versionsources.addons_versions(body)
    assert host.versions == {"stable": "stable", "latest": "latest"} and host.aliases == {}


def test_the_addons_query_needs_the_tags_read_the_docs_adds_when_serving():
    served = (SITES / "sphinx-rtd" / "en" / "stable" / "index.html").read_text(encoding="utf-8").replace(
        "<head>", '<head><meta name="readthedocs-project-slug" content="tidewater" />'
                  '<meta name="readthedocs-version-slug" content="stable" />', 1)
    assert versionsources.addons_query(lxml_html.document_fromstring(served)) == \
        "/_/addons/?api-version=1&project-slug=tidewater&version-slug=stable"
    # The build alone carries only the API version tag: no project, no query.
    assert versionsources.addons_query(page("sphinx-rtd/en/stable/index.html")) is None


def test_the_version_a_page_states():
    assert versionsources.stated_version(page("sphinx-pydata/en/latest/install.html")) == "1.4"
    furo = page("sphinx-furo/en/stable/install.html")
    assert versionsources.stated_version(furo) is None   # Sphinx >= 7: in documentation_options.js
    script = versionsources.options_script_url(furo, "http://host/en/stable/install.html")
    assert script.startswith("http://host/en/stable/_static/documentation_options.js")
    options = (SITES / "sphinx-furo" / "en" / "stable" / "_static" / "documentation_options.js").read_text()
    assert versionsources.options_version(options) == "1.4.2"


def slug_of_path(path: str) -> str | None:
    match = re.match(r"^/en/([^/]+)/", path)
    return match.group(1) if match else None


def test_the_pydata_switcher_names_its_list_and_the_list_its_versions():
    doc = page("sphinx-pydata/en/1.3/install.html")
    # The list's public URL, asked for on the host being crawled (its path).
    assert versionsources.host_lists(doc, "http://127.0.0.1:8000/en/1.3/install.html") == \
        [("switcher", "/en/latest/_static/switcher.json")]
    text = (SITES / "sphinx-pydata" / "en" / "latest" / "_static" / "switcher.json").read_text(encoding="utf-8")
    host = versionsources.host_versions("switcher", text, slug_of_path, ("latest", "stable"))
    assert host.versions == {"latest": "latest", "1.3": "1.3"} and host.stated == {"latest": "1.4"}


def test_a_switcher_alias_with_a_numbered_twin_is_that_release():
    text = ('[{"version": "2.1", "url": "https://x.org/en/stable/"}, {"version": "2.1", "url": "https://x.org/en/2.1/"},'
            ' {"version": "2.0", "url": "https://x.org/en/2.0/"}, {"version": "dev", "url": "https://x.org/blog/"}]')
    host = versionsources.switcher_versions(text, slug_of_path, ("stable",))
    assert host.versions == {"2.1": "2.1", "2.0": "2.0"} and host.aliases == {"stable": "2.1"}
    assert versionsources.switcher_versions("not json", slug_of_path) is None

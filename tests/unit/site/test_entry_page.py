"""What the crawl learns from its entry page (read in a worker), on pages the real generators
built (tests/sites/)."""
from __future__ import annotations

from crawler.page.process import parse_html
from crawler.site.entry_page import entry_facts
from crawler.site.sites import load_site

from ...conftest import PROJECT

SITES = PROJECT / "tests" / "sites"


def facts_of(path: str, url: str, profile: str, ask_routes: bool = False):
    html_text = (SITES / path).read_text(encoding="utf-8")
    return entry_facts(parse_html(html_text), html_text, url, load_site(profile), ask_routes)


def test_an_alias_path_without_a_menu_gives_its_switcher_and_stated_version():
    facts = facts_of("sphinx-pydata/en/latest/install.html", "http://host/en/latest/install.html", "sphinx")
    assert facts.version_links == {} and facts.own_version == "latest"
    assert facts.host_lists == [("switcher", "/en/latest/_static/switcher.json")]
    assert facts.looks_like_site and facts.stated_version == "1.4"
    assert facts.language == "en"


def test_a_page_that_states_its_version_only_in_documentation_options():
    facts = facts_of("sphinx-furo/en/stable/install.html", "http://host/en/stable/install.html", "sphinx")
    assert facts.looks_like_site and facts.stated_version is None
    assert facts.options_script.startswith("http://host/en/stable/_static/documentation_options.js")


def test_a_menu_means_the_lists_for_sites_without_one_are_not_read():
    facts = facts_of("starlight/index.html", "http://host/", "starlight")
    assert facts.version_links and facts.host_lists == []
    assert facts.sitemap_links == ["/sitemap-index.xml"]
    assert facts.options_script is None and not facts.looks_like_site


def test_a_catch_all_page_does_not_look_like_the_site():
    html_text = "<html><body><h1>It works!</h1></body></html>"
    facts = entry_facts(parse_html(html_text), html_text, "http://host/en/stable/", load_site("sphinx"))
    assert not facts.looks_like_site and facts.language == ""


def test_route_links_are_looked_for_only_when_asked():
    html_text = '<html><body><a href="#/one">1</a><a href="#/two">2</a></body></html>'
    doc = parse_html(html_text)
    assert entry_facts(doc, html_text, "http://host/", load_site("docsify"), ask_routes=True).links_routes
    assert not entry_facts(doc, html_text, "http://host/", load_site("docsify")).links_routes

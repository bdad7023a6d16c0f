"""Hash routes as pages (crawler/site/routes.py), on the Docsify fixture's own sidebar."""
from __future__ import annotations

from crawler.site.routes import page_url_of, route_of, route_url, sidebar_routes, split_route, with_route

from ...conftest import PROJECT

SIDEBAR = PROJECT / "tests" / "sites" / "docsify" / "docs" / "_sidebar.md"


def test_the_fixtures_sidebar_names_every_page_it_lists_as_a_route():
    assert sidebar_routes(SIDEBAR.read_text(encoding="utf-8"), "/docs/") == [
        "/docs/#/", "/docs/#/quickstart", "/docs/#/install", "/docs/#/guide", "/docs/#/configuration",
        "/docs/#/feeds", "/docs/#/reference/commands", "/docs/#/reference/api", "/docs/#/faq"]


def test_sidebar_links_docsify_reads_as_routes_and_the_others_left_out():
    markdown = ("- [Folder](reference/README.md)\n- [Anchor](./guide.md#setup)\n"
                "- [Elsewhere](https://example.org/a.md)\n- ![logo](logo.png)\n- [Route](#/faq?id=units)\n"
                "- [Top](#top)\n- [Again](guide.md)\n")
    assert sidebar_routes(markdown, "/docs") == ["/docs/#/reference/", "/docs/#/guide", "/docs/#/faq"]


def test_a_routes_heading_query_is_a_place_in_the_page_not_another_page():
    assert route_of("/guide?id=drying-heights") == route_of("/guide") == "/guide"
    assert route_of("drying-heights") is None            # an ordinary anchor
    assert split_route("/docs/#/reference/api") == ("/docs/", "/reference/api")
    assert with_route("/docs/", None) == with_route("/docs/", "/") == "/docs/#/"


def test_record_urls_keep_the_route_and_find_their_page_again():
    url = route_url("https://h.example/docs/#/guide", "entering-offsets")
    assert url == "https://h.example/docs/#/guide?id=entering-offsets"
    assert page_url_of(url) == "https://h.example/docs/#/guide"
    assert page_url_of("https://h.example/docs/page.html#setup") == "https://h.example/docs/page.html"

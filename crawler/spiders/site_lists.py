"""The site's own lists of its pages and the extent of its documentation, for the ``docs`` spider.

A one-version crawl (``crawl URL`` with the generic, VitePress, Starlight, mdBook or Docsy
profile) starts at the URL's folder; the folders the site's navigation, sitemaps and llms.txt
list join it when their pages have the start page's layout (``crawler.site.scope`` decides,
this mixin only routes: one request per folder). Every link left out is counted by reason.
"""
from __future__ import annotations

from dataclasses import replace
from urllib.parse import urljoin, urlsplit

from lxml import html as lxml_html
from scrapy.http import HtmlResponse

from crawler.site import discovery
from crawler.site import scope as site_scope


class SiteListsMixin:
    """Methods of ``DocsSpider`` (``self.profile``, ``self.scope``, ``self.ledger``, ``self.request``...)."""

    def site_lists(self):
        """The site's own lists of its pages: sitemap.xml, robots.txt's Sitemap: lines, llms.txt
        and llms-full.txt (llmstxt.org)."""
        self.ledger.tried.append(self.base_url + "/sitemap.xml")
        yield self.request("/sitemap.xml", self.parse_sitemap, probe=True)
        yield self.request("/robots.txt", self.parse_robots, probe=True)
        for name in ("/llms.txt", "/llms-full.txt"):
            self.ledger.tried.append(self.base_url + name)
            yield self.request(name, self.parse_llms_txt, probe=True)

    def parse_robots(self, response):
        for location in discovery.robots_sitemaps(response.text if hasattr(response, "text") else ""):
            yield self.request(urlsplit(urljoin(response.url, location)).path, self.parse_sitemap, probe=True)

    def parse_llms_txt(self, response):
        """llms.txt (llmstxt.org): the site's own list of its documentation for language models.
        Its pages are followed like a sitemap's; those never reached are named in the manifest
        (``discovery.llms_txt_unreached``)."""
        if isinstance(response, HtmlResponse) or not hasattr(response, "text"):
            return   # a catch-all HTML page at /llms.txt is no list
        outside = []
        for href in discovery.llms_txt_links(response.text):
            parts = urlsplit(urljoin(response.url, href))
            if parts.scheme not in ("http", "https") or parts.netloc != self.netloc and \
                    parts.netloc != urlsplit(self.public_base_url).netloc:
                continue
            page = discovery.page_of_markdown_url(parts.path)
            path = self.hooks.canonical_path(page)
            self.ledger.llms_paths[path] = parts.path
            kinds = self.profile.kinds_for(path) if self.profile.in_scope(path) else []
            if not kinds:
                outside.append(page)
                continue
            slug = self.slug_of(path, kinds)
            if self.resolve_alias(slug) == slug:
                self.sitemap_pending.setdefault(slug, []).append(page)
        yield from self.widen_scope(outside, "llms.txt")
        for slug in list(self.sitemap_pending):
            if slug in self.scheduled:
                yield from self.follow_links(self.sitemap_pending.pop(slug), slug)

    def left_out_reason(self, path: str) -> str | None:
        """Why an out-of-scope page is left out; None while its area may still join the scope
        (a one-version crawl whose scope grows with what the site lists)."""
        if any(pattern.search(path) for pattern in self.profile.deny):
            return site_scope.DENIED
        if not self.profile.kinds_for(path):
            return site_scope.NOT_A_PAGE
        return site_scope.ALLOW if self.profile.layout is None else None

    def widen_scope(self, urls: list[str], listed_by: str):
        """Pages the site lists (navigation, sitemap, llms.txt) outside the scope so far: their
        folder joins the scope when one of its pages has the start page's layout (one request
        per folder, ``parse_scope_probe``); otherwise each is left out with the reason."""
        for url in urls:
            parts = urlsplit(urljoin(self.base_url + "/", url))
            if parts.scheme not in ("http", "https") or parts.netloc not in (self.netloc, urlsplit(self.public_base_url).netloc):
                continue
            path = self.hooks.canonical_path(parts.path)
            if self.profile.in_scope(path) and self.profile.kinds_for(path):
                continue
            area = site_scope.area_of(path)
            denied = any(pattern.search(path) for pattern in self.profile.deny) or not self.profile.kinds_for(path)
            if denied or not self.profile.allow:
                self.scope.leave_out(self.left_out_reason(path) or site_scope.OUTSIDE_ROOT, path)
            elif self.profile.layout is None:   # the profile's own scope: a rule it names
                self.scope.leave_out(site_scope.ALLOW, path)
            elif not self.profile.layout:      # scoped by the site, but its layout is unknown
                self.scope.leave_out(site_scope.UNJUDGED if listed_by == "navigation" else site_scope.OUTSIDE_ROOT,
                                     path)
            elif area in self.scope.judged:
                if area in self.scope.pending:    # being judged: followed once it joins
                    self.scope.pending[area].append(parts.path)
                else:
                    self.scope.leave_out(self.scope.judged[area], path)
            elif site_scope.is_version_folder(area):
                self.scope.judged[area] = site_scope.ANOTHER_VERSION
                self.scope.leave_out(site_scope.ANOTHER_VERSION, path)
            else:
                self.scope.judged[area] = "judging"
                self.scope.pending[area] = []
                yield self.request(parts.path, self.parse_scope_probe, scope_area=area, listed_by=listed_by)

    async def parse_scope_probe(self, response):
        """A page of an area the site lists: the area (a folder, or a page at the root) is
        documentation when the page has the start page's layout; then this page and the
        area's other listed pages are crawled."""
        area = response.meta["scope_area"]
        pending = self.scope.pending.pop(area, [])
        path = self.hooks.canonical_path(urlsplit(response.url).path)
        doc = lxml_html.document_fromstring(response.body) if isinstance(response, HtmlResponse) else None
        verdict = (site_scope.ANOTHER_LAYOUT if doc is None or not site_scope.has_layout(doc, self.profile.layout)
                   else None if site_scope.same_language(doc, self.scope.language) else site_scope.ANOTHER_LANGUAGE)
        if verdict:
            self.scope.judged[area] = verdict
            for listed in {path, *(self.hooks.canonical_path(p) for p in pending)}:
                self.scope.leave_out(verdict, listed)
            return
        self.scope.judged[area] = f"documentation: listed by the {response.meta['listed_by']}, same layout"
        self.scope.root.append(area)
        self.scope.widened.append({"area": area, "listed_by": response.meta["listed_by"], "page": path})
        self.profile = replace(self.profile, allow=(*self.profile.allow, site_scope.area_pattern(area)))
        self.logger.info("scope: %s joins the documentation (listed by the %s, same layout as the start page)",
                         area, response.meta["listed_by"])
        async for output in self.parse_page(response):
            yield output
        linked = sorted(self.scope.outside.pop(area, set()))   # content links there, seen before
        for request in self.follow_links([*pending, *linked], self.slug_of(path)):
            yield request

    def check_scope(self) -> None:
        """Pages the site's navigation lists that the crawl could not judge and left out: the
        run says so and is partial (exit 1)."""
        unjudged = self.scope.unjudged()
        if unjudged:
            self.run.failures.append({
                "url": self.public_base_url + unjudged[0], "kind": "left_out",
                "reason": f"the site's navigation lists {len(unjudged)} page(s) outside the crawl's scope "
                          f"that were not crawled (e.g. {', '.join(unjudged[:3])}); give a URL higher up "
                          f"or a profile whose scope includes them", "pages": unjudged})

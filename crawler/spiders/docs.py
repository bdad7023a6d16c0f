"""The ``docs`` spider: every version of a documentation site, as its profile describes it.

    scrapy crawl docs -a profile=sphinx -a base_url=http://127.0.0.1:8000 -O out.jsonl

From the profile's entry page (and ``versions.json`` where the site has one) it learns the
releases from the site itself, fetches each version's seed pages and follows the links that
stay inside that version's documentation. Page content goes through the worker processes
(``crawler.run.workers`` -> ``crawler.page.process.process_page``); this module only moves data.
A crawl that renders (``--render``, crawler/run/browser.py) asks for its pages in a browser and
keys them by path and client-side route (``/docs/#/guide``, crawler/site/routes.py).
"""
from __future__ import annotations

import ipaddress
import posixpath
import re
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.http import HtmlResponse
from scrapy.spidermiddlewares.httperror import HttpError

from compress.budget import Budget
from output.manifest import PageReport, RunManifest
from output.records import EncodedRecords, version_sort_key

from crawler.site import discovery, versionsources
from crawler.site import scope as site_scope
from crawler.run.accounting import watch_pages
from crawler.page.clean import ContentNotFound
from crawler.run.faults import failure_kind
from crawler.site.hooks import hooks_for
from crawler.run.ledger import DiscoveryLedger
from crawler.page.browser_needed import NeedsBrowser
from crawler.page.process import MissingTemplateContext, PageInfo, PageResult
from crawler.site.profiles import ProfileError, SiteProfile
from crawler.page.render import parse_template_context
from crawler.run.browser import INSTALL_HINT, rendered_page_meta, unsettled
from crawler.site.routes import route_of, sidebar_routes, split_route, with_route
from crawler.site.sites import load_site
from crawler.run.state import (PageDone, StateStore, add_counts, body_hash, next_state, page_delta,
                               pinned_versions, run_fingerprint, unchanged_page)
from crawler.page.maintext import SAMPLE_PAGES, layout_drift
from crawler.site.versionmenu import UNVERSIONED, is_prerelease, matches_request, slug_of_path
from crawler.options import ConfigError, number_option, parse_base_url, parse_keep_views, parse_version_filter
from crawler.run.workers import PageFailed, PageWorkers, default_processes, release_freed_memory
from crawler.spiders.site_lists import SiteListsMixin

# A page body from this size on leaves blocks glibc keeps once freed; after smaller pages the
# trim (0.2 ms a call) finds next to nothing to give back.
TRIM_AFTER_BYTES = 256 * 1024


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class DocsSpider(SiteListsMixin, scrapy.Spider):
    name = "docs"
    default_profile: str | None = None

    def __init__(self, profile=None, base_url=None, versions="all", target_tokens=100, ratio=None,
                 max_input_tokens=800, encoding="cl100k_base", min_section_tokens=None,
                 state=None, full=False, keep_views="", **kwargs):
        super().__init__(**kwargs)
        try:
            self.profile: SiteProfile = (profile if isinstance(profile, SiteProfile)
                                         else load_site(profile or self.default_profile or ""))
            self.hooks = hooks_for(self.profile)
        except ProfileError as error:
            raise ConfigError(str(error)) from None
        self.base_url = parse_base_url(base_url, self.profile.public_base_url)
        self.public_base_url = self.profile.public_base_url or self.base_url
        self.host = urlsplit(self.base_url).hostname
        self.netloc = urlsplit(self.base_url).netloc   # host and port: another port is another site
        self.allowed_domains = [self.host]
        self.version_filter = parse_version_filter(versions)
        self.budget = Budget(
            target_tokens=number_option(target_tokens, "target_tokens"),
            max_input_tokens=number_option(max_input_tokens, "max_input_tokens"),
            ratio=number_option(ratio, "ratio", float),
            encoding=encoding,
            min_section_tokens=number_option(min_section_tokens, "min_section_tokens"),
        )
        self.workers: PageWorkers | None = None   # set in from_crawler (needs settings)
        self.crawled_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self.versions: dict[str, str] = {}        # slug -> version, as discovered
        self.aliases: dict[str, str] = {}         # alias slug -> slug ("latest" -> "1.1")
        self.alias_versions: set[str] = set()     # alias paths crawled as versions ("stable")
        self.listed: dict[str, str] = {}          # versions.json's list, until the entry page
        self.scheduled: set[str] = set()          # slugs whose pages were requested
        self.followed: set[str] = set()           # canonical paths of linked pages requested
        self.probed: set[str] = set()
        self.latest_slug: str | None = None
        self.contexts: dict[str, dict] = {}       # slug -> template context
        self.legacy_anchors: dict[str, dict[str, list[str]]] = {}  # page URL -> {fragment: [old ids]}
        self.ledger = DiscoveryLedger()           # what was found where, and each page's fate
        self.version_entries: dict[str, str] = {}  # slug -> its menu link's path (seeds = [])
        self.layout_shares: dict[str, list[tuple[str, float]]] = {}  # version -> sampled pages
        self.layout_sampled: dict[str, int] = {}  # version -> pages checked for layout drift
        self.sitemap_pending: dict[str, list[str]] = {}   # slug -> sitemap paths, until it is crawled
        # (version, sha256 of a page's body) -> the path read with it. Per version: a release whose
        # pages are byte for byte another's is still that release's documentation.
        self.bodies: dict[tuple[str, str], str] = {}
        self.scope = self.ledger.scope            # the docs' extent (crawler.site.scope)
        self.scope.layout = self.profile.layout
        self.scope.root = [site_scope.area_of(self.profile.entry)] if self.profile.allow and self.profile.layout else []
        self.scope.judged.update({area: "the start page's folder" for area in self.scope.root})
        self.entry_parsed = False                 # the version menu is known (sitemap versions wait)
        self.run = RunManifest(
            site=self.profile.name, source=self.profile.source, output="",
            settings={"profile": self.profile.path or self.profile.name, "base_url": self.base_url,
                      "versions": versions or "all",
                      "target_tokens": self.budget.target_tokens, "ratio": self.budget.ratio,
                      "max_input_tokens": self.budget.max_input_tokens, "encoding": encoding,
                      "min_section_tokens": self.budget.merge_below},
            started_at=self.crawled_at,
        )
        self.fingerprint = run_fingerprint(self.profile, self.budget)
        self.output = None                        # the OutputPipeline, once open (journal)
        self.completed: dict[str, PageDone] = {}  # fetched URL -> page an interrupted run finished
        self.done_pages: dict[str, PageDone] = {}  # canonical path -> page finished in this run
        self.failed_paths: set[str] = set()
        self.claimed: set[str] = set()            # canonical paths being or already processed
        self.state = state                        # --state DIR: incremental runs
        self.full = str(full).lower() in ("1", "true", "yes")
        self.keep_views = parse_keep_views(keep_views)   # view rules read as pages after all
        self.previous = StateStore(state, self.profile.name).load(self.fingerprint) if state else {}
        self.previous_records = {record_id: digest for page in self.previous.values()
                                 for record_id, digest in page.records.items()}
        self.pinned = self.pinned_versions()
        self.rendering = False                    # pages read in a browser
        self.hash_routes = False                  # ... and keyed with their #/ route (Docsify, SPAs)
        self._link_verdicts: tuple = (None, False, {})   # profile, hash_routes, {link: judge_link}

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        processes = crawler.settings.getint("DOCPROMPTS_WORKERS", -1)
        spider.workers = PageWorkers(default_processes() if processes < 0 else processes,
                                     spider.budget.encoding,
                                     crawler.settings.getfloat("DOCPROMPTS_PAGE_TIMEOUT", 120))
        watch_pages(crawler, spider)   # no page lost silently (crawler/run/accounting.py)
        render = crawler.settings.getdict("DOCPROMPTS_RENDER")
        spider.rendering = bool(render.get("browser"))   # the browser's handler is installed
        spider.settle_seconds = crawler.settings.getfloat("DOCPROMPTS_RENDER_SETTLE")
        spider.hash_routes = spider.rendering and bool(render.get("routes"))
        spider.run.rendering = {"mode": render.get("mode", "auto"), "needed": render.get("reason"),
                                "browser": render.get("browser"), "hash_routes": spider.hash_routes,
                                "pages_rendered": 0, "unsettled": []}
        crawler.signals.connect(spider.workers.close, signal=scrapy.signals.spider_closed)
        crawler.signals.connect(spider.request_dropped, signal=scrapy.signals.request_dropped)
        crawler.signals.connect(spider.robots_sitemaps, signal=scrapy.signals.robots_parsed)
        # Conditional requests: Scrapy's cache revalidates with ETag / Last-Modified. Not for pages
        # read in a browser: a 304 answer to the browser's navigation aborts it (their rendered
        # DOM is compared by its hash instead, as every page's is).
        if spider.state and not spider.rendering:
            settings = crawler.settings
            settings.set("HTTPCACHE_ENABLED", True, priority="spider")
            settings.set("HTTPCACHE_POLICY", "scrapy.extensions.httpcache.RFC2616Policy", priority="spider")
            settings.set("HTTPCACHE_DIR", str(Path(spider.state).resolve() / "httpcache" / spider.profile.name),
                         priority="spider")
            # max-age=0: always revalidate (a browser's reload), never trust heuristic freshness.
            settings.set("DEFAULT_REQUEST_HEADERS", {**settings.getdict("DEFAULT_REQUEST_HEADERS"),
                                                     "Cache-Control": "max-age=0"}, priority="spider")
        if is_loopback(spider.host):
            # A local mirror, the demo or a test server: politeness delays only cost time.
            crawler.settings.set("AUTOTHROTTLE_ENABLED", False, priority="spider")
            crawler.settings.set("DOWNLOAD_DELAY", 0, priority="spider")
            crawler.settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", 4, priority="spider")  # enough to keep the workers busy
        return spider

    # -- requests ---------------------------------------------------------------------------------
    def request(self, path_or_url: str, callback, probe: bool = False, **meta) -> scrapy.Request:
        url = urljoin(self.base_url + "/", path_or_url)
        if self.rendering and callback in (self.parse_page, self.parse_entry, self.parse_probe):
            # #/ routes: crawler.run.browser.RouteFingerprinter
            meta = {**rendered_page_meta(self.settle_seconds), **meta}
        return scrapy.Request(url, callback=callback, errback=self.on_error, meta={"probe": probe, **meta})

    def page_key(self, url_or_path: str) -> str:
        """A page's key: its canonical path, with its client-side route in a rendered crawl
        (``/docs/#/guide``; the router's home ``#/`` for a bare path)."""
        return self.key_of_parts(urlsplit(url_or_path))

    def key_of_parts(self, parts) -> str:
        path = self.hooks.canonical_path(parts.path)
        return with_route(path, route_of(parts.fragment)) if self.hash_routes else path

    async def start(self):
        self.ledger.tried.append(self.base_url + self.profile.entry)
        if self.hash_routes:
            self.followed.add(self.page_key(self.profile.entry))   # asked for once, as the entry
        if self.profile.versions.versions_json:
            self.ledger.tried.append(self.base_url + self.profile.versions.versions_json)
            yield self.request(self.profile.versions.versions_json, self.parse_versions_json, probe=True)
        else:
            yield self.request(self.profile.entry, self.parse_entry)
        if self.profile.layout is None:   # else after the entry page: its language judges the lists
            for request in self.site_lists():
                yield request

    # -- versions ---------------------------------------------------------------------------------
    def parse_versions_json(self, response):
        """mike's versions.json: [{"version": "1.1", "aliases": ["latest"]}, ...]."""
        entries, error = discovery.parse_versions_json(response.text)
        if error:
            self.fail(response.url, error)
        for slug, aliases in entries.items():
            self.listed[slug] = self.hooks.slug_to_version(slug)
            self.ledger.found(self.listed[slug], "versions.json")
            for alias in aliases:
                self.aliases[alias] = slug
        if "latest" in self.aliases:
            self.latest_slug = self.aliases["latest"]
        yield self.request(self.profile.entry, self.parse_entry)

    async def parse_entry(self, response):
        """The unversioned entry page is the latest release: learn the versions, emit nothing."""
        found = dict(self.listed)
        # The page is read in a worker (crawler/site/entry_page.py): the crawl process never
        # parses it (a page of a million headings is a 1 GB tree and seconds of parsing).
        facts = None
        if isinstance(response, HtmlResponse):
            facts = await self.workers.inspect(response.body, response.encoding, response.url, self.profile,
                                               ask_routes=self.rendering and not self.hash_routes)
            if facts.links_routes:
                # The rendered page links #/ routes (a hash-routed app whose served HTML was
                # empty): its pages are routes, keyed with them from here on.
                self.hash_routes = self.run.rendering["hash_routes"] = True
                self.followed.add(self.page_key(self.profile.entry))
            linked, own, entries = facts.version_links, facts.own_version, facts.version_entries
            if not linked and not found and not response.meta.get("host_asked"):
                # No menu: the site's own version lists (Read the Docs' add-ons, pydata's switcher)
                if facts.host_lists:
                    yield self.ask_host(facts.host_lists)
                    return
            own = self.resolve_alias(own)
            found.update(linked)
            self.version_entries.update(entries)
            for slug in linked:
                self.ledger.found(linked[slug], "menu")
            if self.profile.versions.unversioned:   # the entry's own version: by its path
                own = slug_of_path(urlsplit(response.url).path, self.profile.versions, found)
                if own == UNVERSIONED and own not in found:   # no menu: one unversioned version
                    found[own] = "latest"
            if own is not None:
                found.setdefault(own, self.hooks.slug_to_version(own))
                self.ledger.found(found[own], "entry page")
                if not self.profile.versions.unversioned:
                    self.latest_slug = self.latest_slug or own
        elif not found:
            self.fail_not_html(response)
            return
        if not found and isinstance(response, HtmlResponse):
            own, requests = self.crawl_alias_path(response, facts)
            if own is not None:
                found[own] = own
                self.latest_slug = self.latest_slug or own
                self.ledger.found(own, "entry page (alias path)")
            for request in requests:
                yield request
        if self.profile.layout is not None:   # a scope grown from the site's lists, in its language
            if facts is not None:
                self.scope.language = facts.language
            for request in self.site_lists():
                yield request
        if facts is not None:   # <link rel="sitemap"> (Astro: /sitemap-index.xml)
            for href in facts.sitemap_links:
                yield self.request(urlsplit(urljoin(response.url, href)).path, self.parse_sitemap, probe=True)
        if not found:
            self.fail(response.url, "no documentation versions found on the entry page (no version "
                      "links, no own version)", "no_content")
            return
        if self.latest_slug is None:   # the release at the unversioned path, else the highest
            released = [slug for slug in found if not is_prerelease(slug, found[slug], self.profile.versions)]
            self.latest_slug = (UNVERSIONED if self.profile.versions.unversioned and UNVERSIONED in released
                                else max(released or found, key=lambda slug: version_sort_key(found[slug])))
        self.entry_parsed = True
        for request in self.add_versions(found):
            yield request
        for request in self.add_sitemap_versions():   # a sitemap read before the menu
            yield request
        # The entry may be a page of a release (Docusaurus: /docs/intro is the newest release's):
        # emitted once, as that release's page, not taken for an alias of it.
        path = self.page_key(response.url)
        if self.hash_routes and own is not None and own in self.scheduled:
            for request in self.sidebar_requests(response.url):
                yield request
        if (isinstance(response, HtmlResponse) and self.profile.in_scope(path) and self.profile.kinds_for(path)
                and own is not None and own in self.versions and own in self.scheduled):
            async for output in self.parse_page(response):
                yield output

    def ask_host(self, lists: list[tuple[str, str]]) -> scrapy.Request:
        kind, path = lists[0]
        self.ledger.tried.append(self.base_url + path)
        return self.request(path, self.parse_host_versions, probe=True, host_list=kind, more_lists=lists[1:])

    def parse_host_versions(self, response):
        """One of the site's own version lists; then the entry page again, now knowing them. An
        odd or absent answer: the next list, else the entry page alone decides."""
        kind, more = response.meta["host_list"], response.meta["more_lists"]
        host = versionsources.host_versions(kind, response.text, self.hooks.slug_of_url,
                                            self.profile.versions.aliases)
        if host is None:
            self.logger.info("no version list in %s", response.url)
            yield self.ask_host(more) if more else self.entry_again()
            return
        self.listed.update(host.versions)
        self.aliases.update(host.aliases)
        # An alias path the list names as a version of its own ("latest" with no numbered twin).
        self.alias_versions |= {slug for slug in host.versions if slug in self.profile.versions.aliases}
        if host.stated:
            self.run.versions.setdefault("stated", {}).update(host.stated)
        for version in host.versions.values():
            self.ledger.found(version, {"addons": "Read the Docs add-ons", "switcher": "version switcher"}[kind])
        yield self.entry_again()

    def entry_again(self) -> scrapy.Request:
        request = self.request(self.profile.entry, self.parse_entry, host_asked=True)
        request.dont_filter = True   # fetched once already, before the site's lists were asked
        return request

    def crawl_alias_path(self, response, facts) -> tuple[str | None, list[scrapy.Request]]:
        """An entry on an alias path (``/en/stable/``) with nothing naming other versions: the
        alias is crawled as one version under its own name; the version the pages state
        (Sphinx's VERSION, docsearch:version) goes in the manifest (``versions.stated``).
        The alias slug (None: not an alias path) and the request for documentation_options.js."""
        alias = self.hooks.slug_of_url(response.url)
        if alias is None or alias not in self.profile.versions.aliases:
            return None, []
        if not facts.looks_like_site:
            # A catch-all server ("It works!" at every path) is no documentation version: the
            # main-text fallback would read anything, so the alias path must look like the site.
            self.logger.info("%s: no documentation page (no content root of the profile, no known "
                             "generator): not crawled as a version", response.url)
            return None, []
        self.alias_versions.add(alias)
        if facts.stated_version:
            self.run.versions.setdefault("stated", {})[alias] = facts.stated_version
        elif facts.options_script:
            return alias, [self.request(facts.options_script, self.parse_options_script, probe=True, alias=alias)]
        return alias, []

    def parse_options_script(self, response):
        stated = versionsources.options_version(response.text)
        if stated:
            self.run.versions.setdefault("stated", {})[response.meta["alias"]] = stated

    def parse_sitemap(self, response):
        """sitemap.xml (Hugo, MkDocs and Docusaurus write one): one more list of pages. Its
        in-scope pages are followed once their version is crawled; those never reached are
        listed in the manifest (``discovery.sitemap_unreached``)."""
        kind, locations = discovery.sitemap_entries(response.body)
        for location in locations:
            # A site's sitemap names its pages under the site's public name (MkDocs' site_url,
            # Hugo's baseURL): the path is what locates them on the server being crawled.
            parts = urlsplit(urljoin(response.url, location))
            if kind == "sitemapindex":
                yield self.request(parts.path, self.parse_sitemap, probe=True)
                continue
            path = self.hooks.canonical_path(parts.path)
            kinds = self.profile.kinds_for(path) if self.profile.in_scope(path) else []
            if not kinds:   # outside the docs' root so far: its folder is judged by its layout
                yield from self.widen_scope([parts.path], "sitemap")
                continue
            slug = self.slug_of(path, kinds)
            if self.resolve_alias(slug) != slug:
                continue
            version = self.versions.get(slug) or self.hooks.slug_to_version(slug)
            self.ledger.sitemap_paths[path] = version
            self.ledger.found(version, "sitemap")
            self.sitemap_pending.setdefault(slug, []).append(parts.path)
        for slug in list(self.sitemap_pending):
            if slug in self.scheduled:
                yield from self.follow_links(self.sitemap_pending.pop(slug), slug)
        if self.discovery_ready():
            yield from self.add_sitemap_versions()

    def discovery_ready(self) -> bool:
        """The version menu is known: a sitemap's unknown slug is a version, not an alias yet
        to be learnt (``latest``) or a page of the release at the unversioned path."""
        return self.entry_parsed

    def add_sitemap_versions(self):
        """Versions only a sitemap names are crawled like the menu's (else they were listed in
        the ledger and never fetched, and the run exited 0)."""
        new = {slug: self.hooks.slug_to_version(slug) for slug in self.sitemap_pending
               if slug not in self.versions and self.resolve_alias(slug) == slug}
        if new:
            self.logger.info("versions found only in a sitemap: %s", ", ".join(sorted(new.values())))
            yield from self.add_versions(new)

    def slug_of(self, path: str, kinds=None) -> str | None:
        """The version slug of a page path: the page kind's ``slug`` group, or, for profiles
        whose newest release lives at the unversioned path, the known version the path names
        ("" when it names none: that release)."""
        if self.profile.versions.unversioned:
            return slug_of_path(path, self.profile.versions, self.versions)
        kinds = self.profile.kinds_for(path) if kinds is None else kinds
        return kinds[0][1] if kinds else None

    def resolve_alias(self, slug: str | None) -> str | None:
        if slug in self.alias_versions or (slug in self.versions and slug in self.profile.versions.aliases):
            return slug   # an alias path crawled as a version of its own (another process's too)
        if slug in self.aliases:
            return self.aliases[slug]
        return None if slug in self.profile.versions.aliases else slug

    def add_versions(self, found: dict[str, str]):
        new = {slug: version for slug, version in sorted(found.items())
               if slug not in self.versions and slug not in self.aliases
               and (slug not in self.profile.versions.aliases or slug in self.alias_versions)}
        # All known before any is scheduled: with the newest release at the unversioned path, a
        # path belongs to it only if it names no other version ("/docs/1.4/ci" is 1.4's).
        self.versions.update(new)
        for slug, version in new.items():
            if self.wanted(slug, version):
                self.ledger.requested(version)
                yield from self.schedule_version(slug)
        yield from self.probe_newer_versions()

    def pinned_versions(self) -> set[str]:
        return pinned_versions(self.previous, self.profile.versions.refetch_newest, self.full, version_sort_key)

    def wanted(self, slug: str, version: str) -> bool:
        choice = self.left_out_by(slug, version)
        if choice == "out of scope":
            # Left out by the profile's scope (deny '^/docs/next/'): not requested, not a failure.
            self.logger.info("version %s: its first pages are out of scope, not crawled", version)
            self.run.versions.setdefault("out_of_scope", []).append(version)
        return choice is None

    def left_out_by(self, slug: str, version: str) -> str | None:
        """Why a discovered version is not crawled by choice (pinned, --versions, the profile's
        scope), or None: it is to be crawled."""
        if version in self.pinned:
            return "pinned"
        if self.version_filter == "all":
            wanted = True
        elif self.version_filter == "latest":
            wanted = slug == self.latest_slug
        else:   # the site's own names: "2.0", "next", an alias such as "stable"
            aliases = tuple(alias for alias, target in self.aliases.items() if target == slug)
            wanted = matches_request(self.version_filter, slug, version,
                                     (self.hooks.slug_to_version(slug), *aliases))
        if not wanted:
            return "--versions"
        if not any(self.profile.in_scope(self.hooks.canonical_path(seed))
                   for seed in self.seed_paths(slug)) and self.seed_paths(slug):
            return "out of scope"
        return None

    def versions_not_crawled(self) -> list[str]:
        """Versions the discovery found, wanted, and never scheduled (a bug or a discovery path
        that does not reach ``add_versions``): the run is partial and names them."""
        found = {**{slug: self.hooks.slug_to_version(slug) for slug in self.sitemap_pending
                    if self.resolve_alias(slug) == slug}, **self.versions}
        return sorted({version for slug, version in found.items()
                       if slug not in self.scheduled and self.left_out_by(slug, version) is None},
                      key=version_sort_key)

    def seed_paths(self, slug: str) -> list[str]:
        """A version's first pages: the profile's seeds, or its version-menu link (``seeds = []``)."""
        if self.profile.versions.seeds:
            # "/docs/{slug}/intro" for the release at the unversioned path (slug ""): "/docs/intro"
            return [re.sub(r"/{2,}", "/", seed.format(slug=slug)) for seed in self.profile.versions.seeds]
        return [self.version_entries[slug]] if slug in self.version_entries else []

    def schedule_version(self, slug: str, first_seed_fetched: bool = False):
        if slug in self.scheduled:
            return
        self.scheduled.add(slug)
        yield from self.follow_links(self.sitemap_pending.pop(slug, []), slug)
        for index, seed in enumerate(self.seed_paths(slug)):
            if not (index == 0 and first_seed_fetched) and self.profile.in_scope(self.hooks.canonical_path(seed)):
                self.ledger.linked(self.versions.get(slug) or self.hooks.slug_to_version(slug),
                                   self.hooks.canonical_path(seed))
                yield self.request(seed, self.parse_page)
        for seed in self.profile.versions.optional_seeds:
            yield self.request(seed.format(slug=slug), self.parse_page, probe=True)
        # MkDocs (with mike) and Sphinx sitemaps sit in each version's folder, not at the root.
        seeds = self.profile.versions.seeds
        folder = posixpath.dirname(seeds[0].format(slug=slug)) if seeds else ""
        if folder.strip("/"):
            self.ledger.tried.append(f"{self.base_url}{folder}/sitemap.xml")
            yield self.request(f"{folder}/sitemap.xml", self.parse_sitemap, probe=True)

    def probe_newer_versions(self):
        """Releases newer than any listed (Kafka links only older ones): the plugin names them."""
        if self.version_filter == "latest" or not self.versions:
            return
        newest = max(self.versions.values(), key=version_sort_key)
        for slug in self.hooks.successor_slugs(newest):
            if slug not in self.versions and slug not in self.probed:
                self.probed.add(slug)
                seed = self.profile.versions.seeds[0].format(slug=slug)
                yield self.request(seed, self.parse_probe, probe=True, slug=slug)

    async def parse_probe(self, response):
        slug = response.meta["slug"]
        if not isinstance(response, HtmlResponse):
            return
        facts = await self.workers.inspect(response.body, response.encoding, response.url, self.profile)
        if facts.own_version != slug:
            return  # a catch-all page, not that release
        version = self.hooks.slug_to_version(slug)
        self.logger.info("found release %s, newer than the site's list", version)
        self.run.versions.setdefault("found_by_probe", []).append(version)
        self.ledger.found(version, "probe")
        self.versions[slug] = version
        if self.wanted(slug, version):  # the probe fetched the first seed already: use it
            self.ledger.requested(version)
            for request in self.schedule_version(slug, first_seed_fetched=True):
                yield request
            async for output in self.parse_page(response):
                yield output
        for request in self.probe_newer_versions():
            yield request

    # -- client-side routes -----------------------------------------------------------------------
    def sidebar_requests(self, entry_url: str):
        """Docsify's ``_sidebar.md`` and ``_navbar.md`` beside the entry page: its list of pages,
        read as Markdown (absent on other sites: a 404, not a failure)."""
        folder = split_route(urlsplit(entry_url).path)[0].rsplit("/", 1)[0] + "/"
        for name in ("_sidebar.md", "_navbar.md"):
            self.ledger.tried.append(self.base_url + folder + name)
            yield self.request(folder + name, self.parse_sidebar, probe=True, folder=folder)

    def parse_sidebar(self, response):
        folder = response.meta["folder"]
        keys = [key for key in sidebar_routes(response.text, folder)
                if self.profile.in_scope(key) and self.profile.kinds_for(key)]
        yield from self.follow_links(keys, self.slug_of(self.page_key(self.profile.entry)))

    # -- pages ------------------------------------------------------------------------------------
    async def parse_page(self, response, context: dict | None = None):
        """One documentation page: route it to the page pipeline (a worker process), its
        records to the output, and its links, redirect map and version links back to the crawl."""
        page = self.claim_page(response, context)
        if page is None:
            return
        path, slug, kinds = page
        version = self.versions.get(slug) or self.hooks.slug_to_version(slug)
        digest = body_hash(response.body)
        journaled = self.completed.get(response.url)   # finished by an interrupted run
        earlier = journaled or (None if self.full else unchanged_page(self.previous.get(path), response.url, digest))
        if earlier is not None:   # its records are in the journal, or unchanged since the last run
            for output in self.replay(response, earlier, slug):
                yield output
            if journaled is None and self.output is not None:
                self.output.page_done(earlier, self.public_base_url + path)
            return
        info = PageInfo(self.profile.name, self.profile.source, version, slug,
                        slug == self.latest_slug, path, self.public_base_url + path, response.url,
                        is_prerelease=is_prerelease(slug, version, self.profile.versions),
                        check_layout=self.sample_layout(version),
                        keep_views=self.keep_views,
                        rendered=bool(response.meta.get("playwright")))
        result = None
        async for output in self.process_page(response, info, kinds, context):
            if isinstance(output, PageResult):
                result = output
            else:
                yield output   # the template context to fetch first
        if result is None or self.duplicate_view(result, digest, path, version):
            return
        links = self.documentation_links(response.url, result.links, set(result.nav_links))
        records: EncodedRecords = result.records   # encoded in the worker
        chosen, hashes, statuses = page_delta(records.ids, records.prompt_hashes, self.previous_records,
                                              self.full or not self.state, self.previous.get(path))
        done = PageDone(url=response.url, path=path, version=version, body_sha256=digest,
                        links=links, version_links=result.version_links,
                        redirects=result.redirects, records=hashes,
                        emitted=[records.ids[number] for number in chosen], delta=statuses, view=result.view)
        for item in self.emit(records, chosen):
            yield item
        self.account_page(response, result, done)
        for request in self.follow_page(response, result, links, slug):
            yield request

    def emit(self, records: EncodedRecords, chosen: list[int]) -> list[dict]:
        """A page's records to the output: handed to the output pipeline at once when nothing
        else takes items, else yielded as Scrapy items (feeds, other pipelines, a distributed
        run). One item per record costs ~0.3 ms of Scrapy's machinery in the crawl process."""
        if self.output is not None and self.output.takes_pages:
            self.output.write_page(records, chosen)
            return []
        return records.as_dicts(chosen)

    def duplicate_view(self, result: PageResult, digest: str, path: str, version: str) -> bool:
        """One page under a second path of the same version (mdBook's index.html is its first
        chapter) is read once; the second path is named in the manifest. Redirect stubs are left
        alone: one stub's script sends each path somewhere else."""
        readable = result.records and not result.redirect_stub
        twin = self.bodies.setdefault((version, digest), path) if readable else path
        if twin == path:
            return False
        self.ledger.fetched(version, path)
        self.scope.leave_out(site_scope.DUPLICATE_VIEW, path)
        self.claimed.discard(path)   # settled: named in the manifest, not a lost page
        return True

    def claim_page(self, response, context: dict | None):
        """(path, slug, page kinds) of a documentation page this run has not processed yet, or
        None: not HTML, out of scope, another name of a page already claimed, an alias path."""
        content_type = response.headers.get("Content-Type", b"").decode("latin-1").lower()
        if not isinstance(response, HtmlResponse) or (content_type and "html" not in content_type):
            self.fail_not_html(response)
            return None
        path = self.page_key(response.url)
        kinds = self.profile.kinds_for(path)
        if not kinds or not self.profile.in_scope(path):
            if not response.meta.get("probe"):
                self.fail(response.url, f"redirected out of scope to {path}", "out_of_scope")
            return None
        slug = self.slug_of(path, kinds)
        if self.resolve_alias(slug) != slug:
            return None  # "latest/..." pages are another version's pages under a second name
        if path in self.claimed and context is None:
            return None  # the same page under a second URL (a redirect, "dir/" and "dir/index.html")
        self.claimed.add(path)
        return path, slug, kinds

    async def process_page(self, response, info: PageInfo, kinds, context: dict | None):
        """The page through the page pipeline in a worker: yields its ``PageResult``, or the
        request for its template context, or nothing (the failure is recorded)."""
        try:
            yield await self.workers.process(response.body, response.encoding, info, self.profile,
                                             [kind for kind, _ in kinds], self.budget,
                                             self.crawled_at, context or self.contexts.get(info.version_slug))
        except MissingTemplateContext:
            if context is None and info.version_slug not in self.contexts and self.profile.template_context:
                yield self.request(self.profile.template_context.format(slug=info.version_slug),
                                   self.parse_template_context, page=response)
            else:
                self.fail(response.url, "templates present but no template context")
        except NeedsBrowser as error:   # its text is not in the HTML, and no browser reads it
            remedy = "not rendered: --render never" if self.run.rendering["mode"] == "never" else INSTALL_HINT
            self.fail(response.url, f"needs a browser: {error} ({remedy})", "needs_browser")
        except ContentNotFound as error:
            if not response.meta.get("probe"):  # an optional seed that is no doc page: fine
                self.fail(response.url, str(error), "no_content")
            self.claimed.discard(info.page_path)
        except PageFailed as error:   # processing error, dead worker, time limit
            if error.kind != "stopped":   # Ctrl-C: not done, redone by the resumed run
                self.fail(response.url, str(error), error.kind)

    def account_page(self, response, result: PageResult, done: PageDone) -> None:
        """A processed page in the run's books: state, delta, discovery ledger, manifest, journal."""
        self.done_pages[done.path] = done
        add_counts(self.run.delta, done.delta)
        if response.meta.get("playwright"):
            self.run.rendering["pages_rendered"] += 1
            if unsettled(response.meta):   # read as it was after DOCPROMPTS_RENDER_SETTLE seconds
                self.logger.warning("%s: read in the browser before it settled (its requests or text "
                                    "kept changing)", response.url)
                self.run.rendering["unsettled"].append(response.url)
        if result.decoded_as:
            self.logger.info("%s: declared %s, decoded as %s", response.url, response.encoding, result.decoded_as)
            self.run.charset_repairs.append(response.url)
        text_tokens = sum(result.records.text_tokens)
        self.ledger.fetched(done.version, done.path, len(result.records), text_tokens, stub=result.redirect_stub)
        if result.redirect_stub:   # no content of its own: what it points to is followed
            self.ledger.found(done.version, "stub")
        elif result.view:   # a view of other pages (search, print, listing): counted, links followed
            self.run.skipped_pages.setdefault(result.view, []).append(response.url)
        else:
            if result.root_fallback:   # no profile root on the page: trafilatura's main text read
                self.run.content_root_fallback.setdefault(done.version, []).append(response.url)
            report = PageReport(
                url=response.url, version=done.version, kind=result.kind, records=len(result.records),
                sections=result.sections, coverage=result.coverage, content_words=result.content_words,
                text_tokens=text_tokens, seconds=round(result.seconds, 3), layout_share=result.layout_share,
                root_fallback=result.root_fallback)
            if result.layout_share is not None:
                self.layout_shares.setdefault(done.version, []).append((response.url, result.layout_share))
            self.run.pages.append(report)
            done.report = asdict(report)
        if self.output is not None:
            self.output.page_done(done, result.public_url or self.public_base_url + done.path)
        if len(response.body) >= TRIM_AFTER_BYTES:
            release_freed_memory()   # glibc keeps freed page-sized blocks otherwise
        if result.unrendered:
            self.logger.warning("unrendered template text on %s: %s", response.url, result.unrendered[:3])

    def follow_page(self, response, result: PageResult, links: list[str], slug: str):
        """What a processed page leads to: the areas its navigation lists (scope), its redirect
        map's targets, its links, new versions."""
        yield from self.widen_scope([urljoin(response.url, href) for href in result.nav_links], "navigation")
        if result.redirect_stub:
            yield from self.follow_redirect_map(response, result.redirects, slug)
        yield from self.follow_links(links, slug)
        for slug_found in result.version_links:
            self.ledger.found(result.version_links[slug_found], "menu")
        for slug_found, entry in result.version_entries.items():
            self.version_entries.setdefault(slug_found, entry)
        yield from self.add_versions(result.version_links)

    async def parse_template_context(self, response):
        page = response.meta["page"]
        slug = self.slug_of(self.hooks.canonical_path(urlsplit(page.url).path))
        context = parse_template_context(response.text)
        if not context:
            self.fail(page.url, f"no template context in {response.url}")
            return
        self.contexts[slug] = context
        async for output in self.parse_page(page, context):
            yield output

    def documentation_links(self, page_url: str, hrefs: list[str], listed: set[str] = frozenset()) -> list[str]:
        """A page's links to documentation pages of this site, as paths; the others are
        listed in the manifest (other hosts, other schemes, each reason the scope left one out)."""
        found = []
        verdicts = self.link_verdicts()
        folder = urljoin(page_url, ".")
        for href in link_targets(hrefs, keep_routes=self.hash_routes):
            # Every page links its siblings and the site's header links: a link is judged once
            # per URL, and read once per folder (a relative link is the same URL from any page
            # of its folder): 2 s of the crawl process on Kafka otherwise.
            key = (page_url if "?" in href or "#" in href else folder, href)
            verdict = verdicts.get(key)
            if verdict is None:
                url = urljoin(page_url, href)
                if url not in verdicts:
                    verdicts[url] = self.judge_link(url)
                verdict = verdicts[key] = verdicts[url]
            kind, value, path, reason = verdict
            if kind == "page":
                found.append(value)
            elif kind != "outside":
                self.run.skipped_links[kind].add(value)
            elif href not in listed:       # navigation links: judged in widen_scope
                if reason is None:         # its area may yet join the scope: followed then
                    self.scope.outside.setdefault(site_scope.area_of(path), set()).add(value)
                else:
                    self.scope.leave_out(reason, value)
        return found

    def link_verdicts(self) -> dict:
        """The memo of ``judge_link`` by URL and by (folder or page, link): valid while the
        profile (its scope grows by replacing it) and the keying of routes stay the same."""
        profile, hash_routes, verdicts = self._link_verdicts
        if profile is not self.profile or hash_routes != self.hash_routes:
            verdicts = {}
            self._link_verdicts = (self.profile, self.hash_routes, verdicts)
        return verdicts

    def judge_link(self, url: str) -> tuple[str, str, str | None, str | None]:
        """(kind, value, canonical path, reason) of a link: ("scheme" | "offsite", the URL),
        ("page", the path to follow), or ("outside", the URL's path, its canonical path, why
        it is left out: None while its area may still join the scope)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return "scheme", url, None, None   # mailto:, javascript:, file: ...
        if parts.netloc != self.netloc:
            return "offsite", url, None, None  # never requested
        path = self.key_of_parts(parts)
        if self.profile.in_scope(path) and self.profile.kinds_for(path):
            # javadoc, blog, downloads... are not; a route stays with its path
            route = route_of(parts.fragment) if self.hash_routes else None
            return "page", parts.path + (f"#{route}" if route else ""), path, None
        return "outside", parts.path, path, self.left_out_reason(path)

    def follow_links(self, paths: list[str], slug: str):
        """Request the linked pages of this version (or of another one being crawled)."""
        for linked in paths:
            path = self.page_key(linked)
            if path in self.followed:
                continue  # every page links its siblings: skip Scrapy's duplicate filter work
            link_slug = self.slug_of(path)
            if link_slug == slug or link_slug in self.scheduled:
                self.followed.add(path)
                self.ledger.linked(self.versions.get(link_slug) or self.hooks.slug_to_version(link_slug), path)
                # An extension-less link may name a folder: try its index page if .html is absent.
                extensionless = (not posixpath.splitext(linked)[1] and not linked.endswith("/")
                                 and "#" not in linked)
                fallback = [linked.rstrip("/") + "/index.html"] if extensionless else []
                yield self.request(path, self.parse_page, alternatives=fallback)

    def follow_redirect_map(self, response, redirects: dict[str, str], slug: str):
        """A legacy page mapping old #anchors to new pages: remember each old anchor for the
        record it now lives in (applied when the output is written) and fetch the targets."""
        for old_anchor, target in redirects.items():
            target_path, _, fragment = target.partition("#")
            path = self.hooks.canonical_path(target_path)
            page_url = self.public_base_url + path
            self.legacy_anchors.setdefault(page_url, {}).setdefault(fragment, []).append(old_anchor)
        targets = sorted({target.partition("#")[0] for target in redirects.values()})
        yield from self.follow_links(self.documentation_links(response.url, targets), slug)

    # -- incremental runs and resumes ------------------------------------------------------------
    def replay(self, response, done: PageDone, slug: str):
        """A page whose records need no work (journaled or unchanged): re-register what it
        contributes to the crawl (links, versions, old anchors, its manifest entry)."""
        self.done_pages[done.path] = done
        add_counts(self.run.delta, done.delta)
        self.ledger.fetched(done.version, done.path, len(done.records),
                            (done.report or {}).get("text_tokens", 0), stub=not done.report and not done.view)
        if done.report:
            self.run.pages.append(PageReport(**done.report))
            if done.report.get("root_fallback"):
                self.run.content_root_fallback.setdefault(done.version, []).append(response.url)
        if done.view:
            self.run.skipped_pages.setdefault(done.view, []).append(response.url)
        if done.redirects:
            yield from self.follow_redirect_map(response, done.redirects, slug)
        yield from self.follow_links(done.links, slug)
        yield from self.add_versions(done.version_links)

    def final_state(self) -> tuple[dict[str, PageDone], set[str]]:
        """The pages to remember for the next run and the ids of records that are gone."""
        pages, removed, carried = next_state(self.previous, self.done_pages, self.pinned, self.failed_paths)
        add_counts(self.run.delta, carried)
        return pages, removed

    # -- failures ---------------------------------------------------------------------------------
    def on_error(self, failure):
        request = failure.request
        if request.callback == self.parse_host_versions:   # that list is absent: the next one
            self.logger.info("no version list at %s", request.url)
            more = request.meta["more_lists"]
            yield self.ask_host(more) if more else self.entry_again()
            return
        if request.callback == self.parse_versions_json:   # no version list: the entry page may say
            self.logger.info("no versions list at %s", request.url)
            yield self.request(self.profile.entry, self.parse_entry)
            return
        if "scope_area" in request.meta:   # a listed page that is not there: the area stays out
            area = request.meta["scope_area"]
            self.scope.judged[area] = f"absent ({failure.getErrorMessage() or 'request failed'})"
            for path in [urlsplit(request.url).path, *self.scope.pending.pop(area, [])]:
                self.scope.leave_out(self.scope.judged[area], path)
            return
        if failure.check(HttpError) and failure.value.response.status == 404:
            if request.meta.get("probe"):
                # An absent optional page (no Streams docs in old releases, no newer release).
                self.ledger.not_fetched(self.hooks.canonical_path(urlsplit(request.url).path), "absent (HTTP 404)")
                return
            alternatives = request.meta.get("alternatives") or []
            if alternatives:
                yield self.request(alternatives[0], self.parse_page, alternatives=alternatives[1:],
                                   linked_as=request.url)
                return
            # A dead link on the site itself (Kafka's docs have a few): reported, not a failure.
            linked_as = request.meta.get("linked_as", request.url)
            self.logger.info("broken link: %s", linked_as)
            self.run.broken_links.append(linked_as)
            self.ledger.not_fetched(self.hooks.canonical_path(urlsplit(linked_as).path), "broken link (HTTP 404)")
            return
        kind = failure_kind(failure.value)
        reason = f"HTTP {failure.value.response.status}" if failure.check(HttpError) else \
            failure.getErrorMessage() or f"{kind} ({type(failure.value).__name__})"
        self.fail(request.url, reason, kind)

    def request_dropped(self, request, spider=None) -> None:
        """A redirect back to a page of its own chain is a loop: the duplicate filter drops it
        silently, so it is reported here."""
        if request.url in request.meta.get("redirect_urls", []):
            self.fail(request.meta["redirect_urls"][0], f"redirect loop via {request.url}", "redirect_loop")

    def fail_not_html(self, response) -> None:
        content_type = response.headers.get("Content-Type", b"?").decode("latin-1")
        self.fail(response.url, f"not HTML ({content_type})", "not_html")

    def fail(self, url: str, reason: str, kind: str = "other") -> None:
        self.logger.warning("page failed: %s (%s)", url, reason)
        self.run.failures.append({"url": url, "reason": reason, "kind": kind})
        self.failed_paths.add(self.page_key(url))
        self.ledger.not_fetched(self.page_key(url), f"{kind}: {reason}")
        self.crawler.stats.inc_value("docprompts/pages_failed")

    def sample_layout(self, version: str) -> bool:
        """Check this page against trafilatura's main text? Until a version has SAMPLE_PAGES
        judged pages (short pages are not judged), and at most 4 x SAMPLE_PAGES tries."""
        self.layout_sampled[version] = self.layout_sampled.get(version, 0) + 1
        return (len(self.layout_shares.get(version, [])) < SAMPLE_PAGES
                and self.layout_sampled[version] <= 4 * SAMPLE_PAGES)

    def check_layout_drift(self) -> None:
        """The layout-drift alarm: a warning, a manifest failure (kind ``layout_drift``), exit 1."""
        for alarm in layout_drift(self.layout_shares):
            self.logger.warning("layout drift: %s", alarm["reason"])
            self.run.failures.append(alarm)

    def version_summary(self) -> dict:
        before = {page.version for page in self.previous.values()}
        requested = self.version_filter if isinstance(self.version_filter, set) else set()
        known = set(self.versions.values()) | {self.hooks.slug_to_version(s) for s in self.versions} \
            | {alias for alias, slug in self.aliases.items() if slug in self.versions}
        ordered = sorted(self.versions.items(), key=lambda item: version_sort_key(item[1]))
        return {
            **self.run.versions,
            "discovered": [version for _, version in ordered],
            "crawled": [version for version in dict.fromkeys(v for _, v in ordered)
                        if version in {page.version for page in self.run.pages}],
            "latest": self.versions.get(self.latest_slug) if self.latest_slug is not None else None,
            "aliases": dict(sorted(self.aliases.items())),
            "pinned": sorted(self.pinned, key=version_sort_key),
            "new_since_last_run": [v for _, v in ordered if before and v not in before],
            "unknown_requested": sorted(requested - known),
        }


def link_targets(links: list[str], keep_routes: bool = False) -> list[str]:
    """A page's distinct link targets; same-page anchors (most of a long TOC) left out. With
    ``keep_routes``, a client-side route (``#/guide``, ``#/guide?id=setup``) is a target."""
    hrefs = {without_anchor(href.strip(), keep_routes) for href in links}
    hrefs.discard("")
    return sorted(hrefs)


def without_anchor(href: str, keep_routes: bool) -> str:
    target, sep, fragment = href.partition("#")
    route = route_of(fragment) if keep_routes and sep else None
    return f"{target}#{route}" if route else target


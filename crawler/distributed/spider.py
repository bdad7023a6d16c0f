"""The ``docs`` spider in a distributed run: same pages, same records; shared discovery state;
each finished request shipped to Redis with the release of its lease.

A request is finished when its callback (or errback) has returned everything: its records are
collected, its new requests pushed to the shared queue (synchronously), and what the spider
added to the manifest since the last message (pages done, failures, broken and skipped links,
retries, ...) goes in one message, in the same Redis transaction that drops the lease.
"""
from __future__ import annotations

import json
import time

import redis
import scrapy
from scrapy.exceptions import DontCloseSpider

from crawler.run.ledger import DiscoveryLedger
from crawler.spiders.docs import DocsSpider
from crawler.run.state import PageDone
from crawler.distributed.ledgers import ledger_delta, merge_ledger
from crawler.distributed.run import RunRecord, SharedRun
from crawler.distributed.scheduler import LEASE, LOCAL

COORDINATOR, WORKER = "coordinator", "worker"
# Manifest lists a page's processing appends to; shipped as "what is new since the last message".
_LISTS = ("failures", "broken_links", "retries", "charset_repairs")
# Manifest tables of URL lists ({rule or version: [url, ...]}), shipped the same way.
_TABLES = ("skipped_pages", "content_root_fallback")


class DistributedDocsSpider(DocsSpider):
    name = "docs_distributed"

    def __init__(self, job: RunRecord, shared: SharedRun, role: str = WORKER, **kwargs):
        super().__init__(profile=job.load_profile(), base_url=job.base_url, **job.spider_options, **kwargs)
        self.job, self.shared, self.role = job, shared, role
        self.crawled_at = job.crawled_at            # one timestamp for the whole run's records
        self.run.started_at = job.crawled_at
        self.redis_lost: str | None = None
        self.shipped_pages: set[str] = set()
        self.shipped_failed: set[str] = set()
        self.shipped_skipped = {kind: set() for kind in self.run.skipped_links}
        self.cursors = dict.fromkeys(_LISTS + ("found_by_probe",), 0)
        self.table_cursors: dict[tuple[str, str], int] = {}
        self.shipped_anchors = ""
        self.shipped_ledger = DiscoveryLedger()   # the part of self.ledger already shipped
        self.shipped_limits = "[]"
        self.discovery_pulled = 0.0
        self.published: set[str] = set()        # version slugs this process put in Redis
        self.published_rest: tuple = (None, ())  # and the latest slug and aliases it put there

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        # --state: the coordinator put the last run's pages in Redis; every process compares
        # page bodies with them (state=None above keeps Scrapy's HTTP cache per machine off).
        spider.state = spider.job.state
        if spider.state:
            spider.previous = {path: PageDone.from_json(page)
                               for path, page in spider.shared.previous_pages().items()}
            spider.previous_records = {record_id: digest for page in spider.previous.values()
                                       for record_id, digest in page.records.items()}
            spider.pinned = spider.pinned_versions()
        crawler.signals.connect(spider.on_idle, signal=scrapy.signals.spider_idle)
        return spider

    async def start(self):
        if self.role == COORDINATOR:   # discovery: the coordinator's, again after a restart
            async for request in super().start():
                yield request

    def request(self, path_or_url, callback, probe=False, **meta):
        request = super().request(path_or_url, callback, probe=probe, **meta)
        if callback in (self.parse_versions_json, self.parse_entry, self.parse_template_context,
                        self.parse_host_versions, self.parse_options_script):
            request.meta[LOCAL] = True
            request.dont_filter = True
        return request

    # -- shared discovery -------------------------------------------------------------------------
    def pull_discovery(self) -> None:
        versions, aliases, latest, scheduled = self.shared.discovery()
        for slug, version in versions.items():
            self.versions.setdefault(slug, version)
        for alias, slug in aliases.items():
            self.aliases.setdefault(alias, slug)
        self.latest_slug = self.latest_slug or latest
        self.scheduled |= scheduled
        self.discovery_pulled = time.monotonic()

    def add_versions(self, found: dict[str, str]):
        if self.latest_slug is None or set(found) - set(self.versions):
            self.publish_discovery()   # what this process learnt first (the entry page: latest)
            self.pull_discovery()      # then what the others did
        yield from super().add_versions(found)
        self.publish_discovery()

    def publish_discovery(self) -> None:
        versions = {slug: version for slug, version in self.versions.items() if slug not in self.published}
        rest = (self.latest_slug, tuple(sorted(self.aliases.items())))
        if versions or rest != self.published_rest:
            self.shared.publish_discovery(versions, self.aliases, self.latest_slug)
            self.published |= versions.keys()
            self.published_rest = rest

    def schedule_version(self, slug: str, first_seed_fetched: bool = False):
        version = self.versions.get(slug) or self.hooks.slug_to_version(slug)
        if slug in self.scheduled or not self.shared.claim_version(slug, version):
            self.scheduled.add(slug)   # another process seeded it
            return
        yield from super().schedule_version(slug, first_seed_fetched)

    def follow_links(self, paths: list[str], slug: str):
        slugs = {kinds[0][1] for kinds in (self.profile.kinds_for(self.hooks.canonical_path(path))
                                           for path in paths) if kinds}
        if slugs - self.scheduled - {slug} and time.monotonic() - self.discovery_pulled > 1:
            self.pull_discovery()   # a version another process scheduled
        yield from super().follow_links(paths, slug)

    async def parse_page(self, response, context=None):
        if self.latest_slug is None:
            self.pull_discovery()
        async for output in super().parse_page(response, context):
            yield output

    # -- finished requests ------------------------------------------------------------------------
    def on_error(self, failure):
        self.finish_request(failure.request, list(super().on_error(failure)))
        return []

    def finish_request(self, request, outputs: list) -> None:
        """Push the request's new requests, then ship its records and the manifest entries
        gathered since the last message with the release of its lease."""
        lease = request.meta.pop(LEASE, None)   # released once (an errback and the middleware
        records = []                             # may both see an HTTP error's request)
        for output in outputs:
            if isinstance(output, scrapy.Request):
                if output.meta.get(LOCAL) and lease:
                    output.meta[LEASE] = lease   # runs under this lease, which stays held
                    lease = None
                self.crawler.engine.crawl(output)
            elif output is not None:
                records.append(dict(output))
        message = self.drain(records)
        if (message or lease) and not self.redis_lost:
            try:
                self.shared.ship(message, lease)
            except redis.RedisError as error:   # the lease stays: the request will be redone
                self.lose_redis(error)

    def drain(self, records: list[dict]) -> dict | None:
        """What this process found since its last message (none: nothing to ship)."""
        run = self.run
        message: dict = {"worker": self.shared.worker}
        if records:
            message["records"] = records
        pages = {path: done.to_json() for path, done in self.done_pages.items() if path not in self.shipped_pages}
        if pages:
            message["pages"] = pages
            self.shipped_pages |= pages.keys()
        for name in _LISTS:
            values = getattr(run, name)
            if len(values) > self.cursors[name]:
                message[name] = values[self.cursors[name]:]
                self.cursors[name] = len(values)
        stated = run.versions.get("stated", {})   # alias paths' version numbers (coordinator)
        if len(stated) > self.cursors.get("stated", 0):
            message["stated"] = stated
            self.cursors["stated"] = len(stated)
        probed = run.versions.get("found_by_probe", [])
        if len(probed) > self.cursors["found_by_probe"]:
            message["found_by_probe"] = probed[self.cursors["found_by_probe"]:]
            self.cursors["found_by_probe"] = len(probed)
        for name in _TABLES:
            fresh = {key: urls[self.table_cursors.get((name, key), 0):] for key, urls in getattr(run, name).items()}
            fresh = {key: urls for key, urls in fresh.items() if urls}
            if fresh:
                message[name] = fresh
                for key, urls in fresh.items():
                    self.table_cursors[(name, key)] = self.table_cursors.get((name, key), 0) + len(urls)
        skipped = {kind: sorted(urls - self.shipped_skipped[kind]) for kind, urls in run.skipped_links.items()}
        if any(skipped.values()):
            message["skipped_links"] = skipped
            for kind, urls in skipped.items():
                self.shipped_skipped[kind].update(urls)
        failed = self.failed_paths - self.shipped_failed
        if failed:
            message["failed_paths"] = sorted(failed)
            self.shipped_failed |= failed
        anchors = repr(self.legacy_anchors)
        if self.legacy_anchors and anchors != self.shipped_anchors:
            message["legacy_anchors"] = self.legacy_anchors
            self.shipped_anchors = anchors
        limits = json.dumps(run.limits_reached)   # this process's budget refusals, so far
        if limits != self.shipped_limits:
            message["limits_reached"] = run.limits_reached
            self.shipped_limits = limits
        ledger = ledger_delta(self.ledger, self.shipped_ledger)
        if ledger:
            message["ledger"] = ledger
            merge_ledger(self.shipped_ledger, ledger)
        return message if len(message) > 1 else None

    # -- the end of the run -----------------------------------------------------------------------
    def on_idle(self, spider=None):
        if self.redis_lost:
            return   # close: the CLI says so and exits 1
        try:
            if self.role == COORDINATOR and self.shared.finish_if_done():
                return
            if self.role == WORKER and self.shared.status() != "running":
                return   # the run is finished (or gone): this worker is done with it
        except redis.RedisError as error:
            self.lose_redis(error)
            return
        raise DontCloseSpider

    def lose_redis(self, error) -> None:
        if self.redis_lost:
            return
        self.redis_lost = f"{type(error).__name__}: {error}"
        self.logger.error("lost the connection to Redis: %s", self.redis_lost)
        from scrapy.utils.defer import deferred_from_coro

        deferred_from_coro(self.crawler.engine.close_spider_async(reason="redis_lost"))


class ShipResults:
    """Spider middleware (order 1: it sees a callback's output last): hands each callback's
    whole output to ``finish_request`` instead of streaming it to the engine."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_spider_output(self, response, result, spider=None):
        outputs = []
        try:
            outputs.extend(result)
        finally:   # a callback that raised still finishes its request (else its lease would
            self.crawler.spider.finish_request(response.request, outputs)   # go round forever)
        return []

    async def process_spider_output_async(self, response, result, spider=None):
        outputs = []
        try:
            async for output in result:
                outputs.append(output)
        finally:
            self.crawler.spider.finish_request(response.request, outputs)
        return
        yield  # an async generator that yields nothing

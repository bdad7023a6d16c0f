"""scrapy-redis's scheduler with leases: a request popped by a process stays in Redis, in that
process's lease hash, until the process ships its results (``SharedRun.ship``).

scrapy-redis pops a request and forgets it: a process killed mid-page loses every request it
held. Here the pop and the lease are one Lua step, each process heartbeats every third of the
lease period, and any process finding a heartbeat expired puts that process's leased requests
back in the queue. Requests stay scrapy-redis's own (its priority queue's encoding, its
duplicate filter's fingerprints), encoded as checked JSON (``wire.py``: never pickle); only the
Redis steps are replaced, by atomic ones.

Requests marked ``LOCAL`` (discovery, a page's template context) never leave the process: they
carry state that is not serialisable (the page waiting for its context) and run under the
lease of the request that made them.
"""
from __future__ import annotations

import collections
import logging

import redis
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from crawler.distributed import wire

LEASE, LOCAL = "docprompts_lease", "docprompts_local"
IDLE_POLL_SECONDS = 0.5     # how soon an idle process looks at the shared queue again (Scrapy: 5)

logger = logging.getLogger(__name__)


class LeasedScheduler(Scheduler):
    """Enabled as ``SCHEDULER`` for distributed runs; the spider holds the ``SharedRun``."""

    def __init__(self, crawler) -> None:
        super().__init__(server=None, persist=True)
        self.crawler = crawler
        self.stats = crawler.stats
        self.local: collections.deque = collections.deque()
        self.heartbeat: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open(self, spider):
        self.spider = spider
        self.shared = spider.shared
        self.server = self.shared.client
        self.queue = PriorityQueue(self.server, spider, self.shared.key("requests"), serializer=wire)
        self.df = RFPDupeFilter(self.server, self.shared.key("seen"))
        # Scrapy pulls requests until CONCURRENT_REQUESTS are in flight: one process would lease
        # the whole frontier of a small site while the others idle. Lease no more than this
        # process can download at once plus the pages its workers are processing.
        self.max_leases = (self.crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
                           + max(1, spider.workers.processes if spider.workers else 1))
        # Scrapy polls an idle scheduler every 5 s; work pushed by other processes is picked up
        # sooner this way (an engine attribute: there is no setting for it).
        self.crawler.engine._SLOT_HEARTBEAT_INTERVAL = IDLE_POLL_SECONDS
        self.beat()
        self.heartbeat = task.LoopingCall(self.beat)
        self.heartbeat.start(spider.job.lease_seconds / 3, now=False)
        pending = self.guard(self.shared.pending, 0)
        if pending:
            spider.logger.info("joining run %s: %d requests queued", self.shared.run_id, pending)

    def close(self, reason):
        if self.heartbeat and self.heartbeat.running:
            self.heartbeat.stop()
        self.guard(self.shared.leave)

    def beat(self) -> None:
        requeued = self.guard(lambda: self.shared.heartbeat(self.spider.job.lease_seconds), 0)
        if requeued:
            self.spider.logger.warning("requeued %d requests leased by a process that stopped "
                                       "heartbeating", requeued)

    def guard(self, call, default=None):
        """Redis calls from inside the crawl: a lost connection stops this process's crawl
        (exit 1); the run stays in Redis, so it can be resumed."""
        if self.spider.redis_lost:
            return default
        try:
            return call()
        except (redis.ConnectionError, redis.TimeoutError) as error:
            self.spider.lose_redis(error)
            return default

    def __len__(self):
        return len(self.local) + self.guard(self.shared.pending, 0)

    def has_pending_requests(self):
        return bool(self.local) or self.guard(self.shared.pending, 0) > 0

    def enqueue_request(self, request):
        if request.meta.get(LOCAL):
            self.local.append(request)
            return True
        # A retry or a redirect of a leased request: the new request goes to the queue first,
        # then the old lease is dropped (a crash between the two can only duplicate work).
        handed_over = request.meta.pop(LEASE, None)
        fingerprint = "" if request.dont_filter else self.df.request_fingerprint(request)
        pushed = self.guard(lambda: self.shared.push(fingerprint, -request.priority,
                                                     self.queue._encode_request(request)), False)
        if handed_over:
            self.guard(lambda: self.shared.release(handed_over))
        if pushed and self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return pushed

    def next_request(self):
        if self.local:
            return self.local.popleft()
        if self.shared.held >= self.max_leases:
            return None   # asked again when one of them is done (or at the idle poll)
        popped = self.guard(self.shared.pop_and_lease)
        if not popped:
            return None
        data, lease = popped
        try:
            request = self.queue._decode_request(data)
        except (wire.Refused, ValueError, TypeError, KeyError) as error:
            # Planted, corrupt or from another program: named in the manifest, never run.
            self.spider.refuse_message(f"{error} ({wire.describe(data)})", lease)
            return None
        request.meta[LEASE] = lease
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

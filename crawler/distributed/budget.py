"""The crawl budget of a distributed run, counted once for the whole run.

``crawler/run/limits.py`` counts page requests in the process; with N processes a run could fetch N
times ``DOCPROMPTS_MAX_PAGES``. Here the page count, the count per version and the versions
crawled live in Redis (the run's keys), and admitting a page is one Lua step: a URL is counted
once whichever process finds it (each process has its own "already followed" set, so the same
link may be yielded by several), and two processes cannot both take the last page of a limit.
URL length and depth are properties of the request itself and stay local.
"""
from __future__ import annotations

import redis

from crawler.run.limits import CrawlBudgetMiddleware, LimitTracker

# KEYS: admitted URLs, page count, pages per version. ARGV: url, version ('' = none),
# max pages, max pages per version, max versions. Returns '' (admitted) or the limit's name.
_ADMIT = """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return '' end
local version = ARGV[2]
if version ~= '' and redis.call('HEXISTS', KEYS[3], version) == 0
   and redis.call('HLEN', KEYS[3]) >= tonumber(ARGV[5]) then return 'max_versions' end
if tonumber(redis.call('GET', KEYS[2]) or '0') >= tonumber(ARGV[3]) then return 'max_pages' end
if version ~= '' and tonumber(redis.call('HGET', KEYS[3], version) or '0') >= tonumber(ARGV[4]) then
  return 'max_pages_per_version'
end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('INCR', KEYS[2])
if version ~= '' then redis.call('HINCRBY', KEYS[3], version, 1) end
return ''
"""


class SharedLimitTracker(LimitTracker):
    def __init__(self, limits, shared) -> None:
        super().__init__(limits)
        self.shared = shared
        self._admit = shared.client.register_script(_ADMIT)

    def admit_page(self, url: str, version: str | None) -> bool:
        limits = self.limits
        keys = [self.shared.key("budget:urls"), self.shared.key("budget:pages"), self.shared.key("budget:versions")]
        refused = self._admit(keys=keys, args=[url, version or "", limits.max_pages, limits.max_pages_per_version,
                                               limits.max_versions])
        if not refused:
            return True
        name = refused.decode() if isinstance(refused, bytes) else refused
        return self._refuse(name, getattr(limits, name), url, version if name == "max_pages_per_version" else None)


class SharedCrawlBudget(CrawlBudgetMiddleware):
    """``CrawlBudgetMiddleware`` with the page counts in Redis (distributed runs only)."""

    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        self.tracker = SharedLimitTracker(self.tracker.limits, crawler.spider.shared)

    def admit(self, request) -> bool:
        try:
            return super().admit(request)
        except redis.RedisError as error:   # the run stops (exit 1); the request stays unmade
            self.crawler.spider.lose_redis(error)
            return False

"""One politeness per host across every process of a distributed run (and every run of a Redis).

Scrapy keeps a host's download delay, its concurrency and AutoThrottle's delay estimate in each
process's downloader: N machines on one site would send N times the rate our User-Agent
promises. In a distributed run these live in Redis instead, under ``docprompts:host:<host>``,
and every request reserves its turn there before it is sent (one Lua script, atomic, on Redis'
own clock so the machines' clocks do not matter):

- **delay**: a request may start ``delay`` after the previous one to that host, whichever
  process sent it; ``delay`` is the larger of ``DOWNLOAD_DELAY`` and the shared AutoThrottle
  estimate;
- **concurrency**: at most ``CONCURRENT_REQUESTS_PER_DOMAIN`` requests in flight per host; a
  slot held by a process that died frees itself after ``DOWNLOAD_TIMEOUT`` (+30 s);
- **AutoThrottle**: each response updates the shared estimate with Scrapy's own rule
  (``AutoThrottle._adjust_delay``: halfway towards latency / target concurrency, never below
  ``DOWNLOAD_DELAY``, never above ``AUTOTHROTTLE_MAX_DELAY``, not lowered by an error page).

The processes' own Scrapy delay and AutoThrottle are switched off (``local_settings``): the
shared turn is the only wait. Delays are not randomised (Scrapy's 0.5-1.5x jitter): the shared
spacing is exact, so never faster than one process.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

import redis
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached

HOST_PREFIX = "docprompts:host:"
TOKEN = "docprompts_host_slot"      # request.meta: (host, slot token) while the request is out
KEEP_MS = 600_000                    # a host's keys outlive the last request by 10 minutes

# KEYS: host hash, host slots. ARGV: min delay ms, concurrency, token, slot lifetime ms, key
# lifetime ms, the delay before any estimate (AutoThrottle's start delay, else 0) ms.
# Returns {wait ms, 1} with a slot taken, or {retry in ms, 0} when every slot is taken.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[2]) then
  local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  return {math.min(200, math.max(10, tonumber(first[2]) - now)), 0}
end
local delay = math.max(tonumber(ARGV[1]), tonumber(redis.call('HGET', KEYS[1], 'throttle') or ARGV[6]))
local start = math.max(now, tonumber(redis.call('HGET', KEYS[1], 'next') or '0'))
redis.call('HSET', KEYS[1], 'next', start + delay)
redis.call('ZADD', KEYS[2], start + tonumber(ARGV[4]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return {start - now, 1}
"""
# KEYS: host hash, host slots. ARGV: token, latency ms ('' = no estimate), target concurrency,
# min delay ms, max delay ms, start delay ms, 1 if HTTP 200. AutoThrottle._adjust_delay, shared.
_RELEASE = """
redis.call('ZREM', KEYS[2], ARGV[1])
if ARGV[2] == '' then return 0 end
local old = tonumber(redis.call('HGET', KEYS[1], 'throttle') or ARGV[6])
local target = tonumber(ARGV[2]) / tonumber(ARGV[3])
local new = math.max(target, (old + target) / 2)
new = math.min(math.max(tonumber(ARGV[4]), new), tonumber(ARGV[5]))
if ARGV[7] ~= '1' and new <= old then return 0 end
redis.call('HSET', KEYS[1], 'throttle', new)
return 1
"""


@dataclass(frozen=True)
class HostLimits:
    """A run's politeness, read from its effective settings before the local ones are zeroed."""
    delay: float
    concurrency: int
    autothrottle: bool
    start_delay: float
    max_delay: float
    target_concurrency: float
    slot_seconds: float

    @property
    def first_delay(self) -> float:
        return self.start_delay if self.autothrottle else 0.0

    @classmethod
    def from_settings(cls, settings) -> HostLimits:
        delay = settings.getfloat("DOWNLOAD_DELAY")
        return cls(delay=delay, concurrency=max(1, settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")),
                   autothrottle=settings.getbool("AUTOTHROTTLE_ENABLED"),
                   start_delay=max(delay, settings.getfloat("AUTOTHROTTLE_START_DELAY")),
                   max_delay=settings.getfloat("AUTOTHROTTLE_MAX_DELAY"),
                   target_concurrency=settings.getfloat("AUTOTHROTTLE_TARGET_CONCURRENCY"),
                   slot_seconds=settings.getfloat("DOWNLOAD_TIMEOUT") + 30)


# Above the -s settings (priority "cmdline", 40): the shared turn replaces the local delays.
LOCAL_PRIORITY = 45


def take_over(settings) -> HostLimits:
    """The run's host limits; the process's own delay and AutoThrottle switched off."""
    limits = HostLimits.from_settings(settings)
    settings.set("DOWNLOAD_DELAY", 0, priority=LOCAL_PRIORITY)
    settings.set("AUTOTHROTTLE_ENABLED", False, priority=LOCAL_PRIORITY)
    return limits


class SharedPoliteness:
    """Downloader middleware (order 990: next to the download itself, so pages replayed from a
    journal or answered by another middleware take no turn)."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self._reserve = self._release = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def limits(self) -> HostLimits:
        return self.crawler.spider.host_limits

    def scripts(self):
        if self._reserve is None:
            client = self.crawler.spider.shared.client
            self._reserve, self._release = client.register_script(_RESERVE), client.register_script(_RELEASE)
        return self._reserve, self._release

    async def process_request(self, request, spider=None):
        host = urlparse_cached(request).hostname or ""
        reserve, _ = self.scripts()
        token = uuid.uuid4().hex
        limits = self.limits
        keys = [HOST_PREFIX + host, HOST_PREFIX + host + ":slots"]
        while True:
            try:
                wait_ms, taken = reserve(keys=keys, args=[int(limits.delay * 1000), limits.concurrency, token,
                                                          int(limits.slot_seconds * 1000), KEEP_MS,
                                                          int(limits.first_delay * 1000)])
            except redis.RedisError as error:   # the run cannot go on without Redis: it stops
                self.crawler.spider.lose_redis(error)
                return None
            if taken:
                request.meta[TOKEN] = (host, token)
                if wait_ms > 0:
                    await sleep(wait_ms / 1000)
                return None
            await sleep(wait_ms / 1000)

    def process_response(self, request, response, spider=None):
        self.done(request, response.status == 200, request.meta.get("download_latency"))
        return response

    def process_exception(self, request, exception, spider=None):
        self.done(request, False, None)

    def done(self, request, ok: bool, latency: float | None) -> None:
        held = request.meta.pop(TOKEN, None)
        if held is None:
            return
        host, token = held
        limits = self.limits
        estimate = "" if latency is None or not limits.autothrottle else int(latency * 1000)
        _, release = self.scripts()
        try:
            release(keys=[HOST_PREFIX + host, HOST_PREFIX + host + ":slots"],
                    args=[token, estimate, limits.target_concurrency, int(limits.delay * 1000),
                          int(limits.max_delay * 1000), int(limits.start_delay * 1000), int(ok)])
        except redis.RedisError as error:
            self.crawler.spider.lose_redis(error)


async def sleep(seconds: float) -> None:
    from twisted.internet import reactor, task

    await maybe_deferred_to_future(task.deferLater(reactor, seconds, lambda: None))

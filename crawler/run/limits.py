"""A crawl's budget: limits per run and per version, and URLs stripped of session ids.

Sites have traps: ever-deeper paths, calendars that always have a next month, session ids in
every link (``;jsessionid=...``, ASP.NET's ``/(S(...))/``), release pages naming the next
release. Without a budget such a crawl runs until the server gives up. ``CrawlLimits`` holds the
limits (settings ``DOCPROMPTS_MAX_*``); ``LimitTracker`` is the pure decision (admit a request
or name the limit it hits); ``CrawlBudgetMiddleware`` applies it to every request the spider
yields. A limit hit is listed in the manifest's ``limits_reached`` and makes the run partial
(exit 1). Pages replayed from an interrupted run's journal do not count, so a resumed run can
always finish.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from scrapy import Request

EXAMPLES_KEPT = 5


@dataclass(frozen=True)
class CrawlLimits:
    max_pages: int = 50_000              # page requests per run
    max_pages_per_version: int = 2_000   # page requests per documentation version
    max_versions: int = 200              # versions crawled per run
    max_depth: int = 25                  # links followed from the entry page
    max_url_length: int = 2_000          # characters (Scrapy drops > 2083 silently)

    @classmethod
    def from_settings(cls, settings) -> CrawlLimits:
        limits = cls(**{name: settings.getint(f"DOCPROMPTS_{name.upper()}", default)
                        for name, default in cls().__dict__.items()})
        page_count = settings.getint("CLOSESPIDER_PAGECOUNT", 0)   # Scrapy's, counted our way
        if page_count:
            limits = CrawlLimits(**{**limits.__dict__, "max_pages": min(limits.max_pages, page_count)})
        return limits


# ;jsessionid=ABC (Java servlets, also ;sid= / ;phpsessid=) up to the next / ? or #, and
# ASP.NET's cookieless segments /(S(abc))/, /(A(abc))/, /(F(abc))/.
_PATH_SESSION = re.compile(r";(?:jsessionid|sid|phpsessid|sessionid)=[^/?#]*", re.IGNORECASE)
_ASPNET_SESSION = re.compile(r"/\((?:[A-Z]\([^()/]*\))+\)(?=/)")


def without_session_ids(url: str) -> str:
    """The URL without session ids in its path: one page, one URL."""
    parts = urlsplit(url)
    path = _ASPNET_SESSION.sub("", _PATH_SESSION.sub("", parts.path))
    return url if path == parts.path else urlunsplit(parts._replace(path=path or "/"))


@dataclass
class LimitTracker:
    limits: CrawlLimits
    pages: int = 0
    per_version: dict[str, int] = field(default_factory=dict)
    reached: dict[str, dict] = field(default_factory=dict)

    def admit(self, url: str, version: str | None, depth: int, is_page: bool, replayed: bool) -> bool:
        """Whether to request ``url``; a refusal is counted under the limit's name."""
        limits = self.limits
        if len(url) > limits.max_url_length:
            return self._refuse("max_url_length", limits.max_url_length, url)
        if depth > limits.max_depth:
            return self._refuse("max_depth", limits.max_depth, url)
        if not is_page or replayed:
            return True
        if version is not None and version not in self.per_version:
            if len(self.per_version) >= limits.max_versions:
                return self._refuse("max_versions", limits.max_versions, url)
            self.per_version[version] = 0
        if self.pages >= limits.max_pages:
            return self._refuse("max_pages", limits.max_pages, url)
        if version is not None and self.per_version[version] >= limits.max_pages_per_version:
            return self._refuse("max_pages_per_version", limits.max_pages_per_version, url, version)
        self.pages += 1
        if version is not None:
            self.per_version[version] += 1
        return True

    def _refuse(self, name: str, value: int, url: str, version: str | None = None) -> bool:
        key = f"{name}:{version}" if version else name
        entry = self.reached.setdefault(key, {"limit": name, "value": value, "requests_dropped": 0,
                                              "examples": []} | ({"version": version} if version else {}))
        entry["requests_dropped"] += 1
        if len(entry["examples"]) < EXAMPLES_KEPT:
            entry["examples"].append(url[:300])
        return False

    def summary(self) -> list[dict]:
        return [self.reached[key] for key in sorted(self.reached)]


class CrawlBudgetMiddleware:
    """Spider middleware (after Scrapy's DepthMiddleware, which sets ``depth``)."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.tracker = LimitTracker(CrawlLimits.from_settings(crawler.settings))

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_spider_output(self, response, result, spider=None):
        async for output in result:
            if not isinstance(output, Request):
                yield output
                continue
            request = self.canonical(output)
            if self.admit(request):
                yield request
            self.publish()

    def canonical(self, request: Request) -> Request:
        url = without_session_ids(request.url)
        return request if url == request.url else request.replace(url=url)

    def admit(self, request: Request) -> bool:
        spider = self.crawler.spider
        is_page = getattr(request.callback, "__name__", "") == "parse_page"
        hooks = getattr(spider, "hooks", None)
        version = hooks.slug_of_url(request.url) if hooks is not None else None
        replayed = request.url in getattr(spider, "completed", {})
        return self.tracker.admit(request.url, version, request.meta.get("depth", 0), is_page, replayed)

    def publish(self) -> None:
        run = getattr(self.crawler.spider, "run", None)
        if run is not None and self.tracker.reached:
            run.limits_reached = self.tracker.summary()

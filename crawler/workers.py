"""Page processing off the crawl's event loop, in worker processes.

Parsing, rendering, extraction, budgeting and token counting are CPU-bound pure functions
(``crawler.pages.process_page``); run inline they stall the downloader and use one core, and
a parsed 1 MB page leaves the crawl process tens of MB larger. So no page is parsed there.
``PageWorkers`` sends each page to a process pool and awaits the result from an async
callback, so downloads continue meanwhile. ``processes=0`` runs inline (tests, debugging).
"""
from __future__ import annotations

import asyncio
import ctypes
import functools
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

from compress.budget import Budget
from compress.tokenizer import TokenCounter

from .charset import decode_html
from .hooks import hooks_for
from .pages import PageInfo, PageResult, parse_html, process_page
from .profiles import PageKind, SiteProfile


def default_processes() -> int:
    return max(1, min(4, os.cpu_count() or 1))


@functools.lru_cache(maxsize=None)
def counter_for(encoding: str) -> TokenCounter:
    """One counter (and its memo of counts) per process and encoding."""
    return TokenCounter(encoding)


def _process(body: bytes, declared_encoding: str, info: PageInfo, profile: SiteProfile,
             kinds: list[PageKind], budget: Budget, crawled_at: str, context: dict | None) -> PageResult:
    # Decoding here, not in the crawl process: a page's text is 1-4x its bytes, and the crawl
    # process would otherwise hold a decoded copy of every page waiting for a worker.
    html_text, actual_encoding = decode_html(body, declared_encoding)
    result = process_page(html_text, info, profile, kinds, budget, counter_for(budget.encoding),
                          crawled_at, context)
    result.decoded_as = actual_encoding
    result.content_text = ""   # the crawl process needs its word count only (content_words)
    release_freed_memory()
    return result


def release_freed_memory() -> None:
    """Give the pages glibc holds after a big page's tree is freed back to the OS: without it a
    worker stays at its largest page's high-water mark (tens of MB) for the rest of the run."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


try:
    _LIBC = ctypes.CDLL("libc.so.6")
    _LIBC.malloc_trim  # glibc only
except (OSError, AttributeError):
    _LIBC = None


def _inspect(body: bytes, declared_encoding: str, url: str, profile: SiteProfile) -> tuple[dict, str | None, dict]:
    """An entry or probe page's version links, own version and the menu's link to each
    version (its entry page, for profiles with ``seeds = []``); no records."""
    doc = parse_html(decode_html(body, declared_encoding)[0])
    hooks = hooks_for(profile)
    return hooks.version_links(doc, url), hooks.current_version(doc, url), hooks.version_entries(doc, url)


class PageWorkers:
    def __init__(self, processes: int, encoding: str) -> None:
        self.executor = None
        self.processes = processes
        self._slots: asyncio.Semaphore | None = None   # made in the crawl's event loop
        if processes > 0:
            # "spawn": the crawl process runs threads (Twisted's, the pool's); forking it is unsafe.
            self.executor = ProcessPoolExecutor(
                processes, mp_context=multiprocessing.get_context("spawn"),
                initializer=counter_for, initargs=(encoding,))

    async def process(self, body: bytes, declared_encoding: str, info: PageInfo,
                      profile: SiteProfile, kinds: list[PageKind], budget: Budget, crawled_at: str,
                      context: dict | None) -> PageResult:
        args = (body, declared_encoding, info, profile, kinds, budget, crawled_at, context)
        if self.executor is None:
            return _process(*args)
        return await self._run(_process, *args)

    async def _run(self, function, *args):
        """At most two pages per worker in flight: the rest wait as Scrapy responses (which
        makes Scrapy pause its downloads) instead of piling up in the pool's queue."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(2 * self.processes)
        async with self._slots:
            return await asyncio.get_running_loop().run_in_executor(self.executor, function, *args)

    async def inspect(self, body: bytes, declared_encoding: str, url: str,
                      profile: SiteProfile) -> tuple[dict, str | None, dict]:
        args = (body, declared_encoding, url, profile)
        if self.executor is None:
            return _inspect(*args)
        return await self._run(_inspect, *args)

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None

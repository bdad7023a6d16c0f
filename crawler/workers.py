"""Page processing off the crawl's event loop, in worker processes.

Rendering, extraction, budgeting and token counting are CPU-bound pure functions
(``crawler.pages.process_page``); run inline they stall the downloader and use one core.
``PageWorkers`` sends each page to a process pool and awaits the result from an async
callback, so downloads continue meanwhile. ``processes=0`` runs inline (tests, debugging).
"""
from __future__ import annotations

import asyncio
import functools
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

from compress.budget import Budget
from compress.tokenizer import TokenCounter

from .pages import PageInfo, PageResult, process_page
from .profiles import PageKind, SiteProfile


def default_processes() -> int:
    return max(1, min(4, os.cpu_count() or 1))


@functools.lru_cache(maxsize=None)
def counter_for(encoding: str) -> TokenCounter:
    """One counter (and its memo of counts) per process and encoding."""
    return TokenCounter(encoding)


def _process(html_text: str, info: PageInfo, profile: SiteProfile, kinds: list[PageKind],
             budget: Budget, crawled_at: str, context: dict | None) -> PageResult:
    return process_page(html_text, info, profile, kinds, budget, counter_for(budget.encoding),
                        crawled_at, context)


class PageWorkers:
    def __init__(self, processes: int, encoding: str) -> None:
        self.executor = None
        if processes > 0:
            # "spawn": the crawl process runs threads (Twisted, tiktoken); forking it is unsafe.
            self.executor = ProcessPoolExecutor(
                processes, mp_context=multiprocessing.get_context("spawn"),
                initializer=counter_for, initargs=(encoding,))

    async def process(self, html_text: str, info: PageInfo, profile: SiteProfile,
                      kinds: list[PageKind], budget: Budget, crawled_at: str,
                      context: dict | None) -> PageResult:
        args = (html_text, info, profile, kinds, budget, crawled_at, context)
        if self.executor is None:
            return _process(*args)
        return await asyncio.get_running_loop().run_in_executor(self.executor, _process, *args)

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None

"""Page processing off the crawl's event loop, in worker processes.

Parsing, rendering, extraction, budgeting and token counting are CPU-bound pure functions
(``crawler.page.process.process_page``); run inline they stall the downloader and use one core, and
a parsed 1 MB page leaves the crawl process tens of MB larger. So no page is parsed there.
``PageWorkers`` sends each page to a process pool and awaits the result from an async
callback, so downloads continue meanwhile. ``processes=0`` runs inline (tests, debugging).
A processed page's records come back encoded (``output.records.EncodedRecords``).
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import ctypes
import functools
import json
import multiprocessing
import os
import signal
import sys
import threading
import time
import types
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from compress.budget import Budget
from compress.tokenizer import TokenCounter
from output.records import EncodedRecords

from crawler.page.charset import decode_html
from crawler.page.browser_needed import NeedsBrowser
from crawler.page.clean import ContentNotFound
from crawler.site.entry_page import EntryFacts, entry_facts
from crawler.page.process import MissingTemplateContext, PageInfo, PageResult, PageUnparseable, parse_html, process_page
from crawler.site.profiles import PageKind, SiteProfile
from crawler.run.lifeline import die_with_parent


STAGE_LOG_VARIABLE = "DOCPROMPTS_STAGE_LOG"   # a file: each page's CPU seconds per stage
DEFAULT_PAGE_TIMEOUT = 120.0     # seconds of processing per page (--page-timeout)
# Outcomes the spider handles itself (not failures of the worker machinery).
EXPECTED_ERRORS = (MissingTemplateContext, ContentNotFound, NeedsBrowser)


class PageFailed(Exception):
    """A page that could not be processed; ``kind`` goes to the manifest's failures."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind


class ProcessingTimeout(Exception):
    """Raised inside a worker when a page runs past its time limit."""


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
    started = time.time()
    decoding = time.process_time()
    html_text, actual_encoding = decode_html(body, declared_encoding)
    decoding = time.process_time() - decoding
    result = process_page(html_text, info, profile, kinds, budget, counter_for(budget.encoding),
                          crawled_at, context)
    result.stages["decode"] = decoding
    # The records go back as JSON lines plus the few fields the crawl process reads: encoded
    # here, in parallel, and pickled as flat lists (output.records.EncodedRecords).
    result.records = EncodedRecords.of(result.records)
    if os.environ.get(STAGE_LOG_VARIABLE):
        log_stages(os.environ[STAGE_LOG_VARIABLE], info.fetched_url, len(body), result, started)
    result.decoded_as = actual_encoding
    result.content_text = ""   # the crawl process needs its word count only (content_words)
    release_freed_memory()
    return result


def log_stages(path: str, url: str, size: int, result: PageResult, started: float) -> None:
    """One JSON line per page: its CPU seconds per stage, and the wall-clock span and worker it
    ran in, for the timeline (bench/benchmark.py sets the variable). Appended in one write:
    lines from several workers do not interleave."""
    line = json.dumps({"url": url, "bytes": size, "records": len(result.records), "stages": result.stages,
                       "pid": os.getpid(), "started": started, "finished": time.time()})
    with open(path, "a", encoding="utf-8") as stream:
        stream.write(line + "\n")


def _init_worker(encoding: str, parent_pid: int) -> None:
    # First: a worker must not outlive the crawl (a SIGKILLed parent cannot stop it).
    die_with_parent(parent_pid)
    # Ctrl-C reaches the whole process group: the parent decides, a worker never dies mid-page
    # with a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # Nested lists, tables and headings are read by nested builders (a few frames per level);
    # libxml2 allows 2048 levels. Python >= 3.11 keeps Python frames off the C stack.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))
    counter_for(encoding)


def _on_alarm(signum, frame):
    raise ProcessingTimeout("page processing time limit reached")


def _timed(seconds: float | None, function, *args):
    """Run ``function`` with a SIGALRM time limit (Python code is interrupted between bytecodes;
    the parent's hard deadline covers time spent inside one C call)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        return function(*args)
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return function(*args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


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


def _inspect(body: bytes, declared_encoding: str, url: str, profile: SiteProfile,
             ask_routes: bool) -> EntryFacts:
    """What an entry or probe page tells the crawl (``crawler.site.entry_page``); no records."""
    html_text = decode_html(body, declared_encoding)[0]
    return entry_facts(parse_html(html_text), html_text, url, profile, ask_routes)


class PageWorkers:
    def __init__(self, processes: int, encoding: str, page_timeout: float | None = DEFAULT_PAGE_TIMEOUT) -> None:
        self.executor = None
        self.processes = processes
        self.encoding = encoding
        self.page_timeout = page_timeout or None
        self.stopping = False
        self._slots: asyncio.Semaphore | None = None   # made in the crawl's event loop
        self._retry_slots: asyncio.Semaphore | None = None
        self._alone: set[ProcessPoolExecutor] = set()   # one-page pools of retried pages
        if processes > 0:
            self.executor = _adopt_early_pool(processes, encoding) or self._new_pool(processes)

    def _new_pool(self, processes: int) -> ProcessPoolExecutor:
        return new_pool(processes, self.encoding)

    @property
    def hard_deadline(self) -> float | None:
        """The parent's own limit: a page may wait for one other page in its worker, and a C call
        (a parser) cannot be interrupted by the worker's alarm."""
        return 2 * self.page_timeout + 30 if self.page_timeout else None

    async def process(self, body: bytes, declared_encoding: str, info: PageInfo,
                      profile: SiteProfile, kinds: list[PageKind], budget: Budget, crawled_at: str,
                      context: dict | None) -> PageResult:
        args = (body, declared_encoding, info, profile, kinds, budget, crawled_at, context)
        return await self._guarded(_process, *args)

    async def inspect(self, body: bytes, declared_encoding: str, url: str,
                      profile: SiteProfile, ask_routes: bool = False) -> EntryFacts:
        return await self._guarded(_inspect, body, declared_encoding, url, profile, ask_routes)

    async def _guarded(self, function, *args):
        """Every way a page can go wrong, as ``PageFailed`` (or the spider's expected errors)."""
        try:
            if self.executor is None and self.processes == 0:
                return _timed(self.page_timeout, function, *args)
            try:
                return await self._run(function, *args)
            except BrokenProcessPool:
                if self.stopping:
                    raise
                # The pool lost a worker: this page may be the culprit or a bystander. Alone in a
                # fresh process, a second death can only be its own.
                return await self._run_alone(function, *args)
        except EXPECTED_ERRORS:
            raise
        except PageFailed:
            raise
        except PageUnparseable as error:
            raise PageFailed("unparseable", str(error)) from None
        except RecursionError:
            raise PageFailed("unparseable", "elements nested too deep to process") from None
        except ProcessingTimeout:
            raise PageFailed("processing_timeout", f"processing took longer than {self.page_timeout:g} s") from None
        except BrokenProcessPool:
            if self.stopping:
                raise PageFailed("stopped", "the crawl was stopped") from None
            raise PageFailed("worker_died", "the page's worker process died twice (killed, e.g. out of memory)") from None
        except (asyncio.CancelledError, concurrent.futures.CancelledError):
            if self.stopping:
                raise PageFailed("stopped", "the crawl was stopped") from None
            raise
        except Exception as error:   # a bug or a page the code cannot handle: that page fails
            raise PageFailed("processing", f"{type(error).__name__}: {error}"[:500]) from None

    async def _run(self, function, *args):
        """At most two pages per worker in flight: the rest wait as Scrapy responses (which
        makes Scrapy pause its downloads) instead of piling up in the pool's queue."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(2 * self.processes)
        async with self._slots:
            if self.stopping or self.executor is None:
                raise BrokenProcessPool("stopped")
            executor = self.executor
            try:
                return await self._await(executor, function, *args)
            except BrokenProcessPool:
                if executor is self.executor and not self.stopping:
                    self._replace_pool()
                raise
            except (OSError, RuntimeError) as error:
                # Another page's death broke this pool while the page was queued in it ("handle
                # is closed", "cannot schedule new futures"), whether or not the pool was replaced
                # yet: a bystander, retried alone like the pages of a broken pool.
                if executor is not self.executor or _is_broken(executor):
                    if executor is self.executor and not self.stopping:
                        self._replace_pool()
                    raise BrokenProcessPool(str(error)) from error
                raise

    async def _run_alone(self, function, *args):
        if self._retry_slots is None:
            self._retry_slots = asyncio.Semaphore(self.processes)
        async with self._retry_slots:
            if self.stopping:
                raise BrokenProcessPool("stopped")
            executor = self._new_pool(1)
            self._alone.add(executor)
            try:
                return await self._await(executor, function, *args)
            finally:
                self._alone.discard(executor)
                _kill_pool(executor)

    async def _await(self, executor, function, *args):
        with _spawning():   # submit() may start a worker
            future = asyncio.get_running_loop().run_in_executor(
                executor, _timed, self.page_timeout, function, *args)
        try:
            return await asyncio.wait_for(future, self.hard_deadline)
        except asyncio.TimeoutError:
            # Stuck where the worker's alarm cannot reach: kill its pool; the other pages in it
            # are retried alone (BrokenProcessPool), this one fails.
            if executor is self.executor:
                self._replace_pool()
            else:
                _kill_pool(executor)
            raise ProcessingTimeout() from None

    def _replace_pool(self) -> None:
        broken, self.executor = self.executor, self._new_pool(self.processes)
        _kill_pool(broken)

    def kill_now(self) -> None:
        """Stop now (Ctrl-C, SIGTERM; safe in a signal handler: no locks, only kill(2)): pages
        in flight end as ``stopped``, nothing is retried."""
        self.stopping = True
        for executor in [self.executor, *self._alone]:
            for process in list((getattr(executor, "_processes", None) or {}).values()):
                try:
                    os.kill(process.pid, signal.SIGKILL)
                except (OSError, TypeError):
                    pass

    def close(self) -> None:
        if self.executor is not None:
            executor, self.executor = self.executor, None
            if self.stopping:
                _kill_pool(executor)
            else:
                executor.shutdown(wait=True, cancel_futures=True)


def new_pool(processes: int, encoding: str) -> ProcessPoolExecutor:
    """A pool whose workers are all started now, not one by one as pages arrive: a worker's
    start-up (a fresh interpreter, the imports, the tokenizer) takes about a second, which then
    overlaps the crawl's own start instead of delaying its first pages."""
    # "spawn": the crawl process runs threads (Twisted's, the pool's); forking it is unsafe.
    pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker, initargs=(encoding, os.getpid()))
    with _spawning():
        for _ in range(processes):   # each submit starts a worker while none is idle
            pool.submit(os.getpid)
    return pool


_early_pools: dict[tuple[int, str], ProcessPoolExecutor] = {}


def start_early(processes: int, encoding: str) -> None:
    """Start the page workers before the crawl is set up (the CLI calls this once the options are
    checked): ``PageWorkers`` adopts the pool; ``discard_early`` kills it if no crawl did."""
    if processes > 0 and (processes, encoding) not in _early_pools:
        _early_pools[processes, encoding] = new_pool(processes, encoding)


def _adopt_early_pool(processes: int, encoding: str) -> ProcessPoolExecutor | None:
    pool = _early_pools.pop((processes, encoding), None)
    return None if pool is None or _is_broken(pool) else pool


def discard_early() -> None:
    while _early_pools:
        _kill_pool(_early_pools.popitem()[1])


def _is_broken(executor: ProcessPoolExecutor) -> bool:
    """The pool lost a worker (its manager thread marks it so, then closes its pipes)."""
    return bool(getattr(executor, "_broken", False) or getattr(executor, "_shutdown_thread", False))


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def _spawning():
    """Around a ``submit`` that may start a worker: how a worker must be started."""
    with _children_ignore_stop_signals(), _without_main_module():
        yield


@contextlib.contextmanager
def _children_ignore_stop_signals():
    """A worker being spawned must ignore Ctrl-C from its first instruction: its own handler is
    only set once its imports are done, seconds later on a busy machine, and a SIGINT to the
    process group meanwhile would print its traceback. An ignored disposition is inherited
    through exec (and Python keeps an ignored SIGINT ignored), so the parent ignores the stop
    signals for the milliseconds ``submit`` takes to spawn."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    handlers = {signum: signal.signal(signum, signal.SIG_IGN) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)


@contextlib.contextmanager
def _without_main_module():
    """Spawn workers that do not import the program's main module: multiprocessing re-runs it
    in every child (``crawler.cli``, and with it Scrapy and Twisted: 0.4 s of a worker's 1 s
    start-up), yet a worker needs only this module's functions, pickled by their module name.
    multiprocessing reads ``sys.modules["__main__"]`` while spawning; a bare module stands in."""
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def _kill_pool(executor: ProcessPoolExecutor) -> None:
    """Kill a pool's processes (a stuck or unwanted worker cannot be asked to stop)."""
    processes = list((getattr(executor, "_processes", None) or {}).values())
    manager = getattr(executor, "_executor_manager_thread", None)
    for process in processes:
        if process.is_alive():
            process.kill()
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(timeout=5)
    # The pool's manager thread closes its wake-up pipe once it has seen the kill. If the
    # program exits meanwhile, CPython 3.11's exit hook writes to that pipe as it closes and
    # prints a traceback under our one-line error (seen in CI): wait for the thread to finish.
    if manager is not None and manager is not threading.current_thread():
        manager.join(timeout=5)

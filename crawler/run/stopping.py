"""Ctrl-C and SIGTERM: stopped within seconds, one line, resumable; never a traceback.

Scrapy's own handler waits for every page in flight, and a page may be in a worker for minutes
(``--page-timeout``); workers that got the same SIGINT from the terminal used to print their own
tracebacks. Workers ignore SIGINT/SIGTERM (``crawler.run.workers``); on the first signal the parent
kills them (pages in flight end as ``stopped``; their records were never journaled, so a resumed
run redoes them), asks Scrapy to stop, and forces the reactor down if that takes longer than
``GRACE_SECONDS``. A second signal forces it at once.
"""
from __future__ import annotations

import signal

GRACE_SECONDS = 8.0


def install_stop_handlers(crawler) -> None:
    """Called once the reactor runs (Scrapy's handlers are installed by then: ours replace them)."""
    from scrapy.utils.defer import deferred_from_coro
    from twisted.internet import reactor

    received: list[str] = []

    def force_stop() -> None:
        if reactor.running:
            reactor.stop()

    def graceful_stop() -> None:
        reactor.callLater(GRACE_SECONDS, force_stop)
        if crawler.crawling:
            deferred_from_coro(crawler.stop_async()).addErrback(lambda failure: force_stop())

    def on_signal(signum, frame) -> None:
        received.append(signal.Signals(signum).name)
        crawler.stopped_by = received[0]
        workers = getattr(crawler.spider, "workers", None)
        if workers is not None:
            workers.kill_now()
        reactor.callFromThread(graceful_stop if len(received) == 1 else force_stop)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

"""The crawl's one promise, checked in one place: every page it took on ends in the output or
in the manifest's ``failures`` with a kind (exit 1). Nothing is lost to a log line.

Two hooks feed it: ``watch_pages`` turns an exception escaping a spider callback (which Scrapy
would only log) into a failure of that page, and ``settle_pages`` runs before the manifest is
written and fails every page that was started but neither finished nor failed (kind ``lost``),
and every page whose records never all reached the output (kind ``output``).
"""
from __future__ import annotations

from scrapy import signals


def watch_pages(crawler, spider) -> None:
    def on_spider_error(failure, response, spider=None) -> None:
        url = getattr(response, "url", None) or "?"
        error = failure.value
        spider_ = crawler.spider
        path = spider_.page_key(url)
        if path not in spider_.failed_paths:
            kind = getattr(error, "kind", None) or "processing"   # PageFailed carries its own
            reason = str(error) if kind != "processing" else f"{type(error).__name__}: {error}"
            spider_.fail(url, reason[:500], kind)

    crawler.signals.connect(on_spider_error, signal=signals.spider_error, weak=False)


def settle_pages(spider, pending_pages: dict) -> None:
    """Fail what the run started but did not finish (called once, when the crawl finished)."""
    for page_url, done in pending_pages.items():
        if done.path not in spider.failed_paths:
            spider.fail(done.url, "some of its records were not written to the output", "output")
            spider.done_pages.pop(done.path, None)
    for path in sorted(spider.claimed - spider.done_pages.keys() - spider.failed_paths):
        spider.fail(spider.base_url + path, "processing started but never finished", "lost")

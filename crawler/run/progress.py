"""A progress bar on stderr (pages done / pages requested) when ``DOCPROMPTS_PROGRESS`` is on."""
from __future__ import annotations

from scrapy import signals
from scrapy.exceptions import NotConfigured


class ProgressBar:
    def __init__(self, crawler) -> None:
        from tqdm import tqdm

        self.crawler = crawler
        self.bar = tqdm(total=0, unit="page", desc=crawler.spidercls.name, dynamic_ncols=True)
        crawler.signals.connect(self.scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(self.done, signal=signals.response_received)
        crawler.signals.connect(self.item, signal=signals.item_scraped)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)
        self.records = 0

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("DOCPROMPTS_PROGRESS"):
            raise NotConfigured
        return cls(crawler)

    def scheduled(self, request, spider=None) -> None:
        self.bar.total += 1
        self.bar.refresh()

    def done(self, response, request, spider=None) -> None:
        self.bar.update(1)
        run = getattr(self.crawler.spider, "run", None)   # records written without Scrapy items
        if run is not None and run.records > self.records:
            self.records = run.records
            self.bar.set_postfix(records=self.records, refresh=False)

    def item(self, item, response=None, spider=None) -> None:
        self.records += 1
        self.bar.set_postfix(records=self.records, refresh=False)

    def closed(self, spider=None, reason=None) -> None:
        self.bar.close()

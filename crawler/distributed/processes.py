"""The Scrapy side of a distributed run, for the coordinator and the workers alike: one crawler
per run, each with the leased scheduler, results shipped to Redis instead of a local writer."""
from __future__ import annotations

import sys

from crawler.distributed.run import RunRecord, SharedRun


def crawler_process(args):
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.reactor import install_reactor

    from crawler.run.logs import install_json_logging

    settings = base_settings(args)
    process = CrawlerProcess(settings)
    # Crawlers are made here, one per run with its own settings: the reactor is installed once.
    install_reactor(settings["TWISTED_REACTOR"], settings["ASYNCIO_EVENT_LOOP"])
    if args.log_json:
        install_json_logging(settings.get("LOG_LEVEL"))
    return process


def base_settings(args):
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    settings.setmodule("crawler.settings", priority="project")
    interactive = sys.stderr.isatty()
    settings.set("LOG_LEVEL", args.log_level or ("WARNING" if interactive else "INFO"))
    settings.set("LOG_INSTALL_ROOT_HANDLER", not args.log_json)
    settings.set("DOCPROMPTS_PROGRESS", interactive and args.command == "crawl")
    return settings


def start_crawl(process, args, record: RunRecord, shared: SharedRun, role: str):
    """One run's crawl in this process: scrapy-redis's frontier with leases, results to Redis."""
    from scrapy.crawler import Crawler

    from crawler.distributed.spider import DistributedDocsSpider

    settings = base_settings(args)
    # Above "project": CrawlerProcess.crawl merges the process's own settings (crawler/settings.py,
    # at "project") into this Crawler, replacing what it holds at an equal priority. At "project"
    # the single-process pipeline and middlewares came back, ShipResults was gone, no lease was
    # ever released and the run never finished.
    per_run = "spider"
    settings.set("SCHEDULER", "crawler.distributed.scheduler.LeasedScheduler", priority=per_run)
    # The crawl budget and session-id-free URLs as in a single-process run (each process counts
    # its own requests; what it refused is shipped), then the whole output shipped.
    settings.set("SPIDER_MIDDLEWARES", {"crawler.run.limits.CrawlBudgetMiddleware": 800,
                                        "crawler.distributed.spider.ShipResults": 1}, priority=per_run)
    settings.set("ITEM_PIPELINES", {}, priority=per_run)   # records travel in the shipped messages
    settings.set("DOCPROMPTS_WORKERS", args.workers, priority=per_run)
    for name, value in record.scrapy_settings.items():
        settings.set(name, value, priority="cmdline")
    crawler = Crawler(DistributedDocsSpider, settings)
    return crawler, process.crawl(crawler, job=record, shared=shared, role=role)

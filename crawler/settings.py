"""Scrapy settings: polite by default for public hosts; loopback runs at full speed."""
BOT_NAME = "docprompts"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = "docprompts/0.1 (documentation prompt-corpus builder; +https://pypi.org/project/docprompts/)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
# Scrapy starts this many tasks per callback to handle its output (items go to the output
# pipeline a page at a time, crawler/run/pipelines.py): the default 100 cost 62,000 tasks
# (~1 s of the crawl process) on the Kafka mirror.
CONCURRENT_ITEMS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# A loopback base URL (local mirror, demo, tests) runs at full speed: see KafkaSpider.from_crawler.
DOWNLOAD_TIMEOUT = 60
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
RETRY_TIMES = 3
REDIRECT_MAX_TIMES = 10
TELNETCONSOLE_ENABLED = False
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

ITEM_PIPELINES = {"crawler.run.pipelines.OutputPipeline": 500}
# The crawl budget and session-id-free URLs (crawler/run/limits.py), after DepthMiddleware (900).
SPIDER_MIDDLEWARES = {"crawler.run.limits.CrawlBudgetMiddleware": 800}
# Scrapy's retries, plus each attempt listed in the manifest and Retry-After honoured.
# Pages an interrupted run finished are replayed from its journal, not fetched (crawler/run/state.py).
DOWNLOADER_MIDDLEWARES = {"scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
                          "crawler.run.faults.LoggingRetryMiddleware": 550,
                          "crawler.run.state.ReplayCompletedPages": 50,
                          "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
                          "crawler.run.middlewares.HeadOnlyMetaRefreshMiddleware": 580}
EXTENSIONS = {"crawler.run.progress.ProgressBar": 500}

# docprompts' own settings (the CLI sets them; `scrapy crawl -s` can too)
DOCPROMPTS_OUTPUT = None        # JSONL path for the atomic writer + manifest (None: feeds only)
DOCPROMPTS_PROGRESS = False     # a progress bar on stderr
DOCPROMPTS_WORKERS = -1        # page-processing processes (-1: one per core, up to 4; 0: inline)
DOCPROMPTS_PAGE_TIMEOUT = 120.0  # seconds of processing per page before it fails (processing_timeout)
# Crawl budget (crawler/run/limits.py); a limit reached is named in the manifest and exits 1.
DOCPROMPTS_MAX_PAGES = 50_000
DOCPROMPTS_MAX_PAGES_PER_VERSION = 2_000
DOCPROMPTS_MAX_VERSIONS = 200
DOCPROMPTS_MAX_DEPTH = 25
DOCPROMPTS_MAX_URL_LENGTH = 2_000
# Pages whose text exists only after their scripts run (crawler/run/browser.py, docs/rendering.md)
DOCPROMPTS_RENDER = {}           # set by the CLI: {"mode", "reason", "browser"} of this crawl
DOCPROMPTS_BROWSER = ""          # Chromium's executable ("": /usr/bin/chromium or chromium on PATH)
DOCPROMPTS_RENDER_PAGES = 4      # browser pages open at once
DOCPROMPTS_RENDER_TIMEOUT = 30.0  # seconds for a page to load and render in the browser
DOCPROMPTS_RENDER_SETTLE = 15.0   # at most this many seconds more for its scripts to finish writing it

"""``docprompts crawl --redis URL`` (the coordinator: ``coordinator.py``), ``crawl --redis URL
--jobs FILE`` (several runs at once) and ``docprompts worker --redis URL`` (``worker.py``): their
options, and one-line errors with exit status 2.
"""
from __future__ import annotations

import sys

from compress.budget import BudgetError
from compress.tokenizer import TokenizerError

from crawler.site.profiles import ProfileError
from crawler.options import EXIT_USAGE, ConfigError


def add_worker_command(commands) -> None:
    worker = commands.add_parser("worker", help="join the distributed crawls of a Redis (crawl --redis)")
    worker.add_argument("--redis", required=True, metavar="URL", help="the coordinator's Redis URL")
    worker.add_argument("--idle-exit", type=float, default=60.0, metavar="SECONDS",
                        help="exit when no run has been active for this long (default 60)")
    worker.add_argument("--workers", type=int, default=-1,
                        help="page-processing processes (default: one per core, up to 4; 0: inline)")
    worker.add_argument("--allow-plugin", action="append", default=[], metavar="MODULE",
                        help="run a profile plugin (Python code) a run names, e.g. mypackage.hooks; "
                             "shipped plugins need no permission (repeatable)")
    worker.add_argument("--log-json", action="store_true", help="log lines as JSON objects (stderr)")
    worker.add_argument("--log-level", default=None, help="Scrapy log level (default WARNING on a terminal)")


def is_distributed(args) -> bool:
    return args.command == "worker" or bool(getattr(args, "redis", None) or getattr(args, "jobs", None))


def main(args) -> int:
    # Imported here: redis and scrapy-redis take 0.3 s to import, which a single-process crawl
    # (the common case, the same `docprompts` command) never needs.
    from crawler.distributed.run import RedisUnavailable, RefusedRecord

    try:
        if args.command == "worker":
            from crawler.distributed.worker import run_worker

            return run_worker(args)
        from crawler.distributed.coordinator import run_coordinator

        return run_coordinator(args)
    except (RedisUnavailable, RefusedRecord, ConfigError, ProfileError, BudgetError, TokenizerError) as error:
        print(f"docprompts: error: {error}", file=sys.stderr)
        return EXIT_USAGE

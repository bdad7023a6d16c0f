"""``docprompts crawl --redis URL`` (the coordinator), ``crawl --redis URL --jobs FILE`` (several
runs at once) and ``docprompts worker --redis URL`` (a process that joins every active run).

The coordinator validates each job as a single-process crawl does, writes the run record (or
finds it again: the same command resumes the same run), takes part in the crawl, and when the
frontier is empty and no process holds a lease, assembles the output. Workers read profile,
budget and options from the run record, never from their own command line.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import shlex
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import redis

from compress.budget import BudgetError
from compress.tokenizer import TokenizerError

from ..hooks import hooks_for
from ..profiles import ProfileError
from ..sites import builtin_profiles, load_site
from ..spiders.docs import ConfigError, parse_base_url
from ..state import StateStore, run_fingerprint
from .run import FINISHED, RUNNING, RedisUnavailable, RunRecord, SharedRun, active_runs, connect, redacted, run_id_for

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2


def add_crawl_options(crawl: argparse.ArgumentParser) -> None:
    crawl.add_argument("--redis", metavar="URL",
                       help="distributed: coordinate the crawl through this Redis (redis://host:6379/0, "
                            "rediss:// for TLS); `docprompts worker --redis URL` processes join it")
    crawl.add_argument("--jobs", metavar="FILE",
                       help="with --redis: one crawl per line (`SITE [options]`, e.g. "
                            "`kafka --base-url URL --out kafka.jsonl`), all in one Redis")
    crawl.add_argument("--lease-seconds", type=float, default=30.0,
                       help="with --redis: a page held by a process that stops heartbeating goes back "
                            "to the queue after this long (default 30)")


def add_worker_command(commands) -> None:
    worker = commands.add_parser("worker", help="join the distributed crawls of a Redis (crawl --redis)")
    worker.add_argument("--redis", required=True, metavar="URL", help="the coordinator's Redis URL")
    worker.add_argument("--idle-exit", type=float, default=60.0, metavar="SECONDS",
                        help="exit when no run has been active for this long (default 60)")
    worker.add_argument("--workers", type=int, default=-1,
                        help="page-processing processes (default: one per core, up to 4; 0: inline)")
    worker.add_argument("--log-json", action="store_true", help="log lines as JSON objects (stderr)")
    worker.add_argument("--log-level", default=None, help="Scrapy log level (default WARNING on a terminal)")


def is_distributed(args) -> bool:
    return args.command == "worker" or bool(getattr(args, "redis", None) or getattr(args, "jobs", None))


def main(args) -> int:
    try:
        if args.command == "worker":
            return run_worker(args)
        return run_coordinator(args)
    except (RedisUnavailable, ConfigError, ProfileError, BudgetError, TokenizerError) as error:
        print(f"docprompts: error: {error}", file=sys.stderr)
        return EXIT_USAGE


# -- the coordinator ------------------------------------------------------------------------------
def job_arguments(args) -> list[argparse.Namespace]:
    """The crawls of this command: itself, or one per line of ``--jobs FILE``."""
    if not args.redis:
        raise ConfigError("--jobs needs --redis URL")
    if not args.jobs:
        return [args]
    from ..cli import build_parser

    path = Path(args.jobs)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise ConfigError(f"--jobs {path}: {error.strerror}") from None
    jobs = []
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        complaint = io.StringIO()
        try:
            with contextlib.redirect_stderr(complaint):   # argparse's usage text: not ours to print
                job = build_parser().parse_args(["crawl", *shlex.split(line)])
        except (SystemExit, ValueError):
            reason = (complaint.getvalue().strip().splitlines() or ["unbalanced quotes"])[-1]
            raise ConfigError(f"--jobs {path}, line {number}: not valid crawl options "
                              f"({reason.split('error: ')[-1]}): {line.strip()}") from None
        job.redis, job.lease_seconds = args.redis, args.lease_seconds
        job.log_json, job.log_level, job.workers = args.log_json, args.log_level, args.workers
        jobs.append(job)
    outs = [str(Path(job.out).resolve()) for job in jobs]
    if not jobs or len(set(outs)) != len(outs):
        raise ConfigError(f"--jobs {path}: give one or more crawls, each with its own --out")
    return jobs


def prepare_job(args, client) -> tuple[RunRecord, SharedRun]:
    """Check a crawl as ``docprompts crawl`` does, then create its run in Redis or find it again."""
    from .. import cli as single

    budget = single.check_options(args)
    if bool(args.site) == bool(args.profile):
        raise ConfigError("give a site (one of: " + ", ".join(builtin_profiles()) + ") or --profile FILE, not both")
    profile = load_site(args.profile or args.site)
    hooks_for(profile)
    base_url = parse_base_url(args.base_url, profile.public_base_url)
    single.check_reachable(base_url + profile.entry)
    out = str(Path(args.out).resolve())
    record = RunRecord(
        run_id=run_id_for(out),
        profile=Path(args.profile).name if args.profile else args.site,
        profile_toml=Path(args.profile).read_text(encoding="utf-8") if args.profile else None,
        base_url=base_url,
        spider_options={"versions": args.versions, "target_tokens": args.target_tokens, "ratio": args.ratio,
                        "max_input_tokens": args.max_input_tokens, "encoding": args.encoding,
                        "min_section_tokens": args.min_section_tokens, "full": bool(args.full)},
        scrapy_settings=single.scrapy_overrides(args.set), out=out,
        state=str(Path(args.state).resolve()) if args.state else None,
        fingerprint=run_fingerprint(profile, budget),
        crawled_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        started=time.time(), lease_seconds=args.lease_seconds)
    shared = SharedRun(client, record.run_id)
    existing = shared.load_record()
    if existing is None:
        previous = StateStore(record.state, profile.name).load(record.fingerprint) if record.state else {}
        shared.create(record, previous)
        return record, shared
    if not existing.same_crawl_as(record):
        raise ConfigError(f"Redis holds an unfinished run for {out} with other settings (run {existing.run_id}): "
                          f"run it with the same options to finish it, or use another --out")
    return existing, shared


def run_coordinator(args) -> int:
    jobs = job_arguments(args)
    client = connect(args.redis)
    prepared = [(job, *prepare_job(job, client)) for job in jobs]
    codes: dict[str, int] = {}
    running = [(job, record, shared) for job, record, shared in prepared if shared.status() == RUNNING]
    if running:
        process = crawler_process(args)
        from twisted.internet import defer, reactor, threads   # installed by crawler_process
        from twisted.python.failure import Failure

        def assemble_when_done(result, job, record, shared, crawler):
            if isinstance(result, Failure):   # the crawl could not start or run: say so, exit 1
                print(f"docprompts: error: the crawl for {record.out} failed: {result.getErrorMessage()}",
                      file=sys.stderr)
                codes[record.run_id] = EXIT_PARTIAL
                return None
            # Each run is assembled as soon as its crawl ends (its messages leave Redis), in a
            # thread: the other runs of --jobs go on crawling meanwhile.
            done = threads.deferToThread(finish_job, job, record, shared, crawler)
            return done.addCallback(lambda code: codes.__setitem__(record.run_id, code))

        ends = []
        for job, record, shared in running:
            crawler, crawl = start_crawl(process, args, record, shared, role="coordinator")
            ends.append(crawl.addBoth(assemble_when_done, job, record, shared, crawler))
        defer.DeferredList(ends).addBoth(lambda _: reactor.stop())
        process.start(stop_after_crawl=False)
    for job, record, shared in prepared:   # runs already crawled (their coordinator died assembling)
        if record.run_id not in codes and shared.status() == FINISHED:
            codes[record.run_id] = finish_job(job, record, shared, None)
    return max(codes.get(record.run_id, EXIT_PARTIAL) for _, record, _ in prepared)


def finish_job(args, record: RunRecord, shared: SharedRun, crawler) -> int:
    """After the crawl: assemble a finished run, or say how to resume it (exit 1)."""
    from .. import cli as single
    from .assembly import assemble

    lost = crawler.spider.redis_lost if crawler is not None and crawler.spider is not None else None
    if lost:
        print(f"docprompts: error: lost the connection to Redis at {redacted(args.redis)} ({lost}); "
              f"the run stays in Redis: run the same command again to resume it", file=sys.stderr)
        return EXIT_PARTIAL
    started = time.time()
    try:
        if shared.status() != FINISHED:
            print(f"docprompts: the crawl for {record.out} stopped before the end; the run stays in "
                  f"Redis: run the same command again to resume it", file=sys.stderr)
            return EXIT_PARTIAL
        assemble(shared, record, args.redis)
        shared.delete()
    except RedisUnavailable as error:
        print(f"docprompts: error: {error}", file=sys.stderr)
        return EXIT_PARTIAL
    except redis.RedisError as error:
        print(f"docprompts: error: lost the connection to Redis at {redacted(args.redis)} ({error}); "
              f"the run stays in Redis: run the same command again to resume it", file=sys.stderr)
        return EXIT_PARTIAL
    if args.dedup != "none":
        single.dedup_output(Path(record.out), args.dedup, started)
    return single.summarise(Path(record.out), started)


# -- processes ------------------------------------------------------------------------------------
def crawler_process(args):
    from scrapy.crawler import CrawlerProcess

    from .. import cli as single

    from scrapy.utils.reactor import install_reactor

    settings = base_settings(args)
    process = CrawlerProcess(settings)
    # Crawlers are made here, one per run with its own settings: the reactor is installed once.
    install_reactor(settings["TWISTED_REACTOR"], settings["ASYNCIO_EVENT_LOOP"])
    if args.log_json:
        single.install_json_logging(settings.get("LOG_LEVEL"))
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

    from .spider import DistributedDocsSpider

    settings = base_settings(args)
    settings.set("SCHEDULER", "crawler.distributed.scheduler.LeasedScheduler")
    settings.set("SPIDER_MIDDLEWARES", {"crawler.distributed.spider.ShipResults": 1})
    settings.set("ITEM_PIPELINES", {})   # records travel in the shipped messages
    settings.set("DOCPROMPTS_WORKERS", args.workers)
    for name, value in record.scrapy_settings.items():
        settings.set(name, value, priority="cmdline")
    crawler = Crawler(DistributedDocsSpider, settings)
    return crawler, process.crawl(crawler, job=record, shared=shared, role=role)


# -- workers --------------------------------------------------------------------------------------
def run_worker(args) -> int:
    client = connect(args.redis)
    deadline = time.monotonic() + args.idle_exit
    while not running_runs(client):
        if time.monotonic() > deadline:
            print(f"docprompts: no run became active on {redacted(args.redis)} in {args.idle_exit:g}s",
                  file=sys.stderr)
            return EXIT_OK
        time.sleep(0.5)
    process = crawler_process(args)
    from twisted.internet import reactor, task   # installed by crawler_process: import it after

    joined: dict[str, object] = {}   # run id -> this process's crawler of it, while it runs
    crawlers: list = []
    last_busy = [time.monotonic()]
    lost: list[str] = []
    failed: list[str] = []   # a run this worker could not crawl (e.g. a profile plugin missing here)

    def forget(result, run_id: str):
        joined.pop(run_id, None)
        return result

    def supervise() -> None:
        """Join runs that became active; stop after --idle-exit seconds with none to work on."""
        try:
            for run_id in running_runs(client):
                if run_id not in joined:
                    shared = SharedRun(client, run_id)
                    record = shared.load_record()
                    if record is not None:
                        joined[run_id], crawl = start_crawl(process, args, record, shared, role="worker")
                        crawlers.append(joined[run_id])
                        crawl.addBoth(forget, run_id)   # the same run id may run again later
                        crawl.addErrback(lambda failure, run_id=run_id: failed.append(
                            f"cannot take part in run {run_id}: {failure.getErrorMessage()}"))
        except redis.RedisError as error:   # Redis gone: stop, exit 1
            lost.append(str(error))
        if process.crawlers:
            last_busy[0] = time.monotonic()
        elif lost or time.monotonic() - last_busy[0] > args.idle_exit:
            if supervisor.running:
                supervisor.stop()
            reactor.stop()

    supervisor = task.LoopingCall(supervise)
    supervisor.start(1.0)
    process.start(stop_after_crawl=False)
    lost += [crawler.spider.redis_lost for crawler in crawlers
             if crawler.spider is not None and crawler.spider.redis_lost]
    if lost:
        print(f"docprompts: error: lost the connection to Redis at {redacted(args.redis)} ({lost[0]}); "
              f"pages this worker held go back to the queue when their lease expires", file=sys.stderr)
        return EXIT_PARTIAL
    if failed:
        print(f"docprompts: error: {failed[0]}", file=sys.stderr)
        return EXIT_PARTIAL
    return EXIT_OK


def running_runs(client) -> list[str]:
    return [run_id for run_id in active_runs(client) if SharedRun(client, run_id).status() == RUNNING]

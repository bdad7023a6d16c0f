"""The coordinator of a distributed run (``docprompts crawl --redis URL [--jobs FILE]``).

It validates each job as a single-process crawl does, writes the run record (or finds it again:
the same command resumes the same run), takes part in the crawl, and when the frontier is empty
and no process holds a lease, assembles the output (``assembly.py``).
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

from output.jsonl import CorruptOutput
from output.safety import OutputError

from crawler.options import (EXIT_PARTIAL, ConfigError, check_options, check_reachable, parse_base_url,
                             parse_crawl_job, scrapy_overrides)
from crawler.run.summary import dedup_output, summarise
from crawler.preflight import is_url
from crawler.site.hooks import hooks_for
from crawler.site.sites import builtin_profiles, load_site
from crawler.run.state import StateStore, run_fingerprint
from crawler.distributed.processes import crawler_process, start_crawl
from crawler.distributed.run import (FINISHED, RUNNING, RedisUnavailable, RunRecord, SharedRun, check_settings,
                                     connect, redacted, run_id_for)


def job_arguments(args) -> list[argparse.Namespace]:
    """The crawls of this command: itself, or one per line of ``--jobs FILE``."""
    if not args.redis:
        raise ConfigError("--jobs needs --redis URL")
    if not args.jobs:
        return [args]
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
                job = parse_crawl_job(shlex.split(line))
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
    budget = check_options(args)
    settings = scrapy_overrides(args.set)
    check_settings(settings)   # what the workers will accept from the record (exit 2 otherwise)
    if is_url(args.site):   # the profile a URL crawl detects lives in that one process
        raise ConfigError(f"a distributed run (--redis) takes a site name and --base-url, or --profile FILE, "
                          f"not a URL: crawl {args.site} without --redis, or name its generator's profile "
                          f"(`docprompts sites`) with --base-url")
    if bool(args.site) == bool(args.profile):
        raise ConfigError("give a site (one of: " + ", ".join(builtin_profiles()) + ") or --profile FILE, not both")
    profile = load_site(args.profile or args.site)
    hooks_for(profile)
    base_url = parse_base_url(args.base_url, profile.public_base_url)
    check_reachable(base_url + profile.entry)
    out = str(Path(args.out).resolve())
    record = RunRecord(
        run_id=run_id_for(out),
        profile=Path(args.profile).name if args.profile else args.site,
        profile_toml=Path(args.profile).read_text(encoding="utf-8") if args.profile else None,
        base_url=base_url,
        spider_options={"versions": args.versions, "target_tokens": args.target_tokens, "ratio": args.ratio,
                        "max_input_tokens": args.max_input_tokens, "encoding": args.encoding,
                        "min_section_tokens": args.min_section_tokens, "full": bool(args.full),
                        "keep_views": getattr(args, "keep_views", "")},
        scrapy_settings=settings, out=out,
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
        # callWhenRunning: a crawl that fails while it is created (a setting Scrapy cannot read)
        # ends before the reactor runs; reactor.stop() then raised, and the reactor ran forever.
        defer.DeferredList(ends).addBoth(lambda _: reactor.callWhenRunning(reactor.stop))
        process.start(stop_after_crawl=False)
    for job, record, shared in prepared:   # runs already crawled (their coordinator died assembling)
        if record.run_id not in codes and shared.status() == FINISHED:
            codes[record.run_id] = finish_job(job, record, shared, None)
    return max(codes.get(record.run_id, EXIT_PARTIAL) for _, record, _ in prepared)


def finish_job(args, record: RunRecord, shared: SharedRun, crawler) -> int:
    """After the crawl: assemble a finished run, or say how to resume it (exit 1)."""
    from crawler.distributed.assembly import assemble

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
    except (OutputError, CorruptOutput, OSError) as error:   # a full disk: one line, not a traceback
        print(f"docprompts: error: cannot write the output of {record.out} ({error}); the run stays in "
              f"Redis: run the same command again to write it", file=sys.stderr)
        return EXIT_PARTIAL
    if args.dedup != "none":
        dedup_output(Path(record.out), args.dedup, started)
    return summarise(Path(record.out), started)

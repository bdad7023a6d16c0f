"""``docprompts worker --redis URL``: join every active run of a Redis, with the run's own
profile, budget and options (from its record, never from this command line); exit when no run has
been active for ``--idle-exit`` seconds."""
from __future__ import annotations

import sys
import time

import redis

from crawler.options import EXIT_OK, EXIT_PARTIAL
from crawler.distributed.processes import crawler_process, start_crawl
from crawler.distributed.run import RUNNING, SharedRun, active_runs, connect, redacted


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

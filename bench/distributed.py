"""Benchmark: the full Kafka mirror crawled through Redis by 1, 2 and 3 docprompts processes.

    python bench/distributed.py [--shared ../shared] [--processes 1,2,3] [--page-processes 1]

Serves ``shared/kafka-site`` with Apache (``serve-kafka-site``) and starts a private
``redis-server`` (loopback, no persistence). For each count N it runs the coordinator plus N-1
``docprompts worker`` processes, each with ``--page-processes`` page processes, and prints:
pages/s and speedup against N=1, Redis round trips per page (counted by the processes; and the
commands Redis executed per page, from its INFO), the bytes sent to Redis per page, Redis's peak
memory, the coordinator's assembly time (the serial part), the CPU seconds all processes spent per page (the work,
whatever else the machine runs), the load average, and peak RSS per process (each process with its page
processes, sampled every 100 ms). Each output is checked to hold the N=1 run's ids in order.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "bench"))

import redis  # noqa: E402

from benchmark import tree_memory_kb  # noqa: E402
from tests.redis_server import free_port, redis_server  # noqa: E402


def run(base_url: str, url: str, out: Path, processes: int, page_processes: int) -> dict:
    client = redis.Redis.from_url(url)
    client.flushall()
    client.config_resetstat()
    cpu_before, redis_cpu_before = children_cpu_seconds(), redis_cpu_seconds(client)
    common = ["--redis", url, "--workers", str(page_processes), "--log-level", "WARNING"]
    started = time.perf_counter()
    children = [subprocess.Popen([sys.executable, "-m", "crawler.cli", "worker", "--idle-exit", "1", *common],
                                 cwd=PROJECT, stderr=subprocess.DEVNULL) for _ in range(processes - 1)]
    coordinator = subprocess.Popen([sys.executable, "-m", "crawler.cli", "crawl", "kafka", "--base-url", base_url,
                                    "--out", str(out), "--lease-seconds", "30", *common],
                                   cwd=PROJECT, stdout=subprocess.DEVNULL)
    everyone = [coordinator, *children]
    peaks = [0] * len(everyone)
    redis_peak = 0
    while coordinator.poll() is None:
        redis_peak = max(redis_peak, client.info("memory")["used_memory"])
        for index, child in enumerate(everyone):
            if child.poll() is None:
                peaks[index] = max(peaks[index], tree_memory_kb(child.pid)[0])
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    if coordinator.returncode:
        raise SystemExit(f"the coordinator failed with exit status {coordinator.returncode}")
    stats = client.info("stats")
    redis_cpu = redis_cpu_seconds(client) - redis_cpu_before
    for child in children:
        child.wait(timeout=120)
    cpu_seconds = children_cpu_seconds() - cpu_before   # every process of the run, page processes too
    manifest = json.loads(Path(str(out) + ".manifest.json").read_text())
    pages = manifest["pages_fetched"]
    shipped = manifest["distributed"]["processes"]
    return {"processes": processes, "seconds": seconds, "pages": pages, "records": manifest["records"],
            "pages_per_second": pages / seconds,
            "round_trips_per_page": sum(p["round_trips"] for p in shipped.values()) / pages,
            "commands_per_page": stats["total_commands_processed"] / pages,
            "kb_to_redis_per_page": stats["total_net_input_bytes"] / 1024 / pages,
            "assembly_seconds": manifest["distributed"]["assembly_seconds"],
            "redis_peak_mb": redis_peak / 2**20,
            "cpu_seconds_per_page": cpu_seconds / pages, "redis_cpu_ms_per_page": redis_cpu * 1000 / pages, "load": os.getloadavg()[0],
            "records_by_process": sorted((p["records"] for p in shipped.values()), reverse=True),
            "peak_rss_mb": [round(kb / 1024) for kb in peaks],
            "ids": [json.loads(line)["id"] for line in out.open()]}


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def redis_cpu_seconds(client) -> float:
    cpu = client.info("cpu")
    return cpu["used_cpu_user"] + cpu["used_cpu_sys"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=str(PROJECT.parent / "shared"))
    parser.add_argument("--processes", default="1,2,3")
    parser.add_argument("--page-processes", type=int, default=1)
    args = parser.parse_args()
    serve, port = Path(args.shared) / "serve-kafka-site", str(free_port())
    base_url = subprocess.run(["bash", str(serve), "start", port], capture_output=True, text=True,
                              check=True).stdout.strip().splitlines()[-1]
    results = []
    try:
        with redis_server() as (url, _), tempfile.TemporaryDirectory() as folder:
            for count in (int(n) for n in args.processes.split(",")):
                results.append(run(base_url, url, Path(folder) / f"n{count}.jsonl", count, args.page_processes))
                print(f"N={count}: {results[-1]['seconds']:.1f}s", file=sys.stderr, flush=True)
    finally:
        subprocess.run(["bash", str(serve), "stop", port], capture_output=True)
    base = results[0]
    print(f"Kafka mirror, {base['pages']} pages, {base['records']} records; "
          f"{args.page_processes} page process(es) per docprompts process; this machine: "
          f"{subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores")
    print(f"{'N':>2} {'seconds':>8} {'pages/s':>8} {'speedup':>8} {'trips/page':>10} {'cmds/page':>9} "
          f"{'KB/page':>8} {'assembly s':>10} {'Redis MB':>8} {'CPU s/page':>10} {'load':>5}  records per process / peak RSS MB per process")
    for result in results:
        print(f"{result['processes']:>2} {result['seconds']:>8.1f} {result['pages_per_second']:>8.2f} "
              f"{base['seconds'] / result['seconds']:>8.2f} {result['round_trips_per_page']:>10.1f} "
              f"{result['commands_per_page']:>9.1f} {result['kb_to_redis_per_page']:>8.1f} "
              f"{result['assembly_seconds']:>10.1f} {result['redis_peak_mb']:>8.1f} "
              f"{result['cpu_seconds_per_page']:>10.3f} {result['load']:>5.1f}  {result['records_by_process']} / {result['peak_rss_mb']}")
        if result["ids"] != base["ids"]:
            raise SystemExit(f"N={result['processes']}: the output differs from N={base['processes']}")
    print("every output holds the same record ids in the same order")
    work = min(result["cpu_seconds_per_page"] for result in results)
    redis_ms = max(result["redis_cpu_ms_per_page"] for result in results)
    print(f"estimate: {work:.3f} CPU s of docprompts per page -> about {1 / work:.1f} pages/s per core, so M "
          f"machines of C cores ~ M x C x {1 / work:.1f} pages/s; Redis spends {redis_ms:.2f} ms of CPU per page "
          f"-> one Redis core saturates near {1000 / redis_ms:.0f} pages/s; one public site stays at its "
          f"politeness limit (DOWNLOAD_DELAY 0.5 s per host, shared by all processes in Redis: <= 2 pages/s per site)")


if __name__ == "__main__":
    main()

"""Benchmark: the full Kafka mirror crawl vs. the naive baseline, in one run.

    python bench/benchmark.py [--shared ../shared] [--port 8094]

Serves ``shared/kafka-site`` with Apache (``serve-kafka-site``), runs ``docprompts crawl kafka``
on it (a child process), then the naive baseline on the very same page URLs: fetch each page and
run trafilatura on the whole page. Prints times, MB/s, the time ratio, peak RSS, and coverage
of the browser-rendered text (``shared/kafka-gold``) for both.

Times are given twice: wall clock and CPU seconds (all processes of the crawl; the benchmark's
own process for the baseline). On a shared machine the CPU figures are the ones to compare.
The crawl's page workers log each page's CPU seconds per stage (``DOCPROMPTS_STAGE_LOG``):
printed per stage, in total and per page, with the write stage (JSONL encoding, the final
sorted file and its verification) timed on the run's records by the same writer.
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
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from output.corpus.cli import format_stats  # noqa: E402
from output.coverage import markdown_to_plain, ngrams  # noqa: E402
from output.corpus.dedup import dedup_records  # noqa: E402
from output.jsonl import AtomicJsonlWriter  # noqa: E402
from tests.acceptance.test_kafka_mirror import gold_pages, records_by_page  # noqa: E402
from tests.conftest import read_records  # noqa: E402


def run_crawl(base_url: str, out: Path, *extra: str, site: tuple[str, ...] = ("kafka",),
              stage_log: Path | None = None) -> tuple[float, float, float, float, float]:
    """Seconds; peak RSS of the largest process; and, sampled every 100 ms from /proc, the peak
    of the process tree (the crawl process plus its page workers) as the sum of RSS (which
    counts shared library pages once per process) and as the sum of PSS (shared pages split);
    CPU seconds of the whole tree (user + system)."""
    environment = dict(os.environ, **({"DOCPROMPTS_STAGE_LOG": str(stage_log)} if stage_log else {}))
    cpu_before = _children_cpu()
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "crawler.cli", "crawl", *site, "--base-url", base_url,
                              "--out", str(out), "--log-level", "WARNING", *extra], cwd=PROJECT,
                             env=environment)
    rss_peak = pss_peak = 0
    while child.poll() is None:
        rss, pss = tree_memory_kb(child.pid)
        rss_peak, pss_peak = max(rss_peak, rss), max(pss_peak, pss)
        time.sleep(0.1)   # reading smaps_rollup walks page tables: not too often
    if child.returncode:
        raise SystemExit(f"crawl failed with exit status {child.returncode}")
    seconds = time.perf_counter() - started
    largest_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return seconds, largest_mb, rss_peak / 1024, pss_peak / 1024, _children_cpu() - cpu_before


def _children_cpu() -> float:
    """CPU seconds of the finished (waited-for) descendants: the crawl and its page workers."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


STAGES = ("decode", "parse", "discover", "render", "layout check", "clean", "convert", "sections",
          "budget+tokens", "prompt", "coverage")


def stage_profile(stage_log: Path, records: list[dict], folder: Path) -> list[str]:
    """Lines: CPU seconds per stage over the crawl's pages (total, share, mean and largest per
    page), then the write stage, timed here on the run's records."""
    pages = [json.loads(line) for line in stage_log.read_text().splitlines()]
    totals = {stage: [page["stages"].get(stage, 0.0) for page in pages] for stage in STAGES}
    started = time.process_time()
    writer = AtomicJsonlWriter(folder / "rewrite.jsonl")
    for number, record in enumerate(records):
        writer.write(record, (number,))
    writer.finish()
    writer.discard_journal()
    totals["write"] = [time.process_time() - started]
    whole = sum(sum(values) for values in totals.values())
    lines = [f"per-stage CPU seconds over {len(pages)} pages (page workers; write: the same writer on "
             f"the run's records):", f"  {'stage':<14}{'total s':>9}{'share':>8}{'ms/page':>9}{'max ms':>9}"]
    for stage, values in totals.items():
        largest = f"{1000 * max(values, default=0):9.0f}" if stage != "write" else f"{'-':>9}"
        lines.append(f"  {stage:<14}{sum(values):9.2f}{sum(values) / whole:8.1%}"
                     f"{1000 * sum(values) / len(pages):9.1f}{largest}")
    lines.append(f"  {'total':<14}{whole:9.2f}{1:8.1%}{1000 * whole / len(pages):9.1f}")
    return lines


def tree_memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) summed over ``pid`` and its descendants."""
    rss = pss = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            rss += _kb(Path(f"/proc/{current}/status").read_text(), "VmRSS:")
            pss += _kb(Path(f"/proc/{current}/smaps_rollup").read_text(), "Pss:")
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return rss, pss


def _kb(text: str, field: str) -> int:
    return int(text.split(field)[1].split()[0]) if field in text else 0


def run_baseline(urls: list[str]) -> tuple[float, float, int, dict[str, str]]:
    """Seconds, CPU seconds (this process), bytes fetched, and the text of each page."""
    import trafilatura

    cpu_started = time.process_time()
    started = time.perf_counter()
    total_bytes, texts = 0, {}
    for url in urls:
        body = urllib.request.urlopen(url, timeout=60).read()
        total_bytes += len(body)
        texts[url] = trafilatura.extract(body.decode("utf-8", "replace"), output_format="markdown",
                                         include_tables=True) or ""
    return time.perf_counter() - started, time.process_time() - cpu_started, total_bytes, texts


def gold_recall(texts_by_path: dict[str, str]) -> float:
    wanted = found = 0
    for fetched, gold_text, _ in gold_pages():
        gold = ngrams(gold_text)
        wanted += len(gold)
        found += len(gold & ngrams(markdown_to_plain(texts_by_path.get(fetched, ""))))
    return found / wanted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=PROJECT.parent / "shared")
    parser.add_argument("--port", default="8094")
    parser.add_argument("--quick", action="store_true",
                        help="the crawl, the baseline and the stage profile only (no incremental runs, no dedup)")
    args = parser.parse_args()
    serve = args.shared / "serve-kafka-site"
    base_url = subprocess.run(["bash", str(serve), "start", args.port], capture_output=True,
                              text=True, check=True).stdout.strip().splitlines()[-1]
    try:
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "kafka.jsonl"
            stage_log = Path(folder) / "stages.jsonl"
            crawl_seconds, crawl_rss, tree_rss, tree_pss, crawl_cpu = run_crawl(base_url, out, stage_log=stage_log)
            manifest = json.loads(Path(str(out) + ".manifest.json").read_text())
            records = read_records(out)
            urls = [page["url"] for page in manifest["coverage"]["per_page"]]
            baseline_seconds, baseline_cpu, total_bytes, baseline_texts = run_baseline(urls)
            stages = stage_profile(stage_log, records, Path(folder))
            # The shipped profile pins all but the 3 newest releases; a copy without the pin
            # refetches every page (no validators on the mirror: each body is hashed).
            unpinned = Path(folder) / "kafka-unpinned.toml"
            unpinned.write_text((PROJECT / "crawler/site/sites/kafka.toml").read_text().replace(
                "refetch_newest = 3", "# (not pinned)").replace('plugin = "kafka"', 'plugin = "crawler.site.sites.kafka"'))
            incremental = {}
            for label, site in () if args.quick else (("kafka profile (3 newest releases refetched)", ("kafka",)),
                                ("every release refetched", ("--profile", str(unpinned)))):
                state = Path(folder) / f"state-{len(incremental)}"
                cold, *_ = run_crawl(base_url, Path(folder) / "cold.jsonl", "--state", str(state), site=site)
                warm, *_ = run_crawl(base_url, Path(folder) / "warm.jsonl", "--state", str(state), site=site)
                incremental[label] = (cold, warm, json.loads(Path(folder, "warm.jsonl.manifest.json").read_text()))
    finally:
        subprocess.run(["bash", str(serve), "stop", args.port], capture_output=True)

    ours_by_path = {page: "\n\n".join(r["text"] for r in recs) for page, recs in records_by_page(records).items()}
    base_by_path = {url.replace(base_url, ""): text for url, text in baseline_texts.items()}
    megabytes = total_bytes / 1e6
    print(f"pages: {len(urls)} ({megabytes:.1f} MB of HTML), versions: {len(manifest['versions']['crawled'])}")
    print(f"docprompts crawl : {crawl_seconds:6.1f} s  {megabytes / crawl_seconds:5.2f} MB/s  "
          f"peak RSS {crawl_rss:.0f} MB (largest process); process tree: RSS sum {tree_rss:.0f} MB, "
          f"PSS {tree_pss:.0f} MB\n                   records {len(records)}  text tokens {manifest['text_tokens']}")
    print(f"naive baseline   : {baseline_seconds:6.1f} s  {megabytes / baseline_seconds:5.2f} MB/s  "
          f"(fetch + trafilatura per whole page)")
    print(f"time ratio crawl/baseline: {crawl_seconds / baseline_seconds:.2f}x wall; CPU seconds: crawl "
          f"{crawl_cpu:.1f} (all its processes), baseline {baseline_cpu:.1f}, ratio {crawl_cpu / baseline_cpu:.2f}x; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"coverage of the browser-rendered text (word 5-gram recall, gold pages): "
          f"docprompts {gold_recall(ours_by_path):.4f}, baseline {gold_recall(base_by_path):.4f}")
    print(f"manifest per-page coverage: min {manifest['coverage']['min']}, mean {manifest['coverage']['mean']}")
    for label, (cold, warm, warm_manifest) in incremental.items():
        print(f"incremental (--state), {label}: cold {cold:.1f} s, unchanged re-run {warm:.1f} s "
              f"({warm / cold:.0%} of cold); re-run emitted {warm_manifest['records']} records, "
              f"delta {warm_manifest['delta']}")
    print("\n".join(stages))
    for mode in () if args.quick else ("exact", "near"):
        started = time.perf_counter()
        _, stats = dedup_records(records, mode)
        for line in format_stats(stats):
            print(f"dedup {line} ({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()

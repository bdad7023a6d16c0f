"""The end of a distributed run: the shipped messages become the same JSONL and manifest a
single-process crawl writes.

A request may have been done twice (its process was killed after shipping, before its lease
was dropped; or two URLs of one page were taken by two processes): records are kept once per
id and pages once per path, the first shipped winning. The order is the single-process one
(version, page, position in the page), written by the same atomic writer; the manifest is built
by the same ``DocsSpider`` methods (versions summary, incremental state) from the merged state.
"""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone

from output.jsonl import AtomicJsonlWriter, write_atomically
from output.manifest import PageReport, manifest_path_for
from output.records import version_sort_key

from crawler.run.limits import EXAMPLES_KEPT
from crawler.run.pipelines import save_state, write_final_output
from crawler.spiders.docs import DocsSpider
from crawler.run.state import PageDone, add_counts
from crawler.distributed.ledgers import merge_ledger
from crawler.distributed.run import RunRecord, SharedRun, redacted


def assemble(shared: SharedRun, job: RunRecord, redis_url: str) -> None:
    assembly_started = time.monotonic()
    spider = DocsSpider(profile=job.load_profile(), base_url=job.base_url, state=job.state,
                        **job.spider_options)
    spider.crawled_at = spider.run.started_at = job.crawled_at
    spider.versions, spider.aliases, spider.latest_slug, spider.scheduled = shared.discovery()
    run = spider.run
    run.output = job.out
    writer = AtomicJsonlWriter(job.out)
    seen_ids: set[str] = set()
    positions: dict[str, int] = {}
    workers: dict[str, dict] = {}
    limits_by_process: dict[str, list[dict]] = {}   # each process's latest budget refusals
    for message in shared.results():
        if "refused" not in message:
            try:
                merge_message(spider, message)
            except (KeyError, TypeError, ValueError, AttributeError) as error:
                message = {"refused": f"a result message of {message['worker']!r} that does not merge ({error!r:.200})"}
        if "refused" in message:   # named in the manifest (exit 1), never acted on
            run.failures.append({"url": f"redis:{shared.key('results')}", "reason": message["refused"],
                                 "kind": "refused_message"})
            continue
        if "limits_reached" in message:
            limits_by_process[message["worker"]] = message["limits_reached"]
        worker = workers.setdefault(message["worker"], {"messages": 0, "records": 0, "round_trips": 0})
        worker["messages"] += 1
        worker["round_trips"] += message.get("round_trips", 0)
        for record in message.get("records", []):
            if record["id"] in seen_ids:
                continue   # the same request done twice: its records are the same
            seen_ids.add(record["id"])
            page = record["url"].split("#", 1)[0]
            positions[page] = positions.get(page, -1) + 1
            writer.write(record, (version_sort_key(record["version"]), page, positions[page]))
            worker["records"] += 1
            run.records += 1
            run.text_tokens += record["text_tokens"]
            run.prompt_tokens += record["prompt_tokens"]
    for done in spider.done_pages.values():
        add_counts(run.delta, done.delta)
        if done.report:
            run.pages.append(PageReport(**done.report))
            if done.report.get("layout_share") is not None:   # the pages sampled, by any process
                spider.layout_shares.setdefault(done.version, []).append((done.url, done.report["layout_share"]))
    spider.check_layout_drift()   # the layout-drift alarm, on the whole run's sample
    spider.check_scope()          # pages the navigation listed that no process could judge
    run.limits_reached = merge_limits(limits_by_process.values())
    run.finished_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    run.duration_seconds = time.time() - job.started
    run.versions = spider.version_summary()
    spider.ledger.not_crawled = spider.versions_not_crawled()
    run.discovery = spider.ledger.to_dict()
    pages = write_final_output(spider, writer, job.out)
    manifest = run.to_dict()
    manifest["distributed"] = {"redis": redacted(redis_url), "run": job.run_id,
                               "requeued_requests": shared.requeued(), "processes": workers,
                               "assembly_seconds": round(time.monotonic() - assembly_started, 3)}
    write_atomically(manifest_path_for(job.out), json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    save_state(spider, pages)
    writer.discard_journal()   # the writer's .part journal: only now, every file is in place


def merge_limits(per_process) -> list[dict]:
    """The limits the processes' crawl budgets reached (``crawler/run/limits.py``), one entry each."""
    merged: dict[tuple, dict] = {}
    for entries in per_process:
        for entry in entries:
            key = (entry["limit"], entry.get("version"))
            if key not in merged:
                merged[key] = {**entry, "examples": list(entry["examples"])}
                continue
            merged[key]["requests_dropped"] += entry["requests_dropped"]
            merged[key]["examples"] = (merged[key]["examples"] + entry["examples"])[:EXAMPLES_KEPT]
    return [merged[key] for key in sorted(merged, key=lambda key: (key[0], key[1] or ""))]


def merge_message(spider: DocsSpider, message: dict) -> None:
    """One process's manifest entries into the run's (``DistributedDocsSpider.drain``)."""
    run = spider.run
    for path, page in message.get("pages", {}).items():
        spider.done_pages.setdefault(path, PageDone.from_json(page))
    for failure in message.get("failures", []):
        if failure not in run.failures:   # a request done twice fails twice
            run.failures.append(failure)
    run.broken_links.extend(message.get("broken_links", []))
    run.retries.extend(message.get("retries", []))
    run.charset_repairs.extend(message.get("charset_repairs", []))
    for kind, urls in message.get("skipped_links", {}).items():
        run.skipped_links.setdefault(kind, set()).update(urls)
    if message.get("stated"):
        run.versions.setdefault("stated", {}).update(message["stated"])
    for name in ("skipped_pages", "content_root_fallback"):   # views by rule, fallbacks by version
        for key, urls in message.get(name, {}).items():
            getattr(run, name).setdefault(key, []).extend(urls)
    for version in message.get("found_by_probe", []):
        probed = run.versions.setdefault("found_by_probe", [])
        if version not in probed:
            probed.append(version)
    spider.failed_paths.update(message.get("failed_paths", []))
    if "ledger" in message:
        merge_ledger(spider.ledger, message["ledger"])
    for page, fragments in message.get("legacy_anchors", {}).items():
        for fragment, old_anchors in fragments.items():
            known = spider.legacy_anchors.setdefault(page, {}).setdefault(fragment, [])
            known.extend(anchor for anchor in old_anchors if anchor not in known)

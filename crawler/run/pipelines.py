"""Scrapy glue: records go to the atomic JSONL writer; the manifest is written at the end.

The writer's ``.part`` file doubles as the run's journal: a ``{"__run__": ...}`` header, the
records, and a ``{"__page__": ...}`` line once every record of a page is on disk. A killed run
is resumed from it (``resume_from_journal``); the final file, the removed-ids file, the state
and the manifest are only written when the crawl finished.
"""
from __future__ import annotations

import functools
import json
import time
from datetime import datetime, timezone
from pathlib import Path

from scrapy import signals

from output.jsonl import AtomicJsonlWriter, CorruptOutput, write_atomically
from output.manifest import RunManifest, manifest_path_for
from output.safety import OutputError
from output.records import version_sort_key

from crawler.run.accounting import settle_pages
from crawler.run.state import PageDone, StateStore
from crawler.site.routes import page_url_of


class ResumeError(ValueError):
    """A partial output from a run with other settings: resuming it would mix two corpora."""


class OutputPipeline:
    """Enabled by the ``DOCPROMPTS_OUTPUT`` setting (the ``docprompts`` CLI sets it)."""

    def __init__(self, crawler, output: str | None) -> None:
        self.crawler = crawler
        self.output = output
        self.writer: AtomicJsonlWriter | None = None
        self.positions: dict[str, int] = {}
        self.written: set[str] = set()                 # record ids on disk in this run's journal
        self.pending: dict[str, PageDone] = {}         # pages waiting for their last records
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, crawler.settings.get("DOCPROMPTS_OUTPUT"))

    def open_spider(self) -> None:
        spider = self.crawler.spider
        spider.output = self
        self.started = time.monotonic()
        if not self.output:
            return
        header = {"__run__": {"fingerprint": spider.fingerprint, "crawled_at": spider.crawled_at}}
        try:
            self.writer = AtomicJsonlWriter(self.output, resume=True)
            if self.writer.recovered:
                self.resume_from_journal(self.writer.recovered, header["__run__"]["fingerprint"])
            else:
                self.writer.write_marker(header)
                self.writer.flush()
        except OutputError as error:
            self.stop_on(error)

    def resume_from_journal(self, lines: list[tuple[int, int, dict]], fingerprint: str) -> None:
        """Keep the records of pages the killed run finished; forget half-written pages."""
        spider = self.crawler.spider
        run = lines[0][2].get("__run__") if lines else None
        if not run or run.get("fingerprint") != fingerprint:
            raise ResumeError(f"{self.writer.part_path} is left by a run with other settings or "
                              f"profile: delete it, or run with the same options to resume it")
        spider.crawled_at = run["crawled_at"]     # resumed records keep the run's timestamp
        records_at: dict[str, tuple[dict, int, int]] = {}
        for offset, length, line in lines[1:]:
            if "__page__" in line:
                done = PageDone.from_json(line["__page__"])
                if all(record_id in records_at for record_id in done.emitted):
                    spider.completed[done.url] = done
                    for record_id in done.emitted:
                        record, record_offset, record_length = records_at[record_id]
                        self.writer.add_existing(self.sort_key(record), record_offset, record_length)
                        self.count(record)
            else:
                records_at[line["id"]] = (line, offset, length)
        spider.logger.info("resuming: %d pages done by the interrupted run", len(spider.completed))
        spider.run.resumed_pages = len(spider.completed)

    def sort_key(self, record: dict) -> tuple:
        page = page_url_of(record["url"])
        position = self.positions.get(page, 0)
        self.positions[page] = position + 1
        return version_sort_key(record["version"]), page, position

    def count(self, record: dict) -> None:
        run = self.crawler.spider.run
        run.records += 1
        run.text_tokens += record["text_tokens"]
        run.prompt_tokens += record["prompt_tokens"]

    def process_item(self, item):
        if self.writer:
            try:
                self.writer.write(item, self.sort_key(item))
            except OutputError as error:
                self.stop_on(error)
                return item
            self.written.add(item["id"])
            self.flush_pending(page_url_of(item["url"]))
        self.count(item)
        return item

    def stop_on(self, error: Exception) -> None:
        """A failed write ends the run (exit 1): nothing more is written, the journal keeps
        every whole page done so far, and the same command resumes once the cause is fixed."""
        spider = self.crawler.spider
        if not getattr(spider, "output_error", None):
            spider.output_error = str(error)
            spider.logger.error("output failed: %s", error)
            if self.crawler.engine is not None and not getattr(spider, "closing_on_error", False):
                spider.closing_on_error = True
                _close(self.crawler, "output_error")

    def page_done(self, done: PageDone, page_url: str) -> None:
        """Called by the spider after a page's records: journal it once they are all written."""
        self.pending[page_url] = done
        self.flush_pending(page_url)

    def flush_pending(self, page_url: str) -> None:
        done = self.pending.get(page_url)
        if done and self.writer and all(record_id in self.written for record_id in done.emitted):
            del self.pending[page_url]
            try:
                self.writer.write_marker({"__page__": done.to_json()})
                self.writer.flush()
            except OutputError as error:
                self.stop_on(error)

    def close_spider(self) -> None:
        if self.writer and not self.writer.error:
            try:
                self.writer.flush()
            except OutputError as error:
                self.stop_on(error)

    def spider_closed(self, spider, reason: str) -> None:
        run: RunManifest = spider.run
        if reason != "finished" or getattr(spider, "output_error", None):
            run.interrupted = reason
            if self.writer:
                try:
                    self.writer.close()
                except OutputError as error:
                    spider.output_error = getattr(spider, "output_error", None) or str(error)
                spider.logger.info("crawl stopped (%s): %s keeps what is done; run the same "
                                   "command again to resume", reason, self.writer.part_path)
            return
        try:
            self.finish(spider, run)
        except (OutputError, CorruptOutput) as error:
            spider.output_error = str(error)
            spider.logger.error("output failed: %s", error)

    def finish(self, spider, run: RunManifest) -> None:
        settle_pages(spider, self.pending)
        run.finished_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        run.duration_seconds = time.monotonic() - self.started
        spider.check_layout_drift()
        spider.check_scope()
        run.versions = spider.version_summary()
        run.discovery = spider.ledger.to_dict()
        if not self.writer:
            return
        write_final_output(spider, self.writer, self.output)
        run.write(manifest_path_for(self.output))
        self.writer.discard_journal()   # only now: every file of the run is in place


def _close(crawler, reason: str) -> None:
    from scrapy.utils.defer import deferred_from_coro

    deferred_from_coro(crawler.engine.close_spider_async(reason=reason))


def write_final_output(spider, writer: AtomicJsonlWriter, output: str | Path) -> None:
    """A finished crawl's output in document order (old anchors added) and, with ``--state``,
    the removed ids and the new state; the caller writes the manifest (a distributed run too)."""
    legacy = getattr(spider, "legacy_anchors", {})
    writer.finish({page: functools.partial(add_legacy_anchors, by_fragment=fragments)
                   for page, fragments in legacy.items()},
                  group_of=lambda sort_key: sort_key[1])
    if spider.state is not None:
        pages, removed = spider.final_state()
        spider.run.delta["removed"] = len(removed)
        write_atomically(removed_path_for(output),
                         "".join(json.dumps({"id": record_id}) + "\n" for record_id in sorted(removed)))
        StateStore(spider.state, spider.profile.name).save(spider.fingerprint, pages)


def removed_path_for(output: str | Path) -> Path:
    return Path(str(output).removesuffix(".jsonl") + ".removed.jsonl")


def add_legacy_anchors(records: list[dict], by_fragment: dict[str, list[str]]) -> None:
    """Old single-page anchors (``#uses``) join the record that now holds their target: the one
    whose URL or anchors carry the target fragment, else the page's first record."""
    for fragment, old_anchors in by_fragment.items():
        holder = next((record for record in records if fragment and (
            record["url"].endswith("#" + fragment) or fragment in record["anchors"])), records[0])
        holder["anchors"] = list(dict.fromkeys(holder["anchors"] + old_anchors))

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
from output.records import EncodedRecords, version_sort_key

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
        self.missing: dict[str, set[str]] = {}         # ... and the ids they still wait for
        self.version_keys: dict[str, tuple] = {}       # version -> its sort key (one tuple each)
        self.takes_pages = False                       # write_page: records without Scrapy items
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
        self.takes_pages = self.writer is not None and sole_item_consumer(self.crawler, self)

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
        return self.block_key(record["version"], page_url_of(record["url"]), 1)

    def block_key(self, version: str, page: str, records: int) -> tuple:
        """The sort key of a page's next ``records`` records: document order in the final file."""
        position = self.positions.get(page, 0)
        self.positions[page] = position + records
        if version not in self.version_keys:
            self.version_keys[version] = version_sort_key(version)
        return self.version_keys[version], page, position

    def count(self, record: dict) -> None:
        run = self.crawler.spider.run
        run.records += 1
        run.text_tokens += record["text_tokens"]
        run.prompt_tokens += record["prompt_tokens"]

    def process_item(self, item):
        """A record as a Scrapy item (``scrapy crawl -O``, other pipelines, feeds)."""
        if self.writer:
            try:
                self.writer.write(item, self.sort_key(item))
            except OutputError as error:
                self.stop_on(error)
                return item
            self.note_written(page_url_of(item["url"]), [item["id"]])
        self.count(item)
        return item

    def write_page(self, records: EncodedRecords, chosen: list[int]) -> None:
        """A page's chosen records, written at once (the spider calls it when this pipeline is
        the only consumer of items: no Scrapy item per record, ~3 s of the crawl process on the
        Kafka mirror). Records of one page URL stay together, in order, as one block."""
        for page, numbers in _runs_by_page(records, chosen):
            try:
                self.writer.write_lines([records.lines[n] for n in numbers],
                                        self.block_key(records.versions[numbers[0]], page, len(numbers)),
                                        [records.ids[n] for n in numbers])
            except OutputError as error:
                self.stop_on(error)
                return
            run = self.crawler.spider.run
            run.records += len(numbers)
            run.text_tokens += sum(records.text_tokens[n] for n in numbers)
            run.prompt_tokens += sum(records.prompt_tokens[n] for n in numbers)
            self.note_written(page, [records.ids[n] for n in numbers])
        self.crawler.stats.inc_value("item_scraped_count", len(chosen))

    def note_written(self, page_url: str, ids: list[str]) -> None:
        self.written.update(ids)
        missing = self.missing.get(page_url)
        if missing is not None:
            missing.difference_update(ids)
            self.flush_pending(page_url)

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
        if self.writer is None:
            return   # records go to Scrapy's feeds only: no journal waits for them
        self.pending[page_url] = done
        self.missing[page_url] = set(done.emitted) - self.written
        self.flush_pending(page_url)

    def flush_pending(self, page_url: str) -> None:
        done = self.pending.get(page_url)
        if done and self.writer and not self.missing[page_url]:
            del self.pending[page_url], self.missing[page_url]
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
        spider.ledger.not_crawled = spider.versions_not_crawled()
        run.discovery = spider.ledger.to_dict()
        if not self.writer:
            return
        pages = write_final_output(spider, self.writer, self.output)
        run.write(manifest_path_for(self.output))
        save_state(spider, pages)
        self.writer.discard_journal()   # only now: every file of the run is in place


def sole_item_consumer(crawler, pipeline: OutputPipeline) -> bool:
    """Nothing but this pipeline takes items: no feed (``-O``), no other item pipeline."""
    pipelines = getattr(getattr(getattr(crawler.engine, "scraper", None), "itemproc", None), "middlewares", None)
    return not crawler.settings.getdict("FEEDS") and list(pipelines or ()) == [pipeline]


def _runs_by_page(records: EncodedRecords, chosen: list[int]):
    """(page URL, record numbers) of consecutive chosen records sharing a page URL (one run on
    nearly every page; the sort key and the legacy anchors go by page URL)."""
    run: list[int] = []
    page = None
    for number in chosen:
        url_page = page_url_of(records.urls[number])
        if run and url_page != page:
            yield page, run
            run = []
        page = url_page
        run.append(number)
    if run:
        yield page, run


def _close(crawler, reason: str) -> None:
    from scrapy.utils.defer import deferred_from_coro

    deferred_from_coro(crawler.engine.close_spider_async(reason=reason))


def write_final_output(spider, writer: AtomicJsonlWriter, output: str | Path) -> dict | None:
    """A finished crawl's output in document order (old anchors added) and, with ``--state``,
    the removed ids; returns the new state's pages. The caller writes the manifest (a distributed
    run too), then ``save_state``."""
    legacy = getattr(spider, "legacy_anchors", {})
    writer.finish({page: functools.partial(add_legacy_anchors, by_fragment=fragments)
                   for page, fragments in legacy.items()},
                  group_of=lambda sort_key: sort_key[1])
    if spider.state is not None:
        pages, removed = spider.final_state()
        spider.run.delta["removed"] = len(removed)
        write_atomically(removed_path_for(output),
                         "".join(json.dumps({"id": record_id}) + "\n" for record_id in sorted(removed)))
        return pages
    return None


def save_state(spider, pages: dict | None) -> None:
    """The new state, last: a run that fails before it (a full disk at its manifest) keeps the
    state of the last complete run, which the next run's delta is computed against."""
    if pages is not None:
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

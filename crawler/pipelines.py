"""Scrapy glue: records go to the atomic JSONL writer; the manifest is written at the end."""
from __future__ import annotations

import functools
import time
from datetime import datetime, timezone

from output.jsonl import AtomicJsonlWriter
from output.manifest import RunManifest, manifest_path_for
from output.records import version_sort_key


class OutputPipeline:
    """Enabled by the ``DOCPROMPTS_OUTPUT`` setting (the ``docprompts`` CLI sets it)."""

    def __init__(self, crawler, output: str | None) -> None:
        self.crawler = crawler
        self.output = output
        self.writer: AtomicJsonlWriter | None = None
        self.positions: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, crawler.settings.get("DOCPROMPTS_OUTPUT"))

    def open_spider(self) -> None:
        if self.output:
            self.writer = AtomicJsonlWriter(self.output)
        self.started = time.monotonic()

    def process_item(self, item):
        spider = self.crawler.spider
        page = item["url"].split("#", 1)[0]
        position = self.positions.get(page, 0)
        self.positions[page] = position + 1
        if self.writer:
            self.writer.write(item, (version_sort_key(item["version"]), page, position))
        spider.run.records += 1
        spider.run.text_tokens += item["text_tokens"]
        spider.run.prompt_tokens += item["prompt_tokens"]
        return item

    def close_spider(self) -> None:
        spider = self.crawler.spider
        run: RunManifest = spider.run
        run.finished_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        run.duration_seconds = time.monotonic() - self.started
        run.versions = spider.version_summary()
        if self.writer:
            legacy = getattr(spider, "legacy_anchors", {})
            self.writer.finish({page: functools.partial(add_legacy_anchors, by_fragment=fragments)
                                for page, fragments in legacy.items()},
                               group_of=lambda sort_key: sort_key[1])
            run.write(manifest_path_for(self.output))


def add_legacy_anchors(records: list[dict], by_fragment: dict[str, list[str]]) -> None:
    """Old single-page anchors (``#uses``) join the record that now holds their target: the one
    whose URL or anchors carry the target fragment, else the page's first record."""
    for fragment, old_anchors in by_fragment.items():
        holder = next((record for record in records if fragment and (
            record["url"].endswith("#" + fragment) or fragment in record["anchors"])), records[0])
        holder["anchors"] = list(dict.fromkeys(holder["anchors"] + old_anchors))

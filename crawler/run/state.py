"""What a run remembers of each page: for resuming a killed run and for incremental re-runs.

``PageDone`` is written to the output's ``.part`` journal once all of a page's records are
on disk (``crawler.run.pipelines``). A killed run leaves that journal; running the same command
again replays the pages it lists (no fetch, no extraction: their records are already there)
through ``ReplayCompletedPages`` and does the rest. After a successful run with ``--state DIR``
the pages go to ``DIR/<site>.json``; the next run compares each page's body hash with it and
skips the extraction of unchanged pages, so only new and changed records are emitted.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from scrapy.http import HtmlResponse

from output.jsonl import write_atomically

STATE_FORMAT = 1


@dataclass
class PageDone:
    url: str                     # fetched URL (what the scheduler requests)
    path: str                    # canonical path: the page's key across runs and base URLs
    version: str
    body_sha256: str
    links: list[str] = field(default_factory=list)
    version_links: dict[str, str] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    report: dict | None = None           # the manifest's per-page entry
    records: dict[str, str] = field(default_factory=dict)   # record id -> sha256 of its prompt
    emitted: list[str] = field(default_factory=list)        # ids written to this run's output
    delta: dict[str, int] = field(default_factory=dict)     # new / changed / unchanged records
    view: str | None = None              # a view, not a page: the rule it was skipped under

    def to_json(self) -> dict:
        # Shallow on purpose: dataclasses.asdict deep-copies every list (1 s per re-run of Kafka).
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @classmethod
    def from_json(cls, data: dict) -> PageDone:
        return cls(**data)


def body_hash(body: bytes) -> str:
    """The page as served: its templates and their inline data included."""
    return hashlib.sha256(body).hexdigest()


def add_counts(total: dict, counts: dict) -> None:
    for key, value in counts.items():
        total[key] = total.get(key, 0) + value


def unchanged_page(previous: PageDone | None, url: str, digest: str) -> PageDone | None:
    """The previous run's page, as this run's, when the body is byte for byte the same: its
    records carry over as unchanged and nothing is extracted again."""
    if previous is None or previous.body_sha256 != digest:
        return None
    unchanged = PageDone(**{**previous.to_json(), "url": url, "emitted": [],
                            "delta": {"unchanged": len(previous.records), "pages_unchanged": 1}})
    if unchanged.report:
        unchanged.report = {**unchanged.report, "url": url}
    return unchanged


def page_delta(ids: list[str], prompt_hashes: list[str], previous_records: dict[str, str],
               emit_unchanged: bool, previous_page: PageDone | None = None
               ) -> tuple[list[int], dict[str, str], dict[str, int]]:
    """A processed page's records (their ids and prompt hashes) against the previous run: the
    positions of the ones to emit (with ``--state`` only new and changed ones), each record's
    prompt hash by id, and the counts per status.

    The page counts as unchanged when its records are the previous run's, every one, even though
    its body's bytes differ: a browser-rendered DOM can differ from run to run (an attribute or a
    part outside the content written a moment later), and so does a footer's build time."""
    hashes = dict(zip(ids, prompt_hashes))
    statuses = {"new": 0, "changed": 0, "unchanged": 0}
    emitted = []
    for number, record_id in enumerate(ids):
        old = previous_records.get(record_id)
        status = "new" if old is None else "unchanged" if old == hashes[record_id] else "changed"
        statuses[status] += 1
        if status != "unchanged" or emit_unchanged:
            emitted.append(number)
    same_records = previous_page is not None and previous_page.records == hashes
    statuses["pages_unchanged" if same_records else "pages_changed"] = 1
    return emitted, hashes, statuses


def pinned_versions(previous: dict[str, PageDone], refetch_newest: int | None, full: bool,
                    sort_key) -> set[str]:
    """With a previous run and ``refetch_newest = N``: its older releases are not fetched
    again (old releases never change); their records carry over as unchanged."""
    seen = sorted({page.version for page in previous.values()}, key=sort_key)
    if full or not refetch_newest or not seen:
        return set()
    return set(seen[:-refetch_newest])


def next_state(previous: dict[str, PageDone], done: dict[str, PageDone], pinned: set[str],
               failed_paths: set[str]) -> tuple[dict[str, PageDone], set[str], dict[str, int]]:
    """The pages to remember for the next run, the ids of records that are gone, and the
    unchanged counts of pinned pages.

    A page seen before but not now is gone, unless its version is pinned or it failed this
    time (a flaky host must not delete half the corpus)."""
    pages: dict[str, PageDone] = {}
    removed: set[str] = set()
    carried: dict[str, int] = {}
    for path, old in previous.items():
        if path in done:
            removed |= old.records.keys() - done[path].records.keys()
        elif old.version in pinned or path in failed_paths:
            pages[path] = old
            if old.version in pinned:
                add_counts(carried, {"unchanged": len(old.records), "pages_unchanged": 1})
        else:
            removed |= old.records.keys()
    pages.update(done)
    return pages, removed, carried


class StateStore:
    """``DIR/<site>.json``: the pages of the last successful run and the settings they used."""

    def __init__(self, directory: str | Path, site: str) -> None:
        self.path = Path(directory) / f"{site}.json"

    def load(self, fingerprint: str) -> dict[str, PageDone]:
        """Pages of the last run, or nothing when there is none or its settings differ (a new
        budget or encoding changes every record: that run cannot be compared with)."""
        if not self.path.exists():
            return {}
        data = json.loads(self.path.read_text(encoding="utf-8"))
        if data.get("format") != STATE_FORMAT or data.get("fingerprint") != fingerprint:
            return {}
        return {path: PageDone.from_json(page) for path, page in data["pages"].items()}

    def save(self, fingerprint: str, pages: dict[str, PageDone]) -> None:
        data = {"format": STATE_FORMAT, "fingerprint": fingerprint,
                "pages": {path: page.to_json() | {"emitted": []} for path, page in sorted(pages.items())}}
        write_atomically(self.path, json.dumps(data, ensure_ascii=False) + "\n")


def run_fingerprint(profile, budget) -> str:
    """What makes two runs' records comparable: the profile, the budget and the encoding."""
    key = {"profile": profile.path or profile.name, "target_tokens": budget.target_tokens,
           "ratio": budget.ratio, "max_input_tokens": budget.max_input_tokens,
           "encoding": budget.encoding, "min_section_tokens": budget.merge_below}
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]


def journal_fingerprint(path) -> str | None:
    """The fingerprint in an interrupted run's journal (``<out>.part``), if there is one."""
    try:
        with open(path, "rb") as stream:
            return json.loads(stream.readline())["__run__"]["fingerprint"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


class ReplayCompletedPages:
    """Downloader middleware: a page the interrupted run finished is not fetched again; the
    spider gets an empty stand-in response and replays the page's links from the journal."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        completed = getattr(self.crawler.spider, "completed", None)
        if completed and request.url in completed and request.callback is not None:
            return HtmlResponse(request.url, body=b"<html></html>", encoding="utf-8",
                                request=request, flags=["replayed"])
        return None

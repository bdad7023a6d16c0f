"""The record schema: one compression prompt per chunk of a documentation section."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from output.jsonl import encode_line

RECORD_FIELDS = (
    "id", "source", "site", "version", "version_slug", "is_latest", "is_prerelease", "url", "fetched_url", "title",
    "path", "anchors", "chunk_index", "chunk_count", "text", "text_tokens", "target_tokens",
    "max_input_tokens", "encoding", "prompt", "prompt_tokens", "content_sha256", "crawled_at",
)


@dataclass
class Record:
    id: str
    source: str
    site: str
    version: str
    version_slug: str
    is_latest: bool
    url: str
    fetched_url: str
    title: str
    path: list[str]
    anchors: list[str]
    chunk_index: int
    chunk_count: int
    text: str
    text_tokens: int
    target_tokens: int
    max_input_tokens: int
    encoding: str
    prompt: str
    prompt_tokens: int
    content_sha256: str
    crawled_at: str
    is_prerelease: bool = False   # an unreleased version ("next"); listed after is_latest

    def to_dict(self) -> dict:
        # Shallow on purpose: dataclasses.asdict deep-copies every list (2 s on the Kafka mirror).
        return {name: getattr(self, name) for name in RECORD_FIELDS}


@dataclass
class EncodedRecords:
    """A page's records as the output wants them, made in the page worker (in parallel): each
    record's JSON line and the few fields the crawl process reads. They come back to the crawl
    process as a handful of flat lists (pickled far cheaper than 23-field ``Record`` objects),
    and the crawl process neither builds a dict nor encodes JSON for a record (~1 s on Kafka)."""
    lines: list[bytes] = field(default_factory=list)   # encode_line(record.to_dict())
    ids: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)
    text_tokens: list[int] = field(default_factory=list)
    prompt_tokens: list[int] = field(default_factory=list)
    prompt_hashes: list[str] = field(default_factory=list)   # sha256_text(prompt): incremental runs

    @classmethod
    def of(cls, records: list[Record]) -> EncodedRecords:
        return cls(lines=[encode_line(record.to_dict()) for record in records],
                   ids=[record.id for record in records], urls=[record.url for record in records],
                   versions=[record.version for record in records],
                   text_tokens=[record.text_tokens for record in records],
                   prompt_tokens=[record.prompt_tokens for record in records],
                   prompt_hashes=[sha256_text(record.prompt) for record in records])

    def __len__(self) -> int:
        return len(self.lines)

    def as_dicts(self, chosen: list[int]) -> list[dict]:
        """The chosen records as dicts (Scrapy items for feeds and other pipelines)."""
        return [json.loads(self.lines[number]) for number in chosen]


def version_sort_key(version: str) -> tuple[int, ...]:
    """"0.10.2" sorts after "0.9.0": numeric, part by part."""
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


def record_id(site: str, version_slug: str, page_path: str, anchor: str | None,
              occurrence: int, chunk_index: int) -> str:
    """Stable across runs: the same section of the same page gets the same id.

    ``occurrence`` tells apart sections sharing an anchor (headings without an id take the
    nearest anchor above, so two sections may carry the same one).
    """
    key = f"{site}|{version_slug}|{page_path}|{anchor or ''}|{occurrence}|{chunk_index}"
    return hashlib.sha256(key.encode()).hexdigest()[:24]


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def validate_record(record: dict) -> list[str]:
    """Problems with a record dict (empty when it is sound)."""
    problems = [f"missing field {name}" for name in RECORD_FIELDS if name not in record]
    if problems:
        return problems
    if record["text_tokens"] > record["max_input_tokens"]:
        problems.append("text exceeds max_input_tokens")
    if record["text_tokens"] <= record["target_tokens"]:
        problems.append("text not longer than its target")
    if record["content_sha256"] != sha256_text(record["text"]):
        problems.append("content_sha256 does not match text")
    return problems

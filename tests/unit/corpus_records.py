"""A small multi-version corpus for the dedup, diff, export and report tests.

Site ``kafka``, versions 0.9, 0.10 and 2.0 ("0.10" must sort after "0.9"), page
``documentation.html`` unless said otherwise:

=============  ====================================  =========================================
section        0.9 / 0.10                            2.0
=============  ====================================  =========================================
introduction   identical                             identical
uses           same text; 0.10 differs only in       rewritten
               whitespace, NBSP and a ligature
design         0.10 changes one word                 changes another word (near-duplicates)
config         2 chunks, identical                   chunk 1 edited
zookeeper      identical                             gone
kraft          absent                                new
streams page   identical (own page, no anchor)       identical
=============  ====================================  =========================================

Plus site ``connect``, version 1.0: one record whose text equals kafka's introduction (dedup
works per site, so it must stay apart).
"""
from __future__ import annotations

import random

from output.records import RECORD_FIELDS, record_id, sha256_text

VERSIONS = ("0.9", "0.10", "2.0")
VOCABULARY = (
    "broker topic partition replica leader follower offset consumer producer group commit log "
    "segment index retention compaction record key value header batch request response fetch "
    "append disk cache memory network thread queue stream table state store window join "
    "timestamp schema connector task worker cluster controller quorum election metadata "
    "listener protocol security quota throttle metric alert config default override rolling "
    "upgrade version client server latency throughput ordering delivery exactly once"
).split()


def prose(seed: int, words: int = 120) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(VOCABULARY) for _ in range(words)) + "."


def replace_word(text: str, position: int, word: str) -> str:
    words = text.split(" ")
    words[position] = word
    return " ".join(words)


INTRO, USES, USES_NEW, DESIGN = prose(1), prose(2), prose(3), prose(4)
CONFIG_0, CONFIG_1, CONFIG_1_NEW = prose(5), prose(6), prose(7)
ZOOKEEPER, KRAFT, STREAMS = prose(8), prose(9), prose(10)
# Equal to USES after NFKC and whitespace collapsing: NBSPs, a line break, the "ﬁ" ligature.
USES_RESPACED = USES.replace(" ", "\u00a0", 3).replace(" ", "\n  ", 1) + " ﬁle"
USES = USES + " file"


def make_record(version: str, anchor: str | None, path: list[str], text: str, *,
                site: str = "kafka", page: str = "documentation.html", chunk_index: int = 0,
                chunk_count: int = 1, **extra) -> dict:
    slug = version.replace(".", "")
    record = {
        "id": record_id(site, slug, page, anchor, 0, chunk_index), "source": f"apache_{site}",
        "site": site, "version": version, "version_slug": slug, "is_latest": version == "2.0",
        "is_prerelease": False,
        "url": f"https://{site}.example.org/{slug}/{page}" + (f"#{anchor}" if anchor else ""),
        "fetched_url": f"http://127.0.0.1:8000/{slug}/{page}", "title": path[-1], "path": path,
        "anchors": [anchor] if anchor else [], "chunk_index": chunk_index,
        "chunk_count": chunk_count, "text": text, "text_tokens": len(text.split()),
        "target_tokens": 20, "max_input_tokens": 800, "encoding": "cl100k_base",
        "prompt": f"Compress the following text to about 20 tokens.\n\n{text}",
        "prompt_tokens": len(text.split()) + 8, "content_sha256": sha256_text(text),
        "crawled_at": "2026-01-01T00:00:00+00:00", **extra}
    assert set(RECORD_FIELDS) <= set(record)
    return record


def version_records(version: str) -> list[dict]:
    old = version != "2.0"
    design = DESIGN if version == "0.9" else replace_word(
        DESIGN, 10 if version == "0.10" else 90, "rebalance")
    records = [
        make_record(version, "introduction", ["1. Getting Started", "1.1 Introduction"], INTRO),
        make_record(version, "uses", ["1. Getting Started", "1.2 Use Cases"],
                    USES_RESPACED if version == "0.10" else USES if old else USES_NEW),
        make_record(version, "design", ["3. Design"], design),
        make_record(version, "config", ["2. Configuration"], CONFIG_0, chunk_count=2),
        make_record(version, "config", ["2. Configuration"], CONFIG_1 if old else CONFIG_1_NEW,
                    chunk_index=1, chunk_count=2),
        make_record(version, "zookeeper" if old else "kraft", ["4. Operations", "4.1 Metadata"],
                    ZOOKEEPER if old else KRAFT),
        make_record(version, None, ["Kafka Streams"], STREAMS, page="streams/index.html"),
    ]
    return records


def corpus() -> list[dict]:
    """Every record, in the order a crawl writes them (version by version, document order)."""
    records = [record for version in VERSIONS for record in version_records(version)]
    return records + [make_record("1.0", "introduction", ["Introduction"], INTRO, site="connect")]


def by_anchor(records: list[dict], version: str, anchor: str | None, chunk_index: int = 0,
              site: str = "kafka") -> dict:
    return next(r for r in records if r["site"] == site and r["version"] == version
                and (r["anchors"] or [None])[0] == anchor and r["chunk_index"] == chunk_index)

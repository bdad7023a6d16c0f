"""The bundled demo site crawled end to end by the real Scrapy engine over HTTP (``docprompts demo``)."""
from __future__ import annotations

import json
import re

import pytest

from compress.tokenizer import TokenCounter
from output.records import RECORD_FIELDS, validate_record

from ..conftest import read_manifest, read_records, run_docprompts


@pytest.fixture(scope="module")
def demo(demo_crawl):
    out, result = demo_crawl        # the session's one demo crawl (tests/conftest.py)
    assert result.returncode == 0, result.stderr[-3000:]
    return read_records(out), read_manifest(out), result


def texts_of(records, slug=None, page=None):
    return "\n".join(r["text"] for r in records
                     if (slug is None or r["version_slug"] == slug) and (page is None or page in r["url"]))


def test_every_version_is_discovered_including_the_unlisted_newer_one(demo):
    records, manifest, _ = demo
    assert manifest["versions"]["discovered"] == ["1.0", "2.0", "2.1", "2.2"]
    assert manifest["versions"]["latest"] == "2.1"
    assert {r["version"] for r in records} == {"1.0", "2.0", "2.1", "2.2"}


def test_latest_is_marked_not_duplicated(demo):
    records, _, _ = demo
    assert all(r["is_latest"] == (r["version"] == "2.1") for r in records)
    assert not any(r["url"].startswith("https://kafka.apache.org/documentation.html") for r in records)
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids))


def test_templated_and_plain_sentences_are_present_once_per_version(demo):
    records, _, _ = demo
    text20, text21 = texts_of(records, "20"), texts_of(records, "21")
    assert text20.count("Release 2.0 bundles a broker, a set of client libraries") == 1
    assert "Release 2.1 bundles a broker" in text21
    assert "Values in the Default column are what the 2.0 broker uses when the key is absent." in text20
    assert "Because a compacted topic retains the latest record for every key indefinitely" in text21
    assert "Because a compacted topic retains" not in text20
    assert "Operators who need an explicit flush policy can still configure one per topic, but in practice" in text20
    assert "release 2.1 recommends leaving the flush settings at their defaults." in text21
    assert "Because tasks never share input, they can run in parallel without locks." in texts_of(
        records, "20", "/streams/architecture.html")
    assert "In the 1.0 line, a consumer group remembers its position" in texts_of(records, "10")
    assert "Release 2.2 is an early preview" in texts_of(records, "22")
    assert "> tar -xzf kafka_2.12-2.0.0.tgz" in text20


def test_no_boilerplate_templates_or_mojibake(demo):
    records, _, _ = demo
    for record in records:
        text = record["text"]
        assert "{{" not in text and "}}" not in text, record["url"]
        assert "You're viewing documentation for an older version" not in text
        assert "Prior releases" not in text
        assert not re.search(r"Â|â€|Ã", text), record["url"]
        assert "Previous" not in text.split() or "Next" not in text.split()
    assert "Kafka® is fast — really" in texts_of(records, "20")


def test_records_hold_the_schema_and_exact_budgets(demo):
    records, _, _ = demo
    count = TokenCounter("cl100k_base")
    for record in records:
        assert set(record) == set(RECORD_FIELDS)
        assert validate_record(record) == []
        assert record["text_tokens"] == count(record["text"]) <= 800
        assert record["prompt_tokens"] == count(record["prompt"])
        assert record["text"] in record["prompt"] and f"URL: {record['url']}\n" in record["prompt"]


def test_huge_code_block_is_split_into_complete_fenced_parts(demo):
    records, _, _ = demo
    parts = [r for r in records if r["version_slug"] == "20" and r["title"] == "2.3 Topic Configs"]
    assert len(parts) >= 2
    for part in parts:
        fences = [line for line in part["text"].split("\n") if line.startswith("```")]
        assert len(fences) % 2 == 0 and fences[0] == "```java"
    joined = "\n".join(p["text"] for p in parts)
    assert "    private static final long TIMEOUT_SECONDS = 30;" in joined
    assert "            byTopic.computeIfAbsent(topic, t -> new TreeMap<>())" in joined


def test_anchors_and_urls(demo):
    records, _, _ = demo
    anchors20 = {a for r in records if r["version_slug"] == "20" and "/20/documentation.html" in r["url"]
                 for a in r["anchors"]}
    for anchor in ("gettingStarted", "introduction", "intro_topics", "uses", "uses_messaging",
                   "quickstart", "quickstart_autocreate", "configuration", "brokerconfigs",
                   "topicconfigs", "design", "persistence", "persistence_pagecache", "streams"):
        assert anchor in anchors20
    urls = {r["url"] for r in records}
    assert "https://kafka.apache.org/20/documentation.html#uses" in urls


def test_tiny_section_is_merged_not_dropped(demo):
    records, _, _ = demo
    for slug in ("20", "21"):
        holders = [r for r in records if r["version_slug"] == slug
                   and "Most clusters that misbehave are short on disk bandwidth" in r["text"]]
        assert len(holders) == 1
        assert holders[0]["text_tokens"] > 100


def test_out_of_scope_pages_are_never_crawled(demo):
    records, manifest, _ = demo
    fetched = {page["url"] for page in manifest["coverage"]["per_page"]}
    assert not any("javadoc" in url or "blog" in url or "private" in url for url in fetched)
    assert not any("example.org" in r["fetched_url"] for r in records)
    assert len(fetched) == 10  # 4 main pages (1.0, 2.0, 2.1, 2.2) + 3 Streams pages each for 2.0 and 2.1


def test_manifest_reports_coverage_and_totals(demo):
    records, manifest, _ = demo
    assert manifest["records"] == len(records)
    assert manifest["text_tokens"] == sum(r["text_tokens"] for r in records)
    assert manifest["coverage"]["min"] >= 0.98
    assert manifest["pages_failed"] == 0, manifest["failures"]


@pytest.mark.slow
def test_log_json_writes_one_json_object_per_line(tmp_path):
    result = run_docprompts("demo", "--out", str(tmp_path / "demo.jsonl"), "--log-json", "--log-level", "INFO")
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stderr.splitlines()
    entries = [json.loads(line) for line in lines]          # every line is one JSON object
    assert entries and {entry["level"] for entry in entries} <= {"INFO", "WARNING", "ERROR", "CRITICAL"}
    assert any("Spider opened" in entry["message"] for entry in entries)

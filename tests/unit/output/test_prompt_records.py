"""compress.prompt (the reference prompt format) and output.records (ids, validation)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from compress.prompt import render_prompt
from output.records import RECORD_FIELDS, Record, record_id, sha256_text, validate_record

SHARED = Path(os.environ.get("DOCPROMPTS_SHARED", Path(__file__).resolve().parents[4] / "shared"))
URL = "https://kafka.apache.org/39/documentation.html#producerconfigs"


# -- prompt -------------------------------------------------------------------------------------
def test_render_prompt_matches_the_reference_format_inline():
    prompt = render_prompt("Body line one.\n\nBody line two.", 73, "apache_kafka", URL)
    assert prompt == (
        "Task: Compress the following text to approximately 73 tokens for use as an AI system prompt.\n"
        "Rules:\n"
        "1. Prioritize key information, concepts, and technical details.\n"
        "2. Remove redundancies and verbose explanations.\n"
        "3. Use concise language and technical terminology.\n"
        "4. Maintain factual accuracy and important specifics.\n"
        "5. Aim for 73 tokens, but do not go below this target.\n"
        "\n"
        "Text to compress:\n"
        "Source: apache_kafka\n"
        f"URL: {URL}\n"
        "\n"
        "Body line one.\n\nBody line two."
    )


def test_render_prompt_matches_the_shared_seed_prompt():
    seed = SHARED / "seed-prompt.txt"
    if not seed.is_file():
        pytest.skip(f"{seed} is absent")
    expected = seed.read_text(encoding="utf-8").split("\n")[:12]
    expected = [f"URL: {URL}" if line.startswith("URL: ") else line for line in expected]
    text = "The section text."
    lines = render_prompt(text, 100, "apache_kafka", URL).split("\n")
    assert lines[:12] == expected
    assert "\n".join(lines[12:]) == text


def test_render_prompt_keeps_braces_in_the_text():
    prompt = render_prompt("Config {{version}} and {key}", 50, "apache_kafka", URL)
    assert prompt.endswith("\n\nConfig {{version}} and {key}")


# -- records ------------------------------------------------------------------------------------
def make_record(**changes) -> dict:
    text = "Producers append records to the end of a partition."
    record = Record(
        id=record_id("kafka", "39", "/39/documentation.html", "producerconfigs", 0, 0),
        source="apache_kafka", site="kafka", version="3.9", version_slug="39", is_latest=True,
        url=URL, fetched_url="http://localhost:8000/39/documentation.html",
        title="3.3 Producer Configs", path=["3. Configuration", "3.3 Producer Configs"],
        anchors=["producerconfigs"], chunk_index=0, chunk_count=1, text=text, text_tokens=10,
        target_tokens=9, max_input_tokens=800, encoding="cl100k_base",
        prompt=render_prompt(text, 9, "apache_kafka", URL), prompt_tokens=120,
        content_sha256=sha256_text(text), crawled_at="2025-01-01T00:00:00+00:00",
    ).to_dict()
    record.update(changes)
    return record


def test_record_id_is_stable_across_runs():
    # A literal: ids must not change between releases of the crawler for the same section.
    assert record_id("kafka", "20", "/20/documentation.html", "intro", 0, 0) == "3a263da5498061bc94997879"


def test_record_id_differs_for_every_key_part():
    base = ("kafka", "20", "/20/documentation.html", "intro", 0, 0)
    variants = [("kafka", "21", *base[2:]), (*base[:2], "/20/documentation/streams/index.html", *base[3:]),
                (*base[:3], "uses", 0, 0), (*base[:3], None, 0, 0), (*base[:4], 1, 0), (*base[:5], 1)]
    ids = {record_id(*base)} | {record_id(*variant) for variant in variants}
    assert len(ids) == 1 + len(variants)


def test_valid_record_has_no_problems_and_every_field():
    record = make_record()
    assert tuple(record) == RECORD_FIELDS
    assert validate_record(record) == []


def test_missing_fields_are_reported():
    record = make_record()
    del record["url"], record["prompt"]
    assert validate_record(record) == ["missing field url", "missing field prompt"]


def test_text_over_budget_is_reported():
    assert validate_record(make_record(text_tokens=801)) == ["text exceeds max_input_tokens"]


def test_target_not_below_text_is_reported():
    assert validate_record(make_record(target_tokens=10)) == ["text not longer than its target"]


def test_content_hash_mismatch_is_reported():
    assert validate_record(make_record(text="changed text")) == ["content_sha256 does not match text"]


# -- prompt tokens: header + text counted apart, exactly --------------------------------------
EDGE_TEXTS = ["/usr/bin starts with a slash", " leading space", "\nleading newline", "# Heading\n\nBody",
              "```java\nint x = 1;\n```", "123456 digits", "'s a contraction", "😀 emoji first",
              "Ünïcödé first", "| a | b |\n|---|---|", "-- dashes", "\u00a0no-break space", "x"]


@pytest.mark.parametrize("encoding", ["cl100k_base", "o200k_base"])
def test_prompt_tokens_equal_the_whole_prompts_count(encoding):
    """The header's count plus the text's is the prompt's own count, on every section text of
    the committed fixture sites' sources, under URLs ending in a letter, "/", a digit, ")"."""
    from compress.prompt import prompt_header, prompt_tokens
    from compress.tokenizer import TokenCounter

    count = TokenCounter(encoding)
    sources = Path(__file__).resolve().parents[2] / "sites" / "src"
    texts = EDGE_TEXTS + [part.strip("\n") for path in sorted(sources.rglob("*.md"))
                          for part in path.read_text(encoding="utf-8").split("\n\n") if part.strip()]
    assert len(texts) > 200
    for url in (URL, "https://x.org/docs/", "https://x.org/v/2", "https://x.org/a_(b)"):
        header = prompt_header(42, "src", url)
        for text in texts:
            assert prompt_tokens(header, text, count(text), count) == count(header + text), (url, text[:80])


def test_encoded_records_are_the_records_json_lines():
    from output.jsonl import encode_line
    from output.records import EncodedRecords, sha256_text

    first = Record(**make_record())
    second = Record(**make_record(id="other", text_tokens=30, title="A title \ud800"))
    encoded = EncodedRecords.of([first, second])
    assert len(encoded) == 2
    assert encoded.lines[0] == encode_line(first.to_dict())
    assert encoded.as_dicts([0]) == [first.to_dict()]
    assert encoded.as_dicts([1])[0]["title"] == "A title \ufffd"   # never a lone surrogate
    assert encoded.ids == [first.id, "other"] and encoded.text_tokens == [10, 30]
    assert encoded.prompt_hashes[0] == sha256_text(first.prompt)

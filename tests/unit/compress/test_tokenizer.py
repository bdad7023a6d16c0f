"""compress.tokenizer: counts added up across cuts, and endings re-counted, match whole encodings."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from compress.budget import BlockTokens
from compress.prompt import header_tokens, prompt_header
from compress.tokenizer import TokenCounter
from crawler.page.extract import Block

# Fragments that exercise every branch of the pre-tokenizer regexes: letters, digits, marks,
# contractions, punctuation runs, "/", every kind of space and newline, non-ASCII spaces.
FRAGMENTS = ["a", "Zeta", "1", "234", "x1", " ", "  ", "\t", "\n", "\n\n", "\r\n", ".", "...", "/", "'s",
             "'", "é", "e\u0301", "日本", "😀", "\u00a0", "\u2028", "\u0085", "\u3000", "\x1c", "`", "```",
             "#", "| a |", "-", "(", ")", "_", "½", "://", " /", ".\n", "\n/", " \n"]
SOURCES = Path(__file__).resolve().parents[2] / "sites" / "src"


def random_texts(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 8))) for _ in range(count)]


def paragraphs() -> list[str]:
    return [part.strip("\n") for path in sorted(SOURCES.rglob("*.md"))
            for part in path.read_text(encoding="utf-8").split("\n\n") if part.strip("\n")]


@pytest.fixture(scope="module", params=["cl100k_base", "o200k_base"])
def counter(request) -> TokenCounter:
    return TokenCounter(request.param)


def test_a_cut_after_a_newline_adds_up_exactly(counter):
    texts = random_texts(1, 3000) + paragraphs()
    cuts = 0
    for before, after in zip(texts, texts[1:] + texts[:1]):
        for before in (before, before + "\n", before + "\n\n"):
            if counter.adds_up_at(before, after):
                cuts += 1
                assert counter(before) + counter(after) == counter(before + after), (before[-30:], after[:30])
    assert cuts > 1000


def test_no_cut_before_a_space_or_a_slash(counter):
    assert not counter.adds_up_at("a\n", " b")
    assert not counter.adds_up_at("a\n", "\u00a0b")
    assert not counter.adds_up_at("a.\n", "/path")
    assert not counter.adds_up_at("a.", "b")
    assert not counter.adds_up_at("a\n", "")


def test_an_ending_change_is_exactly_the_difference_of_the_whole_counts(counter):
    stems = random_texts(2, 3000) + paragraphs()
    endings = ["", "\n", "\n\n", " x", ".\n\n"]
    known = 0
    for stem in stems:
        for old, new in zip(endings, endings[1:] + endings[:1]):
            change = counter.ending_change(stem, old, new)
            if change is not None:
                known += 1
                assert change == counter(stem + new) - counter(stem + old), (stem[-30:], old, new)
    assert known > 5000


def test_an_ending_change_needs_a_boundary_near_the_end(counter):
    assert counter.ending_change("x" * 500 + ".", "", "\n") is None
    assert counter.ending_change("x" * 500 + " end.", "", "\n") is not None


def test_other_encodings_never_cut():
    gpt2 = TokenCounter.__new__(TokenCounter)
    gpt2.name = "gpt2"
    assert not gpt2.adds_up_at("a\n", "b")
    assert gpt2.ending_change("a b.", "", "\n") is None


def page_blocks() -> list[Block]:
    blocks = []
    for index, text in enumerate(paragraphs()[:300] + random_texts(3, 200)):
        kind = "heading" if index % 7 == 0 else ("code" if text.startswith("```") else "paragraph")
        joiner = "\n" if index % 5 == 0 else "\n\n"
        blocks.append(Block(kind, text.strip() or "x", 2 if kind == "heading" else 0, [], joiner))
    return blocks


def test_every_span_of_blocks_counts_as_its_text(counter):
    blocks = page_blocks()
    page = BlockTokens(blocks, counter, limit=400)
    rng = random.Random(4)
    spans = [(start, start + length) for start in range(len(blocks)) for length in (1, 2, 5)
             if start + length <= len(blocks)]
    spans += [tuple(sorted(rng.sample(range(len(blocks) + 1), 2))) for _ in range(300)]
    for start, end in spans:
        exact = counter(page.text(start, end))
        tokens = page.span(start, end)
        assert tokens == exact if exact <= 400 else tokens > 400, (start, end)


def test_a_span_above_the_limit_is_not_encoded_whole(counter):
    huge = Block("paragraph", "y" * 200_000)   # a single unbroken run: BPE on it is slow
    blocks = [Block("heading", "Title", 2), huge, Block("paragraph", "After.")]
    page = BlockTokens(blocks, counter, limit=800)
    assert page.span(0, 3) > 800
    assert page.span(1, 2) > 800
    assert page.span(2, 3) == counter("After.")


def test_a_header_counts_as_its_lines(counter):
    for url in ("https://kafka.apache.org/38/documentation.html#producerconfigs", "http://x/ a", "/p"):
        header = prompt_header(120, "apache_kafka", url)
        assert header_tokens(header, counter) == counter(header)

"""compress.tokenizer: counts added up across cuts, and endings re-counted, match whole encodings."""
from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from compress.budget import BlockTokens
from compress.prompt import header_tokens, prompt_header
from compress.tokenizer import TokenCounter, code_points, ends_in_word
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


def test_a_word_then_newlines_adds_up_exactly(counter):
    """The rule of change_after_word: a text ending in a letter or digit keeps its tokens when
    newlines follow, and a text cut after them (adds_up_at) adds its own."""
    texts = ["word", "end.", "x1", "naïve", "e\u0301", "日本", "/path", " space", "## Head", "```\ncode\n```",
             "| a |", "it's", "123456", "½", "😀"] + paragraphs()
    added = 0
    for first, second in zip(texts, texts[1:] + texts[:1]):
        for joiner in ("\n\n", "\n"):
            if first[-1:].isalnum():
                assert counter.change_after_word(joiner, "") == -counter(joiner)
                assert counter(first + joiner) == counter(first) + counter(joiner), (first[-40:], joiner)
                if counter.adds_up_at(joiner, second):
                    added += 1
                    assert counter(first + joiner + second) == counter(first) + counter(joiner) + counter(second)
    assert added > 100
    assert counter.change_after_word("\n", "\n\n") == counter("\n\n") - counter("\n")
    assert counter.change_after_word(" ", "") is None
    assert counter.change_after_word("\n", ".\n") is None


def test_other_encodings_never_cut():
    gpt2 = TokenCounter.__new__(TokenCounter)
    gpt2.name = "gpt2"
    assert not gpt2.adds_up_at("a\n", "b")
    assert gpt2.ending_change("a b.", "", "\n") is None
    assert gpt2.change_after_word("\n", "") is None
    assert not gpt2.cuts_at(code_points("a\nb"), np.array([2])).any()


# -- many counts at once ---------------------------------------------------------------------------
def pieces_at_cuts(counter: TokenCounter, seed: int) -> list[str]:
    """Texts that end in a newline, each but the first starting a cut."""
    rng = random.Random(seed)
    pieces = []
    for text in random_texts(seed, 1500) + paragraphs()[:400]:
        piece = text + rng.choice(["\n", "\n\n", ".\n\n"])
        if not pieces or counter.adds_up_at("\n", piece):
            pieces.append(piece)
    return pieces


def bounds_of(pieces: list[str]) -> np.ndarray:
    return np.cumsum([0] + [len(piece) for piece in pieces])


@pytest.mark.parametrize("memo_entries", [60_000, 100])   # looked up in the memo, or too many for it
def test_counts_between_cuts_are_each_pieces_count(counter, memo_entries):
    fresh = TokenCounter(counter.name, cache_entries=memo_entries)
    pieces = pieces_at_cuts(fresh, 5)
    pieces[7:7] = ["y" * 5000 + "\n", "z " * 2000 + "\n"]   # above the limit: at_most, not encoded
    text = "".join(pieces)
    for _ in range(2):   # the second time from the memo, where it is used
        counts = fresh.counts_between_cuts(text, bounds_of(pieces), 100)
        assert counts.tolist() == [counter.at_most(piece, 100) for piece in pieces]
    assert len(pieces) > 600 and any(not piece.isascii() for piece in pieces)


def test_counts_between_cuts_are_batched_and_exact_across_batches(counter, monkeypatch):
    monkeypatch.setattr("compress.tokenizer.BATCH_CHARS", 500)
    fresh = TokenCounter(counter.name, cache_entries=10)
    pieces = pieces_at_cuts(fresh, 6)
    counts = fresh.counts_between_cuts("".join(pieces), bounds_of(pieces), 800)
    assert counts.tolist() == [counter(piece) for piece in pieces]


def test_counts_of_pieces_not_at_cuts_are_still_exact(counter):
    """A token across two pieces (no cut between them) or a lone surrogate: each piece is counted
    on its own."""
    for pieces in (["a.", "\n\nb", " c"], ["x\n", "\ud800y\n", "z"]):
        fresh = TokenCounter(counter.name, cache_entries=2)
        counts = fresh.counts_between_cuts("".join(pieces), bounds_of(pieces), 800)
        assert counts.tolist() == [counter(piece) for piece in pieces]


def test_token_bytes_add_up_to_the_texts_bytes(counter):
    for text in random_texts(7, 200) + paragraphs()[:50]:
        tokens = counter.encoding.encode_ordinary(text)
        assert counter.token_bytes[tokens].sum() == len(text.encode("utf-8", "replace"))
    assert counter.max_token_bytes == counter.token_bytes.max() > 1


def test_cuts_at_are_the_cuts_adds_up_at_allows(counter):
    for text in ["".join(random_texts(seed, 60)) for seed in (8, 9)] + ["plain\nascii\n/x\n y\nz"]:
        offsets = np.arange(len(text) + 1)
        cuts = counter.cuts_at(code_points(text), offsets)
        assert cuts.tolist() == [counter.adds_up_at(text[:offset], text[offset:]) for offset in offsets]
        assert cuts.any()


def test_ends_in_word_is_a_letter_or_digit_before_the_end():
    text = "".join(random_texts(10, 80)) + "a1.日½"
    ends = np.arange(1, len(text) + 1)
    assert ends_in_word(code_points(text), ends).tolist() == [text[end - 1].isalnum() for end in ends]


@pytest.fixture(params=["block by block", "at once"])
def layout(request, monkeypatch):
    """BlockTokens counts a page of few blocks one block at a time, a page of many in numpy steps."""
    if request.param == "at once":
        monkeypatch.setattr("compress.budget.MANY_BLOCKS", 0)
    return request.param


def page_blocks() -> list[Block]:
    blocks = []
    for index, text in enumerate(paragraphs()[:300] + random_texts(3, 200)):
        kind = "heading" if index % 7 == 0 else ("code" if text.startswith("```") else "paragraph")
        joiner = "\n" if index % 5 == 0 else "\n\n"
        blocks.append(Block(kind, text.strip() or "x", 2 if kind == "heading" else 0, [], joiner))
    return blocks


def test_every_span_of_blocks_counts_as_its_text(counter, layout):
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
    starts, ends = zip(*spans)
    assert page.spans(list(starts), list(ends)) == [page.span(start, end) for start, end in spans]


def test_runs_of_tiny_headings_count_as_their_text(counter, layout):
    """The page of a million tiny headings in small: every section's count from the prefix sums."""
    blocks = [block for n in range(300) for block in (Block("heading", f"H{n}", 2, [f"h{n}"]),
                                                        Block("paragraph", f"w{n}" if n % 9 else f"w{n}."))]
    blocks[50:50] = [Block("item", "- one", 0, [], "\n\n"), Block("item", "  - two", 0, [], "\n")]
    page = BlockTokens(blocks, counter, limit=800)
    starts = list(range(0, len(blocks), 2))
    ends = starts[1:] + [len(blocks)]
    assert page.spans(starts, ends) == [counter(page.text(start, end)) for start, end in zip(starts, ends)]
    assert page.text(0, 4) == "## H0\n\nw0.\n\n## H1\n\nw1"


def test_an_empty_page_and_a_page_of_one_block(counter, layout):
    assert BlockTokens([], counter, limit=800).spans([], []) == []
    page = BlockTokens([Block("paragraph", "Only.")], counter, limit=800)
    assert page.spans([0], [1]) == [counter("Only.")] and page.text(0, 1) == "Only."


def test_a_span_above_the_limit_is_not_encoded_whole(counter, layout):
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


def test_both_ways_of_counting_a_page_agree(counter, monkeypatch):
    blocks = page_blocks() + [Block("paragraph", "y" * 5000), Block("item", "  - indented", 0, [], "\n")]
    one_by_one = BlockTokens(blocks, counter, limit=400)
    monkeypatch.setattr("compress.budget.MANY_BLOCKS", 0)
    at_once = BlockTokens(blocks, counter, limit=400)
    for name in ("markdown", "text_starts", "text_ends", "unit_starts", "unit_of", "before"):
        assert getattr(one_by_one, name) == getattr(at_once, name), name
    assert len(one_by_one.unit_starts) < len(blocks)   # an indented item stays with the block before it

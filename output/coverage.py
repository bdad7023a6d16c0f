"""Word 5-gram coverage: how much of one text is found in another (order-insensitive).

Used for the manifest's per-page coverage (cleaned page text vs. its records) and for
fidelity checks against a browser's rendering.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

_WORD = re.compile(r"\w+")
NGRAM = 5


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def ngrams(text_or_words: str | list[str], n: int = NGRAM) -> set[tuple[str, ...]]:
    tokens = words(text_or_words) if isinstance(text_or_words, str) else text_or_words
    if len(tokens) < n:
        return {tuple(tokens)} if tokens else set()
    return set(zip(*(tokens[i:] for i in range(n))))


def recall(reference: str, candidate_texts: Iterable[str], n: int = NGRAM) -> float:
    """Share of ``reference``'s word n-grams present in any of ``candidate_texts``."""
    wanted = _hashed_ngrams(reference, n)
    if not wanted:
        return 1.0
    found: set[int] = set()
    for text in candidate_texts:
        found.update(key for key in _ngram_hashes(text, n) if key in wanted)
    return len(found) / len(wanted)


def _hashed_ngrams(text: str, n: int) -> set[int]:
    """The n-grams as 64-bit hashes: half the time and memory of sets of tuples on big pages;
    a collision needs two n-grams to agree on 64 bits, negligible for a coverage figure."""
    return set(_ngram_hashes(text, n))


def _ngram_hashes(text: str, n: int):
    tokens = words(text)
    if len(tokens) < n:
        return iter([hash(tuple(tokens))] if tokens else [])
    return map(hash, zip(*(tokens[i:] for i in range(n))))


def missing_ngrams(reference: str, candidate_texts: Iterable[str], n: int = NGRAM) -> set:
    have: set = set()
    for text in candidate_texts:
        have |= ngrams(text, n)
    return ngrams(reference, n) - have


_FENCE_LINE = re.compile(r"^\s*(`{3,}|~{3,})[\w+-]*\s*$", re.M)
_LIST_MARKER = re.compile(r"^(\s*)(?:[-*+]|\d+\.)\s+", re.M)
_HEADING_MARKER = re.compile(r"^#{1,6}\s+", re.M)
_TABLE_RULE = re.compile(r"^\|(?:\s*-{3,}\s*\|)+\s*$", re.M)


def markdown_to_plain(markdown: str) -> str:
    """The words a reader sees: fences, list numbers, heading marks and table rules removed.

    Compare this, not raw Markdown, with a browser's text: an ordered list's "1." or a code
    fence's language tag is markup, not content.
    """
    text = _TABLE_RULE.sub("", _FENCE_LINE.sub("", markdown))
    lines = []
    for line in text.split("\n"):
        heading = _HEADING_MARKER.match(line)  # "## 1. Getting Started": the "1." is content
        lines.append(line[heading.end():] if heading else _LIST_MARKER.sub(r"\1", line, count=1))
    return "\n".join(lines)

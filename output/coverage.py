"""Word 5-gram coverage: how much of one text is found in another (order-insensitive).

Used for the manifest's per-page coverage (cleaned page text vs. its records) and for
fidelity checks against a browser's rendering.
"""
from __future__ import annotations

import re

import numpy as np
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
    wanted = _ngram_keys(reference, n)
    if not len(wanted):
        return 1.0
    found = np.zeros(len(wanted), dtype=bool)
    for text in candidate_texts:
        found |= np.isin(wanted, _ngram_keys(text, n), assume_unique=True)
    return float(found.sum()) / len(wanted)


def _ngram_keys(text: str, n: int) -> np.ndarray:
    """Distinct word n-grams as sorted 64-bit keys (word hashes mixed polynomially).

    A page worker computes this for 100k-word pages: arrays take a tenth of the memory of sets
    of word tuples. Two n-grams agreeing on 64 bits is negligible for a coverage figure.
    """
    hashes = np.fromiter(map(hash, words(text)), dtype=np.int64).view(np.uint64)
    if len(hashes) < n:
        return np.unique(hashes[:1] ^ np.uint64(len(hashes))) if len(hashes) else hashes
    width = len(hashes) - n + 1
    keys = hashes[:width].copy()
    for offset in range(1, n):
        keys *= np.uint64(0x100000001B3)
        keys ^= hashes[offset:offset + width]
    return np.unique(keys)


def missing_ngrams(reference: str, candidate_texts: Iterable[str], n: int = NGRAM) -> set:
    have: set = set()
    for text in candidate_texts:
        have |= ngrams(text, n)
    return ngrams(reference, n) - have


_LIST_MARKER = re.compile(r"^(\s*)(?:[-*+]|\d+\.)\s+", re.M)
_HEADING_MARKER = re.compile(r"^#{1,6}\s+", re.M)
_TABLE_RULE = re.compile(r"^\|(?:\s*-{3,}\s*\|)+\s*$", re.M)


def markdown_to_plain(markdown: str) -> str:
    """The words a reader sees: fences, list numbers, heading marks and table rules removed.

    Compare this, not raw Markdown, with a browser's text: an ordered list's "1." or a code
    fence's language tag is markup, not content.
    """
    text = _TABLE_RULE.sub("", markdown)
    lines = []
    fence = ""    # the open code fence: only it closes the block (a ```` block may hold ``` lines)
    for line in text.split("\n"):
        opening = re.match(r"^\s*(`{3,}|~{3,})[^`]*$", line)
        if fence:
            if line.strip() == fence[0] * len(line.strip()) and len(line.strip()) >= len(fence):
                fence = ""
            else:
                lines.append(line)
            continue
        if opening:
            fence = opening.group(1)
            continue
        heading = _HEADING_MARKER.match(line)  # "## 1. Getting Started": the "1." is content
        lines.append(line[heading.end():] if heading else _LIST_MARKER.sub(r"\1", line, count=1))
    return "\n".join(lines)

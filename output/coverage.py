"""Word 5-gram coverage: how much of one text is found in another (order-insensitive).

Used for the manifest's per-page coverage (cleaned page text vs. its records) and for
fidelity checks against a browser's rendering.
"""
from __future__ import annotations

import functools
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
        found |= _contained(wanted, _ngram_keys(text, n))
    return float(found.sum()) / len(wanted)


def _contained(keys: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """Which of ``keys`` are in ``sorted_keys`` (a binary search each: both are already sorted)."""
    if not len(sorted_keys):
        return np.zeros(len(keys), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[at] == keys


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique by sorting: numpy >= 2.3 builds a hash table instead, 5-10x slower here."""
    values = np.sort(values)
    if len(values) < 2:
        return values
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def _ngram_keys(text: str, n: int) -> np.ndarray:
    """Distinct word n-grams as sorted 64-bit keys (word hashes mixed polynomially).

    A page worker computes this for 100k-word pages: arrays take a tenth of the memory of sets
    of word tuples. Two n-grams agreeing on 64 bits is negligible for a coverage figure.
    """
    hashes = word_hashes(text)
    if len(hashes) < n:
        return hashes[:1] ^ np.uint64(len(hashes)) if len(hashes) else hashes
    width = len(hashes) - n + 1
    keys = hashes[:width].copy()
    for offset in range(1, n):
        keys *= np.uint64(0x100000001B3)
        keys ^= hashes[offset:offset + width]
    return _sorted_unique(keys)


# -- word hashes, vectorised --------------------------------------------------------------------
# The words are those of ``words()`` (runs of \w in the lower-cased text), found and hashed with
# numpy over the text's code points instead of a list of Python strings: 5-10x faster on a page.
_ODD = np.uint64(0x9E3779B97F4A7C15)              # the polynomial's base (odd: invertible mod 2**64)
_ODD_INVERSE = np.uint64(pow(0x9E3779B97F4A7C15, -1, 2 ** 64))
_SLICE = 1 << 18                                   # code points per pass: bounded memory
_BMP = 0x10000                                     # code points in one lookup table (256 kB)


def word_hashes(text: str) -> np.ndarray:
    """A 64-bit hash of each word of ``words(text)``, in order."""
    # Lower-cased by a table of code points, not str.lower() (a third of the time on a page
    # with any non-ASCII character), except where lower-casing depends on more than the
    # character: "İ" becomes two characters, a final "Σ" becomes "ς".
    if "\u0130" in text or "\u03a3" in text:
        text = text.lower()   # the table then changes nothing: lower-casing twice is once
    parts, start = [], 0
    while start < len(text):
        end = start + _SLICE
        if end < len(text):   # end the slice between words (a character and its lower case
            gap = _NON_WORD.search(text, end)     # are both word characters or neither)
            end = gap.end() if gap else len(text)
        parts.append(_slice_word_hashes(text[start:end]))
        start = end
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)


_NON_WORD = re.compile(r"\W")


@functools.cache
def _bmp_lower_words() -> np.ndarray:
    """For each code point below 0x10000: its lower case if that is a word character (``\\w``),
    else 0. Built in one pass over all of them (10 ms, once per process)."""
    every = "".join(map(chr, range(_BMP))).replace("\u0130", "\0")   # the one that grows
    lowered = np.frombuffer(every.lower().encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    is_word = np.zeros(_BMP, dtype=bool)
    for match in _WORD.finditer(every.lower()):
        is_word[match.start():match.end()] = True
    return np.where(is_word, lowered, 0).astype(np.uint32)


def _slice_word_hashes(text: str) -> np.ndarray:
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    # np.take, not indexing: 2-3x faster; "clip" maps every code point beyond the table to
    # U+FFFF (no word character), and those few are looked up one by one below.
    lowered = np.take(_bmp_lower_words(), codes, mode="clip")
    beyond_table = np.flatnonzero(codes >= _BMP)
    if len(beyond_table):
        distinct, position = np.unique(codes[beyond_table], return_inverse=True)
        lower = [chr(code).lower() for code in distinct.tolist()]
        lowered[beyond_table] = np.array([ord(c) if _WORD.fullmatch(c) else 0 for c in lower],
                                         dtype=np.uint32)[position]
    is_word = np.zeros(len(codes) + 2, dtype=bool)   # padded with a non-word at both ends
    np.not_equal(lowered, 0, out=is_word[1:-1])
    # Word edges alternate (a start, then its end) thanks to the padding; one scan finds both.
    edges = np.flatnonzero(is_word[1:] != is_word[:-1])
    starts, ends = edges[0::2], edges[1::2]
    if not len(starts):
        return np.zeros(0, dtype=np.uint64)
    # hash(word) = sum of code * base**(position in word): the sums of code * base**position
    # over each word (np.add.reduceat from one start to the next: the characters between words
    # count as 0), multiplied by base**-start (all wrapping mod 2**64).
    powers, inverse_powers = _powers(len(codes))
    weighted = lowered * powers[:len(codes)]
    hashes = np.add.reduceat(weighted, starts) * inverse_powers[starts]
    return hashes * _ODD + (ends - starts).astype(np.uint64)   # the length too


_POWERS = (np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.uint64))


def _powers(length: int) -> tuple[np.ndarray, np.ndarray]:
    """base ** (i + 1) and base ** -(i + 1) for i < length (at least), computed once."""
    global _POWERS
    if len(_POWERS[0]) >= length:
        return _POWERS
    size = max(length, _SLICE + 4096)
    powers = (np.cumprod(np.full(size, _ODD, dtype=np.uint64)),
              np.cumprod(np.full(size, _ODD_INVERSE, dtype=np.uint64)))
    if size == _SLICE + 4096:   # kept; a longer slice (one enormous word) is not
        _POWERS = powers
    return powers


def missing_ngrams(reference: str, candidate_texts: Iterable[str], n: int = NGRAM) -> set:
    have: set = set()
    for text in candidate_texts:
        have |= ngrams(text, n)
    return ngrams(reference, n) - have


# The line patterns start at the "\n" before the line, not at "^": the regex engine then jumps
# from newline to newline instead of trying every character (3x faster on Kafka's records).
# [^\S\n] is \s within one line: a marker never reaches into the next line.
# A heading's marks, else a list item's marker (its indent kept):
_LINE_MARKER = re.compile(r"\n(?:#{1,6}[^\S\n]+|([^\S\n]*)(?:[-*+]|\d+\.)[^\S\n]+)")
_MAYBE_FENCE = re.compile(r"\n([^\S\n]*(?:```|~~~)[^\n]*)")   # may open or close a code block
_FENCE_OPENING = re.compile(r"\s*(`{3,}|~{3,})[^`]*")
_TABLE_RULE = re.compile(r"^\|(?:\s*-{3,}\s*\|)+\s*$", re.M)


def markdown_to_plain(markdown: str) -> str:
    """The words a reader sees: fences, list numbers, heading marks and table rules removed.

    Compare this, not raw Markdown, with a browser's text: an ordered list's "1." or a code
    fence's language tag is markup, not content. Inside a code block every line is kept as is.
    """
    text = _TABLE_RULE.sub("", markdown) if "---" in markdown else markdown
    if "```" not in text and "~~~" not in text:
        return _plain_lines(text, "")
    # Line by line only at the lines that may open or close a code block; the runs of lines
    # between them in one substitution each (a Python loop over every line: 5x slower).
    kept: list[str] = []   # runs of lines, joined by "\n"
    fence = ""    # the open code fence: only it closes the block (a ```` block may hold ``` lines)
    start = 0     # the first line not yet placed
    for match in _MAYBE_FENCE.finditer("\n" + text):   # match.start(): where the line starts in text
        line = match.group(1)
        if match.start() > start:   # the lines before this one, each with its "\n"
            kept.append(_plain_lines(text[start:match.start() - 1], fence))
        start = match.end()   # in text: just past the line's "\n"
        if fence:
            stripped = line.strip()
            if stripped == fence[0] * len(stripped) and len(stripped) >= len(fence):
                fence = ""
            else:
                kept.append(line)
            continue
        opening = _FENCE_OPENING.fullmatch(line)
        if opening:
            fence = opening.group(1)
        else:
            kept.append(_plain_lines(line, fence))
    if start <= len(text):   # the lines after the last fence ("" is one empty line)
        kept.append(_plain_lines(text[start:], fence))
    return "\n".join(kept)


def _plain_lines(lines: str, fence: str) -> str:
    """Lines without their heading and list markers (as they are inside a code block)."""
    return lines if fence else _LINE_MARKER.sub(_kept_indent, "\n" + lines)[1:]


def _kept_indent(marker: re.Match) -> str:
    # A function, not the template r"\n\1": Python 3.11 expands a template in Python code for
    # each match, twice as slow (1.3 s -> 0.7 s over the records of a page of 1M headings).
    return "\n" + (marker.group(1) or "")

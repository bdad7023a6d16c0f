"""Sections -> chunks whose text fits the token budget.

Tiny sections merge into a neighbour (same parent first) so that every text is worth
compressing; long ones split at sub-headings, then paragraphs (blocks), then sentences, never
inside a code block line or a table row: an oversized code block or table is cut between lines
or rows and every part is re-fenced (tables repeat their header), so each part stays valid.
"""
from __future__ import annotations

import math
import re
from array import array
from collections import deque
from dataclasses import dataclass, field
from itertools import accumulate, chain

import numpy as np

from crawler.page.extract import Block
from crawler.page.sections import Section

from compress.tokenizer import TokenCounter, code_points, ends_in_word

Counter = TokenCounter  # exact counts, one text or a batch
MIN_RATIO_TARGET = 16
FEW_SPANS = 200   # BlockTokens.spans: fewer runs than this are counted one by one
MANY_BLOCKS = 1000   # BlockTokens: a page of as many blocks is counted in numpy steps
_SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+(?=[A-Z0-9\"'(\[`*-])")


class BudgetError(ValueError):
    pass


@dataclass(frozen=True)
class Budget:
    target_tokens: int = 100
    max_input_tokens: int = 800
    ratio: float | None = None
    encoding: str = "cl100k_base"
    min_section_tokens: int | None = None   # default: 1.5 x target (ratio mode: 2 x MIN_RATIO_TARGET)

    def __post_init__(self) -> None:
        if self.target_tokens < 1:
            raise BudgetError(f"--target-tokens must be >= 1 (got {self.target_tokens})")
        if self.max_input_tokens <= self.target_tokens:
            raise BudgetError(f"--max-input-tokens ({self.max_input_tokens}) must exceed "
                              f"--target-tokens ({self.target_tokens})")
        if self.max_input_tokens < 32:
            raise BudgetError(f"--max-input-tokens must be >= 32 (got {self.max_input_tokens})")
        if self.ratio is not None and not 0 < self.ratio < 1:
            raise BudgetError(f"--ratio must be between 0 and 1, exclusive (got {self.ratio})")

    @property
    def merge_below(self) -> int:
        if self.min_section_tokens is not None:
            return self.min_section_tokens
        return 2 * MIN_RATIO_TARGET if self.ratio else math.ceil(1.5 * self.target_tokens)

    def target_for(self, text_tokens: int) -> int:
        """The prompt's target: always below the text's own length."""
        if self.ratio:
            target = max(MIN_RATIO_TARGET, round(self.ratio * text_tokens))
        else:
            target = self.target_tokens
        return max(1, min(target, text_tokens - 1))


@dataclass
class Chunk:
    lead: Section                     # the section the chunk starts in: title, path, anchor
    text: str
    text_tokens: int
    anchors: list[str]
    chunk_index: int = 0
    chunk_count: int = 1
    sections: list[Section] = field(default_factory=list)


@dataclass
class _Piece:
    text: str
    tokens: int
    joiner: str = "\n\n"
    span: tuple[int, int] | None = None   # whole blocks: their positions on the page (BlockTokens)
    exact: bool = True                    # tokens is the text's count (not with its joiner's share)


class BlockTokens:
    """Token counts of runs of a page's consecutive blocks (their ``text``), exact when at most
    ``limit``, from one count per block.

    A run's text cut before a block that starts with a non-space has exactly the tokens of its
    two sides (``TokenCounter.adds_up_at``: the side before ends in the block's joiner, a
    newline). So each block is counted once with the joiner after it ("text\n\n"): the strings a
    site's versions repeat word for word, where whole sections rarely are (on the Kafka mirror
    the blocks' distinct text is a quarter of the sections'). A run's count is then a difference
    of prefix sums plus its last block counted without the joiner. A block that no cut may
    precede (an indented list item) stays in one unit with the block before it.

    The page's Markdown is held as one string with each block's place in it, not one string
    per block: a page of a million tiny headings has two million blocks. Such a page is counted
    in numpy steps (``_count_at_once``), a usual one block by block.
    """

    def __init__(self, blocks: list[Block], count: Counter, limit: int) -> None:
        self.blocks, self.count, self.limit = blocks, count, limit
        texts = [_block_markdown(block) for block in blocks]
        self.joiners = [block.joiner for block in blocks]   # read here, not from each block again
        # the page: text0 joiner1 text1 joiner2 text2 ...; block i's text starts at text_starts[i]
        parts = [""] * (2 * len(blocks))
        parts[0::2], parts[1::2] = self.joiners, texts
        if parts:
            parts[0] = ""
        self.markdown = "".join(parts)
        del parts
        if blocks and len(blocks) >= MANY_BLOCKS:
            self._count_at_once(texts)
        else:
            self._count_block_by_block(texts)

    def _count_block_by_block(self, texts: list[str]) -> None:
        """text_starts, text_ends, unit_starts, unit_of and before, one block at a time: on the
        pages of a usual site (49 blocks in the median on the Kafka mirror) numpy's steps cost
        more than they save (0.5 ms a page, 0.14 s over the mirror's 258 smallest pages)."""
        joiners, count = self.joiners, self.count
        ends = list(accumulate(len(joiner) + len(text) for joiner, text in zip([""] + joiners[1:], texts)))
        starts = [end - len(text) for end, text in zip(ends, texts)]
        # a unit starts at the first block and at every block whose joiner cuts (adds_up_at)
        unit_starts = [0] + [block for block in range(1, len(texts)) if count.adds_up_at(joiners[block], texts[block])]
        unit_starts.append(len(texts))
        before = [0]   # before[u]: the tokens of units 0..u-1, each counted with the joiner after it
        for start, end in zip(unit_starts[:-2], unit_starts[1:-1]):
            before.append(before[-1] + count.at_most(self.markdown[starts[start]:starts[end]], self.limit))
        self.text_starts, self.text_ends = array("q", starts), array("q", ends)
        self.unit_starts, self.before = array("q", unit_starts), array("q", before)
        self.unit_of = array("q", [unit for unit, (start, end) in enumerate(zip(unit_starts, unit_starts[1:]))
                                   for _ in range(start, end)])

    def _count_at_once(self, texts: list[str]) -> None:
        """The same in numpy steps, for a page of many blocks (a million tiny headings make two
        million): the cuts found on the page's characters, every unit's count from joint encodings
        (TokenCounter.counts_between_cuts)."""
        text_lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        joiner_lengths = np.fromiter(map(len, self.joiners), dtype=np.int64, count=len(texts))
        joiner_lengths[0] = 0
        text_ends = np.cumsum(text_lengths + joiner_lengths)
        text_starts = text_ends - text_lengths
        self.text_starts, self.text_ends = _int_array(text_starts), _int_array(text_ends)
        joined = np.flatnonzero(joiner_lengths[1:]) + 1
        cuts = joined[self.count.cuts_at(code_points(self.markdown), text_starts[joined])]
        unit_starts = np.concatenate(([0], cuts, [len(texts)])).astype(np.int64)
        self.unit_starts = _int_array(unit_starts)
        self.unit_of = _int_array(np.repeat(np.arange(len(unit_starts) - 1), np.diff(unit_starts)))
        counts = self.count.counts_between_cuts(self.markdown, text_starts[unit_starts[:-1]], self.limit)
        self.before = _int_array(np.concatenate(([0], np.cumsum(counts))))

    def span(self, start: int, end: int) -> int:
        """The count of ``text(start, end)``: exact when at most ``limit``, else some number
        above it (``TokenCounter.at_most``)."""
        if start >= end:
            return self.count("")
        first, last = self.unit_of[start], self.unit_of[end - 1]
        if start != self.unit_starts[first]:   # the start is no cut: counted whole
            return self._at_most(self.text(start, end))
        if first == last:
            return self._last_unit(last, end)
        return self.before[last] - self.before[first] + self._last_unit(last, end)

    def spans(self, starts: list[int], ends: list[int]) -> list[int]:
        """``[span(start, end) ...]`` for many runs at once: the runs that start at a cut and end
        with a whole unit of words followed by newlines (nearly all on a page of a million tiny
        headings) from the prefix sums in one numpy step, the others one by one. A few runs are
        counted one by one: numpy's steps cost more than they save below some hundred."""
        if len(starts) < FEW_SPANS:
            return [self.span(start, end) for start, end in zip(starts, ends)]
        starts, ends = np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)
        unit_starts = np.frombuffer(self.unit_starts, dtype=np.int64)
        before = np.frombuffer(self.before, dtype=np.int64)
        first = np.searchsorted(unit_starts, starts, "right") - 1
        last = np.searchsorted(unit_starts, ends - 1, "right") - 1
        # whole units with another one after them, the last block's text ending in a letter or digit
        simple = ((starts < ends) & (unit_starts[first] == starts) & (unit_starts[last + 1] == ends)
                  & (last + 1 < len(before)))
        text_starts, text_ends = np.frombuffer(self.text_starts, np.int64), np.frombuffer(self.text_ends, np.int64)
        simple[simple] = text_ends[ends[simple] - 1] > text_starts[ends[simple] - 1]
        simple[simple] = ends_in_word(code_points(self.markdown), text_ends[ends[simple] - 1])
        # the change when the joiner after it goes (change_after_word)
        after_word = _Cached(lambda joiner: _or_unknown(self.count.change_after_word(joiner, "")))
        change = np.zeros(len(starts), dtype=np.int64)
        change[simple] = [after_word[self.joiners[end]] for end in ends[simple].tolist()]
        simple &= change != _UNKNOWN
        next_unit = np.minimum(last + 1, len(before) - 1)
        with_joiner = before[next_unit] - before[np.minimum(last, len(before) - 1)]
        # _last_unit's condition: exact up to the limit, a lower bound above it
        simple &= (with_joiner <= self.limit) | (with_joiner + change > self.limit)
        tokens = (before[next_unit] - before[np.minimum(first, len(before) - 1)] + change).tolist()
        for index in np.flatnonzero(~simple).tolist():
            tokens[index] = self.span(int(starts[index]), int(ends[index]))   # Python ints, not numpy's
        return tokens

    def _last_unit(self, unit: int, end: int) -> int:
        """The count of blocks ``unit_starts[unit]:end``, the end of a span: for a whole unit
        followed by another, its count with the joiner after it minus the joiner's share (the
        unit's last word counted with and without it), else counted whole."""
        text = self.text(self.unit_starts[unit], end)
        if end == self.unit_starts[unit + 1] and unit + 1 < len(self.before):
            with_joiner = self.before[unit + 1] - self.before[unit]
            change = self.count.ending_change(text, self.joiners[end], "")
            # with_joiner is exact up to the limit; above it, it may be a lower bound, and so is
            # the result: still a number above the limit for a text above it (at_most's promise)
            if change is not None and (with_joiner <= self.limit or with_joiner + change > self.limit):
                return with_joiner + change
        return self._at_most(text)

    def text(self, start: int, end: int) -> str:
        """The Markdown of blocks ``start:end``, each after its joiner but the first."""
        if start >= end:
            return ""
        return self.markdown[self.text_starts[start]:self.text_ends[end - 1]]

    def _at_most(self, text: str) -> int:
        return self.count.at_most(text, self.limit)


def _int_array(values: np.ndarray) -> array:
    """Python ints on indexing (numpy's own scalars would leak into the records), 8 bytes each."""
    return array("q", values.astype(np.int64).tobytes())


def chunk_page(sections: list[Section], budget: Budget, count: Counter) -> list[Chunk]:
    """All chunks of one page, in document order."""
    page = BlockTokens(list(chain.from_iterable(section.blocks for section in sections)), count,
                       budget.max_input_tokens)
    ends = list(accumulate(len(section.blocks) for section in sections))   # each section's end on the page
    sizes = page.spans([0] + ends[:-1], ends)
    chunks: list[Chunk] = []
    first_block = grouped = 0
    for group in merge_small_sections(sections, budget, sizes):
        grouped += len(group)
        chunks.extend(split_group(group, budget, count, page, first_block, ends[grouped - 1]))
        first_block = ends[grouped - 1]
    return merge_small_chunks(chunks, budget, count)


def merge_small_chunks(chunks: list[Chunk], budget: Budget, count: Counter) -> list[Chunk]:
    """A runt left by splitting (or a small section between two long ones) joins the
    neighbouring chunk when the two fit together; identity stays with the earlier chunk.

    One pass with a stack (linear: a page may have a million tiny sections): ``done`` holds the
    chunks behind the current one; after a merge the chunk before it is looked at again."""
    if len(chunks) < 2:
        return chunks
    upcoming = deque(chunks)
    done: list[Chunk] = []
    while upcoming:
        chunk = upcoming.popleft()
        if chunk.text_tokens < budget.merge_below:
            merged = None
            if done:
                merged = _join_if_fits(done[-1], chunk, budget, count)
                if merged is not None:
                    done.pop()
            if merged is None and upcoming:
                merged = _join_if_fits(chunk, upcoming[0], budget, count)
                if merged is not None:
                    upcoming.popleft()
            if merged is not None:
                upcoming.appendleft(merged)
                if done:   # its neighbour before may be a runt that fits now
                    upcoming.appendleft(done.pop())
                continue
        done.append(chunk)
    _renumber(done)
    return done


def _join_if_fits(first: Chunk, second: Chunk, budget: Budget, count: Counter) -> Chunk | None:
    text = first.text + "\n\n" + second.text
    tokens = None
    if count.adds_up_at("\n\n", second.text):   # no second encoding of both texts
        change = count.ending_change(first.text, "", "\n\n")
        if change is not None:
            tokens = first.text_tokens + change + second.text_tokens
    if tokens is None:
        tokens = count.at_most(text, budget.max_input_tokens)
    return _joined(first, second, text, tokens) if tokens <= budget.max_input_tokens else None


def _joined(first: Chunk, second: Chunk, text: str, tokens: int) -> Chunk:
    sections = first.sections + [s for s in second.sections if s not in first.sections]
    return Chunk(first.lead, text, tokens, _dedupe(first.anchors + second.anchors),
                 first.chunk_index, first.chunk_count, sections)


def _renumber(chunks: list[Chunk]) -> None:
    """chunk_index/chunk_count count the chunks that share a lead section."""
    by_lead: dict[int, list[Chunk]] = {}
    for chunk in chunks:
        by_lead.setdefault(id(chunk.lead), []).append(chunk)
    for siblings in by_lead.values():
        for index, chunk in enumerate(siblings):
            chunk.chunk_index, chunk.chunk_count = index, len(siblings)


def merge_small_sections(sections: list[Section], budget: Budget, tokens: list[int]) -> list[list[Section]]:
    """Each small section joins a neighbour: the previous or next one under the same parent
    first, else any neighbour that fits. One pass with a stack (linear in the sections).
    ``tokens``: each section's count (any number above the budget's maximum for one above it).

    A group's size is its sections' counts plus one per join. The next neighbour is always a
    single section not yet looked at; a group joining the previous one extends it in place
    (no copy of a group per join: a page of a million tiny headings has a million joins)."""
    merge_below, most = budget.merge_below, budget.max_input_tokens
    done: list[list[Section]] = []
    done_sizes: list[int] = []
    following, total = 0, len(sections)
    while following < total:
        section, size = sections[following], tokens[following]
        following += 1
        if (size < merge_below and done and merge_below <= done_sizes[-1] <= most - size - 1
                and _related(done[-1][-1], section)):
            # the common case, in short: a small section joins the group before it, which is big
            # enough already (nearly every section of a page of a million tiny headings)
            done[-1].append(section)
            done_sizes[-1] += size + 1
            continue
        group = [section]
        while size < merge_below:
            previous_fits = bool(done) and size + done_sizes[-1] + 1 <= most
            next_fits = following < total and size + tokens[following] + 1 <= most
            if previous_fits and (_related(done[-1][-1], group[0])
                                  or not (next_fits and _related(group[-1], sections[following]))):
                before = done.pop()
                before.extend(group)
                group, size = before, done_sizes.pop() + size + 1
            elif next_fits:
                group.append(sections[following])
                size += tokens[following] + 1
                following += 1
            else:
                break
        done.append(group)
        done_sizes.append(size)
    return done


def _related(before: Section, after: Section) -> bool:
    """Siblings (the same ``parent_path``, compared as lists: no tuples for a million sections),
    or a parent followed by its own sub-section."""
    return before.path[:-1] == after.path[:-1] or after.path[:len(before.path)] == before.path


def split_group(group: list[Section], budget: Budget, count: Counter, page: BlockTokens,
                first_block: int, end_block: int) -> list[Chunk]:
    """The group's chunks; its blocks are ``page``'s ``first_block:end_block``."""
    lead = group[0]
    tokens = page.span(first_block, end_block)
    if tokens <= budget.max_input_tokens:
        anchors = [anchor for section in group for anchor in section.anchors]
        return [Chunk(lead, page.text(first_block, end_block), tokens, _dedupe(anchors), sections=group)]
    blocks = page.blocks[first_block:end_block]
    pieces = _pieces_by_subheading(blocks, budget.max_input_tokens, count, page, first_block)
    texts = _pack(pieces, budget.max_input_tokens, count, page=page)
    chunks = [Chunk(lead, chunk_text, chunk_tokens, [], index, len(texts), group)
              for index, (chunk_text, chunk_tokens) in enumerate(texts)]
    _assign_anchors(chunks, blocks, group)
    return chunks


# -- splitting --------------------------------------------------------------------------------
def _pieces_by_subheading(blocks: list[Block], limit: int, count: Counter, page: BlockTokens,
                          first_block: int) -> list[_Piece]:
    """Sub-heading runs that fit stay whole; the others break into blocks, then smaller."""
    run_starts = [index for index, block in enumerate(blocks) if block.kind == "heading" or not index]
    pieces: list[_Piece] = []
    for start, end in zip(run_starts, run_starts[1:] + [len(blocks)]):
        run = blocks[start:end]
        span = (first_block + start, first_block + end)
        tokens = page.span(*span)
        if tokens <= limit:
            pieces.append(_Piece(page.text(*span), tokens, run[0].joiner if pieces else "", span))
            continue
        for position, block in enumerate(run):
            block_text = page.text(span[0] + position, span[0] + position + 1)
            joiner = block.joiner if (pieces or position) else ""
            where = span[0] + position
            block_tokens = page.span(where, where + 1)
            if block_tokens <= limit:
                pieces.append(_Piece(block_text, block_tokens, joiner, (where, where + 1)))
            else:
                parts = _split_block(block, block_text, limit, count)
                parts[0].joiner = joiner
                pieces.extend(parts)
    return pieces


def _split_block(block: Block, text: str, limit: int, count: Counter) -> list[_Piece]:
    if block.kind == "code":
        return _split_fenced(text, limit, count)
    if block.kind == "table":
        lines = text.split("\n")
        return _group_lines(lines[2:], limit, count, header="\n".join(lines[:2]) + "\n")
    return _split_prose(text, limit, count)


def _split_fenced(text: str, limit: int, count: Counter) -> list[_Piece]:
    lines = text.split("\n")
    opening, closing = lines[0], lines[-1]
    return _group_lines(lines[1:-1], limit, count, header=opening + "\n", footer="\n" + closing)


def _group_lines(lines: list[str], limit: int, count: Counter, header: str = "", footer: str = "") -> list[_Piece]:
    """Consecutive lines packed into parts of at most ``limit`` tokens, each wrapped in header/footer."""
    overhead = count(header + footer) + 2
    room = limit - overhead
    line_pieces: list[_Piece] = []
    for line in lines:
        tokens = count.at_most(line, room) + 1
        if tokens <= room:
            line_pieces.append(_Piece(line, tokens, "\n", exact=False))
        else:  # one enormous line: cut it at words, then tokens
            for part in _split_words(line, room, count):
                line_pieces.append(_Piece(part.text, part.tokens + 1, "\n", exact=False))
    parts = []
    for body, _ in _pack(line_pieces, room, count, exact=False):
        wrapped = header + body + footer
        parts.append(_Piece(wrapped, count(wrapped), "\n\n"))
    return parts


def _split_prose(text: str, limit: int, count: Counter) -> list[_Piece]:
    sentences = _SENTENCE_END.split(text)
    pieces: list[_Piece] = []
    for sentence in sentences:
        tokens = count.at_most(sentence, limit)
        if tokens <= limit:
            pieces.append(_Piece(sentence, tokens, " "))
        else:
            pieces.extend(_split_words(sentence, limit, count))
    parts = []
    for body, tokens in _pack(pieces, limit, count):
        parts.append(_Piece(body, tokens, "\n\n"))
    for part in parts[1:]:
        part.joiner = " "  # a sentence split keeps the paragraph flowing
    return parts


def _split_words(text: str, limit: int, count: Counter) -> list[_Piece]:
    pieces = []
    for word in text.split(" "):
        if not word:
            continue
        tokens = count.at_most(word, limit) + 1
        if tokens > limit:  # no spaces to cut at: cut between tokens
            pieces.extend(_Piece(part, count(part), " ") for part in count.cut(word, limit - 1))
        else:
            pieces.append(_Piece(word, tokens, " ", exact=False))
    return [_Piece(body, tokens, " ") for body, tokens in _pack(pieces, limit, count)]


def _pack(pieces: list[_Piece], limit: int, count: Counter, exact: bool = True,
          page: BlockTokens | None = None) -> list[tuple[str, int]]:
    """Pack pieces in order into balanced parts of at most ``limit`` tokens.

    Sizes aim at total/n so the last part is not a runt; with ``exact`` each part is re-counted
    on its final string (from ``page``'s block counts when the part is whole blocks) and a part
    that tips over the limit hands its last piece on.
    """
    total = sum(piece.tokens for piece in pieces)
    parts_needed = max(1, math.ceil(total / limit))
    soft_size = total / parts_needed
    groups: list[list[_Piece]] = [[]]
    size = 0
    for piece in pieces:
        current = groups[-1]
        if current and (size + piece.tokens > limit or size + piece.tokens / 2 > soft_size):
            groups.append([])
            size = 0
        groups[-1].append(piece)
        size += piece.tokens
    groups = [group for group in groups if group]
    if len(groups) > 1 and sum(p.tokens for p in groups[-1]) + sum(p.tokens for p in groups[-2]) <= limit:
        groups[-2:] = [groups[-2] + groups[-1]]  # no runt at the end
    results: list[tuple[str, int]] = []
    queue = deque(groups)
    while queue:
        group = queue.popleft()
        text = _join_pieces(group)
        if not exact:
            tokens = sum(piece.tokens for piece in group)
        else:
            tokens = _count_part(text, group, count, page)
        if exact and tokens > limit and len(group) > 1:
            spill = group.pop()
            if queue:
                queue[0].insert(0, spill)
            else:
                queue.append([spill])
            queue.appendleft(group)
            continue
        results.append((text, tokens))
    return results


def _count_part(text: str, group: list[_Piece], count: Counter, page: BlockTokens | None) -> int:
    """The exact count of a packed part's ``text``, from its pieces' exact counts when the final
    trim left their join as it was: consecutive whole blocks from ``page``'s block counts; else
    added up over cuts (``adds_up_at``), each piece's last word re-counted with the joiner after
    it; else the text is encoded."""
    if len(text) != sum(len(piece.text) + len(piece.joiner) for piece in group) - len(group[0].joiner):
        return count(text)
    spans = [piece.span for piece in group]
    if page is not None and all(spans) and all(one[1] == other[0] for one, other in zip(spans, spans[1:])):
        tokens = page.span(spans[0][0], spans[-1][1])
        if tokens <= page.limit:   # exact below the limit; above it, the true count decides the spill
            return tokens
    if not all(piece.exact for piece in group):
        return count(text)
    tokens = group[-1].tokens
    for piece, following in zip(group, group[1:]):
        change = count.ending_change(piece.text, "", following.joiner)
        if change is None or not count.adds_up_at(following.joiner, following.text):
            return count(text)
        tokens += piece.tokens + change
    return tokens


# -- text helpers -------------------------------------------------------------------------------
class _Cached(dict):
    """``function(key)``, computed once per key: looked up, not called, for each of a million blocks."""

    def __init__(self, function) -> None:
        super().__init__()
        self.function = function

    def __missing__(self, key):
        value = self[key] = self.function(key)
        return value


_HEADING_MARKS = _Cached(lambda level: "#" * level + " ")
_UNKNOWN = np.iinfo(np.int64).min   # an ending change that is not known (None) in an array of them


def _or_unknown(change: int | None) -> int:
    return _UNKNOWN if change is None else change


def _block_markdown(block: Block) -> str:
    return _HEADING_MARKS[block.level] + block.text if block.kind == "heading" else block.text


def _join_pieces(pieces: list[_Piece]) -> str:
    # Only blank lines are trimmed: a code part's first line keeps its indentation.
    return "".join((piece.joiner if index else "") + piece.text for index, piece in enumerate(pieces)).strip("\n").rstrip()


def _dedupe(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _assign_anchors(chunks: list[Chunk], blocks: list[Block], group: list[Section]) -> None:
    """Each anchor goes to the chunk holding the start of the block it was found in."""
    position = 0
    texts = [chunk.text for chunk in chunks]
    chunk_index = 0
    for block in blocks:
        needle = _block_markdown(block)[:60].strip()
        if needle:   # find(needle, position), not "needle in text[position:]": no copy per block
            found = texts[chunk_index].find(needle, position)
            while found < 0 and chunk_index < len(texts) - 1:
                chunk_index += 1
                position = 0
                found = texts[chunk_index].find(needle)
            if found >= 0:
                position = found
        chunks[chunk_index].anchors.extend(block.ids)
    # anchors of the heading-only sections absorbed into this group, and any not found above
    every = _dedupe([anchor for section in group for anchor in section.anchors])
    placed = {anchor for chunk in chunks for anchor in chunk.anchors}
    chunks[0].anchors[:0] = [anchor for anchor in every if anchor not in placed]
    for chunk in chunks:
        chunk.anchors = _dedupe(chunk.anchors)

"""Atomic JSONL output: the final file appears whole, verified, in a stable order, or not at all.

Records are appended to ``<out>.part`` as they arrive (crawl order is arbitrary); ``finish``
writes them to a temporary file in document order, re-reads and verifies it, fsyncs it and
renames it over ``<out>``. The final pass copies byte ranges of the journal (``copy_file_range``:
no record is decoded, only the few a ``rewrite_groups`` function edits) and the verification
compares every block of lines with its length, line count and CRC-32 taken when it was written:
each line is the whole JSON line encoded (or read back whole) from a record, in order, the count
right; ids are checked unique as records are written. Every write is checked:
the first failure (disk full, read-only file system, permission) cuts the journal back to its
last whole line and raises ``OutputError``; nothing is written after it, so space coming back
later cannot leave a hole, a torn line or a duplicate. A crash leaves at most a ``.part`` file.

Lines are split on ``\\n`` only: U+2028, U+2029 and U+0085 are ordinary characters inside a JSON
string (``str.splitlines`` would cut records there). Lone surrogates are never written.
"""
from __future__ import annotations

import errno
import itertools
import json
import os
import tempfile
import zlib
from typing import NamedTuple
from pathlib import Path

from output.safety import OutputError, new_file_mode, output_target

FLUSH_BYTES = 1 << 20
COPY_CHUNK = 8 << 20   # bytes read at once when verifying, or copying without copy_file_range


def utf8(text: str) -> bytes:
    """UTF-8 bytes; a lone surrogate (invalid in UTF-8) becomes U+FFFD instead of failing."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace").encode("utf-8")


def _write_all(handle: int, data) -> None:
    view = memoryview(data)
    while view:
        written = os.write(handle, view)
        view = view[written:]


def write_atomically(path: str | os.PathLike, data: str | bytes) -> None:
    """Replace ``path`` (a symlink: its target) with ``data``, whole or not at all."""
    target = output_target(path)
    temporary = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        mode = new_file_mode(target if target.exists() else None)
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            os.fchmod(handle, mode)
            _write_all(handle, utf8(data) if isinstance(data, str) else data)
            os.fsync(handle)
        finally:
            os.close(handle)
        os.replace(temporary, target)
    except OSError as error:
        if temporary:
            Path(temporary).unlink(missing_ok=True)
        raise OutputError(error, target) from None
    except BaseException:
        if temporary:
            Path(temporary).unlink(missing_ok=True)
        raise


class Block(NamedTuple):   # a tuple: 1 µs to make, a frozen dataclass 2.5 µs
    """Consecutive whole lines of the journal: one record, or a page's records written at once."""
    sort_key: tuple
    offset: int
    length: int
    lines: int
    crc: int      # zlib.crc32 of the block's bytes


class AtomicJsonlWriter:
    """Appends to ``<out>.part``; ``finish`` writes the indexed lines, sorted, under ``<out>``.

    With ``resume=True`` an existing ``.part`` (a killed run's) is kept: its whole lines are read
    back into ``recovered`` as (offset, length, object) and a torn last line is cut off. Lines
    written with ``write_marker`` (journal entries) are never copied to the final file.
    """

    def __init__(self, path: str | os.PathLike, resume: bool = False) -> None:
        self.path = output_target(path)
        self.part_path = output_target(self.path.with_name(self.path.name + ".part"), "journal")
        self._index: list[Block] = []
        self._ids: set = set()
        self._duplicate = None                 # the first id written twice (finish refuses)
        self._recovered_lines: dict[int, tuple[int, object]] = {}   # offset -> (crc, id)
        self.count = 0
        self.recovered: list[tuple[int, int, dict]] = []
        self.error: OutputError | None = None
        self._buffer = bytearray()
        self._handle: int | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if resume and self.part_path.exists():
                self._size = self._recover()
                self._handle = os.open(self.part_path, os.O_WRONLY)
                os.ftruncate(self._handle, self._size)   # a torn last line is cut off
                os.lseek(self._handle, self._size, os.SEEK_SET)
            else:
                self._size = 0
                self._handle = os.open(self.part_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        except OSError as error:
            raise OutputError(error, self.part_path) from None

    def _recover(self) -> int:
        end = 0
        with open(self.part_path, "rb") as stream:
            for line in stream:   # binary: lines end at b"\n" only
                if not line.endswith(b"\n"):
                    break  # torn by the kill
                try:
                    value = json.loads(line)
                except ValueError:
                    break
                self.recovered.append((end, len(line), value))
                self._recovered_lines[end] = (zlib.crc32(line), _id_of(value))
                end += len(line)
        return end

    def write(self, record: dict, sort_key: tuple) -> None:
        if self.error:
            raise self.error
        line = encode_line(record)
        self._note_id(record.get("id"))
        self._index.append(Block(sort_key, self._size + len(self._buffer), len(line), 1, zlib.crc32(line)))
        self._append(line)
        self.count += 1

    def write_lines(self, lines: list[bytes], sort_key: tuple, ids: list) -> None:
        """Records already encoded (``encode_line``), kept together in the final file in this
        order, under one sort key: a page's records, encoded in its worker."""
        if self.error:
            raise self.error
        for record_id in ids:
            self._note_id(record_id)
        offset, crc = self._size + len(self._buffer), 0
        for line in lines:   # one by one: a page of 10,000 records is not copied whole
            crc = zlib.crc32(line, crc)
            self._append(line)
        self._index.append(Block(sort_key, offset, self._size + len(self._buffer) - offset, len(lines), crc))
        self.count += len(lines)

    def add_existing(self, sort_key: tuple, offset: int, length: int) -> None:
        """A line of the recovered journal (``recovered``), kept for the final file."""
        crc, record_id = self._recovered_lines[offset]
        self._note_id(record_id)
        self._index.append(Block(sort_key, offset, length, 1, crc))
        self.count += 1

    def _note_id(self, record_id) -> None:
        if record_id in self._ids and self._duplicate is None:
            self._duplicate = record_id
        self._ids.add(record_id)

    def write_marker(self, marker: dict) -> None:
        self._append(encode_line(marker))

    def _append(self, data: bytes) -> None:
        if self.error:
            raise self.error
        self._buffer += data
        if len(self._buffer) >= FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        """Hand written lines to the OS: they survive a killed process (fsync is for power loss).
        On failure the journal is cut back to its last whole line and stays so."""
        if self.error:
            raise self.error
        if not self._buffer or self._handle is None:
            return
        try:
            _write_all(self._handle, self._buffer)
        except OSError as error:
            self.error = OutputError(error, self.part_path)
            try:
                os.ftruncate(self._handle, self._size)   # needs no space
            except OSError:
                pass
            raise self.error from None
        self._size += len(self._buffer)
        self._buffer.clear()

    def close(self) -> None:
        if self._handle is None:
            return
        try:
            if not self.error:
                self.flush()
        finally:
            os.close(self._handle)
            self._handle = None

    def finish(self, rewrite_groups: dict | None = None, group_of=None) -> Path:
        """Write the final file in sort-key order, verified. ``rewrite_groups`` maps a group
        (``group_of`` a sort key, e.g. the page) to a function that may edit that group's records
        in place. The journal stays until ``discard_journal`` (after the manifest)."""
        self.close()
        if self.error:
            raise self.error
        if self._duplicate is not None:
            raise CorruptOutput(f"{self.path.name}: duplicate id {self._duplicate}")
        temporary = None
        try:
            mode = new_file_mode(self.path if self.path.exists() else None)
            handle, temporary = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
            try:
                os.fchmod(handle, mode)
                source = os.open(self.part_path, os.O_RDONLY)
                try:
                    written = _write_in_order(source, handle, sorted(self._index, key=lambda block: block.sort_key),
                                              rewrite_groups or {}, group_of)
                finally:
                    os.close(source)
                os.fsync(handle)
            finally:
                os.close(handle)
            verify_blocks(Path(temporary), written)
            os.replace(temporary, self.path)
        except OSError as error:
            if temporary:
                Path(temporary).unlink(missing_ok=True)
            raise OutputError(error, self.path) from None
        except BaseException:
            if temporary:
                Path(temporary).unlink(missing_ok=True)
            raise
        return self.path

    def discard_journal(self) -> None:
        self.part_path.unlink(missing_ok=True)


def _id_of(value):
    return value.get("id") if isinstance(value, dict) else None


def _write_in_order(source: int, target: int, ordered: list[Block], rewrite_groups: dict,
                    group_of) -> list[Block]:
    """Copy the blocks to ``target`` in order (adjacent ones as one range); a group with a
    rewrite function is decoded, edited and encoded again. Returns the blocks as written."""
    written: list[Block] = []
    copier = _RangeCopier(source, target)
    groups = itertools.groupby(ordered, key=lambda block: group_of(block.sort_key)) \
        if rewrite_groups else [(None, ordered)]
    for group, blocks in groups:
        if group in rewrite_groups:
            data = b"".join(_read_range(source, block.offset, block.length) for block in blocks)
            records = [json.loads(line) for line in data.split(b"\n")[:-1]]
            rewrite_groups[group](records)
            data = b"".join(encode_line(record) for record in records)
            copier.flush()
            _write_all(target, data)
            written.append(Block((), 0, len(data), len(records), zlib.crc32(data)))
            continue
        for block in blocks:
            copier.add(block.offset, block.length)
            written.append(block)
    copier.flush()
    return written


class _RangeCopier:
    """Appends journal ranges to ``target``, adjacent ranges in one call."""

    def __init__(self, source: int, target: int) -> None:
        self.source, self.target = source, target
        self.start = self.end = 0

    def add(self, offset: int, length: int) -> None:
        if offset != self.end:
            self.flush()
            self.start = self.end = offset
        self.end += length

    def flush(self) -> None:
        if self.end > self.start:
            _copy_range(self.source, self.target, self.start, self.end - self.start)
        self.start = self.end = 0


# copy_file_range cannot serve this pair of files (another file system, an old kernel)
_NO_COPY_RANGE = (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EBADF, errno.EPERM)


def _copy_range(source: int, target: int, offset: int, length: int) -> None:
    """``length`` bytes of ``source`` from ``offset`` appended to ``target``: in the kernel
    (copy_file_range: no bytes through Python), else read and written in chunks."""
    end = offset + length
    while offset < end and hasattr(os, "copy_file_range"):
        try:
            copied = os.copy_file_range(source, target, end - offset, offset)
        except OSError as error:
            if error.errno not in _NO_COPY_RANGE:
                raise
            break
        if copied == 0:
            raise CorruptOutput("the journal is shorter than the records written to it")
        offset += copied
    while offset < end:
        data = _read_range(source, offset, min(COPY_CHUNK, end - offset))
        _write_all(target, data)
        offset += len(data)


def _read_range(source: int, offset: int, length: int) -> bytes:
    parts = []
    while length > 0:
        data = os.pread(source, length, offset)
        if not data:
            raise CorruptOutput("the journal is shorter than the records written to it")
        parts.append(data)
        offset += len(data)
        length -= len(data)
    return b"".join(parts)


class CorruptOutput(ValueError):
    """A written file that does not read back as what was written."""


def verify_blocks(path: Path, blocks: list[Block]) -> None:
    """The file is the blocks, in order and nothing else: each one's length, line count and
    CRC-32 as written (a wrong range, a torn or altered line, a short copy all show)."""
    lines = 0
    with open(path, "rb") as stream:
        for block in blocks:
            crc, newlines, remaining, last = 0, 0, block.length, b""
            while remaining:
                data = stream.read(min(COPY_CHUNK, remaining))
                if not data:
                    raise CorruptOutput(f"{path.name}: {lines} lines written, "
                                        f"{sum(block.lines for block in blocks)} expected")
                crc = zlib.crc32(data, crc)
                newlines += data.count(b"\n")
                remaining -= len(data)
                last = data[-1:]
            if crc != block.crc or newlines != block.lines or last != b"\n":
                raise CorruptOutput(f"{path.name}: lines {lines + 1}-{lines + block.lines} are not "
                                    f"what was written")
            lines += block.lines
        if stream.read(1):
            raise CorruptOutput(f"{path.name}: more than the {lines} lines written")


def encode_line(record: dict) -> bytes:
    """A record as one JSONL line: UTF-8, compact, newline-terminated."""
    return utf8(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")


def iter_jsonl_lines(data: bytes):
    """(line number, text) of each non-blank line, split on ``\\n`` only."""
    for number, line in enumerate(data.split(b"\n"), 1):
        if line.strip():
            yield number, line.decode("utf-8")


class BadJsonl(ValueError):
    """An input JSONL line that cannot be read; the message names the line."""


def read_jsonl(path: str | os.PathLike) -> list[dict]:
    """Records of a JSONL file. Lines are split on ``\\n`` only; a line that is not JSON, or a
    string holding a lone surrogate (``"\\ud800"``: not text, cannot be written as UTF-8),
    raises ``BadJsonl`` naming the line."""
    records = []
    with open(path, "rb") as stream:
        for number, line in enumerate(stream, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except (ValueError, UnicodeDecodeError) as error:
                raise BadJsonl(f"line {number} is not JSON: {error}") from None
            if b"\\u" in line and _has_lone_surrogate(record):
                raise BadJsonl(f"line {number} holds a lone surrogate (an escaped \\ud800-\\udfff "
                               f"without its pair): not valid text")
            records.append(record)
    return records


def _has_lone_surrogate(value) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
            return False
        except UnicodeEncodeError:
            return True
    if isinstance(value, dict):
        return any(_has_lone_surrogate(key) or _has_lone_surrogate(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    return False

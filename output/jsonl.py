"""Atomic JSONL output: the final file appears whole, verified, in a stable order, or not at all.

Records are appended to ``<out>.part`` as they arrive (crawl order is arbitrary); ``finish``
writes them to a temporary file in document order, re-reads and verifies it (every line JSON,
ids unique, the count right), fsyncs it and renames it over ``<out>``. Every write is checked:
the first failure (disk full, read-only file system, permission) cuts the journal back to its
last whole line and raises ``OutputError``; nothing is written after it, so space coming back
later cannot leave a hole, a torn line or a duplicate. A crash leaves at most a ``.part`` file.

Lines are split on ``\\n`` only: U+2028, U+2029 and U+0085 are ordinary characters inside a JSON
string (``str.splitlines`` would cut records there). Lone surrogates are never written.
"""
from __future__ import annotations

import itertools
import json
import os
import tempfile
from pathlib import Path

from output.safety import OutputError, new_file_mode, output_target

FLUSH_BYTES = 1 << 20


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


class AtomicJsonlWriter:
    """Appends to ``<out>.part``; ``finish`` writes the indexed lines, sorted, under ``<out>``.

    With ``resume=True`` an existing ``.part`` (a killed run's) is kept: its whole lines are read
    back into ``recovered`` as (offset, length, object) and a torn last line is cut off. Lines
    written with ``write_marker`` (journal entries) are never copied to the final file.
    """

    def __init__(self, path: str | os.PathLike, resume: bool = False) -> None:
        self.path = output_target(path)
        self.part_path = output_target(self.path.with_name(self.path.name + ".part"), "journal")
        self._index: list[tuple[tuple, int, int]] = []   # (sort key, offset, length)
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
                    self.recovered.append((end, len(line), json.loads(line)))
                except ValueError:
                    break
                end += len(line)
        return end

    def write(self, record: dict, sort_key: tuple) -> None:
        line = _encode(record)
        self._index.append((sort_key, self._size + len(self._buffer), len(line)))
        self._append(line)
        self.count += 1

    def add_existing(self, sort_key: tuple, offset: int, length: int) -> None:
        self._index.append((sort_key, offset, length))
        self.count += 1

    def write_marker(self, marker: dict) -> None:
        self._append(_encode(marker))

    def _append(self, line: bytes) -> None:
        if self.error:
            raise self.error
        self._buffer += line
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
        rewrite_groups = rewrite_groups or {}
        temporary = None
        try:
            mode = new_file_mode(self.path if self.path.exists() else None)
            handle, temporary = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
            os.fchmod(handle, mode)
            with open(self.part_path, "rb") as source, os.fdopen(handle, "wb") as target:
                ordered = sorted(self._index, key=lambda entry: entry[0])
                for group, entries in itertools.groupby(ordered, key=lambda e: group_of(e[0]) if group_of else None):
                    lines = []
                    for _, offset, length in entries:
                        source.seek(offset)
                        lines.append(source.read(length))
                    if group in rewrite_groups:
                        records = [json.loads(line) for line in lines]
                        rewrite_groups[group](records)
                        lines = [_encode(record) for record in records]
                    target.writelines(lines)
                target.flush()
                os.fsync(target.fileno())
            verify_jsonl(Path(temporary), len(self._index))
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


class CorruptOutput(ValueError):
    """A written file that does not read back as what was written."""


def verify_jsonl(path: Path, expected: int) -> None:
    """Every line whole JSON with a unique id, and as many as written."""
    ids: set[str] = set()
    count = 0
    with open(path, "rb") as stream:
        for number, line in enumerate(stream, 1):
            if not line.endswith(b"\n"):
                raise CorruptOutput(f"{path.name}: line {number} is torn")
            try:
                record_id = json.loads(line).get("id")
            except ValueError:
                raise CorruptOutput(f"{path.name}: line {number} is not JSON") from None
            if record_id in ids:
                raise CorruptOutput(f"{path.name}: duplicate id {record_id} on line {number}")
            ids.add(record_id)
            count += 1
    if count != expected:
        raise CorruptOutput(f"{path.name}: {count} lines written, {expected} expected")


def _encode(record: dict) -> bytes:
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

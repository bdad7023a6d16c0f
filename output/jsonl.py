"""Atomic JSONL output: the final file appears whole, in a stable order, or not at all.

Records are appended to ``<out>.part`` as they arrive (crawl order is arbitrary); ``finish``
writes them to a temporary file in document order, fsyncs it and renames it over ``<out>``.
A crash leaves at most a ``.part`` file, never a torn or half file under the final name.
"""
from __future__ import annotations

import itertools
import json
import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, data: str | bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data.encode() if isinstance(data, str) else data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class AtomicJsonlWriter:
    """Appends to ``<out>.part``; ``finish`` writes the indexed lines, sorted, under ``<out>``.

    With ``resume=True`` an existing ``.part`` (a killed run's) is kept: its whole lines are read
    back into ``recovered`` as (offset, length, object) and a torn last line is cut off. Lines
    written with ``write_marker`` (journal entries) are never copied to the final file.
    """

    def __init__(self, path: str | os.PathLike, resume: bool = False) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.part_path = self.path.with_name(self.path.name + ".part")
        self._index: list[tuple[tuple, int, int]] = []   # (sort key, offset, length)
        self.count = 0
        self.recovered: list[tuple[int, int, dict]] = []
        if resume and self.part_path.exists():
            self._stream = open(self.part_path, "r+b")
            self._recover()
        else:
            self._stream = open(self.part_path, "wb")

    def _recover(self) -> None:
        end = 0
        for line in self._stream:
            if not line.endswith(b"\n"):
                break  # torn by the kill
            try:
                self.recovered.append((end, len(line), json.loads(line)))
            except ValueError:
                break
            end += len(line)
        self._stream.seek(end)
        self._stream.truncate()

    def write(self, record: dict, sort_key: tuple) -> None:
        line = _encode(record)
        self._index.append((sort_key, self._stream.tell(), len(line)))
        self._stream.write(line)
        self.count += 1

    def add_existing(self, sort_key: tuple, offset: int, length: int) -> None:
        self._index.append((sort_key, offset, length))
        self.count += 1

    def write_marker(self, marker: dict) -> None:
        self._stream.write(_encode(marker))

    def flush(self) -> None:
        """Hand written lines to the OS: they survive a killed process (fsync is for power loss)."""
        self._stream.flush()

    def close(self) -> None:
        self._stream.close()

    def finish(self, rewrite_groups: dict | None = None, group_of=None) -> Path:
        """Write the final file in sort-key order. ``rewrite_groups`` maps a group (``group_of``
        a sort key, e.g. the page) to a function that may edit that group's records in place."""
        if not self._stream.closed:
            self._stream.close()
        rewrite_groups = rewrite_groups or {}
        handle, temporary = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
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
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.part_path.unlink(missing_ok=True)
        return self.path


def _encode(record: dict) -> bytes:
    return (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def read_jsonl(path: str | os.PathLike) -> list[dict]:
    with open(path, encoding="utf-8") as stream:
        return [json.loads(line) for line in stream if line.strip()]

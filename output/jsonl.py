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
    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.part_path = self.path.with_name(self.path.name + ".part")
        self._stream = open(self.part_path, "wb")
        self._index: list[tuple[tuple, int, int]] = []   # (sort key, offset, length)
        self.count = 0

    def write(self, record: dict, sort_key: tuple) -> None:
        line = _encode(record)
        self._index.append((sort_key, self._stream.tell(), len(line)))
        self._stream.write(line)
        self.count += 1

    def finish(self, rewrite_groups: dict | None = None, group_of=None) -> Path:
        """Write the final file in sort-key order. ``rewrite_groups`` maps a group (``group_of``
        a sort key, e.g. the page) to a function that may edit that group's records in place."""
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

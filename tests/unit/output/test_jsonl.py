"""output.jsonl: the final JSONL file appears whole and sorted, or not at all."""
from __future__ import annotations

import json

from output.jsonl import AtomicJsonlWriter, read_jsonl, write_atomically

RECORDS = [  # (record, sort key): written in crawl order, expected in key order
    ({"id": "c", "text": "third – ünïcode"}, ("20", 2)),
    ({"id": "a", "text": "first"}, ("10", 0)),
    ({"id": "b", "text": "second\nwith newline"}, ("20", 1)),
]


def test_nothing_under_the_final_name_until_finish(tmp_path):
    out = tmp_path / "records.jsonl"
    writer = AtomicJsonlWriter(out)
    for record, key in RECORDS:
        writer.write(record, key)
    assert not out.exists()
    assert writer.part_path == tmp_path / "records.jsonl.part"
    assert writer.part_path.exists()
    assert writer.finish() == out
    assert writer.part_path.exists()    # the journal stays until every file of the run is written
    writer.discard_journal()
    assert not writer.part_path.exists()
    assert writer.count == 3


def test_finished_file_is_sorted_valid_json_lines(tmp_path):
    out = tmp_path / "nested" / "records.jsonl"
    writer = AtomicJsonlWriter(out)
    for record, key in RECORDS:
        writer.write(record, key)
    writer.finish()
    writer.discard_journal()
    lines = out.read_text(encoding="utf-8").split("\n")
    assert lines[-1] == ""  # newline-terminated
    assert [json.loads(line)["id"] for line in lines[:-1]] == ["a", "b", "c"]
    assert read_jsonl(out) == [RECORDS[1][0], RECORDS[2][0], RECORDS[0][0]]
    assert sorted(p.name for p in out.parent.iterdir()) == ["records.jsonl"]  # no temp files


def test_equal_sort_keys_keep_arrival_order(tmp_path):
    writer = AtomicJsonlWriter(tmp_path / "out.jsonl")
    for name in ("x", "y", "z"):
        writer.write({"id": name}, ("same",))
    assert [r["id"] for r in read_jsonl(writer.finish())] == ["x", "y", "z"]


def test_unfinished_writer_leaves_only_a_part_file(tmp_path):
    out = tmp_path / "records.jsonl"
    writer = AtomicJsonlWriter(out)
    for record, key in RECORDS:
        writer.write(record, key)
    writer.close()  # the process dies here: the OS closes the file, finish() never runs
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["records.jsonl.part"]


def test_crash_keeps_the_previous_complete_output(tmp_path):
    out = tmp_path / "records.jsonl"
    out.write_text('{"id": "old"}\n', encoding="utf-8")
    writer = AtomicJsonlWriter(out)
    writer.write({"id": "new"}, (0,))
    writer.close()  # crash before finish()
    assert read_jsonl(out) == [{"id": "old"}]


def test_write_atomically_replaces_the_whole_file(tmp_path):
    target = tmp_path / "dir" / "manifest.json"
    write_atomically(target, "first version\n")
    write_atomically(target, b"second\n")
    assert target.read_bytes() == b"second\n"
    assert [p.name for p in target.parent.iterdir()] == ["manifest.json"]


def test_read_jsonl_skips_blank_lines(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"a": 1}\n\n{"a": 2}\n', encoding="utf-8")
    assert read_jsonl(path) == [{"a": 1}, {"a": 2}]

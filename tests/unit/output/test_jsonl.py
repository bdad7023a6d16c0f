"""output.jsonl: the final JSONL file appears whole and sorted, or not at all."""
from __future__ import annotations

import json
import zlib

import pytest

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


# -- blocks: a page's records written at once, copied by range, verified by checksum -------------
from output.jsonl import Block, CorruptOutput, encode_line, verify_blocks  # noqa: E402


def write_pages(writer, pages):
    """pages: (sort key, [records]) written as blocks, in crawl order."""
    for key, records in pages:
        writer.write_lines([encode_line(record) for record in records], key, [r["id"] for r in records])


def test_blocks_stay_whole_and_sorted_with_single_records(tmp_path):
    writer = AtomicJsonlWriter(tmp_path / "out.jsonl")
    write_pages(writer, [(("b", 0), [{"id": "b1"}, {"id": "b2"}]), (("a", 0), [{"id": "a1"}])])
    writer.write({"id": "c1", "text": "ünï\u2028code"}, ("c", 0))
    write_pages(writer, [(("a", 1), [{"id": "a2"}, {"id": "a3"}])])
    out = writer.finish()
    assert [r["id"] for r in read_jsonl(out)] == ["a1", "a2", "a3", "b1", "b2", "c1"]
    assert writer.count == 6


def test_rewrite_groups_edit_only_their_records(tmp_path):
    writer = AtomicJsonlWriter(tmp_path / "out.jsonl")
    write_pages(writer, [((1, "p1", 0), [{"id": "x", "anchors": []}, {"id": "y", "anchors": []}]),
                         ((2, "p2", 0), [{"id": "z", "anchors": []}])])

    def add_old_anchor(records):
        records[1]["anchors"].append("old")

    out = writer.finish({"p1": add_old_anchor}, group_of=lambda key: key[1])
    assert read_jsonl(out) == [{"id": "x", "anchors": []}, {"id": "y", "anchors": ["old"]},
                               {"id": "z", "anchors": []}]


def test_a_duplicate_id_fails_the_final_file(tmp_path):
    out = tmp_path / "out.jsonl"
    writer = AtomicJsonlWriter(out)
    write_pages(writer, [((0,), [{"id": "same"}]), ((1,), [{"id": "same"}])])
    with pytest.raises(CorruptOutput, match="duplicate id same"):
        writer.finish()
    assert not out.exists()


def test_resumed_lines_are_kept_and_verified(tmp_path):
    out = tmp_path / "out.jsonl"
    first = AtomicJsonlWriter(out)
    write_pages(first, [((0,), [{"id": "kept"}])])
    first.close()   # killed here
    again = AtomicJsonlWriter(out, resume=True)
    [(offset, length, record)] = again.recovered
    again.add_existing((1,), offset, length)
    write_pages(again, [((0,), [{"id": "new"}])])
    assert [r["id"] for r in read_jsonl(again.finish())] == ["new", "kept"]


def test_verification_names_lines_that_are_not_what_was_written(tmp_path):
    path = tmp_path / "final.jsonl"
    line = encode_line({"id": "a", "text": "right"})
    blocks = [Block((), 0, len(line), 1, zlib.crc32(line))]
    path.write_bytes(line)
    verify_blocks(path, blocks)                         # as written: passes
    path.write_bytes(line.replace(b"right", b"wrong"))  # same length, other bytes
    with pytest.raises(CorruptOutput, match="lines 1-1 are not what was written"):
        verify_blocks(path, blocks)
    path.write_bytes(line[:-1])                         # torn
    with pytest.raises(CorruptOutput, match="0 lines written, 1 expected"):
        verify_blocks(path, blocks)
    path.write_bytes(line + line)                       # more than written
    with pytest.raises(CorruptOutput, match="more than the 1 lines written"):
        verify_blocks(path, blocks)

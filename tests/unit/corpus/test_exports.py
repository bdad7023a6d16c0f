"""Exports: the HF folder loads with ``datasets``, batch lines pass their schemas, files split
within the limits, and an existing folder is never overwritten by accident."""
from __future__ import annotations

import argparse
import json
import math

import pytest

from output.corpus import exports
from output.corpus.cli import register
from output.corpus.dedup import dedup_records
from output.corpus.exports import (BatchLimits, ExportError, export, split_of, validate_anthropic_request,
                            validate_chat_line, validate_openai_request)

from ..corpus_records import corpus


def kafka_records() -> list[dict]:
    return [record for record in corpus() if record["site"] == "kafka"]


def read_lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def load_hf(folder, cache):
    datasets = pytest.importorskip("datasets")
    return datasets.load_dataset(str(folder), cache_dir=str(cache))


@pytest.fixture(autouse=True)
def offline_hf(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")


def test_hf_export_loads_with_datasets(tmp_path, monkeypatch):
    monkeypatch.setattr(exports, "TEST_PERCENT", 50)       # both splits non-empty on a tiny corpus
    monkeypatch.setattr(exports, "ROWS_PER_SHARD", 3)       # several shards per split
    records = kafka_records()
    kept, _ = dedup_records(records, "exact")
    summary = export(records, "hf", tmp_path / "ds")
    dataset = load_hf(tmp_path / "ds", tmp_path / "cache")
    assert sum(dataset[split].num_rows for split in dataset) == len(kept) == summary["rows"] == 12
    for split in ("train", "test"):
        assert sorted(dataset[split]["id"]) == sorted(r["id"] for r in kept if split_of(r["id"]) == split)
        shards = [f for f in summary["files"] if f.startswith(f"data/{split}-")]
        assert shards[0] == f"data/{split}-00000-of-{len(shards):05d}.parquet"
        assert len(shards) == math.ceil(dataset[split].num_rows / 3) > 1
    row = next(r for r in dataset["train"].to_list() + dataset["test"].to_list()
               if r["anchors"] == ["introduction"])
    assert row["versions"] == ["0.9", "0.10", "2.0"] and len(row["duplicate_ids"]) == 2
    card = (tmp_path / "ds" / "README.md").read_text()
    assert "configs:" in card and "path: data/train-*" in card and "num_examples:" in card


def test_hf_card_credits_kafka_under_apache_2(tmp_path):
    export(kafka_records(), "hf", tmp_path / "ds", dedup="none")
    card = (tmp_path / "ds" / "README.md").read_text()
    header = card.split("---\n")[1]
    assert "license: apache-2.0\n" in header and "dataset_info:" in header
    assert "- name: versions\n    sequence: string" in header
    assert "**Apache Kafka documentation**" in card and "Apache License 2.0" in card
    assert "deduplication `none`: 21 records before" in card
    dataset = load_hf(tmp_path / "ds", tmp_path / "cache")
    assert sum(dataset[split].num_rows for split in dataset) == 21


def test_split_is_a_pure_function_of_the_id():
    ids = [f"record-{n}" for n in range(2000)]
    assert [split_of(i) for i in ids] == [split_of(i) for i in ids]
    assert 0.03 < sum(split_of(i) == "test" for i in ids) / len(ids) < 0.07


def test_openai_batch_lines(tmp_path):
    summary = export(kafka_records(), "openai-batch", tmp_path / "b", model="gpt-test")
    [name] = summary["files"]
    lines = read_lines(tmp_path / "b" / name)
    kept, _ = dedup_records(kafka_records(), "exact")
    assert [line["custom_id"] for line in lines] == [r["id"] for r in kept]
    assert all(validate_openai_request(line) == [] for line in lines)
    first = lines[0]
    assert first["method"] == "POST" and first["url"] == "/v1/chat/completions"
    assert first["body"]["model"] == "gpt-test"
    assert first["body"]["max_tokens"] == math.ceil(20 * 1.5) + 50
    assert first["body"]["messages"] == [{"role": "user", "content": kept[0]["prompt"]}]


def test_anthropic_batch_lines(tmp_path):
    summary = export(kafka_records(), "anthropic-batch", tmp_path / "b", dedup="none")
    lines = read_lines(tmp_path / "b" / summary["files"][0])
    assert len(lines) == 21 and all(validate_anthropic_request(line) == [] for line in lines)
    assert set(lines[0]) == {"custom_id", "params"}
    assert lines[0]["params"]["model"] == exports.DEFAULT_MODELS["anthropic-batch"]
    assert lines[0]["params"]["max_tokens"] == 80


@pytest.mark.parametrize("fmt", ["openai-batch", "anthropic-batch"])
def test_batch_files_split_by_request_count(tmp_path, monkeypatch, fmt):
    monkeypatch.setitem(exports.LIMITS, fmt, BatchLimits(max_requests=5, max_bytes=10**9))
    summary = export(kafka_records(), fmt, tmp_path / "b", dedup="none")
    assert summary["requests_per_file"] == [5, 5, 5, 5, 1]
    assert summary["files"][0] == "batch-00000-of-00005.jsonl"
    ids = [line["custom_id"] for name in summary["files"] for line in read_lines(tmp_path / "b" / name)]
    assert ids == [r["id"] for r in kafka_records()]                  # every request, in order


def test_batch_files_split_by_size(tmp_path, monkeypatch):
    monkeypatch.setitem(exports.LIMITS, "openai-batch", BatchLimits(max_requests=10**6, max_bytes=3000))
    summary = export(kafka_records(), "openai-batch", tmp_path / "b", dedup="none")
    sizes = [(tmp_path / "b" / name).stat().st_size for name in summary["files"]]
    assert len(sizes) > 2 and max(sizes) <= 3000
    assert sum(summary["requests_per_file"]) == 21


def test_a_request_over_the_byte_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setitem(exports.LIMITS, "openai-batch", BatchLimits(max_requests=10, max_bytes=100))
    with pytest.raises(ExportError, match="over the 100-byte file limit"):
        export(kafka_records(), "openai-batch", tmp_path / "b")
    assert not (tmp_path / "b").exists() and not (tmp_path / "b.tmp").exists()


def test_invalid_anthropic_custom_id_fails_validation(tmp_path):
    records = kafka_records()
    records[0] = {**records[0], "id": "not valid!"}
    with pytest.raises(ExportError, match=r"batch-00000-of-00001.jsonl:1: custom_id 'not valid!'"):
        export(records, "anthropic-batch", tmp_path / "b", dedup="none")
    assert not (tmp_path / "b").exists()


def test_chat_lines_with_and_without_response(tmp_path):
    records = kafka_records()
    records[0] = {**records[0], "response": "Kafka: distributed log; topics, partitions."}
    summary = export(records, "chat", tmp_path / "c", dedup="none")
    assert (summary["with_response"], summary["without_response"]) == (1, 20)
    lines = read_lines(tmp_path / "c" / "chat.jsonl")
    assert lines[0]["messages"][1] == {"role": "assistant", "content": records[0]["response"]}
    assert [m["role"] for m in lines[1]["messages"]] == ["user"]
    assert all(validate_chat_line(line) == [] for line in lines)


def test_validators_name_the_problems():
    assert validate_openai_request({"custom_id": "a"}) == ["must have exactly custom_id, method, url, body"]
    bad = {"custom_id": "a", "method": "GET", "url": "/v1/chat/completions",
           "body": {"model": "m", "messages": [{"role": "robot", "content": "x"}], "max_tokens": 0}}
    assert validate_openai_request(bad) == ["must be POST /v1/chat/completions",
                                            "body.max_tokens must be a positive integer",
                                            "message 0 has role 'robot'"]
    assert validate_chat_line({"messages": [{"role": "assistant", "content": "x"}]}) == [
        "the first message must be the user's"]
    assert validate_anthropic_request({"custom_id": "x" * 65, "params": {
        "model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}})[0].startswith(
        "custom_id 'xxx")


def test_refuses_to_overwrite_a_non_empty_folder(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    (target / "keep.txt").write_text("precious")
    with pytest.raises(ExportError, match="exists and is not empty; pass --force to replace it"):
        export(kafka_records(), "chat", target)
    assert (target / "keep.txt").read_text() == "precious"
    export(kafka_records(), "chat", target, force=True)
    assert sorted(p.name for p in target.iterdir()) == ["chat.jsonl"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]         # no .tmp or .old left


def test_empty_folder_is_used_and_cwd_is_protected(tmp_path, monkeypatch):
    (tmp_path / "empty").mkdir()
    export(kafka_records(), "chat", tmp_path / "empty")
    assert (tmp_path / "empty" / "chat.jsonl").exists()
    monkeypatch.chdir(tmp_path / "empty")
    with pytest.raises(ExportError, match="working or home directory"):
        export(kafka_records(), "chat", ".", force=True)


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="docprompts")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_export(tmp_path, capsys):
    source = tmp_path / "out.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in kafka_records()))
    assert run_cli(["export", str(source), "--to", "openai-batch", str(tmp_path / "b"),
                    "--dedup", "near", "--model", "m1"]) == 0
    out = capsys.readouterr().out
    assert "rows as openai-batch" in out and "dedup near: 21 -> 10 records" in out
    assert run_cli(["export", str(source), "--to", "openai-batch", str(tmp_path / "b")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pass --force" in err
    assert run_cli(["export", str(source), "--to", "chat", str(tmp_path / "b"), "--force"]) == 0
    assert run_cli(["export", str(tmp_path / "missing.jsonl"), "--to", "hf", str(tmp_path / "h")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_cli_dedup_writes_kept_records(tmp_path, capsys):
    source = tmp_path / "out.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in corpus()))
    assert run_cli(["dedup", str(source), "--mode", "exact", "-o", str(tmp_path / "d.jsonl")]) == 0
    out = capsys.readouterr().out
    assert "kafka\texact\trecords 21 -> 12" in out and "connect\texact\trecords 1 -> 1" in out
    assert len((tmp_path / "d.jsonl").read_text().splitlines()) == 13

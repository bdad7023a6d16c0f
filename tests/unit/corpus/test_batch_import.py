"""import-batch: OpenAI Batch output/error files and Anthropic Message Batches results, in the
shapes the two APIs document, joined to their records by custom_id and checked."""
from __future__ import annotations

import json

from output.corpus.batch_import import import_batch, read_results
from output.corpus.exports import export

from ..compress.sections import FAITHFUL, INVENTED, section_record

import pytest


def openai_success(custom_id: str, content: str, finish_reason: str = "stop") -> dict:
    """One line of an OpenAI Batch output file (a /v1/chat/completions response)."""
    return {"id": f"batch_req_{custom_id[:8]}", "custom_id": custom_id,
            "response": {"status_code": 200, "request_id": f"req_{custom_id[:6]}",
                         "body": {"id": "chatcmpl-abc123", "object": "chat.completion",
                                  "created": 1767225600, "model": "gpt-4o-mini-2024-07-18",
                                  "choices": [{"index": 0, "message": {"role": "assistant",
                                                                       "content": content,
                                                                       "refusal": None},
                                               "logprobs": None, "finish_reason": finish_reason}],
                                  "usage": {"prompt_tokens": 410, "completion_tokens": 120,
                                            "total_tokens": 530},
                                  "system_fingerprint": "fp_0123456789"}},
            "error": None}


def openai_error_line(custom_id: str) -> dict:
    """One line of an OpenAI Batch error file."""
    return {"id": f"batch_req_{custom_id[:8]}", "custom_id": custom_id, "response": None,
            "error": {"code": "batch_expired", "message": "This request could not be executed "
                                                          "before the completion window expired."}}


def openai_status_error(custom_id: str) -> dict:
    return {"id": f"batch_req_{custom_id[:8]}", "custom_id": custom_id,
            "response": {"status_code": 400, "request_id": "req_bad",
                         "body": {"error": {"message": "max_tokens is too large",
                                            "type": "invalid_request_error", "param": "max_tokens",
                                            "code": None}}},
            "error": None}


def anthropic_success(custom_id: str, text: str, stop_reason: str = "end_turn") -> dict:
    """One line of a Message Batch's results .jsonl."""
    return {"custom_id": custom_id,
            "result": {"type": "succeeded",
                       "message": {"id": "msg_014VwiXbi91y3JMjcpyGBHX5", "type": "message",
                                   "role": "assistant", "model": "claude-haiku-4-5",
                                   "content": [{"type": "text", "text": text}],
                                   "stop_reason": stop_reason, "stop_sequence": None,
                                   "usage": {"input_tokens": 420, "output_tokens": 118}}}}


def anthropic_errored(custom_id: str) -> dict:
    return {"custom_id": custom_id,
            "result": {"type": "errored",
                       "error": {"type": "error", "error": {"type": "invalid_request_error",
                                                            "message": "max_tokens: too large"}}}}


def write_lines(path, lines) -> str:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return str(path)


@pytest.fixture
def records():
    """Four versions of the same section plus a changed one: 3.7 and 3.8 share 3.9's text."""
    same = [section_record(version=version) for version in ("3.7", "3.8", "3.9")]
    other = section_record(text=section_record()["text"].replace("168 hours", "72 hours"),
                           version="4.0", anchor="retention")
    return same + [other]


def test_openai_output_and_error_files_join_by_custom_id(tmp_path, records):
    out = tmp_path / "out.jsonl"
    output = write_lines(tmp_path / "output.jsonl", [openai_success(records[2]["id"], FAITHFUL)])
    errors = write_lines(tmp_path / "errors.jsonl", [openai_error_line(records[3]["id"])])
    code, line = import_batch([output, errors], records, out, "corpus.jsonl")
    rows = [json.loads(text) for text in out.read_text().splitlines()]
    assert [row["id"] for row in rows] == [record["id"] for record in records]   # each once, in order
    latest = rows[2]
    assert latest["completion"] == FAITHFUL and latest["finish_reason"] == "stop"
    assert latest["model"] == "gpt-4o-mini-2024-07-18" and latest["checks"]["ok"]
    assert latest["usage"]["completion_tokens"] == 120
    # 3.7 and 3.8 were folded into 3.9 by the exact-dedup export: they take its completion
    assert rows[0]["completion"] == FAITHFUL and rows[0]["completion_from"] == records[2]["id"]
    assert rows[3]["completion"] is None and "batch_expired" in rows[3]["error"]
    manifest = json.loads((tmp_path / "out.jsonl.manifest.json").read_text())
    assert manifest["failures"] == [{"id": records[3]["id"], "version": "4.0", "url": records[3]["url"],
                                     "kind": "request_failed", "reason": rows[3]["error"]}]
    assert manifest["checks"]["ok"] == 3 and manifest["per_version"]["4.0"]["failed"] == 1
    assert code == 1 and "3 ok, 1 flagged" in line


def test_anthropic_results_with_planted_defects(tmp_path, records):
    out = tmp_path / "out.jsonl"
    results = write_lines(tmp_path / "results.jsonl", [
        anthropic_success(records[0]["id"], INVENTED),
        anthropic_success(records[1]["id"], ""),
        anthropic_success(records[2]["id"], FAITHFUL, stop_reason="max_tokens"),
        anthropic_errored(records[3]["id"])])
    code, _ = import_batch([results], records, out, "corpus.jsonl")
    rows = {json.loads(text)["version"]: json.loads(text) for text in out.read_text().splitlines()}
    assert "kafka-purge" in rows["3.7"]["checks"]["introduced_terms"]
    assert rows["3.8"]["checks"]["empty"]
    assert rows["3.9"]["checks"]["over_target"] and rows["3.9"]["finish_reason"] == "max_tokens"
    assert rows["4.0"]["checks"]["failed"] and "invalid_request_error" in rows["4.0"]["error"]
    assert rows["3.7"]["usage"] == {"prompt_tokens": 420, "completion_tokens": 118}
    manifest = json.loads((tmp_path / "out.jsonl.manifest.json").read_text())
    kinds = {entry["version"]: entry["kind"] for entry in manifest["failures"]}
    assert kinds == {"3.7": "checks", "3.8": "checks", "3.9": "checks", "4.0": "request_failed"}
    assert code == 1


def test_records_without_a_result_and_results_without_a_record(tmp_path, records):
    out = tmp_path / "out.jsonl"
    results = write_lines(tmp_path / "results.jsonl", [
        openai_success(records[2]["id"], FAITHFUL), openai_success("not-a-record", FAITHFUL),
        openai_status_error(records[2]["id"])])     # a failure never replaces a success
    code, line = import_batch([results], records, out, "corpus.jsonl")
    manifest = json.loads((tmp_path / "out.jsonl.manifest.json").read_text())
    assert manifest["unknown_custom_ids"] == ["not-a-record"]
    assert [entry["kind"] for entry in manifest["failures"]] == ["no_result"]
    assert manifest["failures"][0]["id"] == records[3]["id"]
    assert code == 1 and "1 results match no record" in line


def test_a_line_of_neither_format_is_refused_with_its_place(tmp_path):
    path = write_lines(tmp_path / "results.jsonl", [{"custom_id": "x", "output": "hello"}])
    with pytest.raises(ValueError, match="results.jsonl:1: neither"):
        read_results([path])


def test_results_of_our_own_batch_export_round_trip(tmp_path, records):
    """The custom_ids of `export --to openai-batch` are the record ids import-batch joins on."""
    summary = export(records, "openai-batch", tmp_path / "batch")
    requests = [json.loads(line) for line in (tmp_path / "batch" / summary["files"][0]).read_text().splitlines()]
    results = write_lines(tmp_path / "results.jsonl",
                          [openai_success(request["custom_id"], FAITHFUL) for request in requests])
    code, _ = import_batch([results], records, tmp_path / "out.jsonl", "corpus.jsonl")
    assert code == 0

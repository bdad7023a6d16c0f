"""Join batch-API results back to their records: a compressed corpus from a finished batch.

    docprompts import-batch RESULTS.jsonl [MORE.jsonl ...] --records CORPUS.jsonl --out OUT.jsonl

Two documented result formats, told apart line by line (a file may be either):

* OpenAI Batch output and error files: ``{"id", "custom_id", "response": {"status_code",
  "request_id", "body": <a chat completion>}, "error": null | {"code", "message"}}``;
* Anthropic Message Batches results: ``{"custom_id", "result": {"type": "succeeded", "message":
  <a Message>} | {"type": "errored", "error": {...}} | {"type": "canceled"} | {"type": "expired"}}``.

Results are joined to records by ``custom_id`` (= record ``id``, as ``export --to openai-batch``
and ``anthropic-batch`` wrote them). Those exports fold exact duplicates across versions into one
request (``--dedup exact``, the default): a record without a result of its own takes the
completion of the record its text was folded into (``completion_from`` names it) and is checked
against its own text. Every completion is checked like ``docprompts compress``'s. A failed
request, a record without a result and a result without a record are named in the manifest, and
the exit code is then 1.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from compress.results import (EXIT_OK, EXIT_PARTIAL, NO_RESULT, Checker, now_iso, summary_line,
                              write_manifest)

from output.corpus.dedup import dedup_records
from output.jsonl import AtomicJsonlWriter


class BatchFormatError(ValueError):
    """A results line that is neither format; the message names the file and line."""


class Result:
    """One request's outcome: a completion, or the reason there is none."""

    def __init__(self, custom_id: str, completion: str | None = None, finish_reason: str | None = None,
                 model: str | None = None, usage: dict | None = None, error: str | None = None) -> None:
        self.custom_id, self.completion, self.finish_reason = custom_id, completion, finish_reason
        self.model, self.usage, self.error = model, usage, error


def parse_openai(line: dict) -> Result:
    custom_id = line["custom_id"]
    if line.get("error"):
        error = line["error"]
        return Result(custom_id, error=f"{error.get('code')}: {error.get('message')}")
    response = line.get("response")
    if not isinstance(response, dict):
        return Result(custom_id, error="no response")
    body = response.get("body") or {}
    if response.get("status_code") != 200:
        message = (body.get("error") or {}).get("message") if isinstance(body, dict) else body
        return Result(custom_id, error=f"HTTP {response.get('status_code')}: {message}")
    choices = body.get("choices") or []
    if not choices:
        return Result(custom_id, error="the answer has no choices")
    return Result(custom_id, completion=(choices[0].get("message") or {}).get("content") or "",
                  finish_reason=choices[0].get("finish_reason"), model=body.get("model"),
                  usage=body.get("usage"))


def parse_anthropic(line: dict) -> Result:
    custom_id, result = line["custom_id"], line["result"]
    kind = result.get("type")
    if kind == "succeeded":
        message = result.get("message") or {}
        text = "".join(block.get("text", "") for block in message.get("content") or []
                       if block.get("type") == "text")
        usage = message.get("usage") or {}
        return Result(custom_id, completion=text, finish_reason=message.get("stop_reason"),
                      model=message.get("model"),
                      usage={"prompt_tokens": usage.get("input_tokens"),
                             "completion_tokens": usage.get("output_tokens")})
    if kind == "errored":
        error = result.get("error") or {}
        inner = error.get("error") if isinstance(error.get("error"), dict) else error
        return Result(custom_id, error=f"errored: {inner.get('type')}: {inner.get('message')}")
    return Result(custom_id, error=f"{kind or 'unknown result type'}")   # canceled, expired


def parse_line(line: object, where: str) -> Result:
    if not isinstance(line, dict) or not isinstance(line.get("custom_id"), str):
        raise BatchFormatError(f"{where}: not a batch result (no custom_id)")
    try:
        if isinstance(line.get("result"), dict):
            return parse_anthropic(line)
        if "response" in line or "error" in line:
            return parse_openai(line)
    except (AttributeError, TypeError, KeyError) as error:
        raise BatchFormatError(f"{where}: malformed result ({error})") from None
    raise BatchFormatError(f"{where}: neither an OpenAI Batch output line nor an Anthropic "
                           f"Message Batches result")


def read_results(paths: list[str]) -> dict[str, Result]:
    """Every result by custom_id; a success wins over a failure of the same id (a retried batch)."""
    results: dict[str, Result] = {}
    for path in paths:
        with open(path, "rb") as stream:
            for number, raw in enumerate(stream, 1):
                if not raw.strip():
                    continue
                try:
                    line = json.loads(raw)
                except (ValueError, UnicodeDecodeError):
                    raise BatchFormatError(f"{path}:{number}: not JSON") from None
                result = parse_line(line, f"{path}:{number}")
                earlier = results.get(result.custom_id)
                if earlier is None or (earlier.completion is None and result.completion is not None):
                    results[result.custom_id] = result
    return results


def folded_into(records: list[dict]) -> dict[str, str]:
    """Record id -> id of the record an exact-dedup export sent in its place."""
    kept, _ = dedup_records(records, "exact")
    return {dropped: record["id"] for record in kept for dropped in record.get("duplicate_ids", [])}


def import_batch(result_paths: list[str], records: list[dict], out_path: str | Path,
                 records_path: str, min_kept_terms: float = 0.0) -> tuple[int, str]:
    started, started_at = time.monotonic(), now_iso()
    results = read_results(result_paths)
    stand_in = folded_into(records)
    checker = Checker(min_kept_terms)
    writer = AtomicJsonlWriter(out_path)
    outputs = []
    for position, record in enumerate(records):
        result = results.get(record["id"])
        source = record["id"]
        if result is None and stand_in.get(record["id"]) in results:
            source = stand_in[record["id"]]
            result = results[source]
        if result is None:
            out = checker.output_record(record, None, None, "", error=NO_RESULT)
        else:
            out = checker.output_record(record, result.completion, result.finish_reason,
                                        result.model or "", error=result.error, usage=result.usage)
            if source != record["id"]:
                out["completion_from"] = source
        writer.write(out, (position,))
        outputs.append(out)
    writer.finish()
    known = {record["id"] for record in records}
    unknown = sorted(custom_id for custom_id in results if custom_id not in known)
    manifest = write_manifest(out_path, "import-batch", outputs, started, started_at,
                              input=[str(path) for path in result_paths], records_file=str(records_path),
                              model=sorted({out["model"] for out in outputs if out["model"]}),
                              results=len(results), unknown_custom_ids=unknown,
                              settings={"min_kept_terms": min_kept_terms})
    writer.discard_journal()
    code = EXIT_PARTIAL if manifest["failed_requests"] or unknown else EXIT_OK
    line = summary_line("import-batch", out_path, manifest)
    if unknown:
        line += f"; {len(unknown)} results match no record"
    return code, line

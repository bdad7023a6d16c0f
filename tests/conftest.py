"""Shared fixtures: run the real CLI (real Scrapy engine) in a subprocess against local servers."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest
from filelock import FileLock

PROJECT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("DOCPROMPTS_SHARED", PROJECT.parent / "shared"))

# The modules that keep one pytest-xdist worker busy longest (a module stays on one worker: its
# shared crawl runs once), longest first, from `pytest --durations` (docs/testing.md). Run first,
# none of them is left running alone at the end while the other workers idle. The rest follow in
# collection order. Only the order changes, never what runs.
LONGEST_FIRST = (
    "tests/integration/test_resume_and_incremental.py",   # ten crawls killed and resumed
    "tests/integration/test_distributed.py",
    "tests/acceptance/test_kafka_mirror.py",          # the whole mirror, then Chromium's text of it
    "tests/acceptance/test_distributed_mirror.py",    # the mirror again, over Redis, a worker killed
    # A worker holds one test back until it has the next (pytest needs the next item to tear
    # down), so the module handed out right after a one-test module waits behind it: a short one,
    # of three tests in the full suite and in the slow set alike.
    "tests/hostile/test_orphans.py",
    "tests/integration/test_compress.py",             # a llama.cpp server answering completions
    "tests/integration/test_render_browser.py",       # Chromium renders every page
    "tests/acceptance/test_kafka_hugo_mirror.py",
    "tests/integration/test_themes_by_url.py",
    "tests/integration/test_crawl_by_url.py",
    "tests/hostile/test_workers.py",
    "tests/hostile/test_traps.py",
    "tests/hostile/test_signals.py",
    "tests/integration/test_no_documentation_server.py",
    "tests/integration/test_sitemaps.py",
    # the longest of the fast set (`-m "not slow"`)
    "tests/integration/test_site_profiles.py",
    "tests/integration/test_faults.py",               # waits out timeouts and Retry-After
    "tests/integration/test_published_themes.py",
    "tests/hostile/test_output.py",
    "tests/integration/test_generator_sites.py",
    "tests/unit/site/test_profiles.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest modules first (pyproject's `--dist loadfile --no-loadscope-reorder` hands the
    modules to the workers in this order); each module's tests keep their order."""
    rank = {module: place for place, module in enumerate(LONGEST_FIRST)}

    def longest_first(position_and_item: tuple[int, pytest.Item]) -> tuple[int, int]:
        position, item = position_and_item
        return rank.get(item.nodeid.split("::")[0], len(rank)), position

    items[:] = [item for _, item in sorted(enumerate(items), key=longest_first)]


def run_docprompts(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    """``docprompts ARGS`` as a user runs it (a fresh process: Twisted's reactor runs once)."""
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], cwd=PROJECT,
                          capture_output=True, text=True, timeout=timeout)


def read_records(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as stream:
        return [json.loads(line) for line in stream]


def read_manifest(path: Path) -> dict:
    return json.loads(Path(str(path) + ".manifest.json").read_text())


def free_port() -> str:
    """A loopback port nobody listens on (for servers started by a script that takes a port):
    several checkouts may run the same test at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


@pytest.fixture(scope="session")
def once_per_run(tmp_path_factory) -> Callable[[str, Callable[[Path], dict]], tuple[Path, dict]]:
    """``once_per_run(name, make)``: ``make(folder)`` runs once in the whole test run, even across
    pytest-xdist's workers, and every caller gets ``(folder, what make returned)``. The first worker
    to ask makes it under a file lock; the others wait for it and read the same folder (pytest-xdist's
    documented pattern: the workers' temporary folders share one parent per run). For an expensive
    setup that several modules read and none changes, e.g. the same crawl: callers must not write there."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base

    def once(name: str, make: Callable[[Path], dict]) -> tuple[Path, dict]:
        folder, answer = root / f"once-{name}", root / f"once-{name}.json"
        with FileLock(f"{folder}.lock"):
            if not answer.exists():           # written last: a make that died leaves none
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir()
                answer.write_text(json.dumps(make(folder)))
            return folder, json.loads(answer.read_text())

    return once


@pytest.fixture(scope="session")
def demo_crawl(once_per_run) -> tuple[Path, subprocess.CompletedProcess]:
    """``docprompts demo --out demo.jsonl`` run once per test run (several modules read its output,
    none writes there): the output path and the finished process."""
    def crawl(folder: Path) -> dict:
        result = run_docprompts("demo", "--out", str(folder / "demo.jsonl"))
        return {"args": result.args, "returncode": result.returncode,
                "stdout": result.stdout, "stderr": result.stderr}

    folder, result = once_per_run("demo", crawl)
    return folder / "demo.jsonl", subprocess.CompletedProcess(**result)

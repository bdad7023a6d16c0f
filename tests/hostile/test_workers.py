"""Pages whose processing fails, whose worker dies or hangs: failed by kind, never lost (exit 1)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ..conftest import PROJECT, read_manifest
from .server import html, page, serve_hostile

pytestmark = pytest.mark.timeout(300)
PROFILE = "tests/hostile/profile.toml"
GOOD = ["a", "b", "c", "d", "e", "f"]


def topic(name: str, extra: str = "") -> str:
    return (f"<h1 id='{name}'>Topic {name}</h1><p>The {name} page explains one part of the tool in a "
            f"few sentences so that it holds enough words to make a record of its own.</p>"
            f"<h2 id='{name}-more'>More on {name}</h2><p>Details about {name}: settings, defaults "
            f"and the reasons behind them, written out in full for the reader.</p>{extra}")


def site(misbehaving: dict[str, str], extra_pages: dict[str, str] | None = None):
    """Release 1.0: good pages plus one page per misbehaving plugin command."""
    names = GOOD + list(misbehaving) + list(extra_pages or {})
    links = "".join(f"<li><a href='/docs/1.0/{name}.html'>{name}</a></li>" for name in names)

    def route(path: str):
        if path == "/docs/index.html":
            return html(page("Docs", "<h1>Docs</h1><p>Release list.</p>", "<li><a href='/docs/1.0/'>1.0</a></li>"))
        if path == "/docs/1.0/":
            return html(page("Index", f"<h1 id='index'>Release 1.0</h1><p>Every page of this release "
                                      f"is linked from here, one per topic.</p><ul>{links}</ul>"))
        name = path.removeprefix("/docs/1.0/").removesuffix(".html")
        if name in GOOD:
            return html(page(name, topic(name)))
        if name in misbehaving:
            return html(page(name, topic(name), f"<li><a href='/docs/1.0/'>{misbehaving[name]}</a></li>"))
        if extra_pages and name in extra_pages:
            return html(page(name, topic(name, extra_pages[name])))
        return None
    return route


def crawl(base_url: str, out, *options: str, env: dict | None = None, timeout: int = 240):
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", "crawl", "--profile", PROFILE, "--base-url", base_url,
         "--out", str(out), *options], cwd=PROJECT, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})})


def records_by_page(out) -> dict[str, int]:
    pages: dict[str, int] = {}
    for line in open(out, encoding="utf-8"):
        url = json.loads(line)["url"].split("#")[0]
        pages[url] = pages.get(url, 0) + 1
    return pages


def failure_kinds(manifest: dict) -> dict[str, str]:
    return {failure["url"].rsplit("/", 1)[-1]: failure["kind"] for failure in manifest["failures"]}


def test_killed_and_failing_workers_lose_no_page(tmp_path):
    """A worker SIGKILLed (always, or once), a plugin that raises: the run goes on, every other
    page is in the output, the pages that cannot be done are failures with their kind, exit 1."""
    misbehaving = {"boom": "raise", "oom": "kill", "oom-once": "kill-once"}
    out = tmp_path / "out.jsonl"
    with serve_hostile(site(misbehaving)) as server:
        result = crawl(server.base_url, out, "--workers", "2", env={"HOSTILE_MARKERS": str(tmp_path)})
    assert result.returncode == 1, result.stderr
    manifest = read_manifest(out)
    kinds = failure_kinds(manifest)
    assert kinds == {"boom.html": "processing", "oom.html": "worker_died"}, manifest["failures"]
    done = records_by_page(out)
    for name in GOOD + ["oom-once"]:   # the page killed once was retried and done
        assert done.get(f"{server.base_url}/docs/1.0/{name}.html"), (name, sorted(done))
    assert manifest["pages_failed"] == 2
    assert manifest["records"] == sum(done.values())
    assert "Traceback" not in result.stderr


def test_page_over_the_time_limit_fails_and_the_rest_is_done(tmp_path):
    out = tmp_path / "out.jsonl"
    with serve_hostile(site({"stuck": "sleep"})) as server:
        result = crawl(server.base_url, out, "--workers", "1", "--page-timeout", "2",
                       env={"HOSTILE_SLEEP": "120"}, timeout=120)
    assert result.returncode == 1, result.stderr
    manifest = read_manifest(out)
    assert failure_kinds(manifest) == {"stuck.html": "processing_timeout"}
    done = records_by_page(out)
    assert all(done.get(f"{server.base_url}/docs/1.0/{name}.html") for name in GOOD), sorted(done)


def test_an_ordered_list_with_a_junk_start_is_extracted(tmp_path):
    """``<ol start="i">`` and a 5000-digit start used to raise and drop the page with exit 0."""
    junk = {"roman": "<ol start='i'><li>first roman step</li><li>second roman step</li></ol>",
            "huge": f"<ol start='{'9' * 5000}'><li>first huge step</li></ol>"}
    out = tmp_path / "out.jsonl"
    with serve_hostile(site({}, junk)) as server:
        result = crawl(server.base_url, out, "--workers", "1")
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert "1. first roman step" in text and "2. second roman step" in text
    assert "1. first huge step" in text
    assert read_manifest(out)["pages_failed"] == 0


def test_with_state_a_failed_page_keeps_its_records(tmp_path):
    """A page that fails on a re-run is not 'removed': its records stay in the state."""
    state, out1, out2 = tmp_path / "state", tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    failing = {"name": ""}

    def route(path):
        if failing["name"] and path == f"/docs/1.0/{failing['name']}.html":
            return html(page("x", topic("x") + "<p>changed</p>", "<li><a href='/docs/1.0/'>raise</a></li>"))
        return site({})(path)

    with serve_hostile(route) as server:
        first = crawl(server.base_url, out1, "--workers", "1", "--state", str(state))
        assert first.returncode == 0, first.stderr
        failing["name"] = "c"
        second = crawl(server.base_url, out2, "--workers", "1", "--state", str(state))
    assert second.returncode == 1, second.stderr
    removed = (tmp_path / "two.removed.jsonl").read_text()
    assert removed == "", removed
    saved = json.loads((state / "hostile.json").read_text())
    assert saved["pages"]["/docs/1.0/c.html"]["records"], "the failed page's records were forgotten"
    assert failure_kinds(read_manifest(out2)) == {"c.html": "processing"}
